"""Support staff may delete flows in admin (the deletion retires the flow's library entries)."""

from django.db import migrations

GROUP_NAME = "Support staff"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    permission = Permission.objects.filter(content_type__app_label="flows", codename="delete_tree").first()
    if group is not None and permission is not None:
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    permission = Permission.objects.filter(content_type__app_label="flows", codename="delete_tree").first()
    if group is not None and permission is not None:
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("flows", "0004_flow_history_working_copy"),
        ("steplibrary", "0002_support_staff_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
