"""Staff takedowns stick: across republishes, resyncs and reactivations, until lifted."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.tests.clients import client_for
from flows.samples import procedural_structure
from flows.services import tree_set_active
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, Notice
from steplibrary.services import steps_lift_takedown, steps_set_active, steps_take_down
from steplibrary.tests.factories import LibraryStepFactory

REASON = "Deletes the production database when run as written."


@pytest.fixture
def flow(author):
    return TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(2))


def entry(flow, node_id="s1") -> LibraryStep:
    return LibraryStep.objects.get(source_tree=flow, source_node_id=node_id)


@pytest.fixture
def taken_down(flow, staff, outsider):
    client_for(outsider).post(f"/api/steps/{entry(flow).pk}/fork/")
    assert (
        steps_take_down(steps=LibraryStep.objects.filter(pk=entry(flow).pk), reason=REASON, user=staff) == 1
    )
    return entry(flow)


def listed(user) -> set[str]:
    return {row["id"] for row in client_for(user).get("/api/steps/", {"page_size": 100}).json()["results"]}


@pytest.mark.django_db
class TestTakedownSticks:
    def test_it_leaves_the_library_for_everyone(self, taken_down, author, outsider, staff):
        assert (taken_down.is_active, taken_down.takedown_reason, taken_down.taken_down_by) == (
            False,
            REASON,
            staff,
        )
        for user in (author, outsider):
            assert str(taken_down.pk) not in listed(user)
            assert client_for(user).get(f"/api/steps/{taken_down.pk}/").status_code == 404
        assert str(entry(taken_down.source_tree, "s2").pk) in listed(outsider)

    def test_a_republish_holds_it_and_counts_it(self, taken_down, author, flow):
        structure = flow.tree_structure
        structure["steps"][1]["title"] = "Still dangerous"
        structure["steps"][2]["title"] = "Step 2, edited"
        response = client_for(author).patch(
            f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["sync_result"] == {
            "created": 0,
            "updated": 1,
            "unchanged": 0,
            "deactivated": 0,
            "held": 1,
        }
        taken_down.refresh_from_db()
        assert (taken_down.is_active, taken_down.title) == (False, "Still dangerous")  # follows, stays out
        assert entry(flow, "s2").is_active

    def test_an_unchanged_republish_leaves_it_untouched(self, taken_down, flow):
        version = taken_down.version
        flow.name = "Renamed only"
        flow.save()
        assert flow.library_sync.as_dict() == {
            "created": 0,
            "updated": 0,
            "unchanged": 1,
            "deactivated": 0,
            "held": 1,
        }
        taken_down.refresh_from_db()
        assert (taken_down.is_active, taken_down.version) == (False, version)

    def test_resync_command_holds_it(self, taken_down, flow, capsys):
        call_command("resync_library")
        assert "1 held (taken down by staff)" in capsys.readouterr().out
        call_command("resync_library", "--tree", str(flow.pk))
        taken_down.refresh_from_db()
        assert not taken_down.is_active

    def test_deactivating_and_reactivating_the_flow_holds_it(self, taken_down, flow):
        tree_set_active(tree=flow, active=False)
        assert not entry(flow, "s2").is_active
        tree_set_active(tree=flow, active=True)
        assert entry(flow, "s2").is_active
        taken_down.refresh_from_db()
        assert not taken_down.is_active
        flow.status = "draft"
        flow.save()
        flow.status = "published"
        flow.save()
        taken_down.refresh_from_db()
        assert not taken_down.is_active

    def test_staff_reactivate_does_not_undo_it(self, taken_down):
        assert steps_set_active(steps=LibraryStep.objects.filter(pk=taken_down.pk), active=True) == 0
        taken_down.refresh_from_db()
        assert not taken_down.is_active

    def test_the_database_refuses_an_active_taken_down_row(self, taken_down):
        with pytest.raises(IntegrityError), transaction.atomic():
            LibraryStep.objects.filter(pk=taken_down.pk).update(is_active=True)

    def test_the_sync_stays_a_fixed_number_of_queries(self, taken_down, flow, django_assert_max_num_queries):
        flow.tree_structure["steps"][2]["title"] = "Changed"
        # The budget of any republish (test_signals.TestQueryBudget): a takedown adds none.
        with django_assert_max_num_queries(14):
            flow.save()

    def test_lifting_brings_it_back_through_the_flow(self, taken_down, flow):
        flow.tree_structure["steps"][1]["title"] = "Fixed while down"
        flow.save()
        assert steps_lift_takedown(steps=LibraryStep.objects.filter(pk=taken_down.pk)) == 1
        taken_down.refresh_from_db()
        assert (taken_down.is_active, taken_down.taken_down_at, taken_down.title) == (
            True,
            None,
            "Fixed while down",
        )
        assert taken_down.revisions.order_by("-number").first().title == "Fixed while down"

    def test_lifting_does_not_bring_back_a_step_gone_from_the_flow(self, taken_down, flow):
        del flow.tree_structure["steps"][1]
        flow.save()
        steps_lift_takedown(steps=LibraryStep.objects.filter(pk=taken_down.pk))
        taken_down.refresh_from_db()
        assert (taken_down.is_active, taken_down.taken_down_at) == (False, None)

    def test_a_manual_entry_comes_back_when_lifted(self, author, staff):
        manual = LibraryStepFactory(created_by=author, public=True)
        steps_take_down(steps=LibraryStep.objects.filter(pk=manual.pk), reason=REASON, user=staff)
        assert str(manual.pk) not in listed(author)
        steps_lift_takedown(steps=LibraryStep.objects.filter(pk=manual.pk))
        assert str(manual.pk) in listed(author)


@pytest.mark.django_db
class TestTakedownNotices:
    def test_the_author_and_fork_owners_are_told_with_the_reason(
        self, taken_down, author, outsider, teammate, loner, flow
    ):
        alice = client_for(author).get("/api/updates/").json()["results"]
        assert [(item["kind"], item["tree"]) for item in alice] == [("taken_down", str(flow.pk))]
        assert REASON in alice[0]["message"] and "Step 1" in alice[0]["message"]
        carol = client_for(outsider).get("/api/updates/").json()["results"]
        assert [item["kind"] for item in carol] == ["taken_down"]
        assert carol[0]["fork"] is not None and REASON in carol[0]["message"]
        for user in (teammate, loner):
            assert client_for(user).get("/api/updates/").json()["results"] == []

    def test_a_second_takedown_tells_nobody_again(self, taken_down, staff):
        before = Notice.objects.count()
        assert (
            steps_take_down(steps=LibraryStep.objects.filter(pk=taken_down.pk), reason="again", user=staff)
            == 0
        )
        assert Notice.objects.count() == before

    def test_the_updates_page_shows_it(self, taken_down, author, client):
        client.force_login(author)
        page = client.get("/updates/").content.decode()
        assert "Taken down by support staff" in page and REASON in page


@pytest.mark.django_db
class TestEditorTakedowns:
    def test_editors_see_which_steps_were_taken_down(self, taken_down, author, teammate, flow):
        for user in (author, teammate):
            body = client_for(user).get(f"/api/trees/{flow.pk}/takedowns/").json()
            assert [(row["node_id"], row["reason"]) for row in body] == [("s1", REASON)]

    def test_others_cannot(self, taken_down, outsider, loner, flow, author):
        assert client_for(outsider).get(f"/api/trees/{flow.pk}/takedowns/").status_code == 403  # public flow
        private = TreeFactory(author=author)
        assert client_for(outsider).get(f"/api/trees/{private.pk}/takedowns/").status_code == 404
        assert client_for(loner).get(f"/api/trees/{private.pk}/takedowns/").status_code == 404
        assert client_for(None).get(f"/api/trees/{flow.pk}/takedowns/").status_code == 401
        for bad in ("0.5", "%00", "not-a-uuid"):
            assert client_for(author).get(f"/api/trees/{bad}/takedowns/").status_code == 404
