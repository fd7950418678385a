"""How long the ladder's lists take on a loaded demo city (no timed assertions: figures to compare).

    KECHUANG_DATA_DIR=/tmp/city .venv/bin/kechuang demo --enterprises 3000
    KECHUANG_DATA_DIR=/tmp/city .venv/bin/python benchmarks/ladder.py [--repeat 3]

Prints, for a city staff member and for a district, the best of ``--repeat`` runs of: the funnel, the
Sankey of rung moves, the near misses, each watch list, and the contradiction check over a year.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import django

    django.setup()
    from kechuang.core.models import Role, User
    from kechuang.cultivation.models.ladder import Candidate, RungMembership
    from kechuang.cultivation.services_ladder import check_contradictions, funnel, overview, pool, watch
    from kechuang.enterprises.models import Enterprise

    staff = User.objects.filter(role=Role.BUREAU_STAFF).first()
    district = User.objects.filter(role=Role.DISTRICT_STAFF).first()
    if staff is None or district is None:
        sys.exit("load a demo city first (kechuang demo)")
    year, facts_year = overview.default_pool_year(), overview.default_facts_year()
    print(
        f"enterprises {Enterprise.objects.count():,}, rung records {RungMembership.objects.count():,}, "
        f"pool candidates {Candidate.objects.count():,}; pool year {year}, facts year {facts_year}"
    )
    for user in (staff, district):
        print(f"-- as {user.username}")
        cases = [
            ("funnel", lambda u=user: funnel.funnel(u, year)["total"]["counts"]),
            ("sankey", lambda u=user: len(funnel.sankey(u, year)["links"])),
            ("near misses", lambda u=user: len(pool.near_misses(u, year=year))),
            *[
                (f"watch {w.code}", lambda u=user, c=w.code: len(watch.rows(u, c, facts_year)))
                for w in watch.LISTS
            ],
        ]
        for name, fn in cases:
            seconds, result = best(fn, args.repeat)
            print(f"{name:40s} {seconds * 1000:8.1f} ms   {result}")
    seconds, n = best(lambda: check_contradictions(year=facts_year), args.repeat)
    print(f"{'contradiction check (one year)':40s} {seconds * 1000:8.1f} ms   {n} changed")


if __name__ == "__main__":
    main()
