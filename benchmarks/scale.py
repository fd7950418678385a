"""Issue 17's province-scale targets, end to end through the ``kechuang`` command as an operator runs it.

Each line prints the figure, the target, whether it is met, and the machine's 1-minute load average
when it was taken (the benchmark machine is shared: a wall time under load includes waiting for a core,
so the child's CPU seconds are printed too). Peak memory is the child process's maximum resident size.

    .venv/bin/python benchmarks/scale.py                          # 1,000,000 enterprises × 3 years
    .venv/bin/python benchmarks/scale.py --enterprises 100000     # a smaller run
    .venv/bin/python benchmarks/scale.py --import-rows 1000000 --pg   # also `facts import` on PostgreSQL
    .venv/bin/python benchmarks/scale.py --peers                  # OpenFisca / openreview-matcher side by side

Targets: command start < 0.5 s; ``policies evaluate`` on 1 M enterprises × 3 years < 30 s and < 4 GB;
``facts import`` of 1 M rows on PostgreSQL < 5 min and < 4 GB; ``experts assign`` dense 911 × 2,435
(2.2 M score rows) < 3 s and 5,000 × 10,000 sparse < 2 s. ``match search`` against bm25s is measured by
benchmarks/textmatch_speed.py. The peers are never dependencies of the project: ``--peers`` uses them
only when they happen to be installed, and says so when they are not.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GB = 1024**3
# The template module reads settings (translations) when imported by the data generator.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def run(args: list[str], env: dict | None = None) -> tuple[float, float, int, int]:
    """(wall s, child CPU s, peak RSS bytes, exit code) of one ``python -m kechuang.cli …``."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "kechuang.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code:
        print(f"    (exit {code}: {stderr.strip().splitlines()[-1] if stderr.strip() else ''})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, code


def report(
    name: str, wall: float, cpu: float, rss: int | None, limit_s: float, limit_gb: float | None
) -> None:
    met = wall < limit_s and (limit_gb is None or rss is None or rss < limit_gb * GB)
    memory = f", peak {rss / GB:.2f} GB (target < {limit_gb} GB)" if limit_gb and rss else ""
    verdict = "met" if met else "NOT met"
    print(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU (target < {limit_s} s){memory} — {verdict} [{load()}]")


def section_start() -> None:
    for command in (["policies", "evaluate", "--help"], ["experts", "assign", "--help"]):
        runs = [run(command) for _ in range(5)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        report(f"start of `kechuang {' '.join(command)}` (median of 5)", wall, cpu, None, 0.5, None)


def section_evaluate(n: int, work: Path) -> None:
    from benchmarks.import_facts import csv_bytes, generate_rows

    started = time.perf_counter()
    header, rows = generate_rows(n * 3, 3)
    facts = work / "facts.csv"
    facts.write_bytes(csv_bytes(header, rows))
    del rows
    print(
        f"  (generated {n:,} enterprises × 3 years in {time.perf_counter() - started:.0f} s: {facts.stat().st_size / 2**20:.0f} MB)"
    )
    for out in ("result.parquet", "result.csv"):
        wall, cpu, rss, _ = run(
            ["policies", "evaluate", str(facts), "--on", "2025-06-30", "--out", str(work / out)]
        )
        report(
            f"policies evaluate, {n:,} enterprises × 3 years → {out}", wall, cpu, rss, 30 * n / 1_000_000, 4
        )


def _scores(path: Path, items: int, experts: int, per_item: int | None, seed: int) -> int:
    """A score file: dense (every pair) or sparse (``per_item`` experts per item)."""
    rng = np.random.default_rng(seed)
    n = 0
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        for i in range(items):
            chosen = range(experts) if per_item is None else rng.choice(experts, per_item, replace=False)
            scores = np.round(rng.random(len(chosen)), 4)
            writer.writerows((f"i{i}", f"e{e}", s) for e, s in zip(chosen, scores, strict=True))
            n += len(chosen)
    return n


def section_assign(work: Path) -> None:
    for items, experts, per_item, limit, max_load in ((911, 2435, None, 3, 3), (5000, 10000, 40, 2, 3)):
        scores = work / f"scores_{items}.csv"
        n = _scores(scores, items, experts, per_item, seed=items)
        wall, cpu, rss, _ = run(
            ["experts", "assign", "--scores", str(scores), "--per-item", "3", "--max-load", str(max_load),
             "--out", str(work / f"assign_{items}.csv")]
        )  # fmt: skip
        kind = "dense" if per_item is None else "sparse"
        report(
            f"experts assign, {kind} {items:,} × {experts:,} ({n:,} score rows)", wall, cpu, rss, limit, None
        )


def section_import(rows: int, work: Path) -> None:
    from benchmarks.import_facts import csv_bytes, generate_rows

    header, data = generate_rows(rows, 3)
    facts = work / "import.csv"
    facts.write_bytes(csv_bytes(header, data))
    del data
    env = {"KECHUANG_DATA_DIR": str(work / "var")}
    if "--pg" in sys.argv and "DATABASE_URL" not in os.environ:
        name = f"kechuang_scale_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True
        )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    run(["migrate", "-v", "0"], env)
    wall, cpu, rss, _ = run(["facts", "import", str(facts)], env)
    where = "PostgreSQL" if "DATABASE_URL" in {**os.environ, **env} else "SQLite"
    report(f"facts import, {rows:,} rows on {where}", wall, cpu, rss, 300 * rows / 1_000_000, 4)


def section_peers() -> None:
    for module, name in (("openfisca_core", "OpenFisca"), ("matcher", "openreview-matcher")):
        if importlib.util.find_spec(module) is None:
            print(
                f"{name}: not installed, skipped (pip install it beside the project to compare; it is not a dependency)"
            )
        else:
            print(f"{name}: installed, but the side-by-side run is not written yet (see the report)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument(
        "--import-rows", type=int, default=0, help="also time `facts import` of this many rows"
    )
    parser.add_argument("--pg", action="store_true", help="facts import on a new PostgreSQL database")
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated: start,evaluate,assign")
    opts = parser.parse_args()
    skip = set(filter(None, opts.skip.split(",")))
    print(f"benchmarks/scale.py on {os.cpu_count()} cores [{load()}]")
    with tempfile.TemporaryDirectory(prefix="kechuang-scale-") as tmp:
        work = Path(tmp)
        if "start" not in skip:
            section_start()
        if "evaluate" not in skip:
            section_evaluate(opts.enterprises, work)
        if "assign" not in skip:
            section_assign(work)
        if opts.import_rows:
            section_import(opts.import_rows, work)
        if opts.peers:
            section_peers()


if __name__ == "__main__":
    main()
