import importlib

import pytest


@pytest.fixture(autouse=True)
def _evaluation_system(db):
    """The seeded evaluation system and bands (a data migration), also when tests run --nomigrations."""
    from django.apps import apps

    from kechuang.platforms.models import GradeBand

    if not GradeBand.objects.exists():
        importlib.import_module("kechuang.platforms.migrations.0002_seed_evaluation_system").seed(apps, None)
