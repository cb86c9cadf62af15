"""The session API under /api/sessions/: start, list, read, join, events, ad-hoc steps, finish.

A session is visible exactly to those who may see its flow (404 otherwise). Anyone who may
see it can join it (`POST /api/sessions/{id}/join/`); only participants write to it (403);
a finished session is read-only (409).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.schema import ErrorSerializer
from config.throttling import WriteRateThrottle
from flows.selectors import tree_if_visible
from runs.api.serializers import (
    AdhocCreateSerializer,
    AdhocStepSerializer,
    EventCreateSerializer,
    FinishSerializer,
    SessionCreateSerializer,
    SessionEventSerializer,
    SessionListSerializer,
    SessionSerializer,
    SessionTimelineSerializer,
)
from runs.filtersets import SessionFilterSet
from runs.models import Session
from runs.selectors import sessions_for_detail, sessions_for_list, sessions_to_write
from runs.services import (
    NotAParticipant,
    SessionClosed,
    session_add_adhoc,
    session_finish,
    session_join,
    session_record_event,
    session_start,
)
from steplibrary.selectors import step_if_visible


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This session is finished and read-only."
    default_code = "session_finished"


# 400 bodies (errors by field path) are documented by config.schema for every operation.
ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    404: OpenApiResponse(ErrorSerializer, description="No such session visible to you."),
    429: OpenApiResponse(ErrorSerializer, description="Too many writes; retry later."),
}
WRITE_ERRORS = {
    **ERRORS,
    403: OpenApiResponse(ErrorSerializer, description="Only participants write; join first."),
    409: OpenApiResponse(ErrorSerializer, description="The session is finished and read-only."),
}


def _write(change):
    """Runs a service call, turning its refusals into API errors."""
    try:
        return change()
    except SessionClosed:
        raise Conflict() from None
    except NotAParticipant:
        raise PermissionDenied("Only participants write to a session: join it first.") from None


@extend_schema_view(
    list=extend_schema(responses={200: SessionListSerializer(many=True), 401: ERRORS[401]}),
    retrieve=extend_schema(responses={200: SessionSerializer, 401: ERRORS[401], 404: ERRORS[404]}),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = SessionFilterSet
    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteRateThrottle]
    queryset = Session.objects.none()  # for the schema; requests use get_queryset()
    # Any id reaches the view, so a malformed one is a JSON 404 rather than an unrouted page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action == "list":
            return sessions_for_list(user=self.request.user)
        return sessions_for_detail(user=self.request.user)

    def get_serializer_class(self):
        return SessionListSerializer if self.action == "list" else SessionSerializer

    def _target(self) -> Session:
        """The session addressed by the URL, visible to the caller (404 otherwise), unprefetched:
        the service locks and re-reads what it decides on."""
        return get_object_or_404(sessions_to_write(user=self.request.user), pk=self.kwargs["pk"])

    def _fresh(self, session: Session, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the detail query (the action is not "list"): the timeline included.
        session = self.get_queryset().get(pk=session.pk)
        return Response(
            SessionSerializer(session, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        """Starts a session of a published flow you may see; you are its first participant."""
        body = SessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        tree = tree_if_visible(user=request.user, pk=data["tree"])
        if tree is None:
            raise ValidationError({"tree": ["No such flow."]})
        session = session_start(
            tree=tree, user=request.user, title=data["title"], variables=data["variables"]
        )
        return self._fresh(session, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SessionSerializer, 201: SessionSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        """Joins the session as a participant (201; 200 when you already are one)."""
        session = self._target()
        joined = _write(lambda: session_join(session=session, user=request.user))
        return self._fresh(session, status.HTTP_201_CREATED if joined else status.HTTP_200_OK)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: SessionTimelineSerializer, 401: ERRORS[401], 404: ERRORS[404]},
        description="The timeline: every event, ad-hoc step and participant, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=EventCreateSerializer,
        responses={201: SessionEventSerializer, 200: SessionEventSerializer, **WRITE_ERRORS},
        description="Records an event (201); the same event_id again returns the first one (200).",
    )
    @action(detail=True, methods=["get", "post"])
    def events(self, request, pk=None):
        if request.method == "GET":
            session = self.get_object()
            return Response(SessionTimelineSerializer(session).data)
        session = self._target()
        body = EventCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event, created = _write(
            lambda: session_record_event(session=session, user=request.user, **body.validated_data)
        )
        return Response(
            SessionEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=AdhocCreateSerializer, responses={201: AdhocStepSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def adhoc(self, request, pk=None):
        """Inserts a library entry you may see into the run; counts one use of the entry."""
        session = self._target()
        body = AdhocCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = step_if_visible(user=request.user, pk=body.validated_data["step"])
        if step is None:
            raise ValidationError({"step": ["No such library entry."]})
        adhoc = _write(
            lambda: session_add_adhoc(
                session=session,
                user=request.user,
                step=step,
                after_node_id=body.validated_data["after_node_id"],
            )
        )
        return Response(AdhocStepSerializer(adhoc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FinishSerializer, responses={200: SessionSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        """Ends the session as resolved, unresolved or abandoned; it is read-only afterwards."""
        session = self._target()
        body = FinishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _write(lambda: session_finish(session=session, user=request.user, **body.validated_data))
        return self._fresh(session)
