"""Revisions record the entry's account and creator, so that history is shown only to people
who could see the entry when each version was recorded."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill_from_entries(apps, schema_editor):
    """Older revisions never recorded them: the entry's current account and creator are the
    best record there is (both rarely change; the visibility each revision recorded stands)."""
    StepRevision = apps.get_model("steplibrary", "StepRevision")
    LibraryStep = apps.get_model("steplibrary", "LibraryStep")
    entry = LibraryStep.objects.filter(pk=OuterRef("step_id"))
    StepRevision.objects.update(
        account_id=Subquery(entry.values("account_id")[:1]),
        owner_id=Subquery(entry.values("created_by_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("steplibrary", "0009_secret_allowance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="steprevision",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddField(
            model_name="steprevision",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill_from_entries, migrations.RunPython.noop, elidable=True),
    ]
