"""DRF's plain-text tokens are replaced by django-rest-knox's hashed ones.

A stored plain key cannot be turned into a hash the client does not know, so the old
tokens are dropped, not converted: every client signs in again (README says so). The
migration removes what `rest_framework.authtoken` left behind, so that a later install
of it would start clean. Not reversible in content: dropped keys are gone.
"""

from django.db import migrations

_AUTHTOKEN_LABEL = "authtoken"


def forget_authtoken_app(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # Deleting the content types cascades to their permissions (and permission links).
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label=_AUTHTOKEN_LABEL).delete()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", [_AUTHTOKEN_LABEL])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(forget_authtoken_app, migrations.RunPython.noop),
    ]
