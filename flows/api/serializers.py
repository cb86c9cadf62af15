"""Serializers for the flow API; `tree_structure` is validated by flows.tree_structure."""

from rest_framework import serializers

from flows.links import link_errors
from flows.models import Tree, TreeStatus
from flows.tree_structure import TreeStructureError, empty_structure, parse_tree_structure


class TreeListSerializer(serializers.ModelSerializer):
    """A flow without its structure: what lists need."""

    account = serializers.IntegerField(source="account_id", allow_null=True, required=False)
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    author_username = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = Tree
        fields = [
            "id",
            "name",
            "description",
            "tree_type",
            "status",
            "is_public",
            "is_active",
            "account",
            "author",
            "author_username",
            "created_at",
            "updated_at",
            "published_at",
            "version",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "published_at", "version"]


class SyncResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deactivated = serializers.IntegerField()


class TreeSerializer(TreeListSerializer):
    tree_structure = serializers.JSONField(required=False)
    sync_result = serializers.SerializerMethodField()

    class Meta(TreeListSerializer.Meta):
        fields = [*TreeListSerializer.Meta.fields, "tree_structure", "sync_result"]

    def get_sync_result(self, tree: Tree) -> SyncResultSerializer(allow_null=True):  # type: ignore[valid-type]
        """What the library sync did during this request's save, or null when it did not run."""
        result = tree.last_sync_result
        return result.as_dict() if result is not None else None

    def validate_account(self, value: int | None) -> int | None:
        user = self.context["request"].user
        if value is not None and value != user.account_id and not user.is_superuser:
            raise serializers.ValidationError("A flow can only belong to your own team (or none).")
        return value

    def validate(self, attrs: dict) -> dict:
        tree = self.instance
        tree_type = attrs.get("tree_type", tree.tree_type if tree else None)
        status = attrs.get("status", tree.status if tree else TreeStatus.DRAFT)
        if "tree_structure" in attrs:
            structure = attrs["tree_structure"]
        elif tree is not None:
            structure = tree.tree_structure
        else:
            structure = attrs["tree_structure"] = empty_structure(tree_type)
        try:
            nodes = parse_tree_structure(structure, tree_type, require_titles=status == TreeStatus.PUBLISHED)
        except TreeStructureError as error:
            raise serializers.ValidationError({"tree_structure": error.messages}) from None
        user = self.context["request"].user
        errors = link_errors(
            nodes=nodes,
            author=(tree.author if tree is not None and tree.author_id else user),
            already_linked=tree.linked_step_ids if tree is not None else (),
        )
        if errors:
            raise serializers.ValidationError({"tree_structure": errors})
        return attrs
