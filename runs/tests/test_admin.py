"""Sessions in Django admin: support staff read them, filter them, and change nothing."""

import uuid

import pytest
from django.urls import reverse

from runs.models import Session
from runs.services import session_finish, session_record_event
from runs.tests.factories import published_flow, start_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(author):
    tree = published_flow(author, name="Rotate certificates")
    running = start_session(tree, author, title="INC-1")
    done = start_session(tree, author, title="INC-2")
    session_record_event(
        session=done, user=author, event_id=uuid.uuid4(), node_id="s1", outcome="done", note="ok"
    )
    session_finish(session=done, user=author, status="resolved")
    return running, done


def test_support_staff_list_and_filter_sessions(support_client, sessions, django_assert_max_num_queries):
    url = reverse("admin:runs_session_changelist")
    with django_assert_max_num_queries(14):
        response = support_client.get(url)
    assert response.status_code == 200
    assert "INC-1" in response.content.decode() and "INC-2" in response.content.decode()
    filtered = support_client.get(f"{url}?status__exact=resolved").content.decode()
    assert "INC-2" in filtered and "INC-1" not in filtered
    assert support_client.get(f"{url}?q=Rotate").status_code == 200


def test_a_session_page_is_read_only(support_client, sessions):
    _, done = sessions
    url = reverse("admin:runs_session_change", args=[done.pk])
    page = support_client.get(url)
    assert page.status_code == 200
    assert "INC-2" in page.content.decode() and "ok" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert support_client.post(url, {"title": "changed", "status": "running"}).status_code == 403
    assert support_client.get(reverse("admin:runs_session_add")).status_code == 403
    assert (
        support_client.post(reverse("admin:runs_session_delete", args=[done.pk]), {"post": "yes"}).status_code
        == 403
    )
    done.refresh_from_db()
    assert (done.title, done.status) == ("INC-2", "resolved")
    assert Session.objects.count() == 2


def test_users_outside_support_see_no_sessions_in_admin(client, author, sessions):
    client.force_login(author)
    response = client.get(reverse("admin:runs_session_changelist"))
    assert response.status_code == 302
