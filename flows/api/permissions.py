"""Flows are changed by their author and their team; others may at most read them."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from flows.selectors import tree_is_editable_by


class CanChangeTree(BasePermission):
    message = "Only the flow's author and team can change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return tree_is_editable_by(tree=obj, user=request.user)


class EditsTree(BasePermission):
    """Even to read: what only the people who edit a flow see (e.g. its takedowns)."""

    message = "Only the flow's author and team can see this."

    def has_object_permission(self, request, view, obj) -> bool:
        return tree_is_editable_by(tree=obj, user=request.user)
