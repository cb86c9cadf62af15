# Staff takedowns of library entries: who, when, why; never active while taken down.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("flows", "0003_tree_version"),
        ("steplibrary", "0014_section_filter_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="librarystep",
            name="takedown_reason",
            field=models.CharField(blank=True, db_default="", default="", max_length=500),
        ),
        migrations.AddField(
            model_name="librarystep",
            name="taken_down_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="librarystep",
            name="taken_down_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="update",
            name="reason",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.AlterField(
            model_name="update",
            name="kind",
            field=models.CharField(
                choices=[
                    ("source_changed", "Source changed"),
                    ("source_retired", "Source retired"),
                    ("taken_down", "Taken down by support staff"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="librarystep",
            constraint=models.CheckConstraint(
                condition=models.Q(("taken_down_at__isnull", True), ("is_active", False), _connector="OR"),
                name="librarystep_taken_down_inactive",
            ),
        ),
    ]
