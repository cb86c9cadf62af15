"""Field-by-field differences between two versions of a library entry."""

from typing import Any

TOP_FIELDS = ("title", "step_type", "visibility")
CONTENT_FIELDS = ("instructions", "help_text", "group_label")


def _commands_diff(old: list[dict], new: list[dict]) -> dict[str, list]:
    """Commands compared by position: added at the end, removed from the end, or changed."""
    added, removed, changed = [], [], []
    for index in range(max(len(old), len(new))):
        if index >= len(old):
            added.append({"index": index, "command": new[index]})
        elif index >= len(new):
            removed.append({"index": index, "command": old[index]})
        elif old[index] != new[index]:
            changed.append({"index": index, "from": old[index], "to": new[index]})
    return {"added": added, "removed": removed, "changed": changed}


def diff_versions(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """What changed from `old` to `new` (each a `steplibrary.models.version_of`).

    Only changed fields appear: {"title": {"from": …, "to": …}, …, "commands": {"added": […],
    "removed": […], "changed": […]}}. With no `old`, every field counts as new.
    """
    old = old or {"title": None, "step_type": None, "visibility": None, "content": {}}
    changes: dict[str, Any] = {}
    for field in TOP_FIELDS:
        if old.get(field) != new.get(field):
            changes[field] = {"from": old.get(field), "to": new.get(field)}
    old_content, new_content = old.get("content") or {}, new.get("content") or {}
    for field in CONTENT_FIELDS:
        if old_content.get(field) != new_content.get(field):
            changes[field] = {"from": old_content.get(field), "to": new_content.get(field)}
    commands = _commands_diff(old_content.get("commands") or [], new_content.get("commands") or [])
    if any(commands.values()):
        changes["commands"] = commands
    return changes
