"""Flows are changed by their author and their team; others may at most read them."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from flows.models import Tree


class CanChangeTree(BasePermission):
    message = "Only the flow's author and team can change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return Tree.objects.editable_by(request.user).filter(pk=obj.pk).exists()


class EditsTree(BasePermission):
    """Even to read: what only the people who edit a flow see (e.g. its takedowns)."""

    message = "Only the flow's author and team can see this."

    def has_object_permission(self, request, view, obj) -> bool:
        return Tree.objects.editable_by(request.user).filter(pk=obj.pk).exists()
