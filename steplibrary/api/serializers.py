"""Serializers for the step API; every field is listed, and server-owned ones are read-only."""

from rest_framework import serializers

from steplibrary.models import LibraryStep, Visibility

MANAGED_BY_FLOW = "Managed by source flow — fork to customize."


class StepCommandSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=255, allow_blank=True, default="")
    command = serializers.CharField(max_length=20_000, trim_whitespace=False)
    command_type = serializers.CharField(max_length=255, allow_null=True, allow_blank=True, default=None)


class StepContentSerializer(serializers.Serializer):
    instructions = serializers.CharField(max_length=20_000)
    help_text = serializers.CharField(max_length=20_000, allow_null=True, allow_blank=True, default=None)
    commands = StepCommandSerializer(many=True, default=list, max_length=50)
    group_label = serializers.CharField(max_length=255, allow_null=True, allow_blank=True, default=None)


class LibraryStepSerializer(serializers.ModelSerializer):
    content = StepContentSerializer()
    source_tree_name = serializers.CharField(read_only=True, allow_null=True, default=None)
    created_by_username = serializers.CharField(read_only=True, allow_null=True, default=None)
    my_rating = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    can_edit = serializers.SerializerMethodField()

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
            "can_edit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "created_by",
            "account",
            "usage_count",
            "rating_count",
            "rating_avg",
            "is_active",
            "is_flow_synced",
            "source_tree",
            "source_node_id",
            "last_synced_at",
            "forked_from",
            "created_at",
            "updated_at",
        ]

    def get_can_edit(self, step: LibraryStep) -> bool:
        request = self.context.get("request")
        return bool(request and not step.is_flow_synced and step.created_by_id == request.user.pk)


class ForkSerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PRIVATE)
    title = serializers.CharField(max_length=255, required=False)


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
