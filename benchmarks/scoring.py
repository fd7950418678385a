"""Enterprise evaluation at 100,000 enterprises (issue 14, point 9).

    .venv/bin/python benchmarks/scoring.py                 # engine, then the database part on SQLite
    .venv/bin/python benchmarks/scoring.py --pg            # the database part on a throwaway PostgreSQL
    .venv/bin/python benchmarks/scoring.py --engine-only   # the engine alone (no database)
    .venv/bin/python benchmarks/scoring.py --enterprises 20000 --requests 50

1. Engine: one system of 20 indicators over N enterprises (1 % of the values missing, a quarter of the
   criteria costs): entropy and CRITIC weights, their combination with expert weights, TOPSIS, grey
   relational analysis and the ranking. Target: weights + TOPSIS < 2 s at 100,000.
2. Database: N enterprises with two years of facts in a generated registry; ``kechuang evaluate run`` of a
   20-indicator system (one query of facts, the engine, ranks in city/district/industry, storing every
   score); then the enterprise profile page with its portrait through Django's test client as a city
   officer and as the enterprise itself: p50/p95/max. Target: p95 < 200 ms.
"""

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._django import drop_pg, percentile, setup, stage


def engine(n: int, seed: int) -> None:
    from kechuang.engines import scoring

    rng = np.random.default_rng(seed)
    m = rng.lognormal(2.0, 1.0, size=(n, 20))
    m[rng.random(m.shape) < 0.01] = np.nan
    benefit = np.arange(20) % 4 != 3
    expert = rng.uniform(1, 10, 20)
    print(f"engine: {n:,} alternatives × 20 criteria")
    times = {}

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        times[label] = time.perf_counter() - t0
        print(f"  {label:24} {times[label] * 1000:8.1f} ms")
        return out

    entropy = timed(
        "entropy weights", lambda: scoring.entropy_weights(scoring.normalise(m, benefit, "minmax"))
    )
    timed("CRITIC weights", lambda: scoring.critic_weights(m, benefit))
    w = scoring.combine_weights(scoring.expert_weights(expert), entropy)
    s = timed("TOPSIS (vector)", lambda: scoring.topsis(m, w, benefit, "vector"))
    timed("grey relational", lambda: scoring.grey_relational(m, w, benefit))
    timed("rank", lambda: scoring.rank(s))
    total = times["entropy weights"] + times["CRITIC weights"] + times["TOPSIS (vector)"] + times["rank"]
    print(f"  weights (entropy + CRITIC) + TOPSIS + rank: {total:.2f} s (target < 2 s)\n")


def load(n: int, seed: int):
    from kechuang.core.models import District, Organisation, Role, User
    from kechuang.core.uscc import check_character
    from kechuang.enterprises.models import Enterprise, YearlyFacts

    rng = random.Random(seed)
    districts = [
        District.objects.create(code=code, name=name)
        for code, name in [("370302", "淄川区"), ("370303", "张店区"), ("370304", "博山区"), ("370305", "临淄区"),
                           ("370306", "周村区"), ("370321", "桓台县"), ("370322", "高青县"), ("370323", "沂源县")]
    ]  # fmt: skip
    industries = ["C2614", "C3071", "C3511", "C2720", "C3985", "I6513", "M7320", "C3360", "F5179", "C2929"]
    with stage(f"load {n:,} enterprises with two years of facts"):
        orgs = []
        for i in range(n):
            d = districts[i % len(districts)]
            body = f"91{d.code}MA{i:07d}"
            orgs.append(
                Organisation(
                    name=f"淄博测评{i}有限公司",
                    uscc=body + check_character(body),
                    kind="enterprise",
                    district=d,
                )
            )
        orgs = Organisation.objects.bulk_create(orgs, batch_size=5000)
        Enterprise.objects.bulk_create(
            [Enterprise(organisation=o, industry_code=rng.choice(industries)) for o in orgs], batch_size=5000
        )
        facts = []
        for o in orgs:
            revenue = Decimal(int(rng.lognormvariate(16.5, 1.3)))
            staff = rng.randint(5, 800)
            for year in (2024, 2025):
                revenue = (revenue * Decimal(str(round(rng.uniform(0.85, 1.3), 2)))).quantize(Decimal(1))
                rd = (revenue * Decimal(str(round(rng.uniform(0, 0.08), 3)))).quantize(Decimal(1))
                facts.append(YearlyFacts(
                    enterprise_id=o.pk, year=year, revenue=revenue, rd_expense=rd, employees=staff,
                    rd_staff=rng.randint(0, staff // 3), st_staff=rng.randint(0, staff // 2),
                    high_tech_revenue=(revenue * Decimal(str(round(rng.uniform(0, 0.9), 2)))).quantize(Decimal(1)),
                    invention_patents=rng.randint(0, 30), class1_ip=rng.randint(0, 10), transfers=rng.randint(0, 5),
                    net_profit=(revenue * Decimal(str(round(rng.uniform(-0.05, 0.15), 3)))).quantize(Decimal(1)),
                    total_assets=revenue * 2, high_tech_cert_valid=rng.random() < 0.3,
                ))  # fmt: skip
        YearlyFacts.objects.bulk_create(facts, batch_size=5000)
    from django.db import connection

    with stage("ANALYZE"), connection.cursor() as c:
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    User.objects.create(username="bench_city", role=Role.BUREAU_STAFF)
    User.objects.create(username="bench_ent", role=Role.ENTERPRISE, organisation=orgs[n // 2])
    return orgs


def evaluate(orgs) -> None:
    from kechuang.cultivation.services_evaluation import formulas, scoring, systems

    codes = list(formulas.FORMULAS)
    rows = [
        {
            "group": "",
            "formula": codes[k % len(codes)],
            "name": f"指标{k + 1}",
            "benefit": k % 4 != 3,
            "weight": 1 + k % 5,
        }
        for k in range(20)
    ]
    system = systems.save_version(
        None, code="bench20", rows=rows, name="二十项指标", weight_method="combined", composite_method="topsis",
        normalisation="vector", subjective_share=Decimal("0.5"),
    )  # fmt: skip
    for year in (2024, 2025):
        start = time.perf_counter()
        run = scoring.run(system, year)
        print(f"  evaluate run, 20 indicators, {year}: {run.scored:,} enterprises scored and stored in "
              f"{time.perf_counter() - start:.2f} s")  # fmt: skip


def measure(orgs, requests: int) -> None:
    from django.db import connection
    from django.test import Client

    from kechuang.core.models import User

    ent = User.objects.get(username="bench_ent").organisation_id
    rng = random.Random(7)
    print(f"\n{'profile page with portrait':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for label, username, pick in [
        ("city officer, random enterprises", "bench_city", lambda: rng.choice(orgs).pk),
        ("the enterprise itself", "bench_ent", lambda: ent),
    ]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        client.get(f"/enterprises/{pick()}/")
        timings = []
        for _ in range(requests):
            url = f"/enterprises/{pick()}/"
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
            assert b'data-testid="portrait"' in response.content
        p95 = percentile(timings, 95)
        worst = max(worst, p95)
        print(f"{label:36} {percentile(timings, 50):8.1f} {p95:8.1f} {max(timings):8.1f}")
    print(f"\nworst p95: {worst:.1f} ms on {connection.vendor} (target < 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", action="store_true", help="use a throwaway PostgreSQL database")
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args()
    engine(args.enterprises, args.seed)
    if args.engine_only:
        return
    where = setup()
    print(f"database: {where}")
    try:
        orgs = load(args.enterprises, args.seed)
        evaluate(orgs)
        measure(orgs, args.requests)
    finally:
        drop_pg()


if __name__ == "__main__":
    main()
