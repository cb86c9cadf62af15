"""Updates never name what their reader may not see: `library_step_id` links only entries the
flow's author may see, notices are made only for people who may see the entry then, and
reading applies visibility again (entry title, flow name) at that moment."""

import itertools
import uuid

import pytest

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from flows.links import LINK_MESSAGE
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, Notice, Visibility, visibility_allows
from steplibrary.services import step_fork, step_update
from steplibrary.tests.factories import LibraryStepFactory

SECRET = "root password is hunter2"
TEAM_FLOW = "Globex acquisition runbook"


def linking(step_id, *, title: str = "Inserted from the library") -> dict:
    structure = procedural_structure(1)
    structure["steps"][1]["library_step_id"] = str(step_id)
    structure["steps"][1]["title"] = title
    return structure


def edit_step(tree, title: str) -> None:
    tree.tree_structure["steps"][1]["title"] = title
    tree.save()


@pytest.mark.django_db
class TestLinksNameOnlyEntriesTheAuthorMaySee:
    def test_the_message_names_the_rule(self):
        assert LINK_MESSAGE == "must be the id of a library entry the flow's author may see"

    def test_another_teams_team_entry_cannot_be_linked(self, author, outsider):
        team_entry = LibraryStepFactory(created_by=author, team=True)
        mine = TreeFactory(author=outsider)
        variants = [str(team_entry.pk), str(team_entry.pk).upper(), team_entry.pk.hex, str(uuid.uuid4())]
        for link in variants:
            body = {"name": "Mine", "tree_type": "procedural", "tree_structure": linking(link)}
            attempts = [
                client_for(outsider).post("/api/trees/", body, format="json"),
                client_for(outsider).patch(f"/api/trees/{mine.pk}/", body, format="json"),
                client_for(outsider).put(
                    f"/api/trees/{mine.pk}/", {**body, "status": "published"}, format="json"
                ),
                client_for(outsider).post(f"/api/trees/{mine.pk}/preview/", body, format="json"),
            ]
            for response in attempts:
                assert response.status_code == 400, response.content
                assert response.json() == {"tree_structure": [f"steps[1].library_step_id: {LINK_MESSAGE}"]}
        mine.refresh_from_db()
        assert mine.linked_step_ids == [] and mine.status == "draft"
        assert not Notice.objects.exists()

    def test_a_working_copy_cannot_link_another_teams_team_entry(self, author, outsider):
        team_entry = LibraryStepFactory(created_by=author, team=True)
        mine = TreeFactory(author=outsider, published=True, tree_structure=procedural_structure(1))
        response = client_for(outsider).put(
            f"/api/trees/{mine.pk}/draft/",
            {"name": "Mine", "tree_structure": linking(team_entry.pk)},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert response.json() == {"tree_structure": [f"steps[1].library_step_id: {LINK_MESSAGE}"]}
        assert client_for(outsider).get(f"/api/trees/{mine.pk}/draft/").status_code == 404
        published = client_for(outsider).post(f"/api/trees/{mine.pk}/publish/")
        assert published.status_code == 200
        mine.refresh_from_db()
        assert mine.linked_step_ids == [] and not Notice.objects.exists()

    def test_visible_entries_can_be_linked(self, author, teammate, outsider):
        public = LibraryStepFactory(created_by=author, public=True)
        team = LibraryStepFactory(created_by=author, team=True)
        body = {"name": "x", "tree_type": "procedural", "tree_structure": linking(public.pk)}
        assert client_for(outsider).post("/api/trees/", body, format="json").status_code == 201
        body["tree_structure"] = linking(team.pk)
        assert client_for(teammate).post("/api/trees/", body, format="json").status_code == 201

    def test_a_teammate_cannot_link_what_the_flows_author_cannot_see(self, author, teammate):
        alices = TreeFactory(author=author)
        bobs_private = LibraryStepFactory(created_by=teammate)
        response = client_for(teammate).patch(
            f"/api/trees/{alices.pk}/", {"tree_structure": linking(bobs_private.pk)}, format="json"
        )
        assert response.status_code == 400 and "library_step_id" in response.json()["tree_structure"][0]
        shared = LibraryStepFactory(created_by=teammate, team=True)
        response = client_for(teammate).patch(
            f"/api/trees/{alices.pk}/", {"tree_structure": linking(shared.pk)}, format="json"
        )
        assert response.status_code == 200

    def test_a_link_the_flow_already_has_survives_the_entry_being_hidden_later(self, author, teammate):
        entry = LibraryStepFactory(created_by=teammate, team=True)
        tree = TreeFactory(author=author, tree_structure=linking(entry.pk))
        step_update(step=entry, user=teammate, visibility=Visibility.PRIVATE)
        response = client_for(author).patch(f"/api/trees/{tree.pk}/", {"name": "Renamed"}, format="json")
        assert response.status_code == 200
        structure = linking(entry.pk, title="Edited")
        response = client_for(author).patch(
            f"/api/trees/{tree.pk}/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 200


@pytest.fixture
def alices_public_flow(author):
    return TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))


@pytest.mark.django_db
class TestNoticesOnlyForThoseWhoMaySee:
    def test_a_fork_of_an_entry_made_team_only_gets_nothing(self, author, outsider, alices_public_flow):
        entry = alices_public_flow.library_steps.get()
        step_fork(step=entry, user=outsider)
        # The flow goes team-only and its step is rewritten with a secret.
        alices_public_flow.is_public = False
        alices_public_flow.name = TEAM_FLOW
        edit_step(alices_public_flow, SECRET)
        entry.refresh_from_db()
        assert entry.visibility == "team" and entry.title == SECRET
        assert not Notice.objects.filter(user=outsider).exists()
        body = client_for(outsider).get("/api/updates/").content.decode()
        assert SECRET not in body and TEAM_FLOW not in body

    def test_a_link_in_a_draft_gets_nothing_once_the_entry_is_hidden(
        self, author, outsider, alices_public_flow
    ):
        entry = alices_public_flow.library_steps.get()
        response = client_for(outsider).post(
            "/api/trees/",
            {"name": "Carol's", "tree_type": "procedural", "tree_structure": linking(entry.pk)},
            format="json",
        )
        assert response.status_code == 201
        edit_step(alices_public_flow, "A public change")
        assert Notice.objects.filter(user=outsider).count() == 1  # visible: told
        alices_public_flow.is_public = False
        edit_step(alices_public_flow, SECRET)
        assert Notice.objects.filter(user=outsider).count() == 1  # hidden: not told

    def test_reading_hides_notices_about_entries_no_longer_visible(
        self, client, author, outsider, alices_public_flow
    ):
        entry = alices_public_flow.library_steps.get()
        step_fork(step=entry, user=outsider)
        edit_step(alices_public_flow, "Changed while public")
        assert len(client_for(outsider).get("/api/updates/").json()["results"]) == 1
        # Made team-only without a content change: the old notice must not show any more.
        alices_public_flow.is_public = False
        alices_public_flow.save()
        assert client_for(outsider).get("/api/updates/").json()["results"] == []
        client.force_login(outsider)
        html = client.get("/updates/").content.decode()
        assert "Changed while public" not in html and "Nothing new" in html
        assert "unread" not in client.get("/library/").content.decode()
        # Public again: the old notice is back, with a new one for the visibility change.
        alices_public_flow.is_public = True
        alices_public_flow.save()
        results = client_for(outsider).get("/api/updates/").json()["results"]
        assert len(results) == 2 and Notice.objects.filter(user=outsider).count() == 2

    def test_the_flow_name_only_for_readers_who_may_open_the_flow(self, author, teammate, outsider):
        structure = procedural_structure(1)
        structure["steps"][1]["library_visibility"] = "public"
        tree = TreeFactory(author=author, published=True, name=TEAM_FLOW, tree_structure=structure)
        entry = tree.library_steps.get()
        step_fork(step=entry, user=outsider)
        step_fork(step=entry, user=teammate)
        edit_step(tree, "Public step, new title")
        [carols] = client_for(outsider).get("/api/updates/").json()["results"]
        assert carols["message"] == '"Public step, new title" changed'
        [bobs] = client_for(teammate).get("/api/updates/").json()["results"]
        assert bobs["message"] == f'"Public step, new title" changed (flow "{TEAM_FLOW}")'
        tree.is_public = True
        tree.save()
        [carols] = client_for(outsider).get("/api/updates/").json()["results"]
        assert TEAM_FLOW in carols["message"]

    def test_the_updates_page_and_count_follow_the_same_rules(self, client, author, outsider):
        structure = procedural_structure(1)
        structure["steps"][1]["library_visibility"] = "public"
        tree = TreeFactory(author=author, published=True, name=TEAM_FLOW, tree_structure=structure)
        step_fork(step=tree.library_steps.get(), user=outsider)
        edit_step(tree, "Visible title")
        client.force_login(outsider)
        assert 'aria-label="1 unread"' in client.get("/library/").content.decode()
        html = client.get("/updates/").content.decode()
        assert "Visible title" in html and TEAM_FLOW not in html

    def test_reading_keeps_a_fixed_number_of_queries(self, author, outsider, django_assert_max_num_queries):
        for index in range(6):
            tree = TreeFactory(
                author=author, published=True, public=index % 2 == 0, tree_structure=procedural_structure(2)
            )
            for entry in tree.library_steps.all():
                step_fork(step=entry, user=outsider)
            tree.tree_structure["steps"][1]["title"] = "x"
            tree.tree_structure["steps"][2]["title"] = "y"
            tree.save()
        with django_assert_max_num_queries(4):
            results = client_for(outsider).get("/api/updates/", {"page_size": 100}).json()["results"]
        assert len(results) == 6


@pytest.mark.django_db
def test_the_python_twin_of_the_visibility_rule_agrees_with_the_queryset(account, other_account):
    users = [
        UserFactory(account=account),
        UserFactory(account=account),
        UserFactory(account=other_account),
        UserFactory(no_account=True),
        UserFactory(account=other_account, is_superuser=True),
    ]
    steps = [
        LibraryStepFactory(created_by=owner, visibility=visibility)
        for owner, visibility in itertools.product([users[0], users[3]], Visibility.values)
    ]
    for user, step in itertools.product(users, steps):
        in_db = LibraryStep.objects.readable_by(user).filter(pk=step.pk).exists()
        in_python = visibility_allows(
            visibility=step.visibility,
            account_id=step.account_id,
            owner_id=step.created_by_id,
            user_id=user.pk,
            user_account_id=user.account_id,
            is_superuser=user.is_superuser,
        )
        assert in_db == in_python, (user, step.visibility, step.created_by_id)
