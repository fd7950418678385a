"""How long scoring a year's platform reports takes (the numeric part of ``reports.evaluate``: the
figures matrix, min-max normalisation and weighted sum of kechuang.engines.scoring), for a city's
worth of reports and for a province's. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/platforms_evaluation.py
"""

import os
import sys
import time
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")

import django

django.setup()

from kechuang.platforms.reports import score_matrix  # noqa: E402

CODES = ["rd_expense_yuan", "staff", "invention_patents", "projects", "transfers", "services"]
WEIGHTS = [25, 15, 20, 15, 15, 10]


def main() -> None:
    rng = np.random.default_rng(7)
    system = [SimpleNamespace(code=c, benefit=True, weight=w) for c, w in zip(CODES, WEIGHTS, strict=True)]
    print(f"{'reports':>8} {'seconds':>9} {'reports/s':>11}")
    for n in (1_000, 10_000, 50_000):
        reports = [
            SimpleNamespace(
                figures={c: str(int(v)) for c, v in zip(CODES, rng.gamma(2, 50, len(CODES)), strict=True)}
            )
            for _ in range(n)
        ]
        started = time.perf_counter()
        scores = score_matrix(reports, system)
        elapsed = time.perf_counter() - started
        assert len(scores) == n
        print(f"{n:>8} {elapsed:>9.3f} {n / elapsed:>11,.0f}")


if __name__ == "__main__":
    main()
