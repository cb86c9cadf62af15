"""Helpers for session tests: published flows and sessions started through the service."""

from flows.tests.factories import TreeFactory
from runs.models import Session
from runs.services import session_start


def published_flow(author, **fields):
    """A published procedural flow in the author's team (not public unless asked)."""
    return TreeFactory(author=author, published=True, **fields)


def start_session(tree, user, **fields) -> Session:
    return session_start(tree=tree, user=user, **fields)


def post_json(client, url: str, body):
    """Posts `body` as ASCII-escaped JSON, so that lone surrogates reach the server as sent."""
    import json

    return client.post(url, json.dumps(body), content_type="application/json")


def text_in_database(needle: str) -> list[str]:
    """ "app.Model.column" for every text or JSON value, in every row of every table, that
    contains `needle`: proof that something was never stored."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        if not columns:
            continue
        for row in model._default_manager.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                if value is not None and needle in str(value):
                    found.append(f"{model._meta.label}.{column}")
    return found
