"""Conflict-of-interest benchmark: a whole round, 5,000 applications × 10,000 experts (target < 30 s).

Run: python benchmarks/conflicts.py [--apps 5000 --experts 10000]

Synthetic round: 3,000 organisations, 20 districts, 60,000 persons (the experts are persons too),
4–8 team members per application (the principal investigator first), 300,000 collaboration edges
over ten years (conflict window: the last three), 2,000 declared conflicts, and half of the calls
requiring experts from another district.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kechuang.engines.assignment import ConflictInputs, compute_conflicts


def synthetic_round(n_apps: int, n_experts: int, seed: int = 0) -> ConflictInputs:
    rng = np.random.default_rng(seed)
    n_orgs, n_districts, n_persons = 3000, 20, 60_000
    team_size = rng.integers(4, 9, n_apps)
    member_app = np.repeat(np.arange(n_apps), team_size)
    member_person = rng.integers(0, n_persons, len(member_app))
    member_org = rng.integers(0, n_orgs, len(member_app))
    first = np.r_[0, np.cumsum(team_size)[:-1]]
    n_edges = 300_000
    return ConflictInputs(
        app_org=member_org[first],
        app_district=rng.integers(0, n_districts, n_apps),
        district_rule=rng.random(n_apps) < 0.5,
        member_app=member_app,
        member_person=member_person,
        member_org=member_org,
        expert_org=rng.integers(0, n_orgs, n_experts),
        expert_district=rng.integers(0, n_districts, n_experts),
        expert_person=rng.choice(n_persons, n_experts, replace=False),
        collab_a=rng.integers(0, n_persons, n_edges),
        collab_b=rng.integers(0, n_persons, n_edges),
        collab_year=rng.integers(2016, 2026, n_edges),
        since_year=2023,
        declared_app=rng.integers(0, n_apps, 2000),
        declared_expert=rng.integers(0, n_experts, 2000),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=5000)
    ap.add_argument("--experts", type=int, default=10000)
    args = ap.parse_args()
    inp = synthetic_round(args.apps, args.experts)
    compute_conflicts(synthetic_round(50, 100))  # warm-up (imports, allocator)
    times = []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        cs = compute_conflicts(inp)
        times.append((time.perf_counter() - t, time.process_time() - c))
    wall, cpu = min(times)
    print(
        f"{args.apps:,} applications × {args.experts:,} experts ({len(inp.member_app):,} team members, "
        f"{len(inp.collab_a):,} collaboration edges): {len(cs):,} conflicted pairs in {wall:.2f}s wall / "
        f"{cpu:.2f}s CPU (best of 3; target < 30 s)"
    )
    for code, count in cs.count_by_reason().items():
        print(f"   {code}: {count:,}")


if __name__ == "__main__":
    main()
