"""Template context every page needs from the step library: the unread updates count."""

from steplibrary.models import Update


def unread_updates(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_updates": Update.objects.filter(user=user, read_at__isnull=True).count()}
