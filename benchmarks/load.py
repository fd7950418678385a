"""Load through the production topology: N signed-in people of mixed roles browsing for a set time.

    .venv/bin/python benchmarks/load.py --database kechuang_load --users 100 --duration 300
    .venv/bin/python benchmarks/load.py --database kechuang_load --users 20 --duration 60 --saturate 30

The database must hold a demo city already (``kechuang demo --enterprises 100000`` into it). The script
starts nginx, two app servers and two workers on it exactly as ``make prod-check`` does (deploy/check.py),
signs the users in through nginx a few at a time (each sign-in costs an Argon2 hash), then each user
loops: open a page, think 1–3 s. Pages are the lists, enterprise profiles, policies and policy packages,
demands and achievements with their matches, and the API, as each role sees them; every HTML page
offers further links of the same kinds, which the user may follow next. Afterwards, with ``--saturate``,
the same users request without thinking, which gives the throughput at saturation. Prints errors,
p50/p95/p99 per kind of page and overall, requests per second, the load average, and the most
PostgreSQL connections seen (pg_stat_activity, twice a second) against the pools' bound.
Loopback only; everything it started is stopped at the end.
"""

import argparse
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._django import percentile
from deploy.check import (
    DEMO_PASSWORD,
    Browser,
    CheckFailed,
    Topology,
    ensure_nginx,
    ensure_services,
    say,
    start_topology,
)

# Seed pages of each role; "{page}" is a random page of the enterprise list.
SEEDS = {
    "city": [
        "/", "/enterprises/", "/enterprises/?page={page}", "/policies/", "/matching/demands/",
        "/matching/achievements/", "/matching/matches/", "/api/enterprises/?limit=50&offset={offset}",
        "/api/policies/", "/api/matching/demands",
    ],
    "district": ["/", "/enterprises/", "/enterprises/?page={page}", "/policies/", "/matching/demands/",
                 "/api/enterprises/?limit=50"],
    "enterprise": ["/", "/policies/package/", "/matching/demands/", "/matching/achievements/",
                   "/api/matching/demands"],
}  # fmt: skip
ACCOUNTS = {
    "city": ["staff_policy", "staff_high_tech", "staff_planning", "staff_cooperation", "leader"],
    "district": ["district_zhangdian", "district_zichuan", "district_linzi", "district_boshan"],
    "enterprise": ["ent_hightech", "ent_small", "ent_scale", "ent_software"],
}
MIX = [("city", 0.4), ("district", 0.3), ("enterprise", 0.3)]
# Links a user may follow from a page: details and profiles, never a form, an export or an action.
FOLLOW = re.compile(
    rb'href="(/(?:enterprises/\d+/|policies/\d+/|policies/package/\d+/|policies/\d+/coverage/'
    rb'|matching/(?:demands|achievements)/\d+/))"'
)


def kind_of(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if re.match(r"/enterprises/\d+/", path):
        return "enterprise profile"
    if path.startswith("/enterprises/"):
        return "enterprise list"
    if "package" in path:
        return "policy package"
    if path.startswith("/policies/"):
        return "policies"
    if re.match(r"/matching/(demands|achievements)/\d+/", path):
        return "matching detail"
    if path.startswith("/matching/"):
        return "matching lists"
    return "home"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []

    def add(self, kind: str, seconds: float, status: int, path: str) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if status >= 400 or status == 0:
                self.errors[f"{status} {kind}"] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{status} {path}")


class User(threading.Thread):
    def __init__(self, base: str, role: str, username: str, pages: int, rng: random.Random):
        super().__init__(daemon=True)
        self.browser = Browser(base)
        self.role, self.username, self.pages, self.rng = role, username, pages, rng
        self.found: list[str] = []
        self.results: Results | None = None
        self.until = 0.0
        self.think = (1.0, 3.0)

    def next_path(self) -> str:
        if self.found and self.rng.random() < 0.5:
            return self.rng.choice(self.found)
        page = self.rng.randint(1, self.pages)
        return self.rng.choice(SEEDS[self.role]).format(page=page, offset=(page - 1) * 50)

    def run(self) -> None:
        while time.monotonic() < self.until:
            path = self.next_path()
            started = time.perf_counter()
            try:
                status, _headers, body, _url = self.browser.get(path)
            except OSError:
                status, body = 0, b""
            self.results.add(kind_of(path), time.perf_counter() - started, status, path)
            for link in FOLLOW.findall(body)[:20]:
                if len(self.found) < 200:
                    self.found.append(link.decode())
            if self.think[1] > 0:
                time.sleep(self.rng.uniform(*self.think))


def phase(users: list[User], seconds: float, think: tuple[float, float]) -> tuple[Results, float]:
    results = Results()
    until = time.monotonic() + seconds
    started = time.monotonic()
    threads = []
    for u in users:
        clone = User(u.browser.base, u.role, u.username, u.pages, u.rng)
        clone.browser, clone.found, clone.results, clone.until, clone.think = (
            u.browser,
            u.found,
            results,
            until,
            think,
        )
        threads.append(clone)
        clone.start()
    for t in threads:
        t.join()
    return results, time.monotonic() - started


def report(title: str, results: Results, elapsed: float) -> None:
    every = [t for times in results.times.values() for t in times]
    print(f"\n{title}: {len(every):,} requests in {elapsed:.0f} s = {len(every) / elapsed:.1f} requests/s")
    print(f"  {'page':20} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, times in [*sorted(results.times.items()), ("ALL", every)]:
        if times:
            p = [percentile(times, q) * 1000 for q in (50, 95, 99)]
            print(f"  {kind:20} {len(times):7,} {p[0]:8.0f} {p[1]:8.0f} {p[2]:8.0f}")
    errors = sum(results.errors.values())
    print(f"  errors: {errors}" + (f" {dict(results.errors)} e.g. {results.examples}" if errors else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="PostgreSQL database holding a demo city")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=300, help="seconds of browsing with think time")
    parser.add_argument("--saturate", type=float, default=0, help="then seconds without think time")
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes per app server")
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    # Every simulated person signs in from 127.0.0.1, which the per-address sign-in throttle would
    # (rightly) cut off after a few dozen attempts a minute; the servers started here inherit this.
    os.environ.setdefault("KECHUANG_SIGN_IN_PER_MINUTE", str(max(1000, args.users * 2)))

    top = Topology(args.database, pool_max=args.web_threads)
    try:
        nginx = ensure_nginx()
        ensure_services()
        top.kechuang("collectstatic", "--noinput", "-v", "0")
        base, _workers, _proxy = start_topology(
            top,
            nginx,
            app_servers=args.app_servers,
            web_workers=args.web_workers,
            web_threads=args.web_threads,
        )
        from deploy.check import psql

        enterprises = int(psql("SELECT count(*) FROM enterprises_enterprise", args.database))
        pages = max(1, enterprises // 50)
        rng = random.Random(args.seed)
        users = []
        for i in range(args.users):
            role = rng.choices([r for r, _w in MIX], [w for _r, w in MIX])[0]
            users.append(User(base, role, ACCOUNTS[role][i % len(ACCOUNTS[role])], pages, random.Random(i)))
        say(f"{enterprises:,} enterprises; signing in {len(users)} users through nginx")
        started = time.monotonic()
        # A few at a time: each sign-in is an Argon2 hash, and a burst of them is what the server's
        # memory must not see.
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda u: u.browser.sign_in(u.username, DEMO_PASSWORD), users))
        say(f"  signed in in {time.monotonic() - started:.0f} s; browsing for {args.duration:.0f} s")
        load_before = os.getloadavg()
        results, elapsed = phase(users, args.duration, (1.0, 3.0))
        report(f"{args.users} users, 1-3 s think time", results, elapsed)
        if args.saturate:
            results, elapsed = phase(users, args.saturate, (0.0, 0.0))
            report(f"{args.users} users, no think time (saturation)", results, elapsed)
        processes = args.app_servers * args.web_workers + 2
        print(f"\nPostgreSQL client connections seen at most: {top.max_connections}")
        print(f"  other backends of the database seen at most (not connections): {top.max_others or 'none'}")
        print(
            f"  bound: ({args.app_servers} app servers × {args.web_workers} processes + 2 workers) × pool {args.web_threads} = {processes * args.web_threads}"
        )
        print(
            f"load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        return 0
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
        print(top.logs(), file=sys.stderr)
        return 1
    finally:
        top.stop()


if __name__ == "__main__":
    sys.exit(main())
