"""Who may change a library entry: its creator, and never through the API if a flow owns it."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from steplibrary.ui_strings import MANAGED_BY_FLOW

# Actions anyone who can see an entry may take.
OPEN_ACTIONS = {"fork", "rate", "use"}


class CanChangeStep(BasePermission):
    message = "Only the creator of this entry can change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "action", None) in OPEN_ACTIONS:
            return True
        if obj.is_flow_synced:
            raise PermissionDenied(MANAGED_BY_FLOW)
        return obj.is_editable_by(request.user.pk)
