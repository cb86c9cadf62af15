"""The flow API: list what the user may see; create, edit, publish and delete flows."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.concurrency import IF_MATCH_PARAMETER, PRECONDITION_FAILED_RESPONSE, ConditionalWriteMixin
from config.throttling import WriteRateThrottle
from flows.api.permissions import CanChangeTree
from flows.api.serializers import TreeListSerializer, TreeSerializer
from flows.filtersets import TreeFilterSet
from flows.models import Tree
from flows.services import tree_create, tree_delete, tree_update
from flows.tree_structure import TreeStructureError

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
        try:
            tree = tree_create(author=request.user, **serializer.validated_data)
        except TreeStructureError as error:  # refused by the library sync (e.g. a suspected secret)
            raise ValidationError(error.as_detail()) from None
        return Response(self.get_serializer(tree).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            tree = self.get_object_for_write()
            serializer = self.get_serializer(tree, data=request.data, partial=kwargs.get("partial", False))
            serializer.is_valid(raise_exception=True)
            try:
                tree = tree_update(tree=tree, **serializer.validated_data)
            except TreeStructureError as error:  # refused by the library sync (e.g. a suspected secret)
                raise ValidationError(error.as_detail()) from None
        return Response(self.get_serializer(tree).data)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            tree_delete(tree=self.get_object_for_write())
        return Response(status=status.HTTP_204_NO_CONTENT)
