"""Benchmark of the policy rules engine (kechuang/engines/rules).

Prints, for N synthetic enterprises with three fiscal years each (about 5 % of facts blank):
the time to align the facts by reference year, to evaluate every built-in policy with
per-condition results, and to build the result table (uscc, policy, status, score, failed,
missing); then the time of one enterprise with a full trace through the exact evaluator.

    .venv/bin/python benchmarks/rules.py            # 1,000,000 enterprises
    .venv/bin/python benchmarks/rules.py --n 100000
    .venv/bin/python benchmarks/rules.py --shuffle  # input rows not sorted by (uscc, year)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

from kechuang.engines.rules import FactsTable, evaluate, evaluate_bulk, load_policies_dir, required_facts

BUILTIN = Path(__file__).resolve().parents[1] / "kechuang" / "policies" / "builtin"
ON = dt.date(2025, 6, 30)
YEARS = (2022, 2023, 2024)
INDUSTRIES = ["C3976", "I6513", "F5123", "C1610", "M7320", "H6110", "K7010", "R9011", "C3914", "L7212"]


def synthetic(n: int, seed: int = 7) -> pl.DataFrame:
    """Long frame: n enterprises x 3 years, money in yuan (Int64), ~5 % blanks per fact."""
    rng = np.random.default_rng(seed)
    m = n * len(YEARS)
    ent = np.repeat(np.arange(n), len(YEARS))
    year = np.tile(np.array(YEARS), n)
    revenue = np.repeat(rng.lognormal(17.5, 1.3, n), len(YEARS)) * rng.uniform(0.7, 1.4, m)
    employees = rng.integers(5, 900, m)

    def col(values, dtype, p=0.05):
        mask = rng.random(m) < p
        return pl.Series(values, dtype=dtype).scatter(np.flatnonzero(mask), None)

    reg = np.repeat(rng.integers(0, 365 * 25, n), len(YEARS)).astype("timedelta64[D]") + np.datetime64(
        "1998-01-01"
    )
    rd = revenue * rng.uniform(0.0, 0.09, m)
    return pl.DataFrame(
        {
            "uscc": pl.Series([f"E{i:09d}" for i in range(n)]).gather(ent),
            "year": year,
            "registered_on": col(reg, pl.Date, 0.01),
            "industry_code": col(np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), m)], pl.Utf8, 0.01),
            "employees": col(employees, pl.Int64),
            "st_staff": col((employees * rng.uniform(0, 0.4, m)).astype(np.int64), pl.Int64),
            "rd_staff": col((employees * rng.uniform(0, 0.3, m)).astype(np.int64), pl.Int64),
            "revenue": col(revenue.astype(np.int64), pl.Int64),
            "total_assets": col((revenue * rng.uniform(0.5, 2, m)).astype(np.int64), pl.Int64),
            "total_costs": col((revenue * rng.uniform(0.6, 1.0, m)).astype(np.int64), pl.Int64),
            "rd_expense": col(rd.astype(np.int64), pl.Int64),
            "domestic_rd_expense": col((rd * rng.uniform(0.4, 1, m)).astype(np.int64), pl.Int64),
            "high_tech_revenue": col((revenue * rng.uniform(0.2, 1, m)).astype(np.int64), pl.Int64),
            "invention_patents": col(rng.poisson(0.8, m), pl.Int64),
            "class1_ip": col(rng.poisson(0.5, m), pl.Int64),
            "class2_ip": col(rng.poisson(2, m), pl.Int64),
            "in_key_field": col(rng.random(m) < 0.7, pl.Boolean),
            "innovation_score": col(rng.integers(40, 100, m), pl.Int64),
            "major_incident": col(rng.random(m) < 0.02, pl.Boolean),
            "dishonest": col(rng.random(m) < 0.01, pl.Boolean),
            "high_tech_cert_valid": col(rng.random(m) < 0.2, pl.Boolean),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--shuffle", action="store_true", help="rows in random order (adds the sort)")
    args = ap.parse_args()
    policies = [p for p in load_policies_dir(BUILTIN) if p.in_force(ON)]
    depth = max(p.lookback for p in policies)
    conditions = sum(len(p.conditions) for p in policies)
    print(f"policies: {', '.join(p.code for p in policies)} ({conditions} conditions), evaluated on {ON}")
    t0 = time.perf_counter()
    frame = synthetic(args.n)
    print(f"generated {args.n:,} enterprises x {len(YEARS)} years ({frame.height:,} rows) "
          f"in {time.perf_counter() - t0:.2f} s (not counted)")  # fmt: skip

    if args.shuffle:
        frame = frame.sample(fraction=1.0, shuffle=True, seed=1)
    c0 = time.process_time()
    t0 = time.perf_counter()
    table = FactsTable.from_frame(frame, ON, depth=depth, facts=required_facts(policies))
    t1, c1 = time.perf_counter(), time.process_time()
    result = evaluate_bulk(policies, table)
    t2, c2 = time.perf_counter(), time.process_time()
    out = result.to_frame()
    t3, c3 = time.perf_counter(), time.process_time()
    cpu = c3 - c0
    print(f"align facts by reference year : {t1 - t0:6.2f} s  (CPU {c1 - c0:.2f} s)")
    print(
        f"evaluate {len(policies)} policies          : {t2 - t1:6.2f} s  (CPU {c2 - c1:.2f} s; "
        f"{conditions} per-condition statuses, gaps and missing facts)"
    )
    print(f"result table ({out.height:,} rows)  : {t3 - t2:6.2f} s  (CPU {c3 - c2:.2f} s)")
    print(f"TOTAL bulk, {args.n:,} enterprises : {t3 - t0:6.2f} s  (CPU {cpu:.2f} s; target < 10 s)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    counts = out.group_by("policy", "status").len().sort("policy", "status")
    for row in counts.iter_rows():
        print(f"    {row[0]:<20} {row[1]:<11} {row[2]:>9,}")

    # one enterprise, exact path, full trace
    sample = frame.filter(pl.col("uscc") == frame["uscc"][0]).to_dicts()
    times = []
    for _ in range(50):
        s = time.perf_counter()
        results = [evaluate(p, sample, ON, trace=True) for p in policies]
        times.append(time.perf_counter() - s)
    steps = sum(len(c.trace) for r in results for c in r.conditions)
    print(
        f"single enterprise, all {len(policies)} policies, full trace ({steps} steps): "
        f"median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms (target < 50 ms)"
    )


if __name__ == "__main__":
    main()
