"""Flow history: node-by-node changes, revisions on every publish, and the If-Match version."""

import pytest
from django.utils import timezone

from flows.history import etag_for, parse_if_match, structure_changes
from flows.models import RevisionKind, Tree, TreeRevision, TreeStatus
from flows.samples import procedural_structure, troubleshooting_structure
from flows.services import tree_create, tree_publish, tree_update
from flows.tests.factories import TreeFactory


def test_structure_changes_node_by_node():
    old = procedural_structure(3)
    new = procedural_structure(3)
    new["steps"][1]["title"] = "Step one, renamed"
    del new["steps"][1]["expected_outcome"]
    removed = new["steps"].pop(3)  # s3
    new["steps"].insert(1, {"id": "s9", "type": "procedure_step", "title": "New step"})

    changes = structure_changes(old, new, old_name="Flow", new_name="Flow 2")

    assert changes["name"] == {"from": "Flow", "to": "Flow 2"}
    assert changes["added"] == [{"id": "s9", "type": "procedure_step", "title": "New step"}]
    assert changes["removed"] == [{"id": removed["id"], "type": "procedure_step", "title": "Step 3"}]
    assert changes["changed"] == [
        {
            "id": "s1",
            "type": "procedure_step",
            "title": "Step one, renamed",
            "fields": {
                "expected_outcome": {"from": "Thing 1 is done", "to": None},
                "title": {"from": "Step 1", "to": "Step one, renamed"},
            },
        }
    ]
    assert changes["order_changed"] is False


def test_structure_changes_notice_reordering_and_moved_branches():
    old = procedural_structure(2)
    new = procedural_structure(2)
    new["steps"][1], new["steps"][2] = new["steps"][2], new["steps"][1]
    assert structure_changes(old, new)["order_changed"] is True
    assert structure_changes(old, new)["changed"] == []

    tree_old = troubleshooting_structure()
    tree_new = troubleshooting_structure()
    # Move the "Close the ticket" solution under the action node.
    moved = tree_new["root"]["children"].pop(1)
    tree_new["root"]["children"][0]["children"].append(moved)
    changes = structure_changes(tree_old, tree_new)
    assert changes["changed"] == [
        {
            "id": "z2",
            "type": "solution",
            "title": "Close the ticket",
            "fields": {"parent": {"from": "q1", "to": "a1"}},
        }
    ]


def test_structure_changes_ignore_what_is_not_a_node():
    assert structure_changes(None, {"steps": [1, "x", {"id": 3}, {"id": "a", "title": "A"}]})["added"] == [
        {"id": "a", "type": None, "title": "A"}
    ]
    assert structure_changes("junk", {"root": "junk"}) == {
        "added": [],
        "removed": [],
        "changed": [],
        "order_changed": False,
    }


@pytest.mark.parametrize(
    "structure",
    [
        procedural_structure(12, sections=3),
        {**procedural_structure(3), "variables": [{"name": "host"}]},
        {"steps": [{"id": "a", "title": "A"}, {"id": "a", "title": "again"}, {"id": "b", "type": "x"}]},
        troubleshooting_structure(),
        {"root": {"id": "r", "children": [{"id": "r", "title": "dup"}, {"id": "c", "title": "C"}]}},
        {},
        None,
        "junk",
    ],
)
def test_a_first_revision_lists_every_node_as_added_as_against_an_empty_flow(structure):
    assert structure_changes(None, structure) == structure_changes({}, structure)


@pytest.mark.parametrize(
    ("structure", "first_ids", "nodes"),
    [
        (procedural_structure(12, sections=3), ["h1", "s1", "s2", "s3", "s4", "h2"], 16),  # with the end
        (troubleshooting_structure(), ["q1", "a1"], 6),
    ],
)
def test_a_first_revision_names_each_node_added_in_order(structure, first_ids, nodes):
    changes = structure_changes(None, structure)
    assert [node["id"] for node in changes["added"]][: len(first_ids)] == first_ids
    assert len(changes["added"]) == nodes
    assert changes["removed"] == [] and changes["changed"] == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("*", "*"),
        ('"h7"', 7),
        ('W/"h7"', 7),
        ('"7"', -1),
        ("h7", -1),
        ('"h"', -1),
        ('"h' + "9" * 40 + '"', -1),
        ('"h\x00"', -1),
    ],
)
def test_if_match_parsing(header, expected):
    assert parse_if_match(header) == expected
    assert etag_for(7) == '"h7"'


@pytest.mark.django_db
class TestEveryPublishIsARevision:
    def test_created_published_then_republished_by_patch(self, author):
        tree = tree_create(
            author=author, name="F", tree_type="procedural", tree_structure=procedural_structure(2)
        ).tree
        assert not tree.revisions.exists()  # a draft is not in the history
        tree_publish(tree=tree)
        structure = procedural_structure(2)
        structure["steps"][1]["title"] = "Changed"
        tree_update(tree=tree, user=author, tree_structure=structure)
        tree_update(tree=tree, user=author, description="not a publish")

        revisions = list(TreeRevision.objects.filter(tree=tree).order_by("number"))
        assert [(r.number, r.kind) for r in revisions] == [(1, "published"), (2, "published")]
        assert len(revisions[0].changes["added"]) == 4  # h1, s1, s2, end
        assert revisions[1].created_by == author
        assert revisions[1].changes["changed"][0]["fields"] == {"title": {"from": "Step 1", "to": "Changed"}}

    def test_admin_and_shell_publishes_are_recorded_too(self, author):
        tree = TreeFactory(author=author, published=True)
        assert tree.revisions.get().kind == RevisionKind.PUBLISHED
        tree.status = TreeStatus.DRAFT
        tree.save()
        tree.status = TreeStatus.PUBLISHED
        tree.save()
        assert tree.revisions.count() == 2

    def test_conflict_overwrite_of_a_draft_flow_is_recorded(self, author):
        tree = TreeFactory(author=author)
        tree_update(tree=tree, user=author, conflict_overwrite=True, name="Mine")
        revision = tree.revisions.get()
        assert (revision.kind, revision.name, revision.created_by) == ("conflict_overwrite", "Mine", author)

    def test_conflict_overwrite_that_publishes_is_one_revision(self, author):
        tree = TreeFactory(author=author, published=True)
        structure = procedural_structure(1)
        tree_update(tree=tree, user=author, conflict_overwrite=True, tree_structure=structure)
        assert list(tree.revisions.order_by("number").values_list("kind", flat=True)) == [
            "published",
            "conflict_overwrite",
        ]

    def test_loaddata_records_nothing(self, author):
        now = timezone.now()
        tree = TreeFactory.build(author=author, status=TreeStatus.PUBLISHED, created_at=now, updated_at=now)
        tree.save_base(raw=True)  # what loaddata does
        assert Tree.objects.filter(pk=tree.pk).exists()
        assert not TreeRevision.objects.filter(tree_id=tree.pk).exists()
