"""Strings the databases cannot hold, found wherever they hide in parsed JSON.

NUL is refused by PostgreSQL in text and jsonb; a lone UTF-16 surrogate ("\\ud800") passes
`json.loads` and DRF, is refused by PostgreSQL, and is stored by SQLite as bytes it cannot
decode again (so every list that reads the row fails). Every write checks for both here,
keys included, before anything is stored.
"""

from typing import Any

import orjson

MAX_PROBLEMS = 50
NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must not contain lone surrogates (invalid Unicode)"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def printable(value: str) -> str:
    """`value` with NUL and surrogates escaped, so an error message can always be rendered."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def find_bad_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, message) for every string in `value`, or key of its objects, that cannot be
    stored; paths read like `steps[3].commands[0].code`. Iterative: depth costs no stack."""
    if _surely_clean(value):
        return []
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack and len(problems) < MAX_PROBLEMS:
        item, where = stack.pop()
        if isinstance(item, str):
            message = text_problem(item)
            if message:
                problems.append((where, message))
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                key = str(key)
                message = text_problem(key)
                if message:
                    # The path cannot hold the bad key itself: name it escaped instead.
                    problems.append((where, f'field name "{printable(key)}" {message}'))
                    continue
                stack.append((child, _join(where, key)))
        elif isinstance(item, list):
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], f"{where}[{index}]"))
    return problems


def _surely_clean(value: Any) -> bool:
    """The fast answer for the usual case, in one pass of C: orjson refuses lone surrogates
    and writes NUL as an escape. Anything it cannot encode (or an escape look-alike) goes
    through the walk, which names the path."""
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: surrogates, deep nesting, odd keys or numbers
        return False
    return b"\\u0000" not in encoded


def bad_strings_as_errors(value: Any) -> dict[str, list[str]]:
    """`find_bad_strings` of a request body as DRF error details: the top-level field is the
    key and the rest of the path leads the message (`{"tree_structure": ["steps[0].id: …"]}`)."""
    errors: dict[str, list[str]] = {}
    for path, message in find_bad_strings(value):
        field, _, rest = path.partition(".")
        if "[" in field:  # a list index right after the field name
            field, bracket, index = field.partition("[")
            rest = f"{bracket}{index}{'.' + rest if rest else ''}"
        field = field or "non_field_errors"
        errors.setdefault(field, []).append(f"{rest}: {message}" if rest else message)
    return errors


def repair_text(value: str) -> str:
    """`value` made storable: NUL dropped, each lone surrogate replaced by U+FFFD."""
    value = value.replace("\x00", "")
    if text_problem(value):
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def repair_strings(value: Any) -> Any:
    """A copy of a JSON value with every string and key passed through `repair_text`."""
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, dict):
        return {repair_text(str(key)): repair_strings(child) for key, child in value.items()}
    if isinstance(value, list):
        return [repair_strings(child) for child in value]
    return value
