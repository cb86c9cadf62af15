"""Where library entries are used: flows whose nodes were inserted from them (the node keeps
`library_step_id`; the flow row keeps the list in `linked_step_ids`), and forks."""

import uuid
from collections import defaultdict

from flows.models import Tree


def trees_using_steps(step_ids, *, trees=None) -> dict[uuid.UUID, list[Tree]]:
    """For each step id, the flows (from `trees`, default all) with a node inserted from it.

    One query over the flows that link any entry at all, reading only their short id lists.
    """
    wanted = {str(step_id) for step_id in step_ids}
    if not wanted:
        return {}
    candidates = (
        (trees if trees is not None else Tree.objects.all())
        .exclude(linked_step_ids=[])
        .only("id", "name", "author_id", "linked_step_ids")
    )
    found: dict[uuid.UUID, list[Tree]] = defaultdict(list)
    for tree in candidates:
        for step_id in set(tree.linked_step_ids) & wanted:
            found[uuid.UUID(step_id)].append(tree)
    return found
