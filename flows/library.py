"""The contract between flows and the step library, in one place.

The step library depends on flows, never the reverse, so what flows must know about it is
named here: which fields of a flow the library copies (a change to one of them on a live flow
re-syncs it), which fields publish and retire a flow's entries, and the result of a sync,
which the flow services hand back to their callers. `steplibrary.signals` runs the sync
against this contract; `flows.links` holds the one check the library registers.
"""

from dataclasses import asdict, dataclass

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
