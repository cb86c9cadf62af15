"""Serializers for the session API: typed requests, and responses with every field listed."""

from rest_framework import serializers

from flows.variables import MAX_VALUE_LENGTH, MAX_VARIABLES
from flows.variables import NAME as VARIABLE_NAME
from runs.models import FINISHED_STATUS_CHOICES, AdhocStep, EventOutcome, Session, SessionEvent


class SessionCreateSerializer(serializers.Serializer):
    tree = serializers.UUIDField()
    title = serializers.CharField(max_length=255, allow_blank=True, default="")
    variables = serializers.DictField(
        child=serializers.CharField(max_length=MAX_VALUE_LENGTH, allow_blank=True, trim_whitespace=False),
        default=dict,
        help_text="Values of the flow's non-secret variables, by name; any value for a secret "
        "variable is refused (secret values stay in the browser). Omitted ones take their default.",
    )

    def validate_variables(self, value: dict) -> dict:
        if len(value) > MAX_VARIABLES:
            raise serializers.ValidationError(f"At most {MAX_VARIABLES} variables.")
        # The offending names are not echoed: they may hold bytes that cannot be encoded.
        if not all(VARIABLE_NAME.match(name) for name in value):
            raise serializers.ValidationError(
                "Each variable name is a letter or _ followed by up to 63 letters, digits or _."
            )
        return value


def optional_node_id(help_text: str) -> serializers.CharField:
    """A node of the run's flow that the client may leave out or send as null."""
    return serializers.CharField(
        max_length=255, required=False, allow_null=True, default=None, help_text=help_text
    )


class EventCreateSerializer(serializers.Serializer):
    event_id = serializers.UUIDField(help_text="Chosen by the client; the same id again records nothing new.")
    node_id = serializers.CharField(max_length=255)
    outcome = serializers.ChoiceField(choices=EventOutcome.choices)
    note = serializers.CharField(max_length=10_000, allow_blank=True, default="", trim_whitespace=False)
    next_node_id = optional_node_id("Troubleshooting: the child node the chosen answer leads to.")


class AdhocCreateSerializer(serializers.Serializer):
    step = serializers.UUIDField(help_text="A library entry you may see.")
    after_node_id = optional_node_id("Where in the run; null: at the end.")


class FinishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FINISHED_STATUS_CHOICES)
    summary = serializers.CharField(max_length=20_000, allow_blank=True, default="", trim_whitespace=False)


class SessionEventSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = SessionEvent
        fields = [
            "event_id",
            "node_id",
            "outcome",
            "note",
            "next_node_id",
            "answer",
            "user",
            "username",
            "created_at",
        ]
        read_only_fields = fields


class AdhocStepSerializer(serializers.ModelSerializer):
    added_by_username = serializers.CharField(source="added_by.username", read_only=True, default=None)
    content = serializers.JSONField(read_only=True)

    class Meta:
        model = AdhocStep
        fields = [
            "node_id",
            "step",
            "title",
            "content",
            "after_node_id",
            "added_by",
            "added_by_username",
            "created_at",
        ]
        read_only_fields = fields


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    joined_at = serializers.DateTimeField()


class SessionListSerializer(serializers.ModelSerializer):
    tree_name = serializers.CharField(source="tree.name", read_only=True)
    started_by_username = serializers.CharField(source="started_by.username", read_only=True, default=None)

    class Meta:
        model = Session
        fields = [
            "id",
            "tree",
            "tree_name",
            "tree_type",
            "title",
            "status",
            "summary",
            "published_at",
            "started_by",
            "started_by_username",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields


class SessionTimelineSerializer(serializers.Serializer):
    """What changes while a session runs: polled by the run page every few seconds."""

    status = serializers.CharField()
    events = SessionEventSerializer(many=True)
    adhoc_steps = AdhocStepSerializer(many=True)
    participants = ParticipantSerializer(many=True, source="memberships")


class SessionSerializer(SessionListSerializer):
    structure = serializers.JSONField(
        read_only=True, help_text="The pinned published structure the session runs."
    )
    variables = serializers.DictField(child=serializers.CharField(), read_only=True)
    is_participant = serializers.BooleanField(read_only=True, default=False)
    participants = ParticipantSerializer(many=True, source="memberships", read_only=True)
    events = SessionEventSerializer(many=True, read_only=True)
    adhoc_steps = AdhocStepSerializer(many=True, read_only=True)

    class Meta(SessionListSerializer.Meta):
        fields = [
            *SessionListSerializer.Meta.fields,
            "finished_by",
            "structure",
            "variables",
            "is_participant",
            "participants",
            "events",
            "adhoc_steps",
        ]
        read_only_fields = fields
