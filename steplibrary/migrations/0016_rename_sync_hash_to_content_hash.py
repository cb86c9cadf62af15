from django.db import migrations


class Migration(migrations.Migration):
    """An entry's hash of its versioned fields has the same name as a revision's: content_hash."""

    dependencies = [
        ("steplibrary", "0015_takedown"),
    ]

    operations = [
        migrations.RenameField(model_name="librarystep", old_name="sync_hash", new_name="content_hash"),
    ]
