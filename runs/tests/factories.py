"""Helpers for session tests: published flows and sessions started through the service."""

from flows.tests.factories import TreeFactory
from runs.models import Session
from runs.services import session_start


def published_flow(author, **fields):
    """A published procedural flow in the author's team (not public unless asked)."""
    return TreeFactory(author=author, published=True, **fields)


def start_session(tree, user, **fields) -> Session:
    return session_start(tree=tree, user=user, **fields)


def client_for(user=None):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def post_json(client, url: str, body):
    """Posts `body` as ASCII-escaped JSON, so that lone surrogates reach the server as sent."""
    import json

    return client.post(url, json.dumps(body), content_type="application/json")
