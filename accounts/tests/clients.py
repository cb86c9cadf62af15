"""The API as one user sees it: every app's API tests call it through this one helper."""

from rest_framework.test import APIClient


def client_for(user=None, *, session: bool = False) -> APIClient:
    """An API client signed in as `user`, or anonymous without one. `session`: signed in by a
    session, as the pages' own requests are, instead of authenticated directly."""
    client = APIClient()
    if user is not None and session:
        client.force_login(user)
    elif user is not None:
        client.force_authenticate(user)
    return client
