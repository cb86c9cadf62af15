"""Schemathesis drives every operation of the OpenAPI schema as a signed-in user, with all
of its checks: no 5xx, every status code, content type, header and body as documented,
schema-violating input refused, schema-valid input accepted, auth not ignored.

Run it alone with `pytest -m fuzz`. It is bounded: a fixed number of derandomized
examples per operation, so it takes the same (short) time on every run.
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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import token_create
from config.wsgi import application
from flows.tests.factories import TreeFactory
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = pytest.mark.fuzz

# Operations whose validation says more than JSON Schema can: valid credentials, a flow
# structure that parses, an entry that is a fork, a flow one may run. A schema-valid body may rightly be a
# 400 there, so "schema-valid input is accepted" is not asserted for them (every other
# check still is). Everywhere else a schema-valid request must succeed.
SEMANTIC_VALIDATION = {
    ("POST", "/api/auth/token/"),
    ("POST", "/api/trees/"),
    ("PUT", "/api/trees/{id}/"),
    ("PATCH", "/api/trees/{id}/"),
    ("POST", "/api/trees/{id}/preview/"),
    ("GET", "/api/steps/{id}/upstream/"),
    ("POST", "/api/steps/{id}/upstream/accept/"),
    ("POST", "/api/steps/{id}/upstream/dismiss/"),
    ("POST", "/api/sessions/"),  # a visible published flow; variable names with a pattern
    ("GET", "/api/steps/"),  # a `cursor` is one the list gave, and not sent with `page`
}


def _served_schema() -> dict:
    """The schema /api/schema/ serves, built in-process: the endpoint needs a signed-in
    user, and no user exists while tests are being collected."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = application
# Every text in a body must be valid Unicode without NUL (the schema's description says
# so; PostgreSQL cannot store NUL): that rule holds for any string or key, including keys
# the body schemas leave open, which JSON Schema has no way to say. So no NUL is generated
# for "valid" input; test_hostile_text.py sends NUL and lone surrogates everywhere.
schema.config.generation.update(allow_x00=False)


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
def signed_in_author(author, wsgi_in_test_transaction):
    # Some real objects, so that not every generated id is a miss.
    TreeFactory(author=author, published=True)
    LibraryStepFactory(created_by=author, public=True)
    return author


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_conforms_to_its_schema(case, signed_in_author):
    cache.clear()  # throttling would only turn a long run of writes into 429s
    # A new token per case: the sign-out operations revoke the one they are sent with.
    token = token_create(user=signed_in_author)[1]
    semantic = (case.operation.method.upper(), case.operation.path) in SEMANTIC_VALIDATION
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[positive_data_acceptance] if semantic else None,
    )
