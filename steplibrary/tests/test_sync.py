"""Extraction and visibility, exactly as the seed design specifies."""

import pytest

from flows.models import Tree
from flows.samples import procedural_structure, troubleshooting_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.sync import extract_library_entries, resolve_visibility, steps_plan_sync_from_tree


def entries_by_node(tree: Tree) -> dict:
    return {row.node_id: row for row in extract_library_entries(tree)}


class TestProceduralExtraction:
    def test_steps_before_any_section_have_no_group_label(self):
        tree = Tree(
            tree_type="procedural",
            tree_structure={
                "steps": [
                    {"id": "a", "type": "procedure_step", "title": "Before"},
                    {"id": "h", "type": "section_header", "title": "Later"},
                    {"id": "b", "type": "procedure_step", "title": "After"},
                ]
            },
        )
        rows = entries_by_node(tree)
        assert rows["a"].content["group_label"] is None
        assert rows["b"].content["group_label"] == "Later"

    def test_headers_and_end_nodes_are_not_synced(self):
        tree = Tree(tree_type="procedural", tree_structure=procedural_structure(3, sections=2))
        assert list(entries_by_node(tree)) == ["s1", "s2", "s3"]

    def test_both_command_forms_are_normalized(self):
        tree = Tree(
            tree_type="procedural",
            tree_structure={
                "steps": [
                    {"id": "a", "type": "procedure_step", "title": "A", "commands": "uptime"},
                    {
                        "id": "b",
                        "type": "procedure_step",
                        "title": "B",
                        "commands": [
                            {"language": "bash", "code": "df -h", "label": "Disk"},
                            {"code": "free -m"},
                        ],
                    },
                    {"id": "c", "type": "procedure_step", "title": "C", "commands": []},
                    {"id": "d", "type": "procedure_step", "title": "D"},
                ]
            },
        )
        rows = entries_by_node(tree)
        assert rows["a"].content["commands"] == [{"label": "", "command": "uptime", "command_type": None}]
        assert rows["b"].content["commands"] == [
            {"label": "Disk", "command": "df -h", "command_type": "bash"},
            {"label": "", "command": "free -m", "command_type": None},
        ]
        assert rows["c"].content["commands"] == []
        assert rows["d"].content["commands"] == []

    def test_instructions_fall_back_to_the_title_and_help_text_comes_from_expected_outcome(self):
        tree = Tree(
            tree_type="procedural",
            tree_structure={
                "steps": [
                    {"id": "a", "type": "procedure_step", "title": "Only a title"},
                    {
                        "id": "b",
                        "type": "procedure_step",
                        "title": "B",
                        "description": "Full text",
                        "expected_outcome": "It works",
                    },
                ]
            },
        )
        rows = entries_by_node(tree)
        assert rows["a"].content == {
            "instructions": "Only a title",
            "help_text": None,
            "commands": [],
            "group_label": None,
        }
        assert rows["b"].content["instructions"] == "Full text"
        assert rows["b"].content["help_text"] == "It works"

    def test_maintenance_flows_behave_as_procedural(self):
        structure = procedural_structure(2)
        procedural = Tree(tree_type="procedural", tree_structure=structure)
        maintenance = Tree(tree_type="maintenance", tree_structure=structure)
        assert extract_library_entries(procedural) == extract_library_entries(maintenance)


class TestTroubleshootingExtraction:
    def test_actions_and_solutions_at_every_depth_are_synced(self):
        tree = Tree(tree_type="troubleshooting", tree_structure=troubleshooting_structure())
        rows = entries_by_node(tree)
        assert {node_id: row.step_type for node_id, row in rows.items()} == {
            "a1": "action",
            "z1": "solution",
            "z3": "solution",
            "z2": "solution",
        }
        assert rows["a1"].content == {
            "instructions": "Run the restart from an elevated shell.",
            "help_text": None,
            "commands": [],
            "group_label": None,
        }
        assert rows["z1"].content["instructions"] == "Connection restored"


@pytest.mark.django_db
class TestVisibility:
    @pytest.mark.parametrize(
        ("is_public", "has_account", "expected"),
        [(True, True, "public"), (True, False, "public"), (False, True, "team"), (False, False, "team")],
    )
    def test_flow_visibility_table(self, author, is_public, has_account, expected):
        tree = TreeFactory(
            author=author, is_public=is_public, account=author.account if has_account else None
        )
        assert resolve_visibility(tree) == expected

    @pytest.mark.parametrize(("is_public", "has_account"), [(True, True), (False, False)])
    @pytest.mark.parametrize("override", ["team", "public"])
    def test_the_step_override_wins(self, author, is_public, has_account, override):
        structure = procedural_structure(2)
        structure["steps"][1]["library_visibility"] = override
        tree = TreeFactory(
            author=author,
            published=True,
            is_public=is_public,
            account=author.account if has_account else None,
            tree_structure=structure,
        )
        visibility = dict(LibraryStep.objects.values_list("source_node_id", "visibility"))
        assert visibility["s1"] == override
        assert visibility["s2"] == ("public" if is_public else "team")
        assert tree.library_steps.count() == 2

    def test_troubleshooting_flows_always_inherit(self, author):
        TreeFactory(author=author, published=True, troubleshooting=True, is_public=True)
        assert set(LibraryStep.objects.values_list("visibility", flat=True)) == {"public"}


@pytest.mark.django_db
def test_plan_reports_without_writing(author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(4))
    result = steps_plan_sync_from_tree(tree=tree)
    assert result.as_dict() == {"created": 4, "updated": 0, "unchanged": 0, "deactivated": 0, "held": 0}
    assert LibraryStep.objects.count() == 0
