"""Indicators at city scale: recomputing every registered rule, and the cockpit page.

    .venv/bin/python benchmarks/indicators.py --pg --enterprises 100000
    .venv/bin/python benchmarks/indicators.py --enterprises 20000          (SQLite)
    DATABASE_URL=postgres://…/kechuang_bench_N .venv/bin/python benchmarks/indicators.py --keep   (again on a kept one)

Builds a throwaway database (a new PostgreSQL database with --pg, dropped at the end) holding N
enterprises across the demo city's 11 districts and zones with 3 years of facts and their derived
labels, then prints: the time to recompute every computed indicator for all years (target < 10 s at
100,000 × 3 on PostgreSQL), and the cockpit page's p50/p95 for a leader and a district user over
repeated requests through Django's test client (target p95 < 300 ms).
"""

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._django import drop_pg, percentile, setup, stage

YEARS = [2023, 2024, 2025]


def build(n: int) -> None:
    import numpy as np
    from django.db import transaction

    from kechuang.core.models import District, Organisation
    from kechuang.enterprises import demo
    from kechuang.enterprises.models import Enterprise, YearlyFacts
    from kechuang.enterprises.services import recompute_labels

    if Enterprise.objects.count() >= n:
        print(f"  (the database already holds {n:,} enterprises: reused)")
        return
    rng = np.random.default_rng(2026)
    districts = [
        District.objects.create(code=d["code"], name=d["name"], kind=d["kind"], order=d["order"])
        for d in demo.districts()
    ]
    weights = np.array([d.weight for d in demo.DISTRICTS])
    area = rng.choice(len(districts), size=n, p=weights / weights.sum())
    industries = np.array(["C3976", "C2614", "C3311", "I6511", "M7320", "D4411"])
    industry = rng.choice(len(industries), size=n, p=[0.35, 0.2, 0.15, 0.15, 0.1, 0.05])
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"基准企业{i:06d}", kind=Organisation.Kind.ENTERPRISE, district=districts[area[i]]
                )
                for i in range(n)
            ],
            batch_size=5000,
        )
        Enterprise.objects.bulk_create(
            [Enterprise(organisation=o, industry_code=industries[industry[i]]) for i, o in enumerate(orgs)],
            batch_size=5000,
        )
        base = rng.lognormal(mean=17, sigma=1.2, size=n)  # revenue in yuan, median ≈ 24 M
        for k, year in enumerate(YEARS):
            revenue = base * (1.06**k) * rng.uniform(0.9, 1.1, size=n)
            rd = revenue * rng.uniform(0, 0.06, size=n) * (rng.random(n) > 0.3)
            ht = revenue * rng.uniform(0, 0.8, size=n)
            unknown_rd = rng.random(n) < 0.05
            unknown_ht = rng.random(n) < 0.1
            cert = rng.random(n)
            YearlyFacts.objects.bulk_create(
                [
                    YearlyFacts(
                        enterprise_id=o.pk,
                        year=year,
                        revenue=Decimal(int(revenue[i])),
                        rd_expense=None if unknown_rd[i] else Decimal(int(rd[i])),
                        high_tech_revenue=None if unknown_ht[i] else Decimal(int(ht[i])),
                        high_tech_cert_valid=None if cert[i] < 0.05 else bool(cert[i] > 0.8),
                    )
                    for i, o in enumerate(orgs)
                ],
                batch_size=5000,
            )
    recompute_labels()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--pg", action="store_true", help="on a new PostgreSQL database")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database (to run again on it)"
    )
    args = parser.parse_args()
    where = setup()
    try:
        print(f"database: {where}", flush=True)
        with stage(f"build {args.enterprises:,} enterprises × {len(YEARS)} years with labels"):
            build(args.enterprises)
        from django.db import connection
        from django.test import Client

        from kechuang.core.models import District, Role, User
        from kechuang.indicators.models import Actual, Indicator, Target
        from kechuang.indicators.services import compute, definitions

        definitions.sync_indicators()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            run = compute.recompute(years=YEARS)
            timings.append(time.perf_counter() - started)
        print(
            f"recompute every rule ({run.total} rules × {len(YEARS)} years, {run.rows} actuals written): "
            f"best {min(timings):.2f} s, worst {max(timings):.2f} s  (target < 10 s)",
            flush=True,
        )
        ind = Indicator.objects.get(code="high_tech_count")
        city = Actual.objects.get(indicator=ind, year=YEARS[-1], district=None).value
        Target.objects.update_or_create(
            indicator=ind,
            year=YEARS[-1],
            district=None,
            kind="target",
            defaults={"value": int(city * Decimal("1.02"))},
        )
        leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"role": Role.LEADER})
        district, _ = User.objects.get_or_create(
            username="bench_district",
            defaults={"role": Role.DISTRICT_STAFF, "district": District.objects.get(name="张店区")},
        )
        for user in (leader, district):
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            for _ in range(5):  # warm-up
                assert client.get("/indicators/").status_code == 200
            times = []
            for k in range(args.requests):
                started = time.perf_counter()
                response = client.get(
                    "/indicators/", {"indicator": ["high_tech_count", "rd_active_share"][k % 2]}
                )
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(
                f"cockpit /indicators/ as {user.get_role_display()}: p50 {percentile(times, 50):.0f} ms, "
                f"p95 {percentile(times, 95):.0f} ms over {len(times)} requests  (target p95 < 300 ms)",
                flush=True,
            )
    finally:
        if not args.keep:
            drop_pg()


if __name__ == "__main__":
    main()
