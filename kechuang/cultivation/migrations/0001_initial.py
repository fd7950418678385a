# The app's first migration is empty on purpose: the ladder's and the evaluation's models were built in
# parallel and each starts from here.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations: list = []
