"""Validation and walking of `tree_structure`, both formats."""

import copy
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.samples import procedural_structure, troubleshooting_structure
from flows.tree_structure import (
    MAX_DEPTH,
    FlowNode,
    TreeStructureError,
    iter_tree_nodes,
    parse_tree_structure,
)


@pytest.mark.parametrize(
    ("tree_type", "structure"),
    [
        ("procedural", procedural_structure(6, sections=2)),
        ("troubleshooting", troubleshooting_structure()),
    ],
)
def test_parsed_nodes_are_the_frozen_nodes_their_fields_make(tree_type, structure):
    nodes = parse_tree_structure(structure, tree_type, require_titles=True)
    for node in nodes:
        made = FlowNode(**{f.name: getattr(node, f.name) for f in dataclasses.fields(FlowNode)})
        assert node == made
        assert hash(node) == hash(made)
        assert vars(node) == vars(made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            node.title = "changed"


def step(node_id="s1", **fields):
    return {"id": node_id, "type": "procedure_step", "title": "A step", **fields}


VALID = [
    ("procedural", {"steps": []}),
    ("procedural", {}),
    ("procedural", procedural_structure(4, sections=2)),
    ("maintenance", {"steps": [step(commands="echo hi")]}),
    ("procedural", {"steps": [step(commands=[{"code": "ls"}], library_visibility="team")]}),
    ("procedural", {"steps": [step(commands=None, description=None)]}),
    ("procedural", {"steps": [step(library_step_id="6f0e5b7c-6a35-4c7a-9a53-0d3c2b1f8e11")]}),
    ("troubleshooting", {"root": None}),
    ("troubleshooting", troubleshooting_structure()),
    ("troubleshooting", {"root": {"id": "z", "type": "solution", "title": "Reboot"}}),
]

INVALID = [
    ("procedural", [], "the structure must be a JSON object"),
    ("procedural", {"steps": {}}, "steps: must be a list"),
    ("procedural", {"root": {}}, "root: unknown field for a procedural flow (expected 'steps')"),
    ("procedural", {"steps": ["x"]}, "steps[0]: must be an object"),
    ("procedural", {"steps": [step(type="question")]}, "steps[0].type: must be one of"),
    ("procedural", {"steps": [step(node_id="")]}, "steps[0].id: must be a non-empty string"),
    ("procedural", {"steps": [step(node_id=7)]}, "steps[0].id: must be a non-empty string"),
    ("procedural", {"steps": [step(), step()]}, "steps[1].id: duplicate node id 's1'"),
    (
        "procedural",
        {"steps": [step(), step("s2", commands=[{"language": "bash"}])]},
        "steps[1].commands[0].code: this field is required",
    ),
    (
        "procedural",
        {"steps": [step(commands=[{"code": "  "}])]},
        "steps[0].commands[0].code: this field is required",
    ),
    ("procedural", {"steps": [step(commands=42)]}, "steps[0].commands: must be a string or a list"),
    ("procedural", {"steps": [step(commands=["ls"])]}, "steps[0].commands[0]: must be an object"),
    (
        "procedural",
        {"steps": [step(commands=[{"code": "ls", "shell": "zsh"}])]},
        "steps[0].commands[0]: unknown field 'shell'",
    ),
    (
        "procedural",
        {"steps": [step(library_visibility="private")]},
        "steps[0].library_visibility: must be 'team' or 'public'",
    ),
    (
        "procedural",
        {"steps": [{"id": "h", "type": "section_header", "title": "S", "library_visibility": "team"}]},
        "steps[0]: unknown field 'library_visibility' on a section_header",
    ),
    ("procedural", {"steps": [step(title="bad\x00title")]}, "steps[0].title: must not contain NUL"),
    ("procedural", {"steps": [step(title="x" * 256)]}, "steps[0].title: must be at most 255 characters"),
    ("procedural", {"steps": [step(description=["a"])]}, "steps[0].description: must be a string"),
    (
        "procedural",
        {"steps": [{"id": "e", "type": "procedure_end", "title": "Done"}, step()]},
        "steps[0].type: the end node must be the last step",
    ),
    ("troubleshooting", {"root": []}, "root: must be an object"),
    (
        "procedural",
        {"steps": [step(library_step_id="nope")]},
        "steps[0].library_step_id: must be the id of a library",
    ),
    (
        "troubleshooting",
        {"root": {"id": "q", "type": "question", "title": "Q", "children": [step()]}},
        "root.children[0].type: must be one of: question, action, solution",
    ),
    (
        "troubleshooting",
        {"root": {"id": "q", "type": "question", "title": "Q", "children": {"a": 1}}},
        "root.children: must be a list",
    ),
    (
        "troubleshooting",
        {
            "root": {
                "id": "q",
                "type": "question",
                "title": "Q",
                "children": [
                    {"id": "a", "type": "action", "title": "A", "children": [{"id": "q", "type": "solution"}]}
                ],
            }
        },
        "root.children[0].children[0].id: duplicate node id 'q'",
    ),
    (
        "troubleshooting",
        {
            "root": {
                "id": "z",
                "type": "solution",
                "title": "Z",
                "children": [{"id": "y", "type": "solution"}],
            }
        },
        "root.children: a solution ends its branch and has no children",
    ),
    (
        "troubleshooting",
        {"root": {"id": "q", "type": "question", "title": "Q", "library_visibility": "public"}},
        "root: unknown field 'library_visibility' on a question",
    ),
    ("bogus", {"steps": []}, "tree_type: unknown flow type 'bogus'"),
]


def node_ids_in_document_order(structure: dict) -> list[str]:
    if "root" not in structure:
        return [node["id"] for node in structure.get("steps", [])]

    def pre_order(node: dict | None) -> list[str]:
        if node is None:
            return []
        return [node["id"]] + [found for child in node.get("children", []) for found in pre_order(child)]

    return pre_order(structure["root"])


@pytest.mark.parametrize(("tree_type", "structure"), VALID)
def test_valid_structures_parse_into_every_node_in_order(tree_type, structure):
    nodes = parse_tree_structure(copy.deepcopy(structure), tree_type)
    assert [node.id for node in nodes] == node_ids_in_document_order(structure)


@pytest.mark.parametrize(("tree_type", "structure", "message"), INVALID)
def test_invalid_structures_name_the_path(tree_type, structure, message):
    with pytest.raises(TreeStructureError) as caught:
        parse_tree_structure(structure, tree_type)
    assert any(text.startswith(message) for text in caught.value.messages), caught.value.messages


class TestPublishingRules:
    def test_draft_may_have_empty_titles(self):
        (node,) = parse_tree_structure({"steps": [step(title="")]}, "procedural")
        assert (node.id, node.title) == ("s1", "")

    def test_publishing_requires_titles_on_synced_nodes(self):
        structure = {"steps": [{"id": "h", "type": "section_header"}, step(), step("s2", title=" ")]}
        with pytest.raises(TreeStructureError) as caught:
            parse_tree_structure(structure, "procedural", require_titles=True)
        assert caught.value.messages == ["steps[2].title: a title is required to publish"]

    def test_publishing_requires_at_least_one_step(self):
        with pytest.raises(TreeStructureError) as caught:
            parse_tree_structure({"steps": []}, "procedural", require_titles=True)
        assert caught.value.messages == ["steps: a published flow needs at least one step"]

    def test_publishing_a_troubleshooting_tree_requires_answers_to_questions(self):
        structure = {"root": {"id": "q", "type": "question", "title": "Q"}}
        with pytest.raises(TreeStructureError) as caught:
            parse_tree_structure(structure, "troubleshooting", require_titles=True)
        assert caught.value.messages == ["root.children: a question needs at least one answer to publish"]


def test_parsed_nodes_carry_section_and_commands():
    nodes = parse_tree_structure(procedural_structure(3, sections=2), "procedural")
    steps = [node for node in nodes if node.type == "procedure_step"]
    assert [node.group_label for node in steps] == ["Section 1", "Section 1", "Section 2"]
    assert steps[0].commands[0].code == "run --step 1"
    assert steps[0].path == "steps[1]"


def test_troubleshooting_nodes_come_in_pre_order_with_depths():
    nodes = parse_tree_structure(troubleshooting_structure(), "troubleshooting")
    assert [(node.id, node.depth) for node in nodes] == [
        ("q1", 0),
        ("a1", 1),
        ("q2", 2),
        ("z1", 3),
        ("z3", 3),
        ("z2", 1),
    ]
    assert nodes[1].parent_id == "q1"
    assert nodes[0].child_ids == ("a1", "z2")


def deep_chain(depth: int) -> dict:
    root = node = {"id": "n0", "type": "action", "title": "n0", "children": []}
    for index in range(1, depth):
        child = {"id": f"n{index}", "type": "action", "title": f"n{index}", "children": []}
        node["children"].append(child)
        node = child
    return root


def test_walker_visits_every_node_of_a_10000_deep_chain():
    visits = list(iter_tree_nodes(deep_chain(10_000)))
    assert len(visits) == 10_000
    assert visits[-1].depth == 9_999
    assert visits[-1].path.count(".children[0]") == 9_999


def test_validator_refuses_a_tree_deeper_than_the_bound_without_crashing():
    with pytest.raises(TreeStructureError) as caught:
        parse_tree_structure({"root": deep_chain(10_000)}, "troubleshooting")
    assert caught.value.messages[0].endswith(f"the tree is nested deeper than {MAX_DEPTH} levels")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "title",
                    "steps",
                    "root",
                    "children",
                    "commands",
                    "code",
                    "library_visibility",
                    "description",
                    "answer",
                    "label",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)
node_types = st.sampled_from(
    ["procedure_step", "section_header", "procedure_end", "question", "action", "solution"]
)
nodeish = st.fixed_dictionaries(
    {"id": st.text(max_size=3), "type": node_types},
    optional={
        "title": json_values,
        "commands": json_values,
        "children": json_values,
        "library_visibility": json_values,
        "description": json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree_type=st.sampled_from(["procedural", "maintenance", "troubleshooting"]),
    structure=json_values
    | st.fixed_dictionaries({"steps": st.lists(nodeish, max_size=5)})
    | st.fixed_dictionaries({"root": nodeish}),
    require_titles=st.booleans(),
)
def test_arbitrary_json_only_ever_raises_the_validation_error(tree_type, structure, require_titles):
    try:
        parse_tree_structure(structure, tree_type, require_titles=require_titles)
    except TreeStructureError as error:
        assert error.errors
        assert all(isinstance(message, str) for message in error.messages)
