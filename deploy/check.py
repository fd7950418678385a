"""The production check: the whole topology of deploy/README.md on this machine, end to end.

    .venv/bin/python deploy/check.py        (``make prod-check``; CI runs it after ``make test``)

Starts Debian's nginx (installed with apt when we are root and it is missing) in the foreground with a
throwaway prefix on a free port, two app servers (``kechuang serve``) and two background workers
(``kechuang worker``) against a fresh PostgreSQL database and a Redis database number of their own,
migrates, loads a small demo city, then through nginx: signs in (CSRF and session cookie), uploads a
yearly-facts file on the import page, and waits until a worker has carried out the policy
re-evaluation (the push) that the import queued through Redis, printing the notifications it made. Along the way it checks that nginx serves static files,
refuses uploads by address, names no versions in the Server header, and that PostgreSQL never saw
more connections than the processes' pools allow. Whatever happens, it stops everything it started,
drops the database and empties the Redis database. Exit status 0 when every check held.
"""

import csv
import http.cookiejar
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
REDIS_DB = int(os.environ.get("KECHUANG_CHECK_REDIS_DB", "13"))
APP_SERVERS, WORKERS = 2, 2
WEB_WORKERS, WEB_THREADS, POOL_MAX = 1, 4, 4
DEMO_ENTERPRISES = 120
DEMO_PASSWORD = "Kechuang-Demo-2026"
# Enterprise accounts of the demo whose facts the check raises, so that at least one newly qualifies
# for a policy (and its user is notified) whatever it qualified for before.
TARGETS = ("ent_scale", "ent_small", "ent_software")
START_TIMEOUT, PUSH_TIMEOUT = 90, 90


def say(message: str) -> None:
    print(f"[prod-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


class CheckFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if os.geteuid() != 0:
        raise CheckFailed("nginx is missing: sudo apt-get install nginx-light")
    say("installing Debian's nginx-light")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, env=env)
    return "/usr/sbin/nginx"


def ensure_services() -> None:
    """PostgreSQL and Redis as CI's machine has them: installed, maybe not running."""
    if subprocess.run(["pg_isready", "-h", PG_HOST, "-p", PG_PORT, "-q"]).returncode != 0:
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"])
        wait_for(
            lambda: subprocess.run(["pg_isready", "-h", PG_HOST, "-q"]).returncode == 0, 30, "PostgreSQL"
        )
    if subprocess.run(["redis-cli", "ping"], capture_output=True).returncode != 0:
        subprocess.run(["redis-server", "--daemonize", "yes"], check=True, capture_output=True)
        wait_for(
            lambda: subprocess.run(["redis-cli", "ping"], capture_output=True).returncode == 0, 30, "Redis"
        )


def wait_for(test, timeout: float, what: str, processes=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in processes:
            if p.poll() is not None:
                raise CheckFailed(f"{what}: a process it needs exited with status {p.returncode}")
        try:
            if test():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise CheckFailed(f"{what}: not ready after {timeout} s")


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", db, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class Browser:
    """A person at a browser: a cookie jar, CSRF tokens from the forms, Referer on posts (Django checks
    it over HTTPS and the Origin header always)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, body: bytes, content_type: str):
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("Referer", self.base + path)
        request.add_header("Origin", self.base)
        return self._open(request)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read(), response.url
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read(), error.url

    def sign_in(self, username: str, password: str) -> None:
        status, _headers, page, _url = self.get("/login/")
        body = {"csrfmiddlewaretoken": self.csrf(page), "username": username, "password": password}
        status, _headers, page, url = self.post(
            "/login/", urllib.parse.urlencode(body).encode(), "application/x-www-form-urlencoded"
        )
        if status != 200 or urllib.parse.urlparse(url).path.rstrip("/").endswith("/login"):
            raise CheckFailed(f"signing in as {username} failed (status {status}, ended at {url})")

    def csrf(self, page: bytes) -> str:
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not found:
            raise CheckFailed("no CSRF token on the form")
        return found.group(1).decode()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data, ctype) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def render_nginx(prefix: Path, port: int, app_ports: list[int], data_dir: Path) -> Path:
    """deploy/nginx.conf, filled in, inside a minimal main configuration of our own."""
    # The comments name the placeholders too; only the directives are filled in.
    lines = [ln for ln in (ROOT / "deploy" / "nginx.conf").read_text().splitlines() if not ln.startswith("#")]
    site = "\n".join(lines) + "\n"
    servers = "\n    ".join(f"server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in app_ports)
    for key, value in {
        "@@LISTEN@@": f"127.0.0.1:{port}",
        "@@SERVER_NAME@@": "127.0.0.1",
        "@@APP_SERVERS@@": servers,
        "@@STATIC_ROOT@@": f"{data_dir / 'static'}/",
        "@@MEDIA_ROOT@@": f"{data_dir / 'media'}/",
    }.items():
        site = site.replace(key, value)
    if re.search(r"@@[A-Z_]+@@", site):
        raise CheckFailed("deploy/nginx.conf has a placeholder the check does not fill")
    (prefix / "logs").mkdir(parents=True)
    (prefix / "site.conf").write_text(site)
    conf = prefix / "nginx.conf"
    temp = prefix / "tmp"
    conf.write_text(
        f"""worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "logs" / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "logs" / "access.log"};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {prefix / "site.conf"};
}}
"""
    )
    temp.mkdir()
    return conf


class Topology:
    """Everything the check starts, so that ``stop`` can end all of it and only it."""

    def __init__(self, db: str | None = None, *, pool_max: int = POOL_MAX):
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="kechuang-prod-check-"))
        # nginx's workers run as www-data when started by root: they must reach the static files.
        self.tmp.chmod(0o755)
        # A database given by the caller (the load benchmark's) is used as it is and never dropped.
        self.db = db or f"kechuang_check_{os.getpid()}"
        self.pool_max = pool_max
        # One key for every process: a session signed by one app server must be read by the other.
        self.secret_key = uuid.uuid4().hex * 2
        self.db_created = False
        self.max_connections = 0  # client connections: what the pools bound and max_connections limits
        self.max_others: dict[str, int] = {}  # the database's other backends (parallel workers, autovacuum)
        self._polling = False

    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db}",
            "KECHUANG_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "KECHUANG_DATA_DIR": str(self.tmp / "data"),
            "KECHUANG_SECRET_KEY": self.secret_key,
            "KECHUANG_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KECHUANG_DB_POOL_MAX": str(self.pool_max),
            "KECHUANG_MATCH_ENCODER": "none",
            "KECHUANG_DEBUG": "",
            "KECHUANG_HUEY_IMMEDIATE": "",
            "PYTHONUNBUFFERED": "1",
        }

    def kechuang(self, *args: str) -> None:
        result = subprocess.run(
            [str(BIN / "kechuang"), *args], env=self.env(), capture_output=True, text=True
        )
        if result.returncode != 0:
            raise CheckFailed(f"kechuang {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (the process owns it until stop)
        # A session of its own, so that stopping it reaches gunicorn's and huey's children too.
        process = subprocess.Popen(
            argv, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def poll_connections(self) -> None:
        """Count this database's PostgreSQL connections twice a second while the topology runs."""
        self._polling = True

        def loop():
            while self._polling:
                # Only client backends are connections the app opened. A parallel query's workers
                # (backend_type "parallel worker") and autovacuum also show the database's name here;
                # counting them made a run see 26 "connections" against a bound of 24 = 2 workers of
                # one parallel aggregate on top of the 24 pooled connections.
                try:
                    rows = psql(
                        "SELECT backend_type, count(*) FROM pg_stat_activity "
                        f"WHERE datname = '{self.db}' GROUP BY 1"
                    )
                    for line in rows.splitlines():
                        kind, n = line.rsplit("|", 1)
                        if kind == "client backend":
                            self.max_connections = max(self.max_connections, int(n))
                        else:
                            self.max_others[kind] = max(self.max_others.get(kind, 0), int(n))
                except (subprocess.CalledProcessError, ValueError):
                    pass
                time.sleep(0.5)

        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self._polling = False
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for name, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop on TERM; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.db_created:
            psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def logs(self) -> str:
        out = []
        for name, _process in self.processes:
            path = self.tmp / f"{name}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-25:]
                out.append(f"--- {name} (last lines)\n" + "\n".join(tail))
        error_log = self.tmp / "nginx" / "logs" / "error.log"
        if error_log.exists():
            out.append("--- nginx error.log\n" + error_log.read_text(errors="replace")[-3000:])
        return "\n".join(out)


def facts_file(top: Topology) -> tuple[bytes, list[str]]:
    """Next year's facts for the target enterprises, strong enough for the policies they lacked: revenue
    tripled over two years, 10 % of it on R&D, patents, R&D staff, a valid high-tech certificate."""
    rows = psql(
        "SELECT o.uscc, o.name, d.code, f.year, f.revenue, f.employees, o.id FROM core_user u "
        "JOIN core_organisation o ON o.id = u.organisation_id JOIN core_district d ON d.id = o.district_id "
        "JOIN enterprises_yearlyfacts f ON f.enterprise_id = o.id "
        f"WHERE u.username IN ({', '.join(repr(t) for t in TARGETS)}) "
        "AND f.year = (SELECT max(year) FROM enterprises_yearlyfacts WHERE enterprise_id = o.id)",
        top.db,
    )
    if not rows:
        raise CheckFailed("the demo has none of the enterprise accounts " + ", ".join(TARGETS))
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["uscc", "name", "district", "year", "employees", "rd_staff", "st_staff", "revenue"]
    columns += ["total_costs", "rd_expense", "domestic_rd_expense", "high_tech_revenue", "invention_patents"]
    columns += ["class1_ip", "high_tech_cert_valid", "in_key_field", "major_incident", "dishonest"]
    writer.writerow(columns)
    ids = []
    for line in rows.splitlines():
        uscc, name, district, year, revenue, employees, pk = line.split("|")
        revenue = max(float(revenue or 0), 20e6) * 3
        employees = max(int(employees or 0), 60)
        writer.writerow(
            [
                uscc,
                name,
                district,
                # The same year the policies judge on: a row for next year would not move the statistical
                # year (by design), so nothing would newly qualify and no push would be sent.
                year,
                employees,
                employees // 2,
                employees // 2,
                f"{revenue:.0f}",
                f"{revenue * 0.9:.0f}",
                f"{revenue * 0.1:.0f}",
                f"{revenue * 0.1:.0f}",
                f"{revenue * 0.8:.0f}",
                8,
                8,
                "是",
                "是",
                "否",
                "否",
            ]
        )
        ids.append(pk)
    return out.getvalue().encode("utf-8"), ids


def start_topology(
    top: Topology,
    nginx: str,
    *,
    app_servers: int = APP_SERVERS,
    web_workers: int = WEB_WORKERS,
    web_threads: int = WEB_THREADS,
    workers: int = WORKERS,
) -> tuple[str, list[subprocess.Popen], subprocess.Popen]:
    """nginx in front of ``app_servers`` × ``kechuang serve`` and ``workers`` × ``kechuang worker``, all
    on top's database; returns nginx's address once every app server listens."""
    app_ports = [free_port() for _ in range(app_servers)]
    port = free_port()
    top.poll_connections()
    serve = [str(BIN / "kechuang"), "serve", "--workers", str(web_workers), "--threads", str(web_threads)]
    apps = [top.start(f"app{i + 1}", [*serve, "--bind", f"127.0.0.1:{p}"]) for i, p in enumerate(app_ports)]
    started = [top.start(f"worker{i + 1}", [str(BIN / "kechuang"), "worker"]) for i in range(workers)]
    prefix = top.tmp / "nginx"
    conf = render_nginx(prefix, port, app_ports, top.tmp / "data")
    test = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", str(conf)], capture_output=True)
    if test.returncode != 0:
        raise CheckFailed(f"nginx refuses the configuration:\n{test.stderr.decode()}")
    proxy = top.start("nginx", [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{port}"
    say(f"nginx on {base}, app servers on {app_ports}, {workers} workers")

    def app_up(p: int) -> bool:
        with socket.create_connection(("127.0.0.1", p), timeout=1):
            return True

    for p in app_ports:
        wait_for(lambda p=p: app_up(p), START_TIMEOUT, f"app server on {p}", [*apps, proxy])
    return base, started, proxy


def check(top: Topology) -> None:
    nginx = ensure_nginx()
    ensure_services()
    psql(f"CREATE DATABASE {top.db}")
    top.db_created = True
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)

    started = time.monotonic()
    say(f"database {top.db}, Redis db {REDIS_DB}: migrate, collect static files, load the demo")
    top.kechuang("migrate", "--noinput", "-v", "0")
    top.kechuang("collectstatic", "--noinput", "-v", "0")
    top.kechuang("demo", "--enterprises", str(DEMO_ENTERPRISES), "--seed", "2026")
    say(f"  ready in {time.monotonic() - started:.0f} s")

    base, workers, proxy = start_topology(top, nginx)
    browser = Browser(base)
    status, headers, page, _url = browser.get("/login/")
    if status != 200:
        raise CheckFailed(f"GET /login/ through nginx answered {status}")
    server = headers.get("Server", "")
    if re.search(r"python|\d", server, re.I):
        raise CheckFailed(f"the Server header names a version: {server!r}")

    say("nginx serves the static files and keeps uploads private")
    css = re.search(rb'href="(/static/[^"]+\.css)"', page)
    if not css:
        raise CheckFailed("the sign-in page links no stylesheet")
    status, headers, _body, _url = browser.get(css.group(1).decode())
    if status != 200 or "Expires" not in headers:
        raise CheckFailed(f"static file not served by nginx (status {status}, no Expires header)")
    (top.tmp / "data" / "media").mkdir(exist_ok=True)
    (top.tmp / "data" / "media" / "secret.txt").write_text("private")
    status, *_ = browser.get("/media/secret.txt")
    if status != 404:
        raise CheckFailed(f"an upload was served by its address (status {status})")

    say("sign in through nginx as city staff")
    browser.sign_in("staff_high_tech", DEMO_PASSWORD)

    data, enterprise_ids = facts_file(top)
    before = int(psql("SELECT coalesce(max(id), 0) FROM core_notification", top.db))
    runs_before = int(psql("SELECT coalesce(max(id), 0) FROM policies_policyrun", top.db))
    say(f"upload a facts file for {len(enterprise_ids)} enterprises on the import page")
    status, _headers, page, _url = browser.get("/enterprises/import/")
    form, ctype = multipart(
        {"csrfmiddlewaretoken": browser.csrf(page)}, {"file": ("facts.csv", data, "text/csv")}
    )
    status, _headers, page, url = browser.post("/enterprises/import/", form, ctype)
    if status != 200 or "run=" not in url:
        raise CheckFailed(f"the import page answered {status} at {url}")
    run_status = psql(
        "SELECT status FROM core_importrun WHERE kind <> 'demo' ORDER BY id DESC LIMIT 1", top.db
    )
    if run_status != "accepted":
        errors = psql(
            "SELECT errors FROM core_importrun WHERE kind <> 'demo' ORDER BY id DESC LIMIT 1", top.db
        )
        raise CheckFailed(f"the import was {run_status}: {errors[:1500]}")

    say("wait for the policy re-evaluation the import queued to be carried out by a worker")
    run = f"SELECT status FROM policies_policyrun WHERE id > {runs_before} ORDER BY id LIMIT 1"
    wait_for(lambda: psql(run, top.db) in ("done", "failed"), PUSH_TIMEOUT, "policy run", [*workers, proxy])
    outcome = psql(
        f"SELECT status || ' ' || counts::text FROM policies_policyrun WHERE id > {runs_before} ORDER BY id LIMIT 1",
        top.db,
    )
    users = f"SELECT id FROM core_user WHERE organisation_id IN ({', '.join(enterprise_ids)})"
    notified = psql(
        f"SELECT count(*) FROM core_notification WHERE id > {before} AND user_id IN ({users})", top.db
    )
    say(f"  policy run {outcome}; notifications to the enterprises' users: {notified}")
    if not outcome.startswith("done"):
        raise CheckFailed(f"the policy run failed: {outcome}")
    if int(notified) == 0:
        raise CheckFailed("the worker's policy run notified none of the enterprises whose facts were raised")

    bound = (APP_SERVERS * WEB_WORKERS + WORKERS) * POOL_MAX
    say(
        f"PostgreSQL connections seen at most: {top.max_connections} (bound {bound}); other backends: {top.max_others}"
    )
    if top.max_connections > bound:
        raise CheckFailed(f"{top.max_connections} PostgreSQL connections, above the pools' bound {bound}")


def main() -> int:
    started = time.monotonic()
    top = Topology()
    ok = False
    try:
        check(top)
        ok = True
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
        print(top.logs(), file=sys.stderr)
    finally:
        say("stopping everything the check started")
        top.stop()
    say(f"{'passed' if ok else 'failed'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
