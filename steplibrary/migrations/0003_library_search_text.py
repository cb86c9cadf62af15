"""Adds the derived search text and fills it for existing entries."""

from django.db import migrations, models


def fill_search_text(apps, schema_editor):
    from steplibrary.models import build_search_text

    LibraryStep = apps.get_model("steplibrary", "LibraryStep")
    batch = []
    for step in LibraryStep.objects.only("id", "title", "content").iterator(chunk_size=2000):
        step.search_text = build_search_text(step.title, step.content)
        batch.append(step)
        if len(batch) == 2000:
            LibraryStep.objects.bulk_update(batch, ["search_text"])
            batch = []
    LibraryStep.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("steplibrary", "0002_support_staff_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="librarystep",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
