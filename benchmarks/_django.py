"""Shared set-up for benchmarks that need the Django project and a throwaway database."""

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager


def setup(default_db: str = "sqlite") -> str:
    """Point Django at a fresh database (a temp SQLite file, or a new PostgreSQL database when
    ``--pg`` is on the command line or DATABASE_URL is set) and migrate it. Returns a description."""
    data_dir = tempfile.mkdtemp(prefix="kechuang-bench-")
    os.environ.setdefault("KECHUANG_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    if "--pg" in sys.argv and "DATABASE_URL" not in os.environ:
        name = f"kechuang_bench_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True
        )
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({os.environ.get('DATABASE_URL', data_dir)})"


def drop_pg() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if "kechuang_bench_" in url:
        from django.db import connections

        connections.close_all()
        name = url.rsplit("/", 1)[1]
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"]
        )


@contextmanager
def stage(label: str):
    start = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - start:.2f} s", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
