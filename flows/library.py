"""The contract between flows and the step library, in one place.

The step library depends on flows, never the reverse, so what flows must know about it is
named here: which fields of a flow the library copies (a change to one of them on a live flow
re-syncs it), which fields publish and retire a flow's entries, the result of a sync, which
the flow services hand back to their callers, and the impact preview the library answers
for flows' preview endpoint. `steplibrary.signals` runs the sync against this contract; the
library registers its preview here and its link check in `flows.links` when it loads.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.exceptions import ImproperlyConfigured

# A change to any of these on a published, active flow re-syncs its entries.
LIBRARY_FIELDS = ("tree_structure", "name", "is_public", "account_id", "tree_type")
# Their transitions publish a flow's entries or retire them.
LIFECYCLE_FIELDS = ("status", "is_active")


@dataclass(frozen=True)
class SyncResult:
    """What a sync did (or, for a dry run, would do) to a flow's library entries."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    held: int = 0  # entries under a staff takedown: kept out of the library

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# preview(tree=, user=, deactivate=, check_nodes=) -> dict: what publishing `tree` as it is in
# memory (or deactivating it) would do to the library; writes nothing. `check_nodes` sees the
# parsed nodes first. Raises flows.tree_structure.TreeStructureError.
LibraryPreview = Callable[..., dict]
_library_preview: LibraryPreview | None = None


def register_library_preview(preview: LibraryPreview) -> None:
    global _library_preview
    _library_preview = preview


def library_preview(*, tree, user, deactivate: bool, check_nodes: Callable[[list], None]) -> dict:
    if _library_preview is None:
        raise ImproperlyConfigured("No step library registered its preview (is steplibrary installed?).")
    return _library_preview(tree=tree, user=user, deactivate=deactivate, check_nodes=check_nodes)
