"""What the apps' admin classes share."""


class ViewOnlyAdminMixin:
    """For records the product writes (sessions, secret allowances): support staff read
    them in admin and never add, change or delete one there."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
