"""Where-used through an indexed link table: one row per node inserted from a library entry,
filled from every stored flow that links any entry."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def _nodes(structure):
    """Every node of a stored structure, iteratively (invalid parts skipped)."""
    if not isinstance(structure, dict):
        return
    steps = structure.get("steps")
    if isinstance(steps, list):
        yield from (node for node in steps if isinstance(node, dict))
        return
    pending = [structure.get("root")]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            yield node
            children = node.get("children")
            if isinstance(children, list):
                pending.extend(reversed(children))


def _links(structure) -> dict:
    links = {}
    for node in _nodes(structure):
        node_id, step_id = node.get("id"), node.get("library_step_id")
        if not isinstance(node_id, str) or not 0 < len(node_id) <= 255 or node_id in links:
            continue
        if "\x00" in node_id:
            continue
        try:
            node_id.encode()
        except UnicodeEncodeError:  # a lone surrogate an old SQLite row may hold
            continue
        try:
            links[node_id] = uuid.UUID(str(step_id))
        except ValueError:
            continue
    return links


def fill_links(apps, schema_editor):
    Tree = apps.get_model("flows", "Tree")
    TreeStepLink = apps.get_model("flows", "TreeStepLink")
    using = schema_editor.connection.alias
    pending = []
    linking = Tree.objects.using(using).exclude(linked_step_ids=[]).only("id", "tree_structure")
    for tree in linking.iterator(chunk_size=BATCH):
        for node_id, step_id in _links(tree.tree_structure).items():
            pending.append(TreeStepLink(tree_id=tree.pk, node_id=node_id, step_id=step_id))
        if len(pending) >= BATCH:
            TreeStepLink.objects.using(using).bulk_create(pending)
            pending = []
    TreeStepLink.objects.using(using).bulk_create(pending)


class Migration(migrations.Migration):
    dependencies = [
        ("flows", "0004_flow_history_working_copy"),
    ]

    operations = [
        migrations.CreateModel(
            name="TreeStepLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("node_id", models.CharField(max_length=255)),
                ("step_id", models.UUIDField()),
                (
                    "tree",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="step_links",
                        to="flows.tree",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["step_id", "tree"], name="tree_step_link_step_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("tree", "node_id"), name="tree_step_link_unique_node")
                ],
            },
        ),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
    ]
