"""Updates keep the entry's title and the source flow instead of a finished sentence: the
text is composed when read, naming the flow only to readers who may open it then."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill_from_entries(apps, schema_editor):
    """The stored sentences named the flow for everyone; keep only what each one was about."""
    Update = apps.get_model("steplibrary", "Update")
    LibraryStep = apps.get_model("steplibrary", "LibraryStep")
    entry = LibraryStep.objects.filter(pk=OuterRef("source_step_id"))
    Update.objects.update(
        step_title=Subquery(entry.values("title")[:1]),
        source_tree_id=Subquery(entry.values("source_tree_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("flows", "0003_tree_version"),
        ("steplibrary", "0010_revision_visibility"),
    ]

    operations = [
        migrations.AddField(
            model_name="update",
            name="source_tree",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="flows.tree",
            ),
        ),
        migrations.AddField(
            model_name="update",
            name="step_title",
            field=models.CharField(default="", max_length=255),
        ),
        migrations.RunPython(backfill_from_entries, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="update", name="message"),
    ]
