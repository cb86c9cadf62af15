"""The flow API: list what the user may see; create, edit, publish and delete flows."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.concurrency import IF_MATCH_PARAMETER, PRECONDITION_FAILED_RESPONSE, ConditionalWriteMixin
from config.concurrency import etag_for as tree_etag_for
from config.throttling import WriteRateThrottle
from flows.api.permissions import CanChangeTree
from flows.api.serializers import (
    TreeListSerializer,
    TreePreviewResultSerializer,
    TreePreviewSerializer,
    TreePublishedSerializer,
    TreeRevisionDetailSerializer,
    TreeRevisionDiffQuerySerializer,
    TreeRevisionDiffSerializer,
    TreeRevisionSerializer,
    TreeSerializer,
    WorkingCopySerializer,
    WorkingCopyWriteSerializer,
)
from flows.filtersets import TreeFilterSet
from flows.history import VersionConflict, etag_for, history_version, parse_if_match, structure_changes
from flows.library import library_preview
from flows.links import link_errors
from flows.models import Tree, TreeRevision, TreeWorkingCopy
from flows.selectors import tree_revision, tree_revision_pair, tree_revisions_for_list, tree_working_copy
from flows.services import (
    NotPublished,
    TreeSaved,
    tree_create,
    tree_delete,
    tree_revision_restore,
    tree_update,
    tree_working_copy_discard,
    tree_working_copy_publish,
    tree_working_copy_save,
)
from flows.tree_structure import TreeStructureError, parse_tree_structure
from flows.variables import undeclared_placeholders

_WRITE_ERRORS = {400: None, 403: None, 404: None, 412: PRECONDITION_FAILED_RESPONSE, 429: None}


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH_PARAMETER], responses={200: TreeSerializer, **_WRITE_ERRORS}),
    partial_update=extend_schema(
        parameters=[IF_MATCH_PARAMETER], responses={200: TreeSerializer, **_WRITE_ERRORS}
    ),
    destroy=extend_schema(parameters=[IF_MATCH_PARAMETER], responses={204: None, **_WRITE_ERRORS}),
)
class TreeViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    filterset_class = TreeFilterSet
    permission_classes = [IsAuthenticated, CanChangeTree]
    throttle_classes = [WriteRateThrottle]
    queryset = Tree.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        trees = (
            Tree.objects.visible_to(self.request.user).select_related("author").order_by("-updated_at", "id")
        )
        return trees.defer("tree_structure") if self.action == "list" else trees

    def get_serializer_class(self):
        return TreeListSerializer if self.action == "list" else TreeSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.validated_data.pop("conflict_overwrite", None)  # a new flow overwrites nothing
        try:
            saved = tree_create(author=request.user, **serializer.validated_data)
        except TreeStructureError as error:  # refused by the library sync (e.g. a suspected secret)
            raise ValidationError(error.as_detail()) from None
        return Response(self._saved_body(saved), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            tree = self.get_object_for_write()
            serializer = self.get_serializer(tree, data=request.data, partial=kwargs.get("partial", False))
            serializer.is_valid(raise_exception=True)
            try:
                saved = tree_update(tree=tree, user=request.user, **serializer.validated_data)
            except TreeStructureError as error:  # refused by the library sync (e.g. a suspected secret)
                raise ValidationError(error.as_detail()) from None
        return Response(self._saved_body(saved))

    def _saved_body(self, saved: TreeSaved) -> dict:
        context = {**self.get_serializer_context(), "library_sync": saved.library_sync}
        return TreeSerializer(saved.tree, context=context).data

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            tree_delete(tree=self.get_object_for_write())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---- working copy and history: only those who may edit the flow see them (404 for others) ----

_NOT_EDITABLE = {
    404: OpenApiResponse(description="No such flow, or not one you may edit."),
    429: OpenApiResponse(description="Too many requests."),
}
_STALE = {412: PRECONDITION_FAILED_RESPONSE}
_NOT_PUBLISHED = "The flow is not published."
_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag ("h<version>") last read from the working copy or the history.',
)
_MAX_NUMBER = 2**31 - 1


def _history_write_schema(answer, errors: dict[int, str], request=None):
    """A write to the working copy or the history: it takes If-Match and answers `answer`,
    the listed errors, and those every such write shares (not editable, stale)."""
    described = {status: OpenApiResponse(description=text) for status, text in errors.items()}
    return extend_schema(
        parameters=[_IF_MATCH],
        request=request,
        responses={200: answer, **described, **_NOT_EDITABLE, **_STALE},
    )


def _precondition_failed(conflict: VersionConflict) -> Response:
    return Response(
        {"detail": "Someone else changed this flow since you loaded it.", "version": conflict.current},
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers={"ETag": etag_for(conflict.current)},
    )


def _not_published() -> Response:
    return Response(
        {"detail": "Only a published flow has a working copy; edit this flow directly."},
        status=status.HTTP_409_CONFLICT,
    )


class _EditableTreeView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteRateThrottle]
    queryset = Tree.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        # The services re-read the row under a lock; this only decides visibility (404).
        return Tree.objects.editable_by(self.request.user).only("id", "tree_type", "status")

    def expected_version(self):
        return parse_if_match(self.request.headers.get("If-Match"))


class TreeWorkingCopyView(_EditableTreeView):
    """GET/PUT/DELETE /api/trees/{id}/draft/: a published flow's unpublished changes."""

    serializer_class = WorkingCopySerializer

    def _respond(self, copy: TreeWorkingCopy, version: int) -> Response:
        copy.version = version
        return Response(WorkingCopySerializer(copy).data, headers={"ETag": etag_for(version)})

    @extend_schema(responses={200: WorkingCopySerializer, **_NOT_EDITABLE})
    def get(self, request, pk):
        tree = self.get_object()
        copy = tree_working_copy(tree=tree)
        if copy is None:
            raise NotFound("This flow has no working copy.")
        return self._respond(copy, history_version(tree))

    @_history_write_schema(
        WorkingCopySerializer,
        {400: "Invalid name or structure (errors by JSON path).", 409: _NOT_PUBLISHED},
        request=WorkingCopyWriteSerializer,
    )
    def put(self, request, pk):
        tree = self.get_object()
        body = WorkingCopyWriteSerializer(data=request.data, context={"tree": tree, "request": request})
        body.is_valid(raise_exception=True)
        try:
            copy = tree_working_copy_save(
                tree=tree, user=request.user, expected_version=self.expected_version(), **body.validated_data
            )
        except VersionConflict as conflict:
            return _precondition_failed(conflict)
        except NotPublished:
            return _not_published()
        return self._respond(copy, copy.revision)

    @extend_schema(parameters=[_IF_MATCH], responses={204: None, **_NOT_EDITABLE, **_STALE})
    def delete(self, request, pk):
        tree = self.get_object()
        try:
            discarded = tree_working_copy_discard(tree=tree, expected_version=self.expected_version())
        except VersionConflict as conflict:
            return _precondition_failed(conflict)
        if not discarded:
            raise NotFound("This flow has no working copy.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TreePublishView(_EditableTreeView):
    """POST /api/trees/{id}/publish/: publishes the working copy, or the flow's structure."""

    serializer_class = TreePublishedSerializer

    @_history_write_schema(TreePublishedSerializer, {400: "Not fit to publish (errors by JSON path)."})
    def post(self, request, pk):
        tree = self.get_object()
        try:
            saved = tree_working_copy_publish(
                tree=tree, user=request.user, expected_version=self.expected_version()
            )
        except VersionConflict as conflict:
            return _precondition_failed(conflict)
        except TreeStructureError as error:  # not fit to publish, or refused by the library sync
            raise ValidationError(error.as_detail()) from None
        tree = saved.tree
        tree.history_version = history_version(tree)
        # The body is the flow: its ETag is the flow's own (config.concurrency); the history's
        # version for the next working-copy write is `history_version`.
        return Response(
            TreePublishedSerializer(
                tree, context={"request": request, "library_sync": saved.library_sync}
            ).data,
            headers={"ETag": tree_etag_for(tree.version)},
        )


class TreeRevisionListView(_EditableTreeView):
    """GET /api/trees/{id}/revisions/: the flow's history, newest first, paginated."""

    serializer_class = TreeRevisionSerializer

    @extend_schema(responses={200: TreeRevisionSerializer(many=True), **_NOT_EDITABLE})
    def get(self, request, pk):
        tree = self.get_object()
        page = self.paginate_queryset(tree_revisions_for_list(tree=tree))
        response = self.get_paginated_response(TreeRevisionSerializer(page, many=True).data)
        response["ETag"] = etag_for(history_version(tree))
        return response


def _revision_or_404(tree: Tree, number: int) -> TreeRevision:
    if number > _MAX_NUMBER:
        raise NotFound("No such revision.")
    revision = tree_revision(tree=tree, number=number)
    if revision is None:
        raise NotFound("No such revision.")
    return revision


class TreeRevisionDetailView(_EditableTreeView):
    """GET /api/trees/{id}/revisions/{n}/: one revision with its whole structure."""

    serializer_class = TreeRevisionDetailSerializer

    @extend_schema(responses={200: TreeRevisionDetailSerializer, **_NOT_EDITABLE})
    def get(self, request, pk, number):
        return Response(TreeRevisionDetailSerializer(_revision_or_404(self.get_object(), number)).data)


class TreeRevisionDiffView(_EditableTreeView):
    """GET /api/trees/{id}/revisions/diff/?from=a&to=b: node by node, what changed from a to b."""

    serializer_class = TreeRevisionDiffSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="the revision to compare from"),
            OpenApiParameter("to", int, required=True, description="the revision to compare to"),
        ],
        responses={
            200: TreeRevisionDiffSerializer,
            400: OpenApiResponse(description="from/to missing or not revision numbers."),
            **_NOT_EDITABLE,
        },
    )
    def get(self, request, pk):
        tree = self.get_object()
        query = TreeRevisionDiffQuerySerializer(
            data={"older": request.query_params.get("from"), "newer": request.query_params.get("to")}
        )
        query.is_valid(raise_exception=True)
        older, newer = query.validated_data["older"], query.validated_data["newer"]
        pair = tree_revision_pair(tree=tree, older=older, newer=newer)
        if pair is None:
            raise NotFound("No such revision.")
        before, after = pair
        changes = structure_changes(
            before.tree_structure, after.tree_structure, old_name=before.name, new_name=after.name
        )
        return Response({"from": older, "to": newer, "changes": changes})


class TreeRevisionRestoreView(_EditableTreeView):
    """POST /api/trees/{id}/revisions/{n}/restore/: a working copy made from revision n."""

    serializer_class = WorkingCopySerializer

    @_history_write_schema(WorkingCopySerializer, {409: _NOT_PUBLISHED})
    def post(self, request, pk, number):
        tree = self.get_object()
        _revision_or_404(tree, number)
        try:
            copy = tree_revision_restore(
                tree=tree, user=request.user, number=number, expected_version=self.expected_version()
            )
        except VersionConflict as conflict:
            return _precondition_failed(conflict)
        except NotPublished:
            return _not_published()
        copy.version = copy.revision
        return Response(WorkingCopySerializer(copy).data, headers={"ETag": etag_for(copy.revision)})


def _structure_errors_beside(tree: Tree, data, errors: dict) -> dict:
    """A bad name must not hide a bad structure until the next try: list both at once."""
    structure = data.get("tree_structure") if isinstance(data, dict) else None
    if structure is None or "tree_structure" in errors or data.get("intent") == "deactivate":
        return {}
    try:
        parse_tree_structure(structure, tree.tree_type, require_titles=True)
    except TreeStructureError as error:
        return {"tree_structure": error.messages}
    return {}


class VisibleTreeView(GenericAPIView):
    """An endpoint on one flow (`/api/trees/{id}/…`): a flow the caller may not see is a 404,
    and among those who see it, only those who may change it act (403; a subclass may say
    otherwise)."""

    permission_classes = [IsAuthenticated, CanChangeTree]
    queryset = Tree.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return Tree.objects.visible_to(self.request.user)


class TreePreviewView(VisibleTreeView):
    """POST /api/trees/{id}/preview/: what a publish (or deactivation) would do to the library."""

    serializer_class = TreePreviewSerializer
    # As costly as a publish (it parses and compares the whole flow): the write rate bounds it.
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=TreePreviewSerializer, responses={200: TreePreviewResultSerializer})
    def post(self, request, pk):
        tree = self.get_object()  # in memory only: nothing below saves it
        options = self.get_serializer(data=request.data)
        if not options.is_valid():
            raise ValidationError(
                {**options.errors, **_structure_errors_beside(tree, request.data, options.errors)}
            )
        for name in ("tree_structure", "is_public", "name"):
            if name in options.validated_data:
                setattr(tree, name, options.validated_data[name])
        deactivate = options.validated_data["intent"] == "deactivate"
        author = tree.author if tree.author_id else request.user

        undeclared: list[dict] = []

        def refuse_invisible_links(nodes) -> None:
            errors = link_errors(nodes=nodes, author=author, already_linked=tree.linked_step_ids)
            if errors:
                raise ValidationError({"tree_structure": errors})
            # Listed for the author, never refused: braces in commands may be meant literally.
            undeclared.extend(undeclared_placeholders(tree.tree_structure, nodes))

        try:
            preview = library_preview(
                tree=tree, user=request.user, deactivate=deactivate, check_nodes=refuse_invisible_links
            )
        except TreeStructureError as error:
            raise ValidationError({"tree_structure": error.messages}) from None
        return Response(TreePreviewResultSerializer({**preview, "undeclared_variables": undeclared}).data)
