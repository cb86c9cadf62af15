"""Prompted variables: a flow's declarations and the `{{name}}` placeholders in its commands.

The one Python module that parses placeholders (static/js/variables.js mirrors PLACEHOLDER).
A placeholder is exactly `{{name}}` with an identifier and no spaces inside the braces.
Everything else in braces stays literal, everywhere: `{{.Names}}` (docker and Go
templates) is never a placeholder, and neither is `{{ item }}` (Ansible, with spaces),
even when a variable of that name is declared, so that a playbook pasted into a command is
never rewritten. Only declared names are filled; undeclared `{{name}}` placeholders are
listed for the author (never refused) and stay literal too.

Declarations live in the flow's structure (`tree_structure["variables"]`), so they are
saved, kept in the working copy and history, versioned and pinned by sessions exactly like
the steps they belong to.
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]{0,63})\}\}")
KINDS = ("text", "hostname", "number", "choice", "secret")
MAX_VARIABLES = 50
MAX_CHOICES = 100
MAX_LABEL_LENGTH = 255
MAX_VALUE_LENGTH = 2000
_KEYS = {"name", "label", "kind", "required", "default", "choices"}
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_NUMBER = re.compile(r"^-?\d{1,30}(\.\d{1,30})?$")


@dataclass(frozen=True)
class Variable:
    """One declared variable of a flow."""

    name: str
    label: str
    kind: str
    required: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def is_secret(self) -> bool:
        return self.kind == "secret"


def is_hostname(value: str) -> bool:
    """A DNS host name (RFC 1123 labels) or an IPv4/IPv6 address."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    name = value[:-1] if value.endswith(".") else value
    return 0 < len(name) <= 253 and all(_HOST_LABEL.match(label) for label in name.split("."))


def value_problem(variable: Variable, value: str) -> str | None:
    """Why `value` does not fit `variable`'s kind, or None when it does (empty values fit)."""
    if len(value) > MAX_VALUE_LENGTH:
        return f"must be at most {MAX_VALUE_LENGTH} characters"
    if value == "":
        return None
    if variable.kind == "hostname" and not is_hostname(value):
        return "must be a host name or an IP address"
    if variable.kind == "number" and not _NUMBER.match(value):
        return "must be a number"
    if variable.kind == "choice" and value not in variable.choices:
        return "must be one of the choices"
    return None


def _read_choices(raw: dict, path: str, errors: list[tuple[str, str]]) -> tuple[str, ...]:
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices:
        errors.append((f"{path}.choices", "a choice variable needs a non-empty list of choices"))
        return ()
    if len(choices) > MAX_CHOICES:
        errors.append((f"{path}.choices", f"must hold at most {MAX_CHOICES} choices"))
        return ()
    for index, choice in enumerate(choices):
        if not isinstance(choice, str) or not choice.strip() or len(choice) > MAX_VALUE_LENGTH:
            errors.append((f"{path}.choices[{index}]", "must be a non-empty string"))
            return ()
    if len(set(choices)) != len(choices):
        errors.append((f"{path}.choices", "must not repeat a choice"))
        return ()
    return tuple(choices)


def _read_variable(raw: Any, path: str, seen: set[str], errors: list[tuple[str, str]]) -> Variable | None:
    if not isinstance(raw, dict):
        errors.append((path, "must be an object with name, label, kind, required and default"))
        return None
    before = len(errors)
    for key in raw:
        if key not in _KEYS:
            errors.append((path, f"unknown field {key!r}"))
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        errors.append((f"{path}.name", "must be a letter or _ followed by up to 63 letters, digits or _"))
    elif name in seen:
        errors.append((f"{path}.name", f"duplicate variable {name!r}"))
    else:
        seen.add(name)
    label = raw.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_LENGTH):
        errors.append((f"{path}.label", f"must be a string of at most {MAX_LABEL_LENGTH} characters"))
    kind = raw.get("kind")
    if kind not in KINDS:
        errors.append((f"{path}.kind", f"must be one of: {', '.join(KINDS)}"))
    required = raw.get("required", False)
    if not isinstance(required, bool):
        errors.append((f"{path}.required", "must be true or false"))
    if kind != "choice" and "choices" in raw:
        errors.append((f"{path}.choices", "only a choice variable has choices"))
    choices = _read_choices(raw, path, errors) if kind == "choice" else ()
    default = raw.get("default")
    if default is not None and not isinstance(default, str):
        errors.append((f"{path}.default", "must be a string"))
    if len(errors) > before:
        return None
    variable = Variable(
        name=name, label=label or name, kind=kind, required=required, default=default or None, choices=choices
    )
    if variable.is_secret and default:
        errors.append((f"{path}.default", "a secret has no default: its value never leaves the browser"))
    elif default and (problem := value_problem(variable, default)):
        errors.append((f"{path}.default", problem))
    return variable


def variable_errors(raw: Any, path: str = "variables") -> tuple[list[Variable], list[tuple[str, str]]]:
    """The declarations in `raw` (a flow structure's `variables`), and (path, message) for
    every problem, paths like `variables[2].default`."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [(path, "must be a list of variables")]
    if len(raw) > MAX_VARIABLES:
        return [], [(path, f"must hold at most {MAX_VARIABLES} variables")]
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    variables = [_read_variable(item, f"{path}[{index}]", seen, errors) for index, item in enumerate(raw)]
    return [variable for variable in variables if variable is not None], errors


def declared_variables(structure: Any) -> list[Variable]:
    """The valid declarations of a stored structure (a pinned one may predate a rule)."""
    raw = structure.get("variables") if isinstance(structure, dict) else None
    return variable_errors(raw)[0]


def placeholders(text: str) -> list[str]:
    """The names of the `{{name}}` placeholders in `text`, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def undeclared_placeholders(structure: Any, nodes: Iterable[Any]) -> list[dict]:
    """[{"name", "paths": [node path, ...]}] for each `{{name}}` in the nodes' commands
    that the structure does not declare; sorted by name."""
    declared = {variable.name for variable in declared_variables(structure)}
    found: dict[str, list[str]] = {}
    for node in nodes:
        for index, command in enumerate(node.commands):
            for name in placeholders(command.code):
                if name not in declared:
                    found.setdefault(name, []).append(f"{node.path}.commands[{index}].code")
    return [{"name": name, "paths": paths} for name, paths in sorted(found.items())]


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with every `{{name}}` whose name is in `values` replaced; the rest stays literal."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


class VariableValuesError(ValueError):
    """Values for a session that do not fit the flow's declarations: {name: [message]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))


def check_values(declarations: list[Variable], values: Mapping[str, str]) -> dict[str, str]:
    """The values a session stores: given ones, defaults for the rest; never a secret.

    Raises VariableValuesError naming each refused variable (never echoing its value): an
    unknown name, any value for a secret, a missing required one, a value of the wrong kind.
    """
    by_name = {variable.name: variable for variable in declarations}
    errors: dict[str, list[str]] = {}
    for name in values:
        if name not in by_name:
            errors[name] = ["No such variable in this flow."]
        elif by_name[name].is_secret:
            errors[name] = ["A secret's value never goes to the server: it stays in your browser."]
    stored: dict[str, str] = {}
    for variable in declarations:
        if variable.is_secret or variable.name in errors:
            continue
        value = values.get(variable.name)
        if value is None or value == "":
            value = variable.default or ""
        if variable.required and not value.strip():
            errors[variable.name] = ["This variable is required."]
        elif problem := value_problem(variable, value):
            errors[variable.name] = [f"The value {problem}."]
        elif value:
            stored[variable.name] = value
    if errors:
        raise VariableValuesError(errors)
    return stored
