"""Serializers for the flow API; `tree_structure` is validated by flows.tree_structure."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.fields import StrictBooleanField, StrictCharField, StrictIntegerField, StrictTypesMixin
from flows.links import link_errors
from flows.models import Tree, TreeRevision, TreeStatus, TreeType
from flows.tree_structure import TreeStructureError, empty_structure, parse_tree_structure


@extend_schema_field(
    {
        "type": "object",
        "description": "The flow's document (README, Flow format): `steps` for procedural and "
        "maintenance flows, `root` for troubleshooting ones (null in a new, empty one), and the "
        "optional `variables`. "
        "Validated node by node; errors name the node by its JSON path.",
        "properties": {
            "steps": {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
            "root": {"type": "object", "nullable": True, "additionalProperties": {}},
            "variables": {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
        },
        "additionalProperties": {},
    }
)
class TreeStructureField(serializers.JSONField):
    """A flow's `tree_structure`: JSON in and out, checked by flows.tree_structure."""


class TreeListSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """A flow without its structure: what lists need."""

    account = StrictIntegerField(source="account_id", allow_null=True, required=False)
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
    """flows.library.SyncResult (a test holds the two to the same fields)."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deactivated = serializers.IntegerField()
    held = serializers.IntegerField(help_text="Entries under a staff takedown: kept out of the library.")


class TreeSerializer(TreeListSerializer):
    tree_structure = TreeStructureField(required=False)
    sync_result = serializers.SerializerMethodField()
    conflict_overwrite = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="The author chose to save over a newer change by someone else (after a 412); "
        "recorded in the flow history as a conflict-overwrite revision.",
    )

    class Meta(TreeListSerializer.Meta):
        fields = [*TreeListSerializer.Meta.fields, "tree_structure", "sync_result", "conflict_overwrite"]

    def get_sync_result(self, tree: Tree) -> SyncResultSerializer(allow_null=True):  # type: ignore[valid-type]
        """What the library sync did during this request's save, or null when it did not run.
        The view that saved puts the flow service's result in the context (`library_sync`)."""
        result = self.context.get("library_sync")
        return result.as_dict() if result is not None else None

    def validate_account(self, value: int | None) -> int | None:
        user = self.context["request"].user
        if value is not None and value != user.account_id and not user.is_superuser:
            raise serializers.ValidationError("A flow can only belong to your own team (or none).")
        return value

    def to_internal_value(self, data):
        # DRF runs validate() only when every field is valid: a blank name would hide a bad
        # structure until the next try. Every error is reported at once, each once.
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if (
                isinstance(error.detail, dict)
                and "tree_structure" not in error.detail
                and isinstance(data, dict)
            ):
                structure_errors = self._errors_in_sent_structure(data)
                if structure_errors:
                    error.detail["tree_structure"] = structure_errors
            raise

    def _errors_in_sent_structure(self, data: dict) -> list[str]:
        """The structure's errors, for a body whose other fields failed; types that are not
        valid choices are reported by their own fields, so nothing is guessed from them."""
        if "tree_structure" not in data:
            return []
        tree = self.instance
        tree_type = data.get("tree_type", tree.tree_type if tree else None)
        status = data.get("status", tree.status if tree else TreeStatus.DRAFT)
        if tree_type not in TreeType.values or status not in TreeStatus.values:
            return []
        return self._structure_errors(data["tree_structure"], tree_type, status)

    def _structure_errors(self, structure, tree_type: str, status: str) -> list[str]:
        try:
            nodes = parse_tree_structure(structure, tree_type, require_titles=status == TreeStatus.PUBLISHED)
        except TreeStructureError as error:
            return error.messages
        tree = self.instance
        user = self.context["request"].user
        return link_errors(
            nodes=nodes,
            author=(tree.author if tree is not None and tree.author_id else user),
            already_linked=tree.linked_step_ids if tree is not None else (),
        )

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
        errors = self._structure_errors(structure, tree_type, status)
        if errors:
            raise serializers.ValidationError({"tree_structure": errors})
        return attrs


# ---- working copy and history ---------------------------------------------------------


class WorkingCopyWriteSerializer(serializers.Serializer):
    """PUT /api/trees/{id}/draft/: the flow's name and structure as the author has them now."""

    # NUL and lone surrogates never get here: config.parsers refuses them in every JSON body.
    name = serializers.CharField(max_length=255)
    tree_structure = TreeStructureField()
    conflict_overwrite = serializers.BooleanField(
        default=False,
        help_text="The author chose to save over a newer change by someone else (after a 412); "
        "recorded in the flow history as a conflict-overwrite revision.",
    )

    def validate_tree_structure(self, structure):
        # The same rules as the flow's own structure while it is a draft: empty titles allowed.
        tree = self.context["tree"]
        try:
            nodes = parse_tree_structure(structure, tree.tree_type, require_titles=False)
        except TreeStructureError as error:
            raise serializers.ValidationError(error.messages) from None
        # Publishing the working copy must not link what the flow's author may not see.
        if any(node.library_step_id for node in nodes):
            author = tree.author if tree.author_id else self.context["request"].user
            errors = link_errors(nodes=nodes, author=author, already_linked=tree.linked_step_ids)
            if errors:
                raise serializers.ValidationError(errors)
        return structure


class WorkingCopySerializer(serializers.Serializer):
    """A published flow's unpublished changes, with the history version to send as If-Match."""

    tree = serializers.UUIDField(source="tree_id")
    name = serializers.CharField()
    tree_structure = TreeStructureField()
    saved_by = serializers.IntegerField(source="saved_by_id", allow_null=True)
    saved_by_username = serializers.CharField(source="saved_by.username", default=None, allow_null=True)
    saved_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text="The flow revision that recorded this save.")
    version = serializers.IntegerField(
        help_text='The flow\'s latest revision number; its ETag is "h<version>".'
    )


class TreePublishedSerializer(TreeSerializer):
    """The flow after POST /api/trees/{id}/publish/."""

    history_version = serializers.IntegerField(read_only=True)

    class Meta(TreeSerializer.Meta):
        fields = [*TreeSerializer.Meta.fields, "history_version"]


class NodeSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)


class ChangedNodeSerializer(NodeSummarySerializer):
    def get_fields(self):
        # "fields" would shadow Serializer.fields as an attribute: declared here instead.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(help_text='{field: {"from": …, "to": …}} per changed field')
        return fields


class StructureChangesSerializer(serializers.Serializer):
    name = serializers.DictField(required=False, help_text='{"from": …, "to": …} when the name changed')
    variables = serializers.DictField(
        required=False, help_text='{"from": […], "to": […]} when the declared variables changed'
    )
    added = NodeSummarySerializer(many=True)
    removed = NodeSummarySerializer(many=True)
    changed = ChangedNodeSerializer(many=True)
    order_changed = serializers.BooleanField()


@extend_schema_field(StructureChangesSerializer)
class StoredStructureChangesField(serializers.JSONField):
    """A revision's changes as `flows.history.structure_changes` stored them: passed through
    as they are, documented by the shape they have."""


class TreeRevisionSerializer(serializers.ModelSerializer):
    """One entry of a flow's history, with its node-by-node changes against the one before."""

    created_by_username = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    changes = StoredStructureChangesField()

    class Meta:
        model = TreeRevision
        fields = [
            "number",
            "kind",
            "name",
            "changes",
            "restored_from",
            "created_by",
            "created_by_username",
            "created_at",
        ]
        read_only_fields = fields


class TreeRevisionDetailSerializer(TreeRevisionSerializer):
    tree_structure = TreeStructureField()

    class Meta(TreeRevisionSerializer.Meta):
        fields = [*TreeRevisionSerializer.Meta.fields, "tree_structure"]
        read_only_fields = fields


class TreeRevisionDiffQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword; the view maps the query parameters `from` and `to`.
    older = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    newer = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class TreeRevisionDiffSerializer(serializers.Serializer):
    """Node by node, what changed from revision `from` to revision `to`."""

    # `from` is a keyword: declared through the field map below.
    to = serializers.IntegerField()
    changes = StructureChangesSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField()
        return fields


class TreePreviewSerializer(serializers.Serializer):
    intent = serializers.ChoiceField(choices=["publish", "deactivate"], default="publish")
    tree_structure = TreeStructureField(required=False)
    is_public = StrictBooleanField(required=False)
    name = StrictCharField(max_length=255, required=False)


class SecretFindingSerializer(serializers.Serializer):
    """A suspected secret: where, what kind, a masked hint and its fingerprint; never the value."""

    path = serializers.CharField()
    node_id = serializers.CharField(allow_blank=True)
    field = serializers.CharField()
    kind = serializers.CharField()
    line = serializers.IntegerField()
    masked = serializers.CharField()
    fingerprint = serializers.CharField()
    allowed = serializers.BooleanField()


class PreviewAddedSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    title = serializers.CharField(allow_blank=True)


class PreviewImpactSerializer(serializers.Serializer):
    """An existing entry the publish changes or retires, with who is told."""

    step_id = serializers.UUIDField()
    node_id = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    forks = serializers.IntegerField(help_text="Active forks of the entry (their owners are told).")
    flows = serializers.IntegerField(help_text="Other flows using the entry (their authors are told).")


class PreviewChangedSerializer(PreviewImpactSerializer):
    changes = serializers.DictField(
        allow_null=True, help_text="Field by field, as in revisions/diff; null past the first 100."
    )


class PreviewSimilarEntrySerializer(serializers.Serializer):
    step_id = serializers.UUIDField()
    title = serializers.CharField()
    usage_count = serializers.IntegerField()
    rating_avg = serializers.FloatField()
    rating_count = serializers.IntegerField()
    similarity = serializers.FloatField()


class PreviewSimilarSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    matches = PreviewSimilarEntrySerializer(many=True)


class PreviewUndeclaredSerializer(serializers.Serializer):
    name = serializers.CharField()
    paths = serializers.ListField(child=serializers.CharField())


class TreePreviewResultSerializer(SyncResultSerializer):
    """What a publish (or deactivation) would do: the counts of a sync, entry by entry."""

    added = PreviewAddedSerializer(many=True)
    changed = PreviewChangedSerializer(many=True)
    retired = PreviewImpactSerializer(many=True)
    secret_findings = SecretFindingSerializer(many=True)
    diffs_truncated = serializers.BooleanField()
    similar = PreviewSimilarSerializer(
        many=True, help_text="Visible entries very like a new or changed step."
    )
    undeclared_variables = PreviewUndeclaredSerializer(many=True)
