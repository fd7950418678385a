# Joins the migrations built in parallel.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0006_milestone_reported"),
        ("programs", "0006_programme_kind_recognition"),
    ]

    operations = []
