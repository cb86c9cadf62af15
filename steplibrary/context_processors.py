"""Template context every page needs from the step library: the unread notices count (the
pages call them updates: the template key and the page's URL keep that word)."""

from steplibrary.notices import notices_unread_count


def unread_updates(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The same reading rules as the list: notices about entries the user may no longer see
    # are not counted.
    return {"unread_updates": notices_unread_count(user)}
