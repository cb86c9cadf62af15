"""History shows a caller only the revisions recorded while they could see the entry: a
team-only text (or a private one) later made public keeps its old versions to itself."""

import pytest

from accounts.tests.clients import client_for
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRevision
from steplibrary.services import step_create, step_update

PASSWORD = "hunter2-prod-db"


def _structure(instructions: str) -> dict:
    structure = procedural_structure(1)
    structure["steps"][1]["description"] = instructions
    return structure


@pytest.fixture
def made_public_flow(author):
    """A team-only flow whose step held a password; then cleaned up and made public."""
    tree = TreeFactory(author=author, published=True, tree_structure=_structure(f"mysql -p{PASSWORD}"))
    tree.tree_structure = _structure("mysql --login-path=prod")
    tree.is_public = True
    tree.save()
    return LibraryStep.objects.get(source_tree=tree)


@pytest.mark.django_db
class TestRevisionsOfATeamEntryMadePublic:
    def test_revisions_record_who_could_see_them(self, made_public_flow, account, author):
        first, second = made_public_flow.revisions.order_by("number")
        assert (first.visibility, first.account_id, first.owner_id) == ("team", account.pk, author.pk)
        assert (second.visibility, second.account_id, second.owner_id) == ("public", account.pk, author.pk)

    def test_another_team_sees_only_the_public_revision(self, made_public_flow, outsider, loner):
        for user in (outsider, loner):
            response = client_for(user).get(f"/api/steps/{made_public_flow.pk}/revisions/")
            assert response.status_code == 200
            assert [row["number"] for row in response.json()] == [2]
            assert PASSWORD not in response.content.decode()

    def test_the_team_still_sees_the_whole_history(self, made_public_flow, teammate):
        rows = client_for(teammate).get(f"/api/steps/{made_public_flow.pk}/revisions/").json()
        assert [row["number"] for row in rows] == [2, 1]

    def test_another_team_cannot_diff_into_hidden_history(self, made_public_flow, outsider):
        api, url = client_for(outsider), f"/api/steps/{made_public_flow.pk}/revisions/diff/"
        asked = api.get(url, {"from": 1, "to": 2})
        assert asked.status_code == 404 and "hidden" in asked.json()["detail"]
        assert PASSWORD not in asked.content.decode()
        reversed_ = api.get(url, {"from": 2, "to": 1})
        assert reversed_.status_code == 404 and PASSWORD not in reversed_.content.decode()
        # The default diff starts from nothing rather than from the hidden revision.
        default = api.get(url)
        assert default.status_code == 200, default.content
        assert default.json()["from"] is None and default.json()["to"] == 2
        assert PASSWORD not in default.content.decode()

    def test_the_team_diffs_as_before(self, made_public_flow, teammate):
        body = client_for(teammate).get(f"/api/steps/{made_public_flow.pk}/revisions/diff/").json()
        assert body["from"] == 1 and PASSWORD in body["changes"]["instructions"]["from"]


@pytest.mark.django_db
class TestAPrivateManualEntryMadePublic:
    @pytest.fixture
    def entry(self, author):
        step = step_create(user=author, title="DB login", content={"instructions": f"pw {PASSWORD}"})
        step_update(step=step, user=author, content={"instructions": "use the vault"}, visibility="team")
        step_update(step=step, user=author, content={"instructions": "use the vault, team"})
        step_update(step=step, user=author, visibility="public")
        step_update(step=step, user=author, title="DB login (public)")
        return step

    def test_each_caller_sees_what_was_visible_to_them(self, entry, author, teammate, outsider):
        def numbers(user):
            return [row["number"] for row in client_for(user).get(f"/api/steps/{entry.pk}/revisions/").json()]

        assert numbers(author) == [5, 4, 3, 2, 1]
        assert numbers(teammate) == [5, 4, 3, 2]
        assert numbers(outsider) == [5, 4]

    def test_a_diff_never_spans_a_hidden_revision(self, entry, teammate, outsider):
        url = f"/api/steps/{entry.pk}/revisions/diff/"
        assert client_for(outsider).get(url, {"from": 4, "to": 5}).status_code == 200
        assert client_for(outsider).get(url, {"from": 2, "to": 5}).status_code == 404
        assert client_for(teammate).get(url, {"from": 2, "to": 5}).status_code == 200
        # A visible pair with a hidden revision between them is refused, in either order.
        StepRevision.objects.filter(step=entry, number=3).update(visibility="private")
        spanning = client_for(teammate).get(url, {"from": 2, "to": 4})
        assert spanning.status_code == 400 and "hidden" in spanning.json()["detail"]
        assert client_for(teammate).get(url, {"from": 4, "to": 2}).status_code == 400

    def test_an_invisible_entry_is_still_a_404(self, author, outsider):
        step = step_create(user=author, title="Mine", content={"instructions": "x"})
        for path in ("revisions/", "revisions/diff/"):
            assert client_for(outsider).get(f"/api/steps/{step.pk}/{path}").status_code == 404


@pytest.mark.django_db
def test_revisions_list_keeps_a_fixed_query_budget(author, outsider, django_assert_max_num_queries):
    step = step_create(user=author, title="t", content={"instructions": "0"}, visibility="public")
    for number in range(1, 30):
        step_update(step=step, user=author, content={"instructions": str(number)})
    with django_assert_max_num_queries(6):
        response = client_for(outsider).get(f"/api/steps/{step.pk}/revisions/")
    assert len(response.json()) == 30
