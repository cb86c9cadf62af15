"""The secret detector's calibration: real credentials are found, ordinary IT commands are not."""

import re
import sys

import pytest
from detect_secrets.plugins.keyword import DENYLIST

from flows.samples import procedural_structure, troubleshooting_structure
from steplibrary.secret_checks import tree_fields
from steplibrary.secret_scan import (
    _KEYWORD_ANCHOR,
    _KEYWORD_ANCHORS,
    _KEYWORD_HINT,
    _TOKEN_HINT,
    could_hold_secret,
    scan_fields,
    scan_text,
)

# Fakes shaped like the real thing; none of them was ever a live credential.
FAKE_AWS_KEY = "AKIAZ3MHXQ7V4PDLNS2K"
FAKE_PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2LfakeFAKEfakeQ8vKx2Wq0\n"
    "-----END RSA PRIVATE KEY-----"
)

ORDINARY_COMMANDS = [
    "systemctl restart nginx",
    "journalctl -u nginx --since '1 hour ago' --no-pager",
    "ssh {{user}}@{{host}} 'sudo systemctl status postgresql'",
    "docker ps --format '{{.Names}}\t{{.Status}}'",
    "docker inspect --format '{{ .State.Health.Status }}' {{container}}",
    "curl -s https://api.example.com/v1/tickets/3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b",
    "echo 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  app.tar.gz' | sha256sum -c -",
    "sha256sum /opt/releases/app-2.14.3.tar.gz",
    "docker pull nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
    "git checkout 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "cp /etc/nginx/sites-available/default /etc/nginx/sites-available/default.bak-2024",
    "kubectl -n production rollout restart deployment/payments-api-v2",
    "export PGPASSWORD=$DB_PASSWORD",
    "mysql -u root -p",
    "read -s -p 'Password: ' PASSWORD",
    "password: {{db_password}}",
    "Enter the password from the vault when prompted.",
    "vault kv get -field=password secret/prod/db",
    "tar -czf /backup/etc-$(date +%F).tar.gz /etc",
    "openssl req -new -x509 -days 365 -key server.key -out server.crt",
    "chmod 600 ~/.ssh/id_ed25519",
    "Get-Service -Name wuauserv | Restart-Service",
    'curl -H "Authorization: Bearer $API_TOKEN" https://{{host}}/api/health',
    "token=${GITHUB_TOKEN}",
    "aws s3 ls s3://acme-backups-eu-west-1/2024/",
    "rsync -avz /srv/data/ backup01.internal:/srv/backup/data-20240115/",
    "helm upgrade --install ingress-nginx ingress-nginx/ingress-nginx --version 4.10.1",
    "apt-get install -y linux-image-6.1.0-18-amd64",
    "az vm restart --resource-group rg-prod-westeurope-01 --name vm-app-01",
    "Get-ADUser -Identity jsmith -Properties LockedOut,LastLogonDate",
]

SECRETS = [
    (f"aws configure set aws_access_key_id {FAKE_AWS_KEY}", "AWS Access Key", FAKE_AWS_KEY),
    (FAKE_PRIVATE_KEY, "Private Key", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2L"),
    ("curl https://admin:S3cr3tPassw0rd@intra.example.com/", "Basic Auth Credentials", "S3cr3tPassw0rd"),
    ("mysql -u root --password=Hunter2Hunter2", "Secret Keyword", "Hunter2Hunter2"),
    ("export DB_PASSWORD='correcthorsebattery'", "Secret Keyword", "correcthorsebattery"),
    (
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
        "JSON Web Token",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("Run the job with Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz", "Base64 High Entropy String", "Zx9Qw8Er7Ty6Ui5"),
    ("export API_TOKEN=9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c", "Base64 High Entropy String", "9f8a7b6c5d4e3f2a"),
]


@pytest.mark.parametrize("command", ORDINARY_COMMANDS)
def test_ordinary_commands_have_no_findings(command):
    assert scan_text(command, path="p", node_id="n", field="f") == []


@pytest.mark.parametrize(("text", "kind", "value"), SECRETS)
def test_secrets_are_found_and_never_shown(text, kind, value):
    findings = scan_text(text, path="steps[1].commands[0].code", node_id="s1", field="commands[0].code")
    assert [finding.kind for finding in findings] == [kind]
    shown = repr(findings[0].as_dict())
    assert value not in shown
    assert value[:8] not in shown


def test_the_fingerprint_changes_with_the_text_and_the_place():
    def fingerprint(text, node_id="s1"):
        return scan_text(text, path="p", node_id=node_id, field="description")[0].fingerprint

    text = f"Use key {FAKE_AWS_KEY} here"
    assert fingerprint(text) == fingerprint(text)
    assert fingerprint(text) != fingerprint(text + ".")
    assert fingerprint(text) != fingerprint(text, node_id="s2")


def test_the_line_of_a_finding_is_reported():
    text = f"first line\nsecond line\naws configure set aws_access_key_id {FAKE_AWS_KEY}"
    assert [finding.line for finding in scan_text(text, path="p", node_id="n", field="f")] == [3]


def test_lone_surrogates_give_findings_not_errors():
    findings = scan_text(f"key {FAKE_AWS_KEY} \ud800", path="p", node_id="n", field="f")
    assert [finding.kind for finding in findings] == ["AWS Access Key"]


def test_flow_paths_name_each_field_and_command():
    structure = procedural_structure(2)
    structure["steps"][1]["commands"] = [{"code": f"aws sts get-caller-identity # {FAKE_AWS_KEY}"}]
    structure["steps"][2]["commands"] = f"export AWS_ACCESS_KEY_ID={FAKE_AWS_KEY}"
    structure["steps"][2]["expected_outcome"] = FAKE_PRIVATE_KEY
    findings = scan_fields(tree_fields(structure=structure, tree_type="procedural", name="Rotate keys"))
    assert [(finding.path, finding.node_id, finding.field) for finding in findings] == [
        ("steps[1].commands[0].code", "s1", "commands[0].code"),
        ("steps[2].expected_outcome", "s2", "expected_outcome"),
        ("steps[2].commands", "s2", "commands"),
    ]


def test_troubleshooting_paths_and_the_flow_name_are_scanned():
    structure = troubleshooting_structure()
    structure["root"]["children"][0]["description"] = f"Log in with {FAKE_AWS_KEY}"
    findings = scan_fields(
        tree_fields(structure=structure, tree_type="troubleshooting", name=f"VPN {FAKE_AWS_KEY}")
    )
    assert [finding.path for finding in findings] == ["name", "root.children[0].description"]


# ---- the prefilter: texts it lets past are scanned; it must never drop one a plugin could match


def _keyword_spellings() -> list[str]:
    """Every word of the keyword plugin's list, with and without its optional underscore, in
    lower, upper and title case, and with the letters Python's case-insensitive matching also
    takes for `s` and `k` (long s, Kelvin sign)."""
    words = set()
    for pattern in DENYLIST:
        words |= {pattern.replace("_?", "_"), pattern.replace("_?", "")}
    spellings = []
    for word in sorted(words):
        odd_letters = [word.replace("s", "\u017f"), word.replace("k", "\u212a")]
        spellings += [word, word.upper(), word.title(), *odd_letters]
    return spellings


def test_every_letter_the_keyword_hint_takes_for_an_anchor_letter_casefolds_to_it():
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))
    for letter in set("".join(_KEYWORD_ANCHORS)):
        taken = set(re.findall(letter, every_character, re.IGNORECASE))
        assert {character.casefold() for character in taken} == {letter}


@pytest.mark.parametrize("spelling", _keyword_spellings())
def test_the_prefilter_lets_every_keyword_through(spelling):
    # A short value, so the token hint cannot let the text through on its own: the keyword
    # anchors alone must recognise every spelling the keyword detector matches.
    text = f"{spelling}: hunter22"
    assert _KEYWORD_HINT.search(text)
    assert _KEYWORD_ANCHOR.search(text.casefold())
    assert could_hold_secret(text)


@pytest.mark.parametrize("text", [*ORDINARY_COMMANDS, *(text for text, _, _ in SECRETS)])
def test_the_prefilter_lets_through_every_text_a_hint_matches(text):
    if _TOKEN_HINT.search(text) or _KEYWORD_HINT.search(text):
        assert could_hold_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "PASSWORD=Hunter2Hunter2",
        "db_\u017fecret: Hunter2Hunter2x",  # long s: matched as `s` case-insensitively
        "api_\u212aey = Zq8Hunter2Hunter2",  # Kelvin sign: matched as `k`
        "Contrase\u00f1a=Hunter2Hunter2",
        "CONTRASENA=Hunter2Hunter2",
        "pwd=Hunter2Hunter2",
    ],
)
def test_keywords_in_any_case_are_still_found(text):
    findings = scan_text(text, path="p", node_id="n", field="f")
    assert [finding.kind for finding in findings] == ["Secret Keyword"]


def test_prose_without_a_keyword_or_a_token_is_not_scanned():
    assert not could_hold_secret("Restart the web server and check the status page.")
    assert not could_hold_secret("run --step 17")
