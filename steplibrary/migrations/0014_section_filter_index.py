"""An index on UPPER(content ->> 'group_label'), the expression the case-insensitive section
filter compares (steplibrary.filtersets.section_key), so filtering by section uses it."""

import django.db.models.fields.json
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("steplibrary", "0013_search_vector"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="librarystep",
            index=models.Index(
                django.db.models.functions.text.Upper(
                    django.db.models.fields.json.KeyTextTransform("group_label", "content")
                ),
                name="librarystep_section_upper_idx",
            ),
        ),
    ]
