"""Which library entries a flow's nodes may link through `library_step_id`.

A link makes the flow's author the recipient of updates about the entry, so a node may only
name an entry the author may see. The step library owns that rule; flows never imports it,
so the step library registers the check here when the app is ready.
"""

import uuid
from collections.abc import Callable, Iterable

from flows.tree_structure import FlowNode

VisibleStepIds = Callable[[object, set[str]], set[str]]
_visible_step_ids: VisibleStepIds | None = None

LINK_MESSAGE = "must be the id of a library entry the flow's author may see"


def register_visible_step_ids(check: VisibleStepIds) -> None:
    """`check(user, ids)` answers which of `ids` name entries `user` may see."""
    global _visible_step_ids
    _visible_step_ids = check


def _canonical(value: str) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def link_errors(*, nodes: Iterable[FlowNode], author, already_linked: Iterable[str] = ()) -> list[str]:
    """Path-named errors for nodes that newly link an entry `author` may not see.

    Links the stored flow already has are kept: an entry retired or hidden later must not
    make its flow unsaveable (updates about it are filtered when made and when read)."""
    kept = {_canonical(value) for value in already_linked}
    wanted = [(node.path, node.library_step_id) for node in nodes if node.library_step_id]
    wanted = [(path, step_id) for path, step_id in wanted if step_id not in kept]
    if not wanted:
        return []
    visible: set[str] = set()
    if _visible_step_ids is not None and author is not None and author.is_authenticated:
        visible = {
            _canonical(value) for value in _visible_step_ids(author, {step_id for _, step_id in wanted})
        }
    return [f"{path}.library_step_id: {LINK_MESSAGE}" for path, step_id in wanted if step_id not in visible]
