"""Every write to the policy tables renews the "policies" data version (kechuang.core.summaries), so the
cached coverage counts and 兑现率 are recounted after a policy run, a publication or a case's step."""

from django.db import migrations

from kechuang.core.summaries import install_triggers

TABLES = {
    "policies_policy": "policies",
    "policies_policyversion": "policies",
    "policies_policyresult": "policies",
    "policies_policycase": "policies",
}


def forwards(apps, schema_editor):
    install_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    install_triggers(schema_editor, TABLES, reverse=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_data_version"),
        ("policies", "0002_policy_code_per_jurisdiction"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
