"""Where library entries are used: flows whose nodes were inserted from them (the node keeps
`library_step_id`; `flows.TreeStepLink` holds one indexed row per such node), and forks."""

import uuid
from collections import defaultdict

from flows.models import Tree, TreeStepLink, tree_visibility_rule


def trees_using_steps(
    step_ids, *, exclude_tree: Tree | None = None, user=None
) -> dict[uuid.UUID, list[Tree]]:
    """For each step id, the flows with a node inserted from it (most recently updated first),
    but `exclude_tree`, and only those `user` may open when a user is given.

    One query through the link table's index on the entry: its cost follows the entries asked
    about and the flows that use them, never the number of other flows.
    """
    wanted = {uuid.UUID(str(step_id)) for step_id in step_ids}
    if not wanted or (user is not None and not user.is_authenticated):
        return {}
    links = TreeStepLink.objects.filter(step_id__in=wanted)
    if exclude_tree is not None:
        links = links.exclude(tree_id=exclude_tree.pk)
    if user is not None and not user.is_superuser:
        links = links.filter(tree_visibility_rule(user, prefix="tree__"))
    links = links.select_related("tree").only("step_id", "tree__id", "tree__name", "tree__author_id")
    found: dict[uuid.UUID, dict] = defaultdict(dict)
    for link in links.order_by("-tree__updated_at", "tree_id"):
        found[link.step_id].setdefault(link.tree_id, link.tree)  # one flow may link it twice
    return {step_id: list(trees.values()) for step_id, trees in found.items()}
