# Joins the migrations built in parallel.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cultivation", "0002_evaluation"),
        ("cultivation", "0002_ladder"),
    ]

    operations = []
