"""Benchmark of the yearly-facts import: 100,000 valid rows, as .csv and as .xlsx, into a fresh database.

    .venv/bin/python benchmarks/import_facts.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_bench .venv/bin/python benchmarks/import_facts.py

With DATABASE_URL the database must be a throwaway one: the script migrates it and empties the
enterprise tables before each run. It prints, per format, the seconds spent parsing, validating,
writing (rows, history) and recomputing labels, the rows per second, and then imports the same file a
second time to show that nothing changes.

Options: --rows N (default 100000), --years Y (rows per enterprise, default 4; 1 gives N new
enterprises, the heaviest case), --formats csv,xlsx.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DISTRICTS = [("370302", "淄川区"), ("370303", "张店区"), ("370304", "博山区"), ("370305", "临淄区")]
INDUSTRIES = ["C3976", "C2614", "I6513", "M7320", "C3311", "D4411", "F5191", "C2710"]


def generate_rows(n_rows: int, years: int, seed: int = 2026) -> tuple[list[str], list[list]]:
    """``n_rows`` valid rows: ``n_rows // years`` enterprises with ``years`` consecutive years each.

    Values are consistent (R&D staff within employees, R&D expense within costs, ...) and about one cell in
    twelve is blank, as real district returns are.
    """
    from kechuang.core.uscc import check_character
    from kechuang.enterprises.template import COLUMNS

    rng = random.Random(seed)
    rows: list[list] = []
    n_ent = n_rows // years
    first_year = 2024 - years + 1
    for i in range(n_ent):
        code, dname = DISTRICTS[i % len(DISTRICTS)]
        body = f"91{code}MA{i:07d}"
        uscc = body + check_character(body)
        industry = INDUSTRIES[i % len(INDUSTRIES)]
        registered = f"{rng.randint(1995, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        for year in range(first_year, first_year + years):
            employees = rng.randint(10, 2000)
            revenue = Decimal(rng.randint(1_000_000, 900_000_000))
            costs = (revenue * Decimal("0.8")).quantize(Decimal("0.01"))
            rd = (costs * Decimal(rng.randint(0, 80)) / 1000).quantize(Decimal("0.01"))
            assets = revenue * 2
            values = {
                "uscc": uscc,
                "name": f"淄博{i}号科技有限公司",
                "district": dname if i % 2 else code,  # districts are given by name or by code
                "registered_on": registered,
                "industry_code": industry,
                "year": year,
                "employees": employees,
                "st_staff": employees // 3,
                "rd_staff": employees // 5,
                "revenue": revenue,
                "total_assets": assets,
                "net_assets": assets // 2,
                "total_costs": costs,
                "net_profit": revenue - costs,
                "rd_expense": rd,
                "domestic_rd_expense": rd,
                "high_tech_revenue": (revenue * Decimal("0.6")).quantize(Decimal("0.01")),
                "invention_patents": rng.randint(0, 30),
                "class1_ip": rng.randint(0, 10),
                "class2_ip": rng.randint(0, 40),
                "transfers": rng.randint(0, 5),
                "in_key_field": rng.choice(["是", "否", "1", "0", "true"]),
                "innovation_score": Decimal(rng.randint(3000, 9900)) / 100,
                "major_incident": "否",
                "dishonest": "否",
                "high_tech_cert_valid": rng.choice(["是", "否"]),
                "listed": "否",
            }
            for col in ("total_assets", "net_assets", "class2_ip", "transfers", "listed", "innovation_score"):
                if rng.random() < 0.08:
                    values[col] = None
            rows.append([values[c] for c in COLUMNS])
    return list(COLUMNS), rows


def csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("年度数据")
    sheet.append(header)
    for row in rows:
        # Spreadsheets hold money and counts as numbers, not text: write them as Excel would.
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ["KECHUANG_DATA_DIR"] = data_dir
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def reset_database():
    """Empty what an import writes, so that each format starts from the same fresh state.

    Plain DELETEs: the ORM's delete() would write a "-" history row per deleted record."""
    from django.db import connection, transaction

    from kechuang.core.models import District, ImportRun, Organisation, User
    from kechuang.enterprises.models import DerivedLabel, Enterprise, YearlyFacts

    models = [DerivedLabel, YearlyFacts, Enterprise, ImportRun]
    models += [m.history.model for m in (YearlyFacts, Enterprise, Organisation)]
    with transaction.atomic():
        User.objects.exclude(organisation=None).update(organisation=None)
        with connection.cursor() as cursor:
            for model in [*models, Organisation]:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        for code, name in DISTRICTS:
            District.objects.get_or_create(code=code, defaults={"name": name})
        user, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": "bureau_staff"})
    return user


def run_one(label: str, data: bytes, filename: str, user) -> None:
    from django.db import connection

    from kechuang.enterprises.importing import import_facts
    from kechuang.enterprises.models import YearlyFacts

    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            amount = f"{done:,}/{total:,}" if total else f"{done:,}"
            print(f"    … {stage} {amount}", file=sys.stderr, flush=True)

    hist_before = YearlyFacts.history.count()
    start, cpu_start = time.perf_counter(), time.process_time()
    outcome = import_facts(data, filename, user, progress=progress)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if not outcome.ok:
        print(f"  {label}: REFUSED, first errors: {[e.as_dict() for e in outcome.errors[:3]]}")
        raise SystemExit(1)
    t = outcome.timings
    print(
        f"  {label}: {outcome.rows:,} rows in {total:.1f} s = {outcome.rows / total:,.0f} rows/s "
        f"[parse {t['parse']:.1f} s · validate {t['validate']:.1f} s · write {t['write']:.1f} s · "
        f"labels {t['labels']:.1f} s · record {t['record']:.1f} s] on {connection.vendor}; "
        f"CPU of this process {cpu:.1f} s, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    c = outcome.counts
    print(
        f"    enterprises created {c['enterprises_created']:,} updated {c['enterprises_updated']:,} "
        f"unchanged {c['enterprises_unchanged']:,}; facts created {c['facts_created']:,} "
        f"updated {c['facts_updated']:,} unchanged {c['facts_unchanged']:,}; "
        f"facts history rows written {YearlyFacts.history.count() - hist_before:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="kc-bench-")
    setup_django(tmp.name)
    from django.db import connection

    print(
        f"Yearly-facts import: {args.rows:,} rows ({args.rows // args.years:,} enterprises × {args.years} "
        f"years), database {connection.vendor} {connection.settings_dict['NAME']}"
    )
    start = time.perf_counter()
    header, rows = generate_rows(args.rows, args.years)
    print(f"  generated rows in {time.perf_counter() - start:.1f} s")
    for fmt in args.formats.split(","):
        start = time.perf_counter()
        data = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)
        print(f"{fmt}: file of {len(data) / 1e6:.1f} MB written in {time.perf_counter() - start:.1f} s")
        user = reset_database()
        run_one("first import ", data, f"bench.{fmt}", user)
        run_one("second import", data, f"bench.{fmt}", user)
    tmp.cleanup()


if __name__ == "__main__":
    main()
