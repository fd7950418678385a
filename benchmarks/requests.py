"""What one request costs, alone on the machine: the pages every role opens first, on a demo city.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_prod_load .venv/bin/python benchmarks/requests.py
    ... benchmarks/requests.py --repeat 5 --slowest 3 --path / --path /policies/

The database must hold a demo city already (``kechuang demo --enterprises 100000`` into it). Each page
is requested through Django's test client (whole middleware, query and template stack; no network) as
a city officer, the leader, a district officer and an enterprise, ``--repeat`` times; prints the first
(cold: empty caches in this process) and the median of the others, the number of queries, and with
``--slowest`` the slowest queries of the first request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = ["/", "/enterprises/", "/policies/", "/matching/demands/", "/policies/package/", "/notifications/"]
USERS = {
    "city": "staff_policy",
    "leader": "leader",
    "district": "district_zhangdian",
    "enterprise": "ent_hightech",
}
# The policy package is the enterprise's own page; staff are refused it.
ROLE_PAGES = {role: set(PAGES) - {"/policies/package/"} for role in ("city", "leader", "district")}
ROLE_PAGES["enterprise"] = {"/", "/policies/package/", "/matching/demands/", "/notifications/"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument(
        "--slowest", type=int, default=0, help="show the N slowest queries of the first request"
    )
    parser.add_argument("--path", action="append", help="pages to request (default: the usual first pages)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database holding the demo city")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ.setdefault("KECHUANG_DATA_DIR", "/tmp/kechuang-bench-requests")
    Path(os.environ["KECHUANG_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # refusals are counted, not printed
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kechuang.core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    from kechuang.enterprises.models import Enterprise

    print(
        f"{connection.vendor}, {Enterprise.objects.count():,} enterprises; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'role':10} {'page':22} {'cold ms':>8} {'warm ms':>8} {'queries':>8}")
    for role, username in USERS.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for path in args.path or PAGES:
            if role in ROLE_PAGES and not args.path and path not in ROLE_PAGES[role]:
                continue
            times, queries, status = [], None, 0
            for i in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append(time.perf_counter() - started)
                status = response.status_code
                if i == 0:
                    first = captured.captured_queries
                queries = len(captured.captured_queries)
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            flag = "" if status == 200 else f"  (HTTP {status})"
            print(f"  {role:10} {path:22} {times[0] * 1000:8.0f} {warm * 1000:8.0f} {queries:8}{flag}")
            for q in sorted(first, key=lambda q: -float(q["time"]))[: args.slowest]:
                print(f"      {float(q['time']) * 1000:7.0f} ms  {q['sql'][:160]}")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
