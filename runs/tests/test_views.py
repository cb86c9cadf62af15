"""The run page and the runs list: who may open them, what they show, what they cost."""

import uuid

import pytest

from config.tests.selects import assert_filter_select
from flows.samples import procedural_structure
from runs.services import session_finish, session_join, session_record_event
from runs.tests.factories import published_flow, start_session
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(author):
    return start_session(published_flow(author, name="Rotate certificates"), author, title="INC-7")


@pytest.mark.parametrize(
    "who, status", [("author", 200), ("teammate", 200), ("outsider", 404), ("loner", 404)]
)
def test_the_run_page_opens_for_those_who_see_the_flow(client, request, session, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/runs/{session.pk}/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "INC-7" in page and 'id="session-data"' in page and "js/run.js" in page


def test_signed_out_visitors_are_sent_to_sign_in(client, session):
    response = client.get(f"/runs/{session.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/runs/{uuid.uuid4()}/").status_code == 302


@pytest.mark.parametrize("steps", [5, 300])
def test_the_run_page_costs_a_fixed_number_of_queries(
    client, author, teammate, steps, django_assert_max_num_queries
):
    tree = published_flow(author, tree_structure=procedural_structure(steps, sections=max(1, steps // 30)))
    session = start_session(tree, author)
    session_join(session=session, user=teammate)
    for index in range(1, steps + 1):
        session_record_event(
            session=session,
            user=author if index % 2 else teammate,
            event_id=uuid.uuid4(),
            node_id=f"s{index}",
            outcome="done",
        )
    client.force_login(author)
    with django_assert_max_num_queries(12):
        response = client.get(f"/runs/{session.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('"outcome": "done"') == steps


def test_the_runs_list_filters_by_flow_and_mine(client, author, teammate, outsider, session):
    other = start_session(published_flow(teammate, name="Patch Tuesday"), teammate, title="CHG-9")
    session_finish(session=other, user=teammate, status="abandoned")
    client.force_login(author)
    everything = client.get("/runs/").content.decode()
    assert "INC-7" in everything and "CHG-9" in everything
    mine = client.get("/runs/?mine=true").content.decode()
    assert "INC-7" in mine and "CHG-9" not in mine and "My runs" in mine
    # The title and the list agree on what a boolean spelling means, whichever is used.
    for spelling in ("1", "True"):
        page = client.get(f"/runs/?mine={spelling}").content.decode()
        assert "INC-7" in page and "CHG-9" not in page and "My runs" in page
    for spelling in ("0", "false"):
        page = client.get(f"/runs/?mine={spelling}").content.decode()
        assert "INC-7" not in page and "CHG-9" in page
    of_flow = client.get(f"/runs/?tree={session.tree_id}").content.decode()
    assert "Runs of Rotate certificates" in of_flow and "CHG-9" not in of_flow
    assert "CHG-9" in client.get("/runs/?status=abandoned").content.decode()
    assert client.get("/runs/?status=bogus").status_code == 200
    client.force_login(outsider)
    assert "INC-7" not in client.get("/runs/").content.decode()
    assert "Rotate certificates" not in client.get(f"/runs/?tree={session.tree_id}").content.decode()


def test_the_flow_page_offers_start_run_only_for_a_published_flow(client, author):
    from flows.tests.factories import TreeFactory

    client.force_login(author)
    live = published_flow(author)
    draft = TreeFactory(author=author)
    assert "Start run" in client.get(f"/flows/{live.pk}/").content.decode()
    page = client.get(f"/flows/{draft.pk}/").content.decode()
    assert "Start run" not in page and f"/runs/?tree={draft.pk}" in page


def test_user_content_on_the_run_page_is_escaped(client, author):
    xss = "<img src=x onerror=alert(1)>"
    session = start_session(published_flow(author, name=xss), author, title=xss)
    LibraryStepFactory(public=True)
    client.force_login(author)
    page = client.get(f"/runs/{session.pk}/").content.decode()
    assert xss not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "html_id", "label", "empty", "chosen"),
    [
        ("status", "run-status-filter", "Run status", "All statuses", ("resolved", "Resolved")),
        ("mine", "run-mine-filter", "Whose", "Everyone&#x27;s", ("true", "Started or joined by me")),
    ],
)
def test_the_runs_selects_come_from_the_filterset_and_keep_the_choice(
    client, author, param, html_id, label, empty, chosen
):
    client.force_login(author)
    value, text = chosen
    html = client.get("/runs/", {param: value}).content.decode()
    assert_filter_select(html, param, html_id, label, empty, chosen)
    unfiltered = client.get("/runs/").content.decode()
    assert f'<option value="{value}">{text}</option>' in unfiltered
