"""The step API: list/search, manual entries, and fork / rate / use on anything visible."""

from contextlib import contextmanager

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from config.concurrency import (
    IF_MATCH_PARAMETER,
    PRECONDITION_FAILED_RESPONSE,
    ConditionalWriteMixin,
    check_if_match,
)
from config.renderers import OrjsonRenderer
from config.schema import error_responses
from config.throttling import WriteRateThrottle
from flows.api.permissions import EditsTree
from flows.api.views import VisibleTreeView
from flows.tree_structure import TreeStructureError
from steplibrary.api.pagination import LibraryPagination
from steplibrary.api.permissions import CanChangeStep
from steplibrary.api.serializers import (
    DuplicateSourceSerializer,
    ForkSerializer,
    LibraryStepSerializer,
    MarkedReadSerializer,
    MarkReadSerializer,
    MergeConflictSerializer,
    NoticeSerializer,
    RateSerializer,
    RevisionDiffQuerySerializer,
    RevisionDiffSerializer,
    SecretAllowanceSerializer,
    StepRevisionSerializer,
    StepSecretAllowRequestSerializer,
    StepUsageSerializer,
    TakedownSerializer,
    TreeSecretAllowRequestSerializer,
    UpstreamAcceptSerializer,
    UpstreamSerializer,
)
from steplibrary.filtersets import LibraryStepFilterSet
from steplibrary.library_list import LibraryList
from steplibrary.merge import MergeConflict, SourceRetired
from steplibrary.models import LibraryStep, Notice, StepRevision
from steplibrary.notices import notices_for, notices_mark_read, notices_unread_ids
from steplibrary.secret_checks import SecretFindingsError
from steplibrary.selectors import (
    RevisionHidden,
    RevisionsNotAdjacent,
    duplicates_for_display,
    fork_upstream_report,
    secret_allowance_for_display,
    secret_allowances_of,
    step_revision_diff,
    step_revisions_for_list,
    step_usage,
    steps_for_display,
    steps_taken_down_in,
    upstream_flags,
)
from steplibrary.services import (
    NoSuchFinding,
    step_create,
    step_delete,
    step_fork,
    step_rate,
    step_record_use,
    step_revision_restore,
    step_secret_allow,
    step_update,
    step_upstream_accept,
    step_upstream_dismiss,
    tree_secret_allow,
)

_WRITE_ERRORS = {400: None, 403: None, 404: None, 412: PRECONDITION_FAILED_RESPONSE, 429: None}
RETIRED = "The source was retired; there is nothing to take."
# Path parameters typed in the schema, so that generated clients (and the fuzzer) send ids
# the routes can match; anything else never reaches the API (Django's 404 page).
STEP_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
REVISION_NUMBER = OpenApiParameter(
    "number", {"type": "integer", "minimum": 0, "maximum": 999_999_999}, OpenApiParameter.PATH
)


@contextmanager
def _secrets_refused():
    """A manual entry or fork shared with a suspected secret: 400 naming each field's path."""
    try:
        yield
    except SecretFindingsError as error:
        raise ValidationError(error.as_detail(key=None)) from None


NO_SUCH_FINDING = "There is no such finding at this path (has the text changed?)."
SECRET_ALLOW_ERRORS = {
    400: OpenApiResponse(description="invalid body, or no such finding at that path"),
    403: OpenApiResponse(description="you may see but not change it"),
    404: OpenApiResponse(description="not visible to you"),
    429: OpenApiResponse(description="throttled"),
}


def _allow(request, allow, serializer_class):
    """Validates the request and records the allowance: 201 when new, 200 when it existed."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        allowance, created = allow(**body.validated_data)
    except NoSuchFinding:
        raise ValidationError({"fingerprint": [NO_SUCH_FINDING]}) from None
    except TreeStructureError as error:
        raise ValidationError(error.as_detail()) from None
    allowance = secret_allowance_for_display(pk=allowance.pk)
    return Response(
        SecretAllowanceSerializer(allowance).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@extend_schema_view(
    update=extend_schema(
        parameters=[IF_MATCH_PARAMETER], responses={200: LibraryStepSerializer, **_WRITE_ERRORS}
    ),
    partial_update=extend_schema(
        parameters=[IF_MATCH_PARAMETER], responses={200: LibraryStepSerializer, **_WRITE_ERRORS}
    ),
    destroy=extend_schema(parameters=[IF_MATCH_PARAMETER], responses={204: None, **_WRITE_ERRORS}),
)
class LibraryStepViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    serializer_class = LibraryStepSerializer
    filterset_class = LibraryStepFilterSet
    pagination_class = LibraryPagination
    # Pages of up to 100 entries are the library's hot path: encoded by orjson.
    renderer_classes = [OrjsonRenderer, *api_settings.DEFAULT_RENDERER_CLASSES[1:]]
    permission_classes = [IsAuthenticated, CanChangeStep]
    throttle_classes = [WriteRateThrottle]
    queryset = LibraryStep.objects.none()  # for the schema; requests use get_queryset()
    # Any segment reaches the view, so a malformed id is the API's JSON 404, not the HTML page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return steps_for_display(user=self.request.user)

    def filter_queryset(self, queryset):
        # Filters, search and the grouping of duplicates shape lists (see `list`); one entry is
        # found by its id alone (a copy that the list shows inside its group keeps its own address).
        return queryset

    def list(self, request, *args, **kwargs):
        # The list applies the FilterSet through a LibraryList, which runs the query kept for
        # the request's shape instead of building it anew (steplibrary.library_list).
        (backend,) = self.filter_backends  # the project's one backend (settings: StrictFilterBackend)
        filterset = backend().valid_filterset(request, LibraryStep.objects.none(), self)
        rows = self.paginate_queryset(LibraryList(user=request.user, filterset=filterset))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _fresh(self, step: LibraryStep, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the display query: annotations and database-side counters included.
        step = self.get_queryset().get(pk=step.pk)
        return Response(self.get_serializer(step).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _secrets_refused():
            step = step_create(user=request.user, **serializer.validated_data)
        return self._fresh(step, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            step = self.get_object_for_write()
            serializer = self.get_serializer(step, data=request.data, partial=kwargs.get("partial", False))
            serializer.is_valid(raise_exception=True)
            with _secrets_refused():
                step_update(step=step, user=request.user, **serializer.validated_data)
        return self._fresh(step)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            step_delete(step=self.get_object_for_write())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ForkSerializer, responses={201: LibraryStepSerializer})
    @action(detail=True, methods=["post"])
    def fork(self, request, pk=None):
        source = self.get_object()
        options = ForkSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        with _secrets_refused():
            fork = step_fork(step=source, user=request.user, **options.validated_data)
        return self._fresh(fork, status.HTTP_201_CREATED)

    @extend_schema(request=RateSerializer, responses={200: LibraryStepSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        step = self.get_object()
        rating = RateSerializer(data=request.data)
        rating.is_valid(raise_exception=True)
        step_rate(step=step, user=request.user, score=rating.validated_data["score"])
        return self._fresh(step)

    @extend_schema(request=None, responses={200: LibraryStepSerializer})
    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        step = self.get_object()
        step_record_use(step=step)
        return self._fresh(step)

    @extend_schema(responses={200: StepRevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        """The entry's recorded versions, newest first: only those recorded while the caller
        could see the entry (numbers may show gaps)."""
        step = self.get_object()
        revisions = step_revisions_for_list(step=step, user=request.user)
        return Response(StepRevisionSerializer(revisions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, description="older revision (default: the one before `to`)"),
            OpenApiParameter("to", int, description="newer revision (default: the latest)"),
        ],
        responses={200: RevisionDiffSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="revisions/diff")
    def revisions_diff(self, request, pk=None):
        """Field-by-field changes between two revisions the caller may see; never across a
        revision recorded while the entry was hidden from them (400)."""
        step = self.get_object()
        query = RevisionDiffQuerySerializer(
            data={
                key: value
                for key, value in (
                    ("older", request.query_params.get("from")),
                    ("newer", request.query_params.get("to")),
                )
                if value
            }
        )
        query.is_valid(raise_exception=True)
        try:
            diff = step_revision_diff(
                step=step,
                user=request.user,
                older=query.validated_data.get("older"),
                newer=query.validated_data.get("newer"),
            )
        except RevisionHidden:
            raise NotFound(
                "No such revision (or it was recorded while this entry was hidden from you)."
            ) from None
        except RevisionsNotAdjacent:
            raise ValidationError(
                {
                    "detail": "These revisions are not next to each other in the history you may see: "
                    "compare revisions with no hidden revision between them."
                }
            ) from None
        return Response(RevisionDiffSerializer(diff).data)

    @extend_schema(
        parameters=[STEP_ID, REVISION_NUMBER, IF_MATCH_PARAMETER],
        request=None,
        responses={
            200: LibraryStepSerializer,
            **error_responses(403, 404, 429),
            412: PRECONDITION_FAILED_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"], url_path=r"revisions/(?P<number>[^/]+)/restore")
    def restore(self, request, pk=None, number=None):
        """Bring back revision `number`'s title, type and content, recorded as a new revision
        (visibility stays). Only the creator of a manual entry or fork; synced entries are 403."""
        if not (number.isascii() and number.isdigit() and len(number) <= 9):
            self.get_object()  # an invisible entry stays a 404 whatever the number
            raise NotFound("No such revision.")
        with transaction.atomic():
            step = self.get_object_for_write()
            try:
                with _secrets_refused():
                    step_revision_restore(step=step, number=int(number), user=request.user)
            except StepRevision.DoesNotExist:
                raise NotFound("No such revision.") from None
        return self._fresh(step)

    def _fork_or_400(self) -> LibraryStep:
        fork = self.get_object()
        if not fork.forked_from_id:
            raise ValidationError({"detail": "This entry is not a fork."})
        return fork

    @extend_schema(parameters=[STEP_ID], responses={200: UpstreamSerializer, **error_responses(400, 404)})
    @action(detail=True, methods=["get"])
    def upstream(self, request, pk=None):
        """For a fork: the three-way comparison with its source, field by field (base = the
        source revision it was taken from, mine = the fork now, theirs = the source now). A
        source that is retired or that the caller can no longer see shows as retired."""
        fork = self._fork_or_400()
        return Response(UpstreamSerializer(fork_upstream_report(fork=fork, user=request.user)).data)

    @extend_schema(
        parameters=[STEP_ID, IF_MATCH_PARAMETER],
        request=UpstreamAcceptSerializer,
        responses={
            200: LibraryStepSerializer,
            **error_responses(403, 404, 429),
            409: MergeConflictSerializer,
            412: PRECONDITION_FAILED_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"], url_path="upstream/accept")
    def upstream_accept(self, request, pk=None):
        """Merge the source into this fork: take what only the source changed, keep what only
        the fork changed; conflicts answer 409 unless `resolutions` picks a side for each."""
        fork = self._fork_or_400()
        body = UpstreamAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with _secrets_refused():
                step_upstream_accept(
                    fork=fork,
                    user=request.user,
                    precondition=lambda locked: check_if_match(request, version=locked.version),
                    **body.validated_data,
                )
        except SourceRetired:
            raise ValidationError({"detail": RETIRED}) from None
        except MergeConflict as conflict:
            detail = (
                "The source changed since you reviewed it; review the merge again."
                if conflict.stale
                else "Both you and the source changed these fields; choose mine or theirs for each."
            )
            return Response(
                {
                    "detail": detail,
                    "conflicts": conflict.unresolved,
                    "source_revision": conflict.source_revision,
                    "merge": [field.as_dict() for field in conflict.fields],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._fresh(fork)

    @extend_schema(
        request=None,
        responses={
            200: LibraryStepSerializer,
            **error_responses(400, 403, 404),
        },
    )
    @action(detail=True, methods=["post"], url_path="upstream/dismiss")
    def upstream_dismiss(self, request, pk=None):
        """Stop showing the source's current revision as a change."""
        fork = self._fork_or_400()
        if upstream_flags(fork)[1]:
            raise ValidationError({"detail": RETIRED})
        step_upstream_dismiss(fork=fork)
        return self._fresh(fork)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: SecretAllowanceSerializer(many=True), 404: SECRET_ALLOW_ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        request=StepSecretAllowRequestSerializer,
        responses={200: SecretAllowanceSerializer, 201: SecretAllowanceSerializer, **SECRET_ALLOW_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="secret-allowances")
    def secret_allowances(self, request, pk=None):
        """Findings of the secret scan that the entry's creator marked as false positives."""
        step = self.get_object()
        if request.method == "GET":
            return Response(SecretAllowanceSerializer(secret_allowances_of(step), many=True).data)
        return _allow(
            request,
            lambda **body: step_secret_allow(step=step, user=request.user, **body),
            StepSecretAllowRequestSerializer,
        )

    @extend_schema(parameters=[STEP_ID], responses={200: DuplicateSourceSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def duplicates(self, request, pk=None):
        """The other entries with the same title, instructions and commands that the caller may
        see (at most 100, most used first), each with its source flow's name only when the
        caller may open that flow: the "also in" list of the library's detail panel."""
        step = self.get_object()
        copies = duplicates_for_display(step=step, user=request.user)
        return Response(DuplicateSourceSerializer(copies, many=True).data)

    @extend_schema(responses={200: StepUsageSerializer})
    @action(detail=True, methods=["get"])
    def usage(self, request, pk=None):
        """Flows that use this entry and its forks, as far as the caller may see them."""
        return Response(StepUsageSerializer(step_usage(step=self.get_object(), user=request.user)).data)


class TreeSecretAllowanceView(VisibleTreeView):
    """/api/trees/{id}/secret-allowances/: findings of the secret scan marked as false positives."""

    serializer_class = SecretAllowanceSerializer
    throttle_classes = [WriteRateThrottle]

    @extend_schema(responses={200: SecretAllowanceSerializer(many=True), 404: SECRET_ALLOW_ERRORS[404]})
    def get(self, request, pk):
        tree = self.get_object()
        return Response(SecretAllowanceSerializer(secret_allowances_of(tree), many=True).data)

    @extend_schema(
        request=TreeSecretAllowRequestSerializer,
        responses={200: SecretAllowanceSerializer, 201: SecretAllowanceSerializer, **SECRET_ALLOW_ERRORS},
    )
    def post(self, request, pk):
        """Marks one finding (its path and fingerprint, as the preview lists it) a false positive."""
        tree = self.get_object()
        return _allow(
            request,
            lambda **body: tree_secret_allow(tree=tree, user=request.user, **body),
            TreeSecretAllowRequestSerializer,
        )


class TreeTakedownsView(VisibleTreeView):
    """GET /api/trees/{id}/takedowns/: the flow's steps whose entries staff took down, for the
    people who edit it (the editor marks them)."""

    serializer_class = TakedownSerializer
    permission_classes = [IsAuthenticated, EditsTree]

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: TakedownSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request, pk):
        tree = self.get_object()  # 403 for people who may see the flow but not edit it
        return Response(self.get_serializer(steps_taken_down_in(tree=tree), many=True).data)


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's notices: sources of their forks, or of steps in their flows, moved on."""

    serializer_class = NoticeSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = {"read_at": ["isnull"]}
    queryset = Notice.objects.none()

    def get_queryset(self):
        return notices_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Marks the given updates (or all) as read."""
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        if ids is None:
            ids = notices_unread_ids(request.user)
        return Response(MarkedReadSerializer({"marked": notices_mark_read(user=request.user, ids=ids)}).data)
