"""The step API: list/search, manual entries, and fork / rate / use on anything visible."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.throttling import WriteRateThrottle
from steplibrary.api.permissions import CanChangeStep
from steplibrary.api.serializers import ForkSerializer, LibraryStepSerializer, RateSerializer
from steplibrary.filtersets import LibraryStepFilterSet
from steplibrary.models import LibraryStep
from steplibrary.selectors import steps_for_display
from steplibrary.services import (
    step_create,
    step_delete,
    step_fork,
    step_rate,
    step_record_use,
    step_update,
)


class LibraryStepViewSet(viewsets.ModelViewSet):
    serializer_class = LibraryStepSerializer
    filterset_class = LibraryStepFilterSet
    permission_classes = [IsAuthenticated, CanChangeStep]
    throttle_classes = [WriteRateThrottle]
    queryset = LibraryStep.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return steps_for_display(user=self.request.user)

    def _fresh(self, step: LibraryStep, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the display query: annotations and database-side counters included.
        step = self.get_queryset().get(pk=step.pk)
        return Response(self.get_serializer(step).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = step_create(user=request.user, **serializer.validated_data)
        return self._fresh(step, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        step = self.get_object()
        serializer = self.get_serializer(step, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        step_update(step=step, **serializer.validated_data)
        return self._fresh(step)

    def destroy(self, request, *args, **kwargs):
        step_delete(step=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ForkSerializer, responses={201: LibraryStepSerializer})
    @action(detail=True, methods=["post"])
    def fork(self, request, pk=None):
        source = self.get_object()
        options = ForkSerializer(data=request.data)
        options.is_valid(raise_exception=True)
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
