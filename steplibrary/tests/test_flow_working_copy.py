"""A published flow's working copy and history through the REST API, and what the library sees:
nothing until publish. (Lives with the library's tests: it asserts on library entries.)"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.clients import client_for
from flows.models import Tree, TreeRevision, TreeStatus, TreeWorkingCopy
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.threads import run_in_threads


def entries(tree) -> list[tuple]:
    """Everything the library shows for the flow's entries, to compare before and after."""
    return list(
        LibraryStep.objects.filter(source_tree=tree)
        .order_by("source_node_id")
        .values_list("source_node_id", "title", "content", "visibility", "is_active", "updated_at")
    )


def edited(structure: dict, title: str) -> dict:
    structure = {"steps": [dict(step) for step in structure["steps"]]}
    structure["steps"][1]["title"] = title
    return structure


@pytest.fixture
def flow(author):
    return TreeFactory(
        author=author, published=True, name="Rotate certs", tree_structure=procedural_structure(2)
    )


@pytest.mark.django_db
class TestWorkingCopy:
    def test_saved_shown_and_library_untouched(self, api, flow, teammate, django_assert_max_num_queries):
        library_before = entries(flow)
        assert len(library_before) == 2
        structure = edited(flow.tree_structure, "Stop nginx gracefully")

        with django_assert_max_num_queries(12):
            saved = api.put(
                f"/api/trees/{flow.pk}/draft/",
                {"name": "Rotate certs v2", "tree_structure": structure},
                headers={"If-Match": '"h1"'},
            )
        assert saved.status_code == 200, saved.content
        body = saved.json()
        assert body["version"] == body["revision"] == 2
        assert saved["ETag"] == '"h2"'
        assert (body["name"], body["tree_structure"], body["saved_by_username"]) == (
            "Rotate certs v2",
            structure,
            "alice",
        )

        # The flow, its navigate view and the library still show the published version.
        flow.refresh_from_db()
        assert flow.name == "Rotate certs"
        assert flow.tree_structure == procedural_structure(2)
        assert api.get(f"/api/trees/{flow.pk}/").json()["tree_structure"] == procedural_structure(2)
        navigate = client_for(teammate)
        navigate.force_login(teammate)
        assert "Stop nginx gracefully" not in navigate.get(f"/flows/{flow.pk}/").content.decode()
        assert entries(flow) == library_before

        # A teammate (who may edit the flow) sees the same working copy.
        shown = client_for(teammate).get(f"/api/trees/{flow.pk}/draft/")
        assert shown.status_code == 200
        assert shown.json()["tree_structure"] == structure
        assert shown["ETag"] == '"h2"'

    def test_publish_applies_it_through_the_sync(self, api, flow):
        api.put(
            f"/api/trees/{flow.pk}/draft/",
            {
                "name": "Rotate certs v2",
                "tree_structure": edited(flow.tree_structure, "Stop nginx gracefully"),
            },
        )
        published = api.post(f"/api/trees/{flow.pk}/publish/", headers={"If-Match": '"h2"'})
        assert published.status_code == 200, published.content
        assert published.json()["sync_result"] == {
            "created": 0,
            "updated": 1,
            "unchanged": 1,
            "deactivated": 0,
            "held": 0,
        }
        assert published.json()["history_version"] == 3
        assert published["ETag"] == f'"{published.json()["version"]}"'  # the flow's own ETag
        assert published.json()["version"] == Tree.objects.get(pk=flow.pk).version
        flow.refresh_from_db()
        assert flow.name == "Rotate certs v2"
        assert flow.tree_structure["steps"][1]["title"] == "Stop nginx gracefully"
        assert LibraryStep.objects.get(source_tree=flow, source_node_id="s1").title == "Stop nginx gracefully"
        assert not TreeWorkingCopy.objects.filter(tree=flow).exists()
        assert api.get(f"/api/trees/{flow.pk}/draft/").status_code == 404

    def test_discard_leaves_flow_and_library_as_they_were(self, api, flow):
        library_before = entries(flow)
        api.put(f"/api/trees/{flow.pk}/draft/", {"name": "X", "tree_structure": procedural_structure(5)})
        assert api.delete(f"/api/trees/{flow.pk}/draft/", headers={"If-Match": '"h1"'}).status_code == 412
        assert api.delete(f"/api/trees/{flow.pk}/draft/", headers={"If-Match": '"h2"'}).status_code == 204
        assert api.get(f"/api/trees/{flow.pk}/draft/").status_code == 404
        assert api.delete(f"/api/trees/{flow.pk}/draft/").status_code == 404
        flow.refresh_from_db()
        assert (flow.name, flow.tree_structure) == ("Rotate certs", procedural_structure(2))
        assert entries(flow) == library_before

    def test_publish_without_a_working_copy_publishes_the_structure(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
        published = client_for(author).post(f"/api/trees/{tree.pk}/publish/")
        assert published.status_code == 200, published.content
        assert published.json()["status"] == "published"
        assert LibraryStep.objects.filter(source_tree=tree, is_active=True).count() == 3
        assert tree.revisions.get().kind == "published"

    def test_publish_refuses_a_working_copy_unfit_to_publish(self, api, flow):
        library_before = entries(flow)
        untitled = edited(flow.tree_structure, "")
        assert (
            api.put(f"/api/trees/{flow.pk}/draft/", {"name": "F", "tree_structure": untitled}).status_code
            == 200
        )
        refused = api.post(f"/api/trees/{flow.pk}/publish/")
        assert refused.status_code == 400
        assert refused.json() == {"tree_structure": ["steps[1].title: a title is required to publish"]}
        assert TreeWorkingCopy.objects.filter(tree=flow).exists()
        assert entries(flow) == library_before

    def test_stale_if_match_writes_nothing(self, api, flow, teammate):
        client_for(teammate).put(
            f"/api/trees/{flow.pk}/draft/", {"name": "Bob's", "tree_structure": flow.tree_structure}
        )
        for method, url, body in [
            ("put", "draft/", {"name": "Alice's", "tree_structure": flow.tree_structure}),
            ("post", "publish/", None),
            ("post", "revisions/1/restore/", None),
            ("delete", "draft/", None),
        ]:
            response = getattr(api, method)(f"/api/trees/{flow.pk}/{url}", body, headers={"If-Match": '"h1"'})
            assert response.status_code == 412, (url, response.content)
            assert response.json()["version"] == 2
            assert response["ETag"] == '"h2"'
        assert TreeWorkingCopy.objects.get(tree=flow).name == "Bob's"
        assert TreeRevision.objects.filter(tree=flow).count() == 2
        flow.refresh_from_db()
        assert flow.name == "Rotate certs"

    def test_explicit_overwrite_is_recorded(self, api, flow, teammate):
        client_for(teammate).put(
            f"/api/trees/{flow.pk}/draft/", {"name": "Bob's", "tree_structure": flow.tree_structure}
        )
        saved = api.put(
            f"/api/trees/{flow.pk}/draft/",
            {"name": "Alice's", "tree_structure": flow.tree_structure, "conflict_overwrite": True},
            headers={"If-Match": '"h2"'},
        )
        assert saved.status_code == 200
        latest = TreeRevision.objects.filter(tree=flow).order_by("-number").first()
        assert (latest.number, latest.kind, latest.created_by.username) == (3, "conflict_overwrite", "alice")
        assert latest.changes["name"] == {"from": "Bob's", "to": "Alice's"}

    def test_draft_flow_has_no_working_copy(self, author):
        tree = TreeFactory(author=author)
        response = client_for(author).put(
            f"/api/trees/{tree.pk}/draft/", {"name": "X", "tree_structure": tree.tree_structure}
        )
        assert response.status_code == 409
        assert not TreeWorkingCopy.objects.exists()

    def test_patch_of_a_published_structure_still_republishes(self, api, flow):
        structure = edited(flow.tree_structure, "Patched")
        assert api.patch(f"/api/trees/{flow.pk}/", {"tree_structure": structure}).status_code == 200
        assert LibraryStep.objects.get(source_tree=flow, source_node_id="s1").title == "Patched"
        assert list(flow.revisions.values_list("kind", flat=True)) == ["published", "published"]

    def test_publish_with_nothing_changed_writes_nothing_and_reads_no_old_structure(self, api, flow):
        library_before, revisions_before = entries(flow), flow.revisions.count()
        with CaptureQueriesContext(connection) as queries:
            published = api.post(f"/api/trees/{flow.pk}/publish/")
        assert published.status_code == 200, published.content
        assert entries(flow) == library_before
        assert flow.revisions.count() == revisions_before
        # The history version is checked by number: no revision's whole structure is read.
        revision_reads = [query["sql"] for query in queries if '"flows_treerevision"' in query["sql"]]
        assert revision_reads
        assert not any("tree_structure" in sql for sql in revision_reads)


@pytest.mark.django_db
class TestHistory:
    def test_revisions_newest_first_paginated_and_bounded(self, api, flow, django_assert_max_num_queries):
        for index in range(4):
            api.put(
                f"/api/trees/{flow.pk}/draft/", {"name": f"v{index}", "tree_structure": flow.tree_structure}
            )
        with django_assert_max_num_queries(6):
            page = api.get(f"/api/trees/{flow.pk}/revisions/?page_size=2")
        assert page.status_code == 200
        body = page.json()
        assert body["count"] == 5
        assert [(row["number"], row["kind"], row["name"]) for row in body["results"]] == [
            (5, "draft_saved", "v3"),
            (4, "draft_saved", "v2"),
        ]
        assert body["results"][0]["changes"]["name"] == {"from": "v2", "to": "v3"}
        assert body["results"][0]["created_by_username"] == "alice"
        assert "tree_structure" not in body["results"][0]
        assert page["ETag"] == '"h5"'

        # The cost does not grow with the flow's size or the page size.
        big = procedural_structure(400, sections=20)
        for index in range(20):
            api.put(f"/api/trees/{flow.pk}/draft/", {"name": f"w{index}", "tree_structure": big})
        with django_assert_max_num_queries(6):
            assert len(api.get(f"/api/trees/{flow.pk}/revisions/?page_size=25").json()["results"]) == 25
        with django_assert_max_num_queries(6):
            assert api.get(f"/api/trees/{flow.pk}/revisions/diff/?from=1&to=25").status_code == 200

    def test_diff_node_by_node(self, api, flow):
        structure = edited(flow.tree_structure, "Renamed")
        structure["steps"].insert(2, {"id": "new", "type": "procedure_step", "title": "Added"})
        api.put(f"/api/trees/{flow.pk}/draft/", {"name": "Rotate certs", "tree_structure": structure})
        diff = api.get(f"/api/trees/{flow.pk}/revisions/diff/?from=1&to=2")
        assert diff.status_code == 200
        assert diff.json() == {
            "from": 1,
            "to": 2,
            "changes": {
                "added": [{"id": "new", "type": "procedure_step", "title": "Added"}],
                "removed": [],
                "changed": [
                    {
                        "id": "s1",
                        "type": "procedure_step",
                        "title": "Renamed",
                        "fields": {"title": {"from": "Step 1", "to": "Renamed"}},
                    }
                ],
                "order_changed": False,
            },
        }
        backwards = api.get(f"/api/trees/{flow.pk}/revisions/diff/?from=2&to=1").json()["changes"]
        assert backwards["removed"] == [{"id": "new", "type": "procedure_step", "title": "Added"}]

    @pytest.mark.parametrize(
        "query",
        ["", "?from=1", "?from=1&to=x", "?from=0&to=1", "?from=1&to=99999999999999999999", "?from=%00&to=1"],
    )
    def test_diff_refuses_bad_numbers(self, api, flow, query):
        assert api.get(f"/api/trees/{flow.pk}/revisions/diff/{query}").status_code == 400

    def test_diff_of_missing_revision_is_404(self, api, flow):
        assert api.get(f"/api/trees/{flow.pk}/revisions/diff/?from=1&to=7").status_code == 404

    def test_restore_makes_a_working_copy_then_publish(self, api, flow):
        original = flow.tree_structure
        assert (
            api.patch(f"/api/trees/{flow.pk}/", {"tree_structure": edited(original, "Broken")}).status_code
            == 200
        )
        library_before = entries(flow)

        restored = api.post(f"/api/trees/{flow.pk}/revisions/1/restore/", headers={"If-Match": '"h2"'})
        assert restored.status_code == 200, restored.content
        assert restored.json()["tree_structure"] == original
        assert restored["ETag"] == '"h3"'
        revision = flow.revisions.get(number=3)
        assert (revision.kind, revision.restored_from) == ("restored", 1)
        assert revision.changes["changed"][0]["fields"]["title"] == {"from": "Broken", "to": "Step 1"}
        assert entries(flow) == library_before  # restore alone publishes nothing

        assert api.post(f"/api/trees/{flow.pk}/publish/", headers={"If-Match": '"h3"'}).status_code == 200
        assert LibraryStep.objects.get(source_tree=flow, source_node_id="s1").title == "Step 1"
        assert api.get(f"/api/trees/{flow.pk}/revisions/4/").json()["tree_structure"] == original

    def test_restore_of_a_missing_revision_is_404(self, api, flow):
        assert api.post(f"/api/trees/{flow.pk}/revisions/9/restore/").status_code == 404
        assert api.post(f"/api/trees/{flow.pk}/revisions/99999999999999999999/restore/").status_code == 404
        assert api.get(f"/api/trees/{flow.pk}/revisions/99999999999999999999/").status_code == 404


ENDPOINTS = [
    ("get", "draft/", None),
    ("put", "draft/", {"name": "X", "tree_structure": {"steps": []}}),
    ("delete", "draft/", None),
    ("post", "publish/", None),
    ("get", "revisions/", None),
    ("get", "revisions/1/", None),
    ("get", "revisions/diff/?from=1&to=1", None),
    ("post", "revisions/1/restore/", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
@pytest.mark.parametrize("who", ["outsider", "loner", "anonymous"])
def test_outsiders_get_404_and_change_nothing(request, flow, author, method, url, body, who):
    # Even a public flow, whose published version they can read, hides its drafts and history.
    Tree.objects.filter(pk=flow.pk).update(is_public=True)
    client_for(author).put(
        f"/api/trees/{flow.pk}/draft/", {"name": "Secret", "tree_structure": flow.tree_structure}
    )
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = getattr(client_for(user), method)(f"/api/trees/{flow.pk}/{url}", body)
    assert response.status_code == (401 if who == "anonymous" else 404), response.content
    assert "Secret" not in response.content.decode()
    assert TreeWorkingCopy.objects.get(tree=flow).name == "Secret"
    assert flow.revisions.count() == 2
    flow.refresh_from_db()
    assert flow.status == TreeStatus.PUBLISHED and flow.name == "Rotate certs"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "bad\x00", "tree_structure": {"steps": []}}, "name"),
        ({"name": "bad\ud800", "tree_structure": {"steps": []}}, "name"),
        ({"name": "x" * 256, "tree_structure": {"steps": []}}, "name"),
        ({"tree_structure": {"steps": []}}, "name"),
        (
            {
                "name": "ok",
                "tree_structure": {"steps": [{"id": "a", "type": "procedure_step", "title": "\x00"}]},
            },
            "tree_structure",
        ),
        (
            {
                "name": "ok",
                "tree_structure": {"steps": [{"id": "a", "type": "procedure_step", "title": "\ud800"}]},
            },
            "tree_structure",
        ),
        (
            {"name": "ok", "tree_structure": {"steps": [{"id": "\udfff", "type": "procedure_step"}]}},
            "tree_structure",
        ),
        (
            {"name": "ok", "tree_structure": {"steps": [{"id": "a", "type": "procedure_step", "\ud800": 1}]}},
            "tree_structure",
        ),
        ({"name": "ok", "tree_structure": {"root": None}}, "tree_structure"),
        ({"name": "ok", "tree_structure": "nope"}, "tree_structure"),
        (
            {"name": "ok", "tree_structure": {"steps": []}, "conflict_overwrite": "maybe"},
            "conflict_overwrite",
        ),
    ],
)
def test_hostile_working_copies_are_400(api, flow, body, field):
    # Sent as raw JSON with \u escapes, as a hostile client would (lone surrogates included).
    response = api.put(f"/api/trees/{flow.pk}/draft/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not TreeWorkingCopy.objects.exists()
    assert flow.revisions.count() == 1


@pytest.mark.django_db
def test_hostile_if_match_never_matches(api, flow):
    for header in ['"h\ud800"', "\x00", '"h1', "h1", '"' + "h" * 5000 + '"']:
        response = api.put(
            f"/api/trees/{flow.pk}/draft/",
            {"name": "x", "tree_structure": flow.tree_structure},
            headers={"If-Match": header},
        )
        assert response.status_code == 412
    assert not TreeWorkingCopy.objects.exists()


@pytest.mark.django_db
def test_empty_titles_are_allowed_in_a_working_copy(api, flow):
    structure = {
        "steps": [{"id": "a", "type": "procedure_step", "title": ""}, {"id": "b", "type": "section_header"}]
    }
    assert (
        api.put(f"/api/trees/{flow.pk}/draft/", {"name": "x", "tree_structure": structure}).status_code == 200
    )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_authors_racing_on_the_working_copy_and_publish(author, teammate):
    """Every round: both save with the same If-Match (exactly one wins, the other gets 412),
    then both publish at once. History numbers stay dense, the library matches the flow."""
    flow = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    clients = [client_for(author), client_for(teammate)]
    for round_number in range(10):
        version = TreeRevision.objects.filter(tree=flow).count()
        saves: list[int] = []
        publishes: list[int] = []

        def race(
            index: int, barrier, version=version, round_number=round_number, saves=saves, publishes=publishes
        ):
            structure = edited(procedural_structure(3), f"round {round_number} by {index}")
            barrier.wait(timeout=30)
            saves.append(
                clients[index]
                .put(
                    f"/api/trees/{flow.pk}/draft/",
                    {"name": f"Flow {round_number}", "tree_structure": structure},
                    headers={"If-Match": f'"h{version}"'},
                )
                .status_code
            )
            barrier.wait(timeout=30)
            publishes.append(clients[index].post(f"/api/trees/{flow.pk}/publish/").status_code)

        assert run_in_threads(2, race) == []
        assert sorted(saves) == [200, 412]
        assert publishes == [200, 200]

    numbers = list(TreeRevision.objects.filter(tree=flow).order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    flow.refresh_from_db()
    assert not TreeWorkingCopy.objects.filter(tree=flow).exists()
    title = flow.tree_structure["steps"][1]["title"]
    assert title.startswith("round 9 by ")
    assert LibraryStep.objects.get(source_tree=flow, source_node_id="s1").title == title
    assert LibraryStep.objects.filter(source_tree=flow, is_active=True).count() == 3
