"""Schemathesis drives every operation in /api/schema/ as a signed-in user.

No request, however malformed, may produce a 5xx, and every documented response must
match its schema. Cases are bounded so the suite stays quick.
"""

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.services import token_create
from config.wsgi import application
from flows.tests.factories import TreeFactory
from steplibrary.tests.factories import LibraryStepFactory


def _served_schema() -> dict:
    """The schema /api/schema/ serves, built in-process: the endpoint needs a signed-in
    user, and no user exists while tests are being collected."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = application


@pytest.fixture
def wsgi_in_test_transaction():
    """Calling the WSGI app directly would close the test's connection after each request;
    Django's own test client disconnects the same handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(author, wsgi_in_test_transaction):
    # Some real objects, so that not every generated id is a miss.
    TreeFactory(author=author, published=True)
    LibraryStepFactory(created_by=author, public=True)
    return {"Authorization": f"Token {token_create(user=author)[1]}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_never_errors_and_matches_its_schema(case, auth_headers):
    cache.clear()  # throttling would only turn a long run of writes into 429s
    case.call_and_validate(
        headers=auth_headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
