"""Serializers for the step API; every field is listed, and server-owned ones are read-only."""

import re
from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.fields import StrictCharField, StrictIntegerField, StrictTypesMixin
from flows.api.serializers import TreeStructureField
from steplibrary.duplicates import duplicates_of
from steplibrary.merge import STATUS_CHOICES
from steplibrary.models import (
    ALLOWED_FINDING_FIELDS,
    OUTCOME_FIELDS,
    LibraryStep,
    Notice,
    SecretAllowance,
    StepRevision,
    Visibility,
)
from steplibrary.selectors import upstream_flags

_DATETIME = serializers.DateTimeField()  # DRF's own datetime output format


class StepCommandSerializer(serializers.Serializer):
    label = StrictCharField(max_length=255, allow_blank=True, default="")
    command = StrictCharField(max_length=20_000, trim_whitespace=False)
    command_type = StrictCharField(max_length=255, allow_null=True, allow_blank=True, default=None)


class StepContentSerializer(serializers.Serializer):
    instructions = StrictCharField(max_length=20_000)
    help_text = StrictCharField(max_length=20_000, allow_null=True, allow_blank=True, default=None)
    commands = StepCommandSerializer(many=True, default=list, max_length=50)
    group_label = StrictCharField(max_length=255, allow_null=True, allow_blank=True, default=None)


class StoredStepContentSerializer(StepContentSerializer):
    """Validates content on the way in; on the way out, stored content is already clean
    (every write is validated, the sync builds it), so it is passed through as it is."""

    def to_representation(self, instance):
        return {
            "instructions": instance.get("instructions", ""),
            "help_text": instance.get("help_text"),
            "commands": instance.get("commands") or [],
            "group_label": instance.get("group_label"),
        }


_STORED_CONTENT = StoredStepContentSerializer()  # stateless on the way out: one for every row


class DuplicatesSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    ids = serializers.ListField(child=serializers.UUIDField())


class DuplicateSourceSerializer(serializers.Serializer):
    """One other copy of an entry: where it lives (the flow's name only for readers who may
    open it), and its own counters."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    is_flow_synced = serializers.BooleanField()
    source_tree = serializers.UUIDField(source="source_tree_id", allow_null=True)
    source_tree_name = serializers.CharField(allow_null=True, default=None)
    created_by_username = serializers.CharField(allow_null=True, default=None)
    usage_count = serializers.IntegerField()
    rating_count = serializers.IntegerField()
    rating_avg = serializers.FloatField()


class LibraryStepSerializer(StrictTypesMixin, serializers.ModelSerializer):
    content = StoredStepContentSerializer()
    source_tree_name = serializers.CharField(read_only=True, allow_null=True, default=None)
    created_by_username = serializers.CharField(read_only=True, allow_null=True, default=None)
    my_rating = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    revision = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    source_revision = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    upstream_changed = serializers.SerializerMethodField()
    source_retired = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()

    class Meta:
        model = LibraryStep
        fields = [
            "id",
            "title",
            "step_type",
            "content",
            "visibility",
            "created_by",
            "created_by_username",
            "account",
            "usage_count",
            *OUTCOME_FIELDS,
            "rating_count",
            "rating_avg",
            "my_rating",
            "is_active",
            "is_flow_synced",
            "source_tree",
            "source_tree_name",
            "source_node_id",
            "last_synced_at",
            "forked_from",
            "forked_from_revision",
            "revision",
            "source_revision",
            "upstream_changed",
            "source_retired",
            "can_edit",
            "duplicates",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "created_by",
            "account",
            "usage_count",
            *OUTCOME_FIELDS,
            "rating_count",
            "rating_avg",
            "is_active",
            "is_flow_synced",
            "source_tree",
            "source_node_id",
            "last_synced_at",
            "forked_from",
            "forked_from_revision",
            "version",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, step: LibraryStep) -> dict:
        """The same fields DRF's generic path produces (a test holds them equal), built
        directly: lists of 100 entries are the hot path of the library."""
        as_datetime = self._datetime.to_representation
        request = self.context.get("request")
        user_id = request.user.pk if request else None
        upstream_changed, source_retired = upstream_flags(step)
        return {
            "id": str(step.pk),
            "title": step.title,
            "step_type": step.step_type,
            "content": _STORED_CONTENT.to_representation(step.content or {}),
            "visibility": step.visibility,
            "created_by": step.created_by_id,
            "created_by_username": getattr(step, "created_by_username", None),
            "account": step.account_id,
            "usage_count": step.usage_count,
            "run_count": step.run_count,
            "success_count": step.success_count,
            "failure_count": step.failure_count,
            "last_used_at": as_datetime(step.last_used_at) if step.last_used_at else None,
            "works_best": step.works_best,
            "solution_reached_count": step.solution_reached_count,
            "solution_resolved_count": step.solution_resolved_count,
            "rating_count": step.rating_count,
            "rating_avg": step.rating_avg,
            "my_rating": getattr(step, "my_rating", None),
            "is_active": step.is_active,
            "is_flow_synced": step.is_flow_synced,
            "source_tree": str(step.source_tree_id) if step.source_tree_id else None,
            "source_tree_name": getattr(step, "source_tree_name", None),
            "source_node_id": step.source_node_id,
            "last_synced_at": as_datetime(step.last_synced_at) if step.last_synced_at else None,
            "forked_from": str(step.forked_from_id) if step.forked_from_id else None,
            "forked_from_revision": step.forked_from_revision,
            "revision": getattr(step, "revision", None),
            "source_revision": getattr(step, "source_revision", None),
            "upstream_changed": upstream_changed,
            "source_retired": source_retired,
            "can_edit": step.is_editable_by(user_id),
            "duplicates": duplicates_of(step),
            "version": step.version,
            "created_at": as_datetime(step.created_at),
            "updated_at": as_datetime(step.updated_at),
        }

    @cached_property
    def _datetime(self) -> serializers.DateTimeField:
        # DRF's own output format, with the current time zone looked up once per list rather
        # than three times per row.
        return serializers.DateTimeField(default_timezone=_DATETIME.default_timezone())

    def generic_representation(self, step: LibraryStep) -> dict:
        """DRF's field-by-field output, kept for the test that pins `to_representation` to it."""
        return super().to_representation(step)

    def get_upstream_changed(self, step: LibraryStep) -> bool:
        return upstream_flags(step)[0]

    def get_source_retired(self, step: LibraryStep) -> bool:
        return upstream_flags(step)[1]

    @extend_schema_field(DuplicatesSerializer(allow_null=True))
    def get_duplicates(self, step: LibraryStep) -> dict | None:
        """In lists: the other entries with the same title, instructions and commands that the
        caller may see (count, and ids). Null when the entry is read on its own."""
        return duplicates_of(step)

    def get_can_edit(self, step: LibraryStep) -> bool:
        request = self.context.get("request")
        return step.is_editable_by(request.user.pk if request else None)


class ForkSerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PRIVATE)
    title = StrictCharField(max_length=255, required=False)


class RateSerializer(serializers.Serializer):
    score = StrictIntegerField(min_value=1, max_value=5)


class StepRevisionSerializer(serializers.ModelSerializer):
    content = StoredStepContentSerializer(read_only=True)

    class Meta:
        model = StepRevision
        fields = [
            "number",
            "title",
            "step_type",
            "visibility",
            "content",
            "source_tree",
            "published_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RevisionDiffQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword; the query parameter names are mapped in the view.
    older = serializers.IntegerField(min_value=0, max_value=2**31, required=False)
    newer = serializers.IntegerField(min_value=1, max_value=2**31, required=False)


class NoticeSerializer(serializers.ModelSerializer):
    # Composed when read: names the source flow only when the reader may open it now.
    message = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "kind", "message", "source_step", "fork", "tree", "created_at", "read_at"]
        read_only_fields = fields


class RevisionDiffSerializer(serializers.Serializer):
    """selectors.RevisionDiff: `from` null when the diff is from nothing."""

    changes = serializers.DictField(help_text="Per changed field: {from, to}; content per key.")

    def get_fields(self):
        # `from` is a Python keyword: these two are declared here rather than as attributes.
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField(source="older", allow_null=True)
        fields["to"] = serializers.IntegerField(source="newer")
        return fields


class UsageFlowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class UsageForkSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    created_by_username = serializers.CharField(source="created_by.username", default=None, allow_null=True)


class StepUsageSerializer(serializers.Serializer):
    """selectors.StepUsage: where an entry is used, as far as the reader may see."""

    usage_count = serializers.IntegerField()
    flow_count = serializers.SerializerMethodField()
    fork_count = serializers.IntegerField(help_text="Every active fork; `forks` lists those you may see.")
    flows = UsageFlowSerializer(many=True, help_text="Other flows using the entry that you may open.")
    forks = UsageForkSerializer(many=True)

    def get_flow_count(self, usage) -> int:
        return len(usage.flows)


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many updates this call marked as read.")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=500
    )


def _refuse_unstorable(value, path: str = "") -> None:
    """Lone surrogates and NUL pass JSON parsing but no database stores them: refuse them in
    any string of the body, keys included, naming where."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, dict):
            strings = [key for key in item if isinstance(key, str)]
            stack.extend((f"{where}.{key}" if where else str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            strings = []
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
        else:
            strings = []
        for text in strings:
            if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
                problem = ["contains an invalid character"]
                raise serializers.ValidationError({where or "non_field_errors": problem})


class SecretAllowanceSerializer(serializers.ModelSerializer):
    created_by_username = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = SecretAllowance
        fields = ["id", *ALLOWED_FINDING_FIELDS, "created_by", "created_by_username", "created_at"]
        read_only_fields = fields


class _SecretAllowRequestSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=5000, trim_whitespace=False)
    fingerprint = serializers.RegexField(r"^[0-9a-f]{32}$", max_length=32)

    def to_internal_value(self, data):
        _refuse_unstorable(data)
        return super().to_internal_value(data)


class TreeSecretAllowRequestSerializer(_SecretAllowRequestSerializer):
    """Marks a finding of a flow a false positive. `tree_structure` and `name` are what the
    editor is about to publish (the saved flow when absent): the finding is looked up there."""

    tree_structure = TreeStructureField(required=False)
    name = serializers.CharField(max_length=255, required=False)


class StepSecretAllowRequestSerializer(_SecretAllowRequestSerializer):
    """The same for a manual entry or a fork, with the title and content about to be saved."""

    title = serializers.CharField(max_length=255, required=False)
    content = StepContentSerializer(required=False)


# The fields the three-way merge compares; a resolution must name one of them.
_MERGE_FIELD = re.compile(
    r"(title|step_type|instructions|help_text|group_label|commands\[(0|[1-9][0-9]{0,2})\])"
)


def _printable(text: str) -> str:
    """`text` safe to echo in JSON: lone surrogates and control characters escaped."""
    escaped = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in escaped)[:100]


class UpstreamAcceptSerializer(serializers.Serializer):
    # Checked by hand below: DRF's own messages echo keys and values, and a hostile one (a lone
    # surrogate) must not reach the JSON renderer.
    resolutions = serializers.JSONField(
        required=False,
        default=dict,
        help_text='Per conflicting field, "mine" or "theirs": {"title": "theirs", "commands[1]": "mine"}.',
    )
    source_revision = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        help_text="The source revision the owner reviewed; if the source has moved on since, 409.",
    )

    def validate_resolutions(self, value) -> dict[str, str]:
        if not isinstance(value, dict):
            raise serializers.ValidationError('Expected an object such as {"title": "mine"}.')
        if len(value) > 100:
            raise serializers.ValidationError("At most 100 resolutions.")
        errors = {}
        for key, choice in value.items():
            if not _MERGE_FIELD.fullmatch(key):
                errors[_printable(key)] = [UNKNOWN_MERGE_FIELD]
            elif choice not in ("mine", "theirs"):
                errors[key] = ['Choose "mine" or "theirs".']
        if errors:
            raise serializers.ValidationError(errors)
        return value


UNKNOWN_MERGE_FIELD = (
    "Not a merged field (title, step_type, instructions, help_text, group_label, commands[n])."
)


class MergeFieldSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="title, step_type, instructions, help_text, group_label or commands[n]"
    )
    base = serializers.JSONField(allow_null=True)
    mine = serializers.JSONField(allow_null=True)
    theirs = serializers.JSONField(allow_null=True)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)


class UpstreamSerializer(serializers.Serializer):
    source = serializers.UUIDField()
    forked_from_revision = serializers.IntegerField(allow_null=True)
    base_revision = serializers.IntegerField(allow_null=True)
    source_revision = serializers.IntegerField(allow_null=True)
    upstream_changed = serializers.BooleanField()
    source_retired = serializers.BooleanField()
    changes = serializers.DictField(help_text="What the source changed since base (as in revisions/diff).")
    merge = MergeFieldSerializer(many=True, help_text="Every compared field, in display order.")
    conflicts = serializers.ListField(child=serializers.CharField())


class MergeConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = serializers.ListField(
        child=serializers.CharField(), help_text="Fields still needing a choice."
    )
    source_revision = serializers.IntegerField()
    merge = MergeFieldSerializer(many=True)


class TakedownSerializer(serializers.Serializer):
    """A step of a flow whose library entry support staff took down."""

    node_id = serializers.CharField(source="source_node_id")
    step_id = serializers.UUIDField(source="pk")
    title = serializers.CharField()
    reason = serializers.CharField(source="takedown_reason")
    taken_down_at = serializers.DateTimeField()
