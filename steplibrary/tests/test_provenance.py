"""Revision history, forks that track their source, where-used, impact preview and updates."""

import pytest

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.samples import procedural_structure
from flows.services import tree_set_active
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, Notice, StepRevision


def entry(tree: Tree, node_id: str) -> LibraryStep:
    return LibraryStep.objects.get(source_tree=tree, source_node_id=node_id)


@pytest.fixture
def public_flow(author):
    return TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(3))


def edit_step(tree: Tree, index: int, **fields) -> None:
    tree.tree_structure["steps"][index].update(fields)
    tree.save()


@pytest.mark.django_db
class TestRevisions:
    def test_publish_records_one_revision_per_entry(self, public_flow):
        assert StepRevision.objects.count() == 3
        revision = entry(public_flow, "s1").revisions.get()
        assert (revision.number, revision.title, revision.source_tree) == (1, "Step 1", public_flow)
        assert revision.published_at == public_flow.published_at

    def test_unchanged_republish_records_none_with_the_same_query_count(
        self, public_flow, django_assert_max_num_queries
    ):
        public_flow.name = "Renamed only"
        with django_assert_max_num_queries(11):  # 2 of them record the flow's own revision
            public_flow.save()
        assert public_flow.library_sync.unchanged == 3
        assert StepRevision.objects.count() == 3

    def test_changed_republish_records_one_revision_per_changed_entry(self, public_flow):
        edit_step(public_flow, 1, title="Step one, better")
        edit_step(public_flow, 2, description="New words")
        assert StepRevision.objects.count() == 5
        assert list(entry(public_flow, "s1").revisions.values_list("number", flat=True)) == [2, 1]
        assert entry(public_flow, "s3").revisions.count() == 1

    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_changed_republish_query_count_is_fixed(self, author, django_assert_max_num_queries, step_count):
        tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(step_count))
        for node in tree.tree_structure["steps"][1::2]:
            node["title"] += " (changed)"
        with django_assert_max_num_queries(14):  # 2 of them record the flow's own revision
            tree.save()
        assert StepRevision.objects.filter(number=2).count() == tree.library_sync.updated > 0

    def test_manual_entries_get_a_revision_on_each_edit(self, author):
        api = client_for(author)
        created = api.post(
            "/api/steps/", {"title": "Mine", "content": {"instructions": "One"}}, format="json"
        )
        step_id = created.json()["id"]
        assert created.json()["revision"] == 1
        api.patch(f"/api/steps/{step_id}/", {"content": {"instructions": "Two"}}, format="json")
        api.patch(f"/api/steps/{step_id}/", {"title": "Mine"}, format="json")  # no change: no revision
        revisions = api.get(f"/api/steps/{step_id}/revisions/").json()
        assert [revision["number"] for revision in revisions] == [2, 1]
        assert revisions[0]["content"]["instructions"] == "Two"

    def test_diff_between_revisions_field_by_field(self, author, public_flow):
        edit_step(
            public_flow,
            1,
            title="Stop it",
            expected_outcome=None,
            commands=[{"code": "run --step 1", "label": "Run", "language": "bash"}, {"code": "verify"}],
        )
        public_flow.tree_structure["steps"][0]["title"] = "Before"  # the section s1 sits in
        public_flow.is_public = False
        public_flow.save()
        step = entry(public_flow, "s1")
        body = client_for(author).get(f"/api/steps/{step.pk}/revisions/diff/", {"from": 1, "to": 3}).json()
        changes = body["changes"]
        assert (body["from"], body["to"]) == (1, 3)
        assert changes["title"] == {"from": "Step 1", "to": "Stop it"}
        assert changes["help_text"] == {"from": "Thing 1 is done", "to": None}
        assert changes["group_label"] == {"from": "Section 1", "to": "Before"}
        assert changes["visibility"] == {"from": "public", "to": "team"}
        assert changes["commands"] == {
            "added": [{"index": 1, "command": {"label": "", "command": "verify", "command_type": None}}],
            "removed": [],
            "changed": [],
        }
        assert "instructions" not in changes
        latest = client_for(author).get(f"/api/steps/{step.pk}/revisions/diff/").json()
        assert (latest["from"], latest["to"]) == (2, 3)

    def test_an_unknown_revision_is_a_404(self, author, public_flow):
        step = entry(public_flow, "s1")
        assert client_for(author).get(f"/api/steps/{step.pk}/revisions/diff/", {"to": 9}).status_code == 404


@pytest.mark.django_db
class TestForksTrackTheirSource:
    def test_fork_change_diff_accept_and_dismiss(self, public_flow, outsider):
        api = client_for(outsider)
        source = entry(public_flow, "s1")
        fork = api.post(f"/api/steps/{source.pk}/fork/").json()
        assert (fork["forked_from_revision"], fork["upstream_changed"], fork["source_retired"]) == (
            1,
            False,
            False,
        )
        api.patch(f"/api/steps/{fork['id']}/", {"title": "My own title"}, format="json")

        edit_step(public_flow, 1, title="Source moved on", description="Better words")
        fork = api.get(f"/api/steps/{fork['id']}/").json()
        assert (fork["upstream_changed"], fork["source_revision"]) == (True, 2)
        upstream = api.get(f"/api/steps/{fork['id']}/upstream/").json()
        assert upstream["changes"]["title"] == {"from": "Step 1", "to": "Source moved on"}
        assert upstream["changes"]["instructions"]["to"] == "Better words"

        refused = api.post(f"/api/steps/{fork['id']}/upstream/accept/")
        assert (refused.status_code, refused.json()["conflicts"]) == (409, ["title"])
        accepted = api.post(
            f"/api/steps/{fork['id']}/upstream/accept/", {"resolutions": {"title": "theirs"}}, format="json"
        ).json()
        assert accepted["title"] == "Source moved on"
        assert accepted["content"]["instructions"] == "Better words"
        assert accepted["visibility"] == "private"  # the fork keeps its own visibility
        assert (accepted["upstream_changed"], accepted["forked_from_revision"]) == (False, 2)

        edit_step(public_flow, 1, title="Third time")
        assert api.get(f"/api/steps/{fork['id']}/").json()["upstream_changed"] is True
        dismissed = api.post(f"/api/steps/{fork['id']}/upstream/dismiss/").json()
        assert dismissed["upstream_changed"] is False
        assert dismissed["title"] == "Source moved on"
        edit_step(public_flow, 1, title="Fourth time")
        assert api.get(f"/api/steps/{fork['id']}/").json()["upstream_changed"] is True

    @pytest.mark.parametrize("retire", ["deactivate", "archive", "delete"])
    def test_a_retired_source_is_said_and_the_fork_keeps_working(self, public_flow, outsider, retire):
        api = client_for(outsider)
        fork_id = api.post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/").json()["id"]
        if retire == "deactivate":
            tree_set_active(tree=public_flow, active=False)
        elif retire == "archive":
            public_flow.status = "archived"
            public_flow.save()
        else:
            public_flow.delete()
        fork = api.get(f"/api/steps/{fork_id}/").json()
        assert (fork["source_retired"], fork["upstream_changed"]) == (True, False)
        assert api.get(f"/api/steps/{fork_id}/upstream/").json()["source_retired"] is True
        assert api.post(f"/api/steps/{fork_id}/upstream/accept/").status_code == 400
        assert api.post(f"/api/steps/{fork_id}/use/").status_code == 200

    def test_only_the_owner_accepts_and_invisible_forks_are_404(self, public_flow, outsider, teammate, loner):
        source = entry(public_flow, "s1")
        fork_id = (
            client_for(outsider).post(f"/api/steps/{source.pk}/fork/", {"visibility": "public"}).json()["id"]
        )
        edit_step(public_flow, 1, title="Changed")
        assert client_for(teammate).post(f"/api/steps/{fork_id}/upstream/accept/").status_code == 403
        private_fork = client_for(outsider).post(f"/api/steps/{source.pk}/fork/").json()["id"]
        for path in ("upstream/", "revisions/", "revisions/diff/", "usage/"):
            assert client_for(loner).get(f"/api/steps/{private_fork}/{path}").status_code == 404
        assert client_for(loner).post(f"/api/steps/{private_fork}/upstream/dismiss/").status_code == 404

    def test_not_a_fork_is_a_clear_400(self, author, public_flow):
        step = entry(public_flow, "s1")
        response = client_for(author).get(f"/api/steps/{step.pk}/upstream/")
        assert response.status_code == 400


def flow_using(author, step: LibraryStep, **kwargs) -> Tree:
    structure = procedural_structure(1)
    structure["steps"][1]["library_step_id"] = str(step.pk)
    return TreeFactory(author=author, tree_structure=structure, **kwargs)


@pytest.mark.django_db
class TestWhereUsed:
    def test_usage_lists_flows_and_forks_the_caller_may_see(self, author, teammate, outsider, public_flow):
        step = entry(public_flow, "s2")
        LibraryStep.objects.filter(pk=step.pk).update(usage_count=4)
        team_flow = flow_using(teammate, step, name="Team uses it")
        flow_using(outsider, step, name="Globex uses it")
        client_for(outsider).post(f"/api/steps/{step.pk}/fork/")  # private fork: only carol sees it
        client_for(teammate).post(f"/api/steps/{step.pk}/fork/", {"visibility": "team"})
        body = client_for(author).get(f"/api/steps/{step.pk}/usage/").json()
        assert body["usage_count"] == 4
        assert [flow["name"] for flow in body["flows"]] == ["Team uses it"]
        assert body["flows"][0]["id"] == str(team_flow.pk)
        # Every active fork is counted, as the publish preview counts them; only those the
        # caller may see are listed.
        assert (body["flow_count"], body["fork_count"], len(body["forks"])) == (1, 2, 1)
        carol = client_for(outsider).get(f"/api/steps/{step.pk}/usage/").json()
        assert (carol["flow_count"], carol["fork_count"], len(carol["forks"])) == (1, 2, 1)

    def test_the_link_survives_edits_of_the_node(self, author, public_flow):
        step = entry(public_flow, "s1")
        tree = flow_using(author, step)
        tree.tree_structure["steps"][1]["title"] = "Renamed by its author"
        tree.save()
        assert client_for(author).get(f"/api/steps/{step.pk}/usage/").json()["flow_count"] == 1


@pytest.mark.django_db
class TestImpactPreview:
    def test_preview_matches_the_publish_row_for_row_and_writes_nothing(
        self, author, outsider, public_flow, django_assert_max_num_queries
    ):
        changed, retired = entry(public_flow, "s1"), entry(public_flow, "s2")
        client_for(outsider).post(f"/api/steps/{changed.pk}/fork/")
        client_for(outsider).post(f"/api/steps/{retired.pk}/fork/")
        flow_using(outsider, retired)
        structure = public_flow.tree_structure
        structure["steps"][1]["title"] = "Changed title"
        del structure["steps"][2]
        structure["steps"].insert(2, {"id": "new", "type": "procedure_step", "title": "Brand new"})
        before = (LibraryStep.objects.count(), StepRevision.objects.count(), Notice.objects.count())
        response = client_for(author).post(
            f"/api/trees/{public_flow.pk}/preview/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 200, response.content
        preview = response.json()
        assert (LibraryStep.objects.count(), StepRevision.objects.count(), Notice.objects.count()) == before
        public_flow.refresh_from_db()
        assert public_flow.tree_structure["steps"][1]["title"] == "Step 1"

        assert preview["added"] == [{"node_id": "new", "title": "Brand new"}]
        assert [item["step_id"] for item in preview["changed"]] == [str(changed.pk)]
        assert preview["changed"][0]["changes"] == {"title": {"from": "Step 1", "to": "Changed title"}}
        assert preview["changed"][0]["forks"] == 1
        assert preview["retired"] == [
            {"step_id": str(retired.pk), "node_id": "s2", "title": "Step 2", "forks": 1, "flows": 1}
        ]

        public_flow.tree_structure = structure
        public_flow.save()
        result = public_flow.library_sync.as_dict()
        assert {key: preview[key] for key in result} == result
        assert not entry(public_flow, "s2").is_active
        assert entry(public_flow, "s1").title == "Changed title"

    def test_preview_of_deactivation(self, author, public_flow):
        preview = (
            client_for(author)
            .post(f"/api/trees/{public_flow.pk}/preview/", {"intent": "deactivate"}, format="json")
            .json()
        )
        assert preview["deactivated"] == 3 and preview["added"] == [] and len(preview["retired"]) == 3
        assert LibraryStep.objects.filter(is_active=True).count() == 3

    def test_preview_refuses_an_unpublishable_structure_and_checks_permissions(
        self, author, outsider, public_flow
    ):
        bad = {"steps": [{"id": "x", "type": "procedure_step"}]}
        response = client_for(author).post(
            f"/api/trees/{public_flow.pk}/preview/", {"tree_structure": bad}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["tree_structure"] == ["steps[0].title: a title is required to publish"]
        assert client_for(outsider).post(f"/api/trees/{public_flow.pk}/preview/", {}).status_code == 403
        private = TreeFactory(author=author)
        assert client_for(outsider).post(f"/api/trees/{private.pk}/preview/", {}).status_code == 404


@pytest.mark.django_db
class TestUpdates:
    def test_the_right_people_are_told_and_nobody_else(self, author, teammate, outsider, loner, public_flow):
        changed, retired = entry(public_flow, "s1"), entry(public_flow, "s2")
        fork = client_for(outsider).post(f"/api/steps/{changed.pk}/fork/").json()
        using = flow_using(teammate, retired, name="Bob's flow")
        flow_using(author, changed, name="Alice's own other flow")
        structure = public_flow.tree_structure
        structure["steps"][1]["title"] = "Changed"
        del structure["steps"][2]
        public_flow.save()

        carol = client_for(outsider).get("/api/updates/").json()["results"]
        assert [(item["kind"], item["fork"]) for item in carol] == [("source_changed", fork["id"])]
        bob = client_for(teammate).get("/api/updates/").json()["results"]
        assert [(item["kind"], item["tree"]) for item in bob] == [("source_retired", str(using.pk))]
        assert "Step 2" in bob[0]["message"]
        alice = client_for(author).get("/api/updates/").json()["results"]
        assert [item["kind"] for item in alice] == ["source_changed"]  # her other flow uses it
        assert client_for(loner).get("/api/updates/").json()["results"] == []

    def test_an_unchanged_republish_tells_nobody(self, author, outsider, public_flow):
        client_for(outsider).post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/")
        public_flow.name = "Renamed"
        public_flow.save()
        assert not Notice.objects.exists()

    def test_deactivating_the_flow_tells_fork_owners_and_reactivating_tells_nobody(
        self, author, outsider, public_flow
    ):
        client_for(outsider).post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/")
        tree_set_active(tree=public_flow, active=False)
        assert list(Notice.objects.values_list("user__username", "kind")) == [("carol", "source_retired")]
        tree_set_active(tree=public_flow, active=True)
        assert Notice.objects.count() == 1
        assert not StepRevision.objects.filter(number=2).exists()  # the entries came back unchanged

    def test_mark_read(self, author, outsider, public_flow):
        client_for(outsider).post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/")
        edit_step(public_flow, 1, title="Changed")
        api = client_for(outsider)
        assert len(api.get("/api/updates/", {"read_at__isnull": "true"}).json()["results"]) == 1
        assert api.post("/api/updates/read/", {}, format="json").json() == {"marked": 1}
        assert api.get("/api/updates/", {"read_at__isnull": "true"}).json()["results"] == []
        assert client_for(author).post("/api/updates/read/", {}, format="json").json() == {"marked": 0}
