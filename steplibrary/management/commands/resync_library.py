"""Re-syncs published, active flows into the step library (backfill after a deploy)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.library import SyncResult
from flows.models import Tree, TreeStatus
from flows.tree_structure import TreeStructureError
from steplibrary.sync import steps_plan_sync_from_tree, steps_sync_from_tree


class Command(BaseCommand):
    help = "Re-sync published, active flows into the step library (all, or one with --tree)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tree", help="id of the one flow to re-sync")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    def handle(self, *args, tree: str | None, dry_run: bool, **options) -> None:
        trees = Tree.objects.filter(status=TreeStatus.PUBLISHED, is_active=True).order_by("pk")
        if tree:
            try:
                trees = trees.filter(pk=tree)
                if not trees.exists():
                    raise CommandError(f"No published, active flow with id {tree}.")
            except ValidationError:
                raise CommandError(f"{tree!r} is not a flow id.") from None
        total = trees.count()
        totals, failures = SyncResult(), 0
        sync = steps_plan_sync_from_tree if dry_run else steps_sync_from_tree
        for position, flow in enumerate(trees.iterator(chunk_size=200), start=1):
            try:
                result = sync(tree=flow)
            except TreeStructureError as error:
                failures += 1
                self.stderr.write(f"[{position}/{total}] {flow.name}: not synced: {error}")
                continue
            totals = SyncResult(
                **{key: getattr(totals, key) + value for key, value in result.as_dict().items()}
            )
            self.stdout.write(
                f"[{position}/{total}] {flow.name}: +{result.created} ~{result.updated} "
                f"={result.unchanged} -{result.deactivated}" + (f" held {result.held}" if result.held else "")
            )
        verb = "would sync" if dry_run else "synced"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {total - failures} of {total} flows: {totals.created} created, "
                f"{totals.updated} updated, {totals.unchanged} unchanged, "
                f"{totals.deactivated} deactivated, {totals.held} held (taken down by staff)"
            )
        )
        if failures:
            raise CommandError(f"{failures} flows could not be synced (see above).")
