"""Commands that need no database start without Django's app loading or the engines' heavy imports
(issue 17, point 3): what is imported is checked, not how long it takes (the time, about 0.1 s of
CPU, is a benchmark figure)."""

import subprocess
import sys

import pytest

from kechuang.cli import offline_module

SCRIPT = """
import sys
from django.apps import apps
from kechuang import cli
try:
    cli.main({args!r})
except SystemExit:
    pass
heavy = [m for m in ("polars", "numpy", "jieba", "ortools", "kechuang.enterprises.models") if m in sys.modules]
print("loaded:", apps.ready, heavy, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["policies", "evaluate", "--help"], ["experts", "assign", "--help"], ["match", "search", "--help"]],
)
def test_help_of_offline_commands_loads_no_apps_and_no_engine(args):
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(args=args)], capture_output=True, text=True)
    assert "usage: kechuang " + " ".join(args[:2]) in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "loaded: False []"


def test_only_offline_commands_skip_django_setup():
    assert offline_module(["policies", "evaluate", "f.csv"]) is not None
    assert offline_module(["facts", "import", "f.csv"]) is None  # needs the database
    assert offline_module(["policies"]) is None
