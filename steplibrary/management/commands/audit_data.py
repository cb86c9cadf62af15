"""Audits stored flows, library entries, revisions and updates; `--fix` repairs what it can."""

from django.core.management.base import BaseCommand, CommandError

from steplibrary.audit import data_audit


class Command(BaseCommand):
    help = (
        "Check stored flows, library entries, revisions and updates against the validation "
        "every write goes through. Exits non-zero while problems remain; --fix repairs NUL "
        "characters and lone surrogates (the rest needs a person)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="repair what can be repaired safely")

    def handle(self, *args, fix: bool, **options) -> None:
        findings = data_audit(fix=fix)
        for finding in findings:
            (self.stdout if finding.repaired else self.stderr).write(str(finding))
        remaining = sum(not finding.repaired for finding in findings)
        repaired = len(findings) - remaining
        if remaining:
            raise CommandError(f"{remaining} problem(s) found ({repaired} repaired).")
        self.stdout.write(self.style.SUCCESS(f"No problems remain ({repaired} repaired)."))
