"""Accept is a three-way merge; a source the caller can no longer see counts as retired;
restoring an entry's earlier revision."""

import json

import pytest

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.merge import merge_fields, merged_version
from steplibrary.models import LibraryStep, StepRevision
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.ui_strings import MANAGED_BY_FLOW


def version(title="T", instructions="I", help_text=None, group_label=None, commands=()) -> dict:
    return {
        "title": title,
        "step_type": "action",
        "content": {
            "instructions": instructions,
            "help_text": help_text,
            "group_label": group_label,
            "commands": [{"label": "", "command": code, "command_type": None} for code in commands],
        },
    }


def cmd(code: str) -> dict:
    return {"label": "", "command": code, "command_type": None}


# (base, mine, theirs) of one field → status; the merged value where no choice is needed.
STATUS_TABLE = [
    ("unchanged", "a", "a", "a", "a"),
    ("theirs_only", "a", "a", "b", "b"),
    ("mine_only", "a", "b", "a", "b"),
    ("both_same", "a", "b", "b", "b"),
    ("conflict", "a", "b", "c", None),
]


@pytest.mark.parametrize(("status", "base", "mine", "theirs", "merged"), STATUS_TABLE)
@pytest.mark.parametrize("field", ["title", "instructions", "help_text", "group_label"])
def test_every_status_of_a_scalar_field(field, status, base, mine, theirs, merged):
    def make(value):
        return version(**{field: value})

    by_name = {f.name: f for f in merge_fields(make(base), make(mine), make(theirs))}
    assert by_name[field].status == status
    assert all(f.status == "unchanged" for name, f in by_name.items() if name != field)
    if merged is not None:
        assert by_name[field].merged() == merged
    else:
        assert by_name[field].merged("mine") == mine
        assert by_name[field].merged("theirs") == theirs
        with pytest.raises(ValueError, match="needs a choice"):
            by_name[field].merged()


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "statuses", "merged"),
    [
        # matched by position: an edit of each side at different positions merges cleanly
        (["a", "b"], ["a2", "b"], ["a", "b2"], ["mine_only", "theirs_only"], ["a2", "b2"]),
        # both appended different commands: a conflict at the new position
        (["a"], ["a", "x"], ["a", "y"], ["unchanged", "conflict"], None),
        # the source removed the last command, the fork did not touch it
        (["a", "b"], ["a", "b"], ["a"], ["unchanged", "theirs_only"], ["a"]),
        # the fork removed one, the source left them alone
        (["a", "b", "c"], ["a", "c"], ["a", "b", "c"], ["unchanged", "mine_only", "mine_only"], ["a", "c"]),
        # both appended the same command
        ([], ["n"], ["n"], ["both_same"], ["n"]),
    ],
)
def test_commands_are_matched_by_position(base, mine, theirs, statuses, merged):
    fields = merge_fields(version(commands=base), version(commands=mine), version(commands=theirs))
    commands = [f for f in fields if f.name.startswith("commands[")]
    assert [f.name for f in commands] == [f"commands[{i}]" for i in range(len(statuses))]
    assert [f.status for f in commands] == statuses
    if merged is not None:
        assert merged_version(fields, {})["content"]["commands"] == [cmd(code) for code in merged]


def test_without_a_recorded_base_every_difference_is_a_conflict():
    by_name = {f.name: f.status for f in merge_fields(None, version(title="x"), version(title="y"))}
    assert by_name["title"] == "conflict"
    assert by_name["instructions"] == "both_same"
    assert by_name["help_text"] == "unchanged"  # null on every side


def entry(tree: Tree, node_id: str) -> LibraryStep:
    return LibraryStep.objects.get(source_tree=tree, source_node_id=node_id)


@pytest.fixture
def public_flow(author):
    return TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(2))


@pytest.fixture
def diverged(public_flow, outsider):
    """carol's fork of s1 and the source, each changed since the fork: one field per status."""
    api = client_for(outsider)
    fork = api.post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/").json()
    content = fork["content"]
    mine = {
        **content,
        "help_text": "My own outcome",  # mine only
        "group_label": "Renamed section",  # the same as the source's new section: both same
        "commands": [{"label": "Run", "command": "my run", "command_type": "bash"}],  # conflict
    }
    assert api.patch(f"/api/steps/{fork['id']}/", {"content": mine}, format="json").status_code == 200
    steps = public_flow.tree_structure["steps"]
    steps[0]["title"] = "Renamed section"
    steps[1]["description"] = "Better instructions"  # theirs only
    steps[1]["commands"] = [
        {"language": "bash", "code": "their run", "label": "Run"},
        {"language": "bash", "code": "verify", "label": "Check"},  # theirs only (added)
    ]
    public_flow.save()
    return LibraryStep.objects.get(pk=fork["id"])


@pytest.mark.django_db
class TestUpstreamMerge:
    def test_upstream_lists_every_field_with_base_mine_theirs_and_status(self, diverged, outsider):
        body = client_for(outsider).get(f"/api/steps/{diverged.pk}/upstream/").json()
        assert (body["base_revision"], body["source_revision"], body["upstream_changed"]) == (1, 2, True)
        statuses = {row["field"]: row["status"] for row in body["merge"]}
        assert statuses == {
            "title": "unchanged",
            "step_type": "unchanged",
            "instructions": "theirs_only",
            "help_text": "mine_only",
            "group_label": "both_same",
            "commands[0]": "conflict",
            "commands[1]": "theirs_only",
        }
        conflict = next(row for row in body["merge"] if row["field"] == "commands[0]")
        assert conflict["base"]["command"] == "run --step 1"
        assert conflict["mine"]["command"] == "my run"
        assert conflict["theirs"]["command"] == "their run"
        assert body["conflicts"] == ["commands[0]"]

    def test_accept_with_a_conflict_is_409_and_writes_nothing(self, diverged, outsider):
        before = (diverged.content, diverged.forked_from_revision, diverged.revisions.count())
        response = client_for(outsider).post(f"/api/steps/{diverged.pk}/upstream/accept/")
        assert response.status_code == 409
        assert response.json()["conflicts"] == ["commands[0]"]
        assert response.json()["source_revision"] == 2
        diverged.refresh_from_db()
        assert (diverged.content, diverged.forked_from_revision, diverged.revisions.count()) == before

    @pytest.mark.parametrize("choice", ["mine", "theirs"])
    def test_accept_applies_theirs_only_keeps_mine_only_and_the_chosen_side(self, diverged, outsider, choice):
        response = client_for(outsider).post(
            f"/api/steps/{diverged.pk}/upstream/accept/",
            {"resolutions": {"commands[0]": choice}, "source_revision": 2},
            format="json",
        )
        assert response.status_code == 200, response.content
        diverged.refresh_from_db()
        content = diverged.content
        assert content["instructions"] == "Better instructions"  # theirs only: taken
        assert content["help_text"] == "My own outcome"  # mine only: kept
        assert content["group_label"] == "Renamed section"
        kept = {"mine": "my run", "theirs": "their run"}[choice]
        assert [c["command"] for c in content["commands"]] == [kept, "verify"]
        assert diverged.visibility == "private"
        assert diverged.forked_from_revision == 2
        latest = diverged.revisions.order_by("-number").first()
        assert (latest.number, latest.content) == (3, content)  # a new fork revision records it
        assert response.json()["upstream_changed"] is False
        assert response.json()["revision"] == 3

    def test_a_source_that_moved_on_since_the_review_is_409(self, diverged, outsider, public_flow):
        public_flow.tree_structure["steps"][1]["title"] = "Moved again"
        public_flow.save()
        response = client_for(outsider).post(
            f"/api/steps/{diverged.pk}/upstream/accept/",
            {"resolutions": {"commands[0]": "mine"}, "source_revision": 2},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["source_revision"] == 3
        diverged.refresh_from_db()
        assert diverged.forked_from_revision == 1

    def test_accept_without_conflicts_needs_no_body(self, public_flow, outsider):
        api = client_for(outsider)
        fork = api.post(f"/api/steps/{entry(public_flow, 's2').pk}/fork/").json()
        api.patch(f"/api/steps/{fork['id']}/", {"title": "Carol's title"}, format="json")
        public_flow.tree_structure["steps"][2]["description"] = "New words"
        public_flow.save()
        accepted = api.post(f"/api/steps/{fork['id']}/upstream/accept/").json()
        assert (accepted["title"], accepted["content"]["instructions"]) == ("Carol's title", "New words")

    @pytest.mark.parametrize(
        "body",
        [
            {"resolutions": {"visibility": "theirs"}},
            {"resolutions": {"commands[-1]": "mine"}},
            {"resolutions": {"title\u0000": "mine"}},
            {"resolutions": {"\ud800": "mine"}},
            {"resolutions": {"title": "\ud800"}},
            {"resolutions": {"title": "both"}},
            {"resolutions": ["title"]},
            {"resolutions": {"title": "mine"}, "source_revision": "\u0000"},
            {"source_revision": 2**40},
        ],
    )
    def test_forged_resolutions_are_400_and_write_nothing(self, diverged, outsider, body):
        # json.dumps escapes lone surrogates as "\ud800", as a hostile client would send them.
        response = client_for(outsider).post(
            f"/api/steps/{diverged.pk}/upstream/accept/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert set(response.json()) <= {"resolutions", "source_revision"}
        diverged.refresh_from_db()
        assert diverged.forked_from_revision == 1

    def test_outsiders_cannot_reach_another_teams_fork(self, diverged, author, teammate, loner):
        for user in (author, teammate, loner):  # the fork is carol's private copy
            api = client_for(user)
            assert api.get(f"/api/steps/{diverged.pk}/upstream/").status_code == 404
            assert api.post(f"/api/steps/{diverged.pk}/upstream/accept/").status_code == 404
        anonymous = client_for(None)
        assert anonymous.get(f"/api/steps/{diverged.pk}/upstream/").status_code == 401
        assert anonymous.post(f"/api/steps/{diverged.pk}/upstream/accept/").status_code == 401

    def test_only_the_owner_of_a_visible_fork_accepts(self, diverged, teammate, outsider, other_account):
        LibraryStep.objects.filter(pk=diverged.pk).update(visibility="public")
        response = client_for(teammate).post(
            f"/api/steps/{diverged.pk}/upstream/accept/",
            {"resolutions": {"commands[0]": "theirs"}},
            format="json",
        )
        assert response.status_code == 403
        diverged.refresh_from_db()
        assert diverged.forked_from_revision == 1

    def test_upstream_reads_in_a_fixed_number_of_queries(
        self, diverged, outsider, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(8):
            assert client_for(outsider).get(f"/api/steps/{diverged.pk}/upstream/").status_code == 200


@pytest.mark.django_db
class TestInvisibleSourceIsRetired:
    """Issue 12, item 1, from carol's side: her fork's source becomes team-only and is then
    rewritten with a secret in it."""

    SECRET = "password hunter2"

    @pytest.fixture
    def hidden(self, public_flow, outsider):
        fork = client_for(outsider).post(f"/api/steps/{entry(public_flow, 's1').pk}/fork/").json()
        public_flow.is_public = False
        public_flow.save()
        public_flow.tree_structure["steps"][1].update(title=f"Login {self.SECRET}", description=self.SECRET)
        public_flow.save()
        assert entry(public_flow, "s1").visibility == "team"
        return fork["id"]

    def test_no_flag_no_diff_nothing_copied(self, hidden, outsider):
        api = client_for(outsider)
        fork = api.get(f"/api/steps/{hidden}/")
        assert (fork.json()["upstream_changed"], fork.json()["source_retired"]) == (False, True)
        assert fork.json()["source_revision"] is None
        listed = api.get("/api/steps/", {"mine": "true"})
        upstream = api.get(f"/api/steps/{hidden}/upstream/")
        assert upstream.status_code == 200
        assert upstream.json()["source_retired"] is True
        assert (upstream.json()["merge"], upstream.json()["changes"]) == ([], {})
        accept = api.post(
            f"/api/steps/{hidden}/upstream/accept/", {"resolutions": {"title": "theirs"}}, format="json"
        )
        assert accept.status_code == 400
        assert accept.json()["detail"] == "The source was retired; there is nothing to take."
        for response in (fork, listed, upstream, accept):
            assert self.SECRET not in response.content.decode()
        step = LibraryStep.objects.get(pk=hidden)
        assert self.SECRET not in step.title + step.content["instructions"]
        assert step.revisions.count() == 1

    def test_the_library_page_shows_no_flag_either(self, hidden, outsider, client):
        client.force_login(outsider)
        page = client.get("/library/").content.decode()
        assert self.SECRET not in page
        assert "Source changed" not in page

    def test_visible_again_means_live_again(self, hidden, outsider, public_flow):
        public_flow.is_public = True
        public_flow.save()
        fork = client_for(outsider).get(f"/api/steps/{hidden}/").json()
        assert (fork["upstream_changed"], fork["source_retired"]) == (True, False)


@pytest.mark.django_db
class TestRestore:
    def test_restore_records_a_new_revision_with_the_old_fields(self, author):
        api = client_for(author)
        step = api.post(
            "/api/steps/",
            {
                "title": "First",
                "content": {"instructions": "One", "commands": [{"command": "ls"}]},
                "visibility": "team",
            },
            format="json",
        ).json()
        api.patch(
            f"/api/steps/{step['id']}/",
            {"title": "Second", "content": {"instructions": "Two"}},
            format="json",
        )
        api.patch(f"/api/steps/{step['id']}/", {"visibility": "public"}, format="json")
        response = api.post(f"/api/steps/{step['id']}/revisions/1/restore/")
        assert response.status_code == 200, response.content
        assert (response.json()["title"], response.json()["revision"]) == ("First", 4)
        restored = LibraryStep.objects.get(pk=step["id"])
        assert restored.content["instructions"] == "One"
        assert restored.content["commands"][0]["command"] == "ls"
        assert restored.visibility == "public"  # who sees it is not part of the restore
        latest = StepRevision.objects.get(step=restored, number=4)
        assert (latest.title, latest.content, latest.created_by) == ("First", restored.content, author)
        assert api.get(f"/api/steps/{step['id']}/", {"search": "one"}).json()["title"] == "First"

    def test_a_fork_can_be_restored_to_what_it_was_before_an_accept(self, diverged, outsider):
        api = client_for(outsider)
        api.post(
            f"/api/steps/{diverged.pk}/upstream/accept/",
            {"resolutions": {"commands[0]": "theirs"}},
            format="json",
        )
        response = api.post(f"/api/steps/{diverged.pk}/revisions/2/restore/")
        assert response.status_code == 200
        diverged.refresh_from_db()
        assert diverged.content["commands"][0]["command"] == "my run"
        assert diverged.revisions.count() == 4

    def test_synced_entries_stay_403_and_strangers_get_404(
        self, public_flow, author, teammate, outsider, loner
    ):
        synced = entry(public_flow, "s1")
        response = client_for(author).post(f"/api/steps/{synced.pk}/revisions/1/restore/")
        assert response.status_code == 403
        assert response.json()["detail"] == MANAGED_BY_FLOW
        team_entry = LibraryStepFactory(created_by=author, team=True)
        StepRevision.objects.create(
            step=team_entry,
            number=1,
            title="Old",
            step_type="action",
            content={},
            visibility="team",
            content_hash="x",
        )
        assert (
            client_for(teammate).post(f"/api/steps/{team_entry.pk}/revisions/1/restore/").status_code == 403
        )
        for user in (outsider, loner):
            assert (
                client_for(user).post(f"/api/steps/{team_entry.pk}/revisions/1/restore/").status_code == 404
            )
        assert client_for(None).post(f"/api/steps/{team_entry.pk}/revisions/1/restore/").status_code == 401
        team_entry.refresh_from_db()
        assert team_entry.title != "Old"

    @pytest.mark.parametrize("number", ["9", "0", "999999999", "99999999999999999999", "-1", "%00"])
    def test_an_unknown_revision_is_404(self, author, number):
        step = client_for(author).post(
            "/api/steps/", {"title": "A", "content": {"instructions": "B"}}, format="json"
        )
        response = client_for(author).post(f"/api/steps/{step.json()['id']}/revisions/{number}/restore/")
        assert response.status_code == 404


@pytest.mark.django_db
def test_a_stale_if_match_on_accept_and_restore_is_412_and_writes_nothing(diverged, outsider):
    api = client_for(outsider)
    current = api.get(f"/api/steps/{diverged.pk}/")
    stale = f'"{diverged.version - 1}"'
    body = {"resolutions": {"commands[0]": "theirs"}}
    refused = api.post(f"/api/steps/{diverged.pk}/upstream/accept/", body, format="json", HTTP_IF_MATCH=stale)
    assert (refused.status_code, refused.json()["version"]) == (412, diverged.version)
    refused = api.post(f"/api/steps/{diverged.pk}/revisions/1/restore/", HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    diverged.refresh_from_db()
    assert (diverged.forked_from_revision, diverged.revisions.count()) == (1, 2)
    accepted = api.post(
        f"/api/steps/{diverged.pk}/upstream/accept/", body, format="json", HTTP_IF_MATCH=current["ETag"]
    )
    assert accepted.status_code == 200
    assert accepted["ETag"] == f'"{diverged.version + 1}"'
