"""`Update` (the model) becomes `Notice`: "update" meant too many things in this code. The
table, its index and its permissions are renamed; every row stays. `/api/updates/` and the
Updates page keep their names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_permissions(apps, schema_editor, old="update", new="notice"):
    # RenameModel renames the content type, not the permissions of the model.
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="steplibrary", codename__endswith=f"_{old}"
    ):
        action = permission.codename.rsplit("_", 1)[0]
        permission.codename = f"{action}_{new}"
        permission.name = f"Can {action} {new}"
        permission.save(update_fields=["codename", "name"])


def rename_permissions_back(apps, schema_editor):
    rename_permissions(apps, schema_editor, old="notice", new="update")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("steplibrary", "0019_library_ordering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="Update", new_name="Notice"),
        migrations.RenameIndex(
            model_name="notice", new_name="notice_user_unread_idx", old_name="update_user_unread_idx"
        ),
        migrations.AlterField(
            model_name="notice",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notices",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(rename_permissions, rename_permissions_back),
    ]
