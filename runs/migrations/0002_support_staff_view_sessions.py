"""Lets the "Support staff" group read sessions in admin (they never change them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Support staff"
MODELS = ["session", "sessionevent", "adhocstep", "participant"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("runs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="runs", codename__in=[f"view_{model}" for model in MODELS]
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="runs"))


class Migration(migrations.Migration):
    dependencies = [
        ("runs", "0001_sessions"),
        ("steplibrary", "0002_support_staff_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
