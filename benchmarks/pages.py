"""Enterprise list page latency at 100,000 enterprises.

    .venv/bin/python benchmarks/pages.py --pg          # PostgreSQL (the target: p95 < 200 ms)
    .venv/bin/python benchmarks/pages.py               # embedded SQLite
    .venv/bin/python benchmarks/pages.py --enterprises 20000 --requests 50

Loads N enterprises with three years of facts and their labels into a throwaway database, then
requests the list page through Django's test client (whole middleware, query and template stack;
no network) as a city officer and as a district officer, with each filter the page offers, and
prints p50/p95/max per scenario.
"""

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._django import drop_pg, percentile, setup, stage


def load(n: int, seed: int) -> None:
    from kechuang.core.models import District, Organisation, Role, User
    from kechuang.core.uscc import check_character
    from kechuang.enterprises.models import Enterprise, YearlyFacts
    from kechuang.enterprises.services import recompute_labels

    rng = random.Random(seed)
    districts = [
        District.objects.create(code=code, name=name)
        for code, name in [("370302", "淄川区"), ("370303", "张店区"), ("370304", "博山区"), ("370305", "临淄区"),
                           ("370306", "周村区"), ("370321", "桓台县"), ("370322", "高青县"), ("370323", "沂源县")]
    ]  # fmt: skip
    words = ["华信", "鲁中", "齐鲁", "金晶", "新华", "泰宝", "东岳", "瑞丰", "宏达", "海泰", "博远", "恒通"]
    trades = ["化工", "新材料", "陶瓷", "机械", "医药", "电子", "软件", "环保", "精密制造", "生物"]
    industries = ["C2614", "C3071", "C3511", "C2720", "C3985", "I6513", "M7320", "C3360", "F5179", "C2929"]
    with stage(f"load {n:,} enterprises"):
        orgs = []
        for i in range(n):
            d = districts[i % len(districts)]
            body = f"91{d.code}MA{i:07d}"
            name = f"淄博{rng.choice(words)}{rng.choice(trades)}{i}有限公司"
            orgs.append(
                Organisation(name=name, uscc=body + check_character(body), kind="enterprise", district=d)
            )
        orgs = Organisation.objects.bulk_create(orgs, batch_size=5000)
        Enterprise.objects.bulk_create(
            [Enterprise(organisation=o, industry_code=rng.choice(industries)) for o in orgs], batch_size=5000
        )
        facts = []
        for o in orgs:
            revenue = Decimal(int(rng.lognormvariate(16.5, 1.3)))
            for year in (2023, 2024, 2025):
                revenue = (revenue * Decimal(str(round(rng.uniform(0.85, 1.3), 2)))).quantize(Decimal(1))
                rd = (revenue * Decimal(str(round(rng.uniform(0, 0.08), 3)))).quantize(Decimal(1))
                facts.append(YearlyFacts(enterprise_id=o.pk, year=year, revenue=revenue, rd_expense=rd,
                                         total_costs=revenue, employees=rng.randint(5, 800)))  # fmt: skip
        YearlyFacts.objects.bulk_create(facts, batch_size=5000)
    with stage("recompute labels"):
        recompute_labels()
    from django.db import connection

    with (
        stage("VACUUM/ANALYZE (the steady state autovacuum reaches after a bulk load)"),
        connection.cursor() as c,
    ):
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    User.objects.create(username="bench_city", role=Role.BUREAU_STAFF)
    User.objects.create(username="bench_district", role=Role.DISTRICT_STAFF, district=districts[1])


def measure(requests: int) -> None:
    from django.db import connection
    from django.test import Client

    from kechuang.core.models import User

    scenarios = [
        ("city: first page", "bench_city", {}),
        ("city: deep page 1000", "bench_city", {"page": "1000"}),
        ("city: name search", "bench_city", {"q": "鲁中化工"}),
        ("city: USCC search", "bench_city", {"q": "91370303MA0000011"}),
        ("city: district + industry", "bench_city", {"district": "4", "industry": "C"}),
        ("city: label + year", "bench_city", {"label": "above_scale", "year": "2025"}),
        ("district: first page", "bench_district", {}),
        ("district: label + year", "bench_district", {"label": "rd_active", "year": "2024"}),
    ]
    uscc = User.objects.get(username="bench_city")  # warm the connection
    del uscc
    print(f"\n{'scenario':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for label, username, params in scenarios:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        client.get("/enterprises/", params)  # warm caches once
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get("/enterprises/", params)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        p95 = percentile(timings, 95)
        worst = max(worst, p95)
        print(f"{label:32} {percentile(timings, 50):8.1f} {p95:8.1f} {max(timings):8.1f}")
    print(f"\nworst p95: {worst:.1f} ms on {connection.vendor} (target < 200 ms on PostgreSQL)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", action="store_true", help="use a throwaway PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database for EXPLAIN")
    args = parser.parse_args()
    where = setup()
    print(f"database: {where}")
    try:
        load(args.enterprises, args.seed)
        measure(args.requests)
    finally:
        if not args.keep:
            drop_pg()


if __name__ == "__main__":
    main()
