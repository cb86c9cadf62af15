"""Three-way merge of a fork with its source: base (the source revision the fork was taken
from, or last accepted), mine (the fork now) and theirs (the source now).

Fields compared: `title`, `step_type`, `instructions`, `help_text`, `group_label` and each
command. Commands are matched by position (`commands[0]`, `commands[1]`, …; a missing one is
null): a rule the owner can predict from the screen. An insertion in the middle shows as
changes further down the list, and when both sides edited the list it surfaces as conflicts
to choose, never as a silent overwrite. Visibility is not merged: a fork keeps its own
(a private copy must not become public because its source is).
"""

from dataclasses import dataclass
from typing import Any

UNCHANGED = "unchanged"
THEIRS_ONLY = "theirs_only"
MINE_ONLY = "mine_only"
BOTH_SAME = "both_same"
CONFLICT = "conflict"
STATUSES = (UNCHANGED, THEIRS_ONLY, MINE_ONLY, BOTH_SAME, CONFLICT)
# Named "MergeStatusEnum" in the OpenAPI schema (settings.SPECTACULAR_SETTINGS), apart from flows' status.
STATUS_CHOICES = [(status, status) for status in STATUSES]

MINE, THEIRS = "mine", "theirs"
CONTENT_FIELDS = ("instructions", "help_text", "group_label")


@dataclass(frozen=True)
class MergeField:
    """One compared field: its three values and what the merge makes of them."""

    name: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def status(self) -> str:
        if self.mine == self.theirs:
            return UNCHANGED if self.mine == self.base else BOTH_SAME
        if self.mine == self.base:
            return THEIRS_ONLY
        if self.theirs == self.base:
            return MINE_ONLY
        return CONFLICT

    def merged(self, choice: str | None = None) -> Any:
        """The value the merge keeps; a conflict needs `choice` (`mine` or `theirs`)."""
        status = self.status
        if status == CONFLICT:
            if choice not in (MINE, THEIRS):
                raise ValueError(f"{self.name}: a conflict needs a choice")
            return self.theirs if choice == THEIRS else self.mine
        return self.theirs if status == THEIRS_ONLY else self.mine

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.name,
            "base": self.base,
            "mine": self.mine,
            "theirs": self.theirs,
            "status": self.status,
        }


def _fields_of(version: dict | None) -> dict[str, Any]:
    """A version ({title, step_type, content}) flattened into the merge's field names."""
    if version is None:
        return {}
    content = version.get("content") or {}
    flat = {"title": version.get("title"), "step_type": version.get("step_type")}
    for name in CONTENT_FIELDS:
        flat[name] = content.get(name)
    for index, command in enumerate(content.get("commands") or []):
        flat[f"commands[{index}]"] = command
    return flat


def _command_count(*versions: dict) -> int:
    return max((len(v) for v in versions), default=0)


def merge_fields(base: dict | None, mine: dict, theirs: dict) -> list[MergeField]:
    """Every compared field, in display order. With no recorded base (a fork older than
    revisions), every difference between mine and theirs is a conflict for the owner to settle."""
    flat = [_fields_of(base), _fields_of(mine), _fields_of(theirs)]
    names = ["title", "step_type", *CONTENT_FIELDS]
    commands = [(v.get("content") or {}).get("commands") or [] for v in (base or {}, mine, theirs)]
    names += [f"commands[{index}]" for index in range(_command_count(*commands))]
    return [MergeField(name, *(version.get(name) for version in flat)) for name in names]


def merged_version(fields: list[MergeField], resolutions: dict[str, str]) -> dict[str, Any]:
    """{title, step_type, content} after applying the merge and the owner's choices."""
    values = {field.name: field.merged(resolutions.get(field.name)) for field in fields}
    commands = [
        values[field.name]
        for field in fields
        if field.name.startswith("commands[") and values[field.name] is not None
    ]
    return {
        "title": values["title"],
        "step_type": values["step_type"],
        "content": {
            "instructions": values["instructions"],
            "help_text": values["help_text"],
            "commands": commands,
            "group_label": values["group_label"],
        },
    }


def conflicts_of(fields: list[MergeField]) -> list[str]:
    return [field.name for field in fields if field.status == CONFLICT]


class MergeConflict(Exception):
    """Accepting needs the owner's choice for these fields (or the source moved on meanwhile)."""

    def __init__(self, *, fields: list[MergeField], unresolved: list[str], source_revision: int, stale: bool):
        super().__init__(", ".join(unresolved) or "stale source revision")
        self.fields, self.unresolved = fields, unresolved
        self.source_revision, self.stale = source_revision, stale


class SourceRetired(Exception):
    """The source is gone, inactive or no longer visible to the caller: nothing to take."""
