"""Every write to the registry's tables renews the "facts" data version (kechuang.core.summaries), so the
cached city and district figures are recounted after an import, an edit or a label recomputation."""

from django.db import migrations

from kechuang.core.summaries import install_triggers

TABLES = {
    "core_organisation": "facts",  # an enterprise's district lives on its organisation
    "enterprises_enterprise": "facts",
    "enterprises_yearlyfacts": "facts",
    "enterprises_derivedlabel": "facts",
}


def forwards(apps, schema_editor):
    install_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    install_triggers(schema_editor, TABLES, reverse=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_data_version"),
        ("enterprises", "0002_label_filter_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
