"""Finds credentials in text that a publish would push to other teams.

detect-secrets (pinned in requirements.txt) does the finding; this module only chooses its
plugins and filters, feeds it one line at a time and describes what it found without ever
keeping the value: a finding carries its JSON path, the kind of secret, a masked hint and
a fingerprint (a keyed hash of the secret *and* the whole field's text, so an allowance
for it stops matching as soon as the text changes).

detect-secrets is used in memory only: plugins are instantiated here (never through its
global settings, which are not thread-safe), its network verification is never called,
there is no baseline file and no git. Calibration, so that ordinary IT commands stay quiet:

- High-entropy strings are searched without quotes (commands rarely quote their tokens)
  but only where they look like tokens: at least 20 characters, mixing letters and
  digits, not a path or a URL path segment list, not a `{{placeholder}}` or a Go template.
- A hex string on a line that verifies a checksum or names a digest (`sha256sum`,
  `sha256:`, `checksum`, `git checkout <commit>`…) is a checksum, not a secret.
- UUIDs, sequential strings, `$VARIABLE` and `${VARIABLE}` references and templated
  values are dropped by detect-secrets' own heuristic filters.
- The keyword plugin reads text like a configuration file (`password=...`, `token: ...`),
  so a secret needs no quotes; its value must not be a placeholder or a variable.
"""

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from detect_secrets.filters import heuristic
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import CONFIG_DENYLIST_REGEX_TO_GROUP, DENYLIST_REGEX, KeywordDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector
from django.utils.crypto import salted_hmac

# Keys are the plugin classes; the names are what the API and admin show as `kind`.
_SPECIFIC_PLUGINS: tuple[type[BasePlugin], ...] = (
    AWSKeyDetector,
    BasicAuthDetector,
    GitHubTokenDetector,
    GitLabTokenDetector,
    JwtTokenDetector,
    NpmDetector,
    OpenAIDetector,
    PrivateKeyDetector,
    PypiTokenDetector,
    SlackDetector,
    StripeDetector,
)
# detect-secrets' default limits; strings shorter than this are words, versions or ids.
BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
MIN_TOKEN_LENGTH = 20
# A filename with a configuration extension selects detect-secrets' unquoted keyword rules.
_KEYWORD_FILENAME = "step.conf"
_FINGERPRINT_SALT = "steplibrary.secret_scan.fingerprint"

_CHECKSUM_CONTEXT = re.compile(
    r"sha(1|224|256|384|512)|md5|checksum|digest|--hash|\bgit\b|@sha|fingerprint", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|<[^<>\s]+>")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY")
_PEM_END = re.compile(r"-----END [A-Z ]*PRIVATE KEY")
# Cheap tests that tell which plugins can possibly match a line (most lines of a flow are
# short prose or commands): the keyword plugin needs one of its keywords; every other plugin
# needs a long token, a URL with credentials or a PEM header.
_KEYWORD_HINT = re.compile(DENYLIST_REGEX, re.IGNORECASE)
_TOKEN_HINT = re.compile(r"[A-Za-z0-9+/=_.\-]{16,}|://\S*@|PRIVATE KEY")
# Every word of the keyword plugin's list contains one of these (api_key, db_pass, passwd,
# pwd, secret, contraseña…). `_KEYWORD_HINT` matches case-insensitively, and each character it
# takes for a letter of these casefolds to exactly that letter (a test checks every code
# point), so a text whose casefolded form holds none of them cannot match it. Searching for
# these in casefolded text is about ten times faster than the case-insensitive alternation.
_KEYWORD_ANCHORS = ("key", "pass", "pwd", "secret", "contrase")
_KEYWORD_ANCHOR = re.compile("|".join(_KEYWORD_ANCHORS))
_PATH_LIKE = re.compile(r"^(/|\./|~/)?([A-Za-z0-9._-]+/)+[A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class SecretFinding:
    """One suspected secret: where it is and what it looks like, never the value itself."""

    path: str
    node_id: str
    field: str
    kind: str
    line: int
    masked: str
    fingerprint: str

    def as_dict(self, *, allowed: bool = False) -> dict:
        return {
            "path": self.path,
            "node_id": self.node_id,
            "field": self.field,
            "kind": self.kind,
            "line": self.line,
            "masked": self.masked,
            "fingerprint": self.fingerprint,
            "allowed": allowed,
        }

    def __str__(self) -> str:
        return f"{self.path}: looks like a secret ({self.kind}, fingerprint {self.fingerprint})"


def mask(value: str) -> str:
    """A hint that helps the author find the value without revealing it."""
    if len(value) < 12:
        return "*" * len(value)
    return f"{value[:2]}{'*' * 8}{value[-2:]} ({len(value)} characters)"


def fingerprint(*, node_id: str, field: str, kind: str, text: str, secret: str) -> str:
    """A keyed hash: it cannot be reversed or brute-forced without the server's key."""
    # surrogatepass: a lone surrogate must give a fingerprint, not an exception.
    message = "\x1f".join((node_id, field, kind, text, secret)).encode("utf-8", "surrogatepass")
    return salted_hmac(_FINGERPRINT_SALT, message, algorithm="sha256").hexdigest()[:32]


def _plugins() -> list[BasePlugin]:
    # New instances per scan: the entropy plugins swap their regex while searching.
    return [
        KeywordDetector(),
        Base64HighEntropyString(limit=BASE64_LIMIT),
        HexHighEntropyString(limit=HEX_LIMIT),
        *(plugin() for plugin in _SPECIFIC_PLUGINS),
    ]


def _looks_like_token(value: str) -> bool:
    if len(value) < MIN_TOKEN_LENGTH or _PATH_LIKE.match(value):
        return False
    has_digit = any(char in string.digits for char in value)
    has_letter = any(char in string.ascii_letters for char in value)
    return has_digit and has_letter


def _entropy_secrets(plugin: BasePlugin, line: str) -> Iterator[str]:
    hex_plugin = isinstance(plugin, HexHighEntropyString)
    if hex_plugin and _CHECKSUM_CONTEXT.search(line):
        return
    with plugin.non_quoted_string_regex(is_exact_match=False):
        candidates = set(plugin.analyze_string(line))
    for value in candidates:
        shaped = (hex_plugin or _looks_like_token(value)) and len(value) >= MIN_TOKEN_LENGTH
        if shaped and plugin.calculate_shannon_entropy(value) > plugin.entropy_limit:
            yield value


def _keyword_secrets(plugin: KeywordDetector, line: str) -> Iterator[str]:
    for value in plugin.analyze_string(line, denylist_regex_to_group=CONFIG_DENYLIST_REGEX_TO_GROUP):
        value = value.strip().strip("'\"")
        if len(value) >= 4 and not _PLACEHOLDER.fullmatch(value) and not _PLACEHOLDER.match(value):
            yield value


def _line_secrets(plugin: BasePlugin, line: str) -> Iterator[str]:
    if isinstance(plugin, (Base64HighEntropyString, HexHighEntropyString)):
        yield from _entropy_secrets(plugin, line)
    elif isinstance(plugin, KeywordDetector):
        yield from _keyword_secrets(plugin, line)
    else:
        # The plugin's own patterns, whole matches (analyze_string yields capture groups),
        # and never analyze_line: that may call a plugin's network verifier.
        for pattern in getattr(plugin, "denylist", ()):
            for match in pattern.finditer(line):
                # A lone group that is long enough is the secret itself (a password in a URL);
                # short ones are prefixes (`ghp`), so the whole match is.
                group = match.group(1) if pattern.groups == 1 else None
                yield group if group and len(group) >= 8 else match.group(0)


def _filtered_out(secret: str, line: str, plugin: BasePlugin) -> bool:
    """detect-secrets' own heuristic filters, called directly (no global settings)."""
    return (
        heuristic.is_sequential_string(secret)
        or heuristic.is_potential_uuid(secret)
        or heuristic.is_likely_id_string(secret, line, plugin)
        or heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_indirect_reference(line)
        or bool(_PLACEHOLDER.fullmatch(secret))
    )


class _LineScanner:
    """Runs the plugins over lines, remembering each distinct line's hits for one scan."""

    def __init__(self) -> None:
        plugins = _plugins()
        self.keyword = [plugin for plugin in plugins if isinstance(plugin, KeywordDetector)]
        self.others = [plugin for plugin in plugins if not isinstance(plugin, KeywordDetector)]
        self.seen: dict[str, frozenset[tuple[str, str]]] = {}

    def hits(self, line: str) -> frozenset[tuple[str, str]]:
        if line not in self.seen:
            plugins = [
                *(self.keyword if _KEYWORD_HINT.search(line) else ()),
                *(self.others if _TOKEN_HINT.search(line) else ()),
            ]
            self.seen[line] = frozenset(
                (plugin.secret_type, secret)
                for plugin in plugins
                for secret in _line_secrets(plugin, line)
                if secret and not _filtered_out(secret, line, plugin)
            )
        return self.seen[line]


def could_hold_secret(text: str) -> bool:
    """False when no plugin can find anything in `text`: most texts of a flow are decided here,
    without splitting lines or running a plugin. True only says the plugins must look."""
    return bool(_TOKEN_HINT.search(text) or _KEYWORD_ANCHOR.search(text.casefold()))


def scan_text(
    text: str, *, path: str, node_id: str, field: str, scanner: _LineScanner | None = None
) -> list[SecretFinding]:
    """Suspected secrets in one field's text, at most one finding per (line, kind, value)."""
    if not text or not could_hold_secret(text):
        return []
    scanner = scanner or _LineScanner()
    findings: list[SecretFinding] = []
    in_key_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        hits = set(scanner.hits(line))
        # A private key's body lines belong to the one finding on its BEGIN line.
        if _PEM_BEGIN.search(line):
            in_key_block = True
        elif in_key_block:
            hits = {hit for hit in hits if hit[0] not in _GENERIC_KINDS}
            in_key_block = not _PEM_END.search(line)
        for kind, secret in sorted(_without_repeats(hits)):
            findings.append(
                SecretFinding(
                    path=path,
                    node_id=node_id,
                    field=field,
                    kind=kind,
                    line=number,
                    masked=mask(secret),
                    fingerprint=fingerprint(
                        node_id=node_id, field=field, kind=kind, text=text, secret=secret
                    ),
                )
            )
    return findings


_GENERIC_KINDS = {Base64HighEntropyString.secret_type, HexHighEntropyString.secret_type}


def _without_repeats(hits: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """One finding per secret on a line: a specific plugin (AWS key, JWT, keyword…) says more
    than the entropy plugins, and a value inside a longer entropy match is the same secret."""
    if any(kind not in _GENERIC_KINDS for kind, _ in hits):
        return {hit for hit in hits if hit[0] not in _GENERIC_KINDS}
    return {
        (kind, secret)
        for kind, secret in hits
        if not any(len(other) > len(secret) and secret in other for _, other in hits)
    }


def scan_fields(fields: Iterable[tuple[str, str, str, str | None]]) -> list[SecretFinding]:
    """Scans (path, node_id, field, text) tuples; None and empty texts are skipped."""
    found: list[SecretFinding] = []
    scanner = _LineScanner()
    for path, node_id, field, text in fields:
        if text:  # scan_text decides most texts at once (could_hold_secret)
            found.extend(scan_text(text, path=path, node_id=node_id, field=field, scanner=scanner))
    return found
