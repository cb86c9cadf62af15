"""Template context every page needs from the step library: the unread updates count."""

from steplibrary.notices import notices_unread_count


def unread_updates(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The same reading rules as the list: updates about entries the user may no longer see
    # are not counted.
    return {"unread_updates": notices_unread_count(user)}
