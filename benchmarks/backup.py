"""Backup and restore time and size for whatever database is configured (load it first).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_demo KECHUANG_DATA_DIR=var-demo \\
        .venv/bin/kechuang demo --enterprises 3000
    DATABASE_URL=... KECHUANG_DATA_DIR=var-demo .venv/bin/python benchmarks/backup.py

Backs up into a temporary folder, restores into a new empty database (PostgreSQL: created and dropped
here; SQLite: a temporary file) and a new upload folder, and prints the figures.
"""

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    import psycopg
    from django.db import connection

    from kechuang.core import backups
    from kechuang.enterprises.models import Enterprise

    work = Path(tempfile.mkdtemp(prefix="kechuang-backup-bench-"))
    source = connection.settings_dict
    try:
        print(f"database: {connection.vendor}, enterprises: {Enterprise.objects.count()}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                print(f"         size on the server: {cursor.fetchone()[0] / 1e6:.1f} MB")
        started = time.perf_counter()
        folder = backups.create_backup(work / "backup")
        backed_up = time.perf_counter() - started
        manifest = backups.read_manifest(folder)
        db_file = folder / manifest["database"]["file"]
        total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"backup:  {backed_up:6.1f} s, {total / 1e6:7.1f} MB in {len(manifest['files'])} files")
        print(f"         database file {db_file.name}: {db_file.stat().st_size / 1e6:.1f} MB")

        if connection.vendor == "postgresql":
            name = f"kc_restore_bench_{uuid.uuid4().hex[:8]}"
            params = {k: v for k, v in backups._pg_conninfo(source).items() if v}
            admin = {**params, "dbname": "postgres", "autocommit": True}
            with psycopg.connect(**admin) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            target = {**source, "NAME": name}
        else:
            target = {"ENGINE": source["ENGINE"], "NAME": str(work / "restored.sqlite3")}
        try:
            started = time.perf_counter()
            backups.restore_backup(folder, database=target, media_root=work / "media")
            print(f"restore: {time.perf_counter() - started:6.1f} s (checksums, database, files)")
        finally:
            if connection.vendor == "postgresql":
                with psycopg.connect(**admin) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
