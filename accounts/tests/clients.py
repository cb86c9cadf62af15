"""The API as one user sees it: every app's API tests call it through this one helper."""

from rest_framework.test import APIClient


def client_for(user=None) -> APIClient:
    """An API client signed in as `user`, or anonymous without one."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
