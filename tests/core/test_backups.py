"""Backups: the demo city and an upload go out and come back identical; anything tampered is refused.

Runs on whichever database the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL). The
tests are transactional: pg_dump reads through its own connection and sees committed rows only.
"""

import hashlib
import json
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kechuang.core import backups
from kechuang.core.backups import BackupError, create_backup, nightly_backup, restore_backup

pytestmark = pytest.mark.django_db(transaction=True)

UPLOAD = "imports/2026/区县企业名单.xlsx"


def _pg_params(db: dict) -> dict:
    return {k: v for k, v in backups._pg_conninfo(db).items() if v}


@pytest.fixture
def fresh_database(tmp_path):
    """A Django DATABASES entry for a new, empty database of the same kind as the suite's."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {"ENGINE": source["ENGINE"], "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"kc_restore_{uuid.uuid4().hex[:12]}"
    admin = {**_pg_params(source), "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**source, "NAME": name}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fingerprints(db: dict) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its rows (order-independent), read with a plain driver
    connection so that both sides are decoded the same way."""
    if db["ENGINE"].endswith("sqlite3"):
        name = db["NAME"]
        uri = name if name.startswith("file:") else f"file:{name}"
        conn = sqlite3.connect(uri, uri=True)
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        read = lambda table: conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: E731
    else:
        conn = psycopg.connect(**_pg_params(db))
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        ]
        read = lambda table: conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: E731
    try:
        result = {}
        for table in tables:
            rows = sorted(repr(row) for row in read(table))
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return result
    finally:
        conn.close()


def _tables(db: dict) -> int:
    if db["ENGINE"].endswith("sqlite3"):
        return backups._sqlite_tables(db["NAME"])
    return backups._pg_tables(db)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_demo_city_and_its_uploads_restore_identically(tmp_path, settings, fresh_database):
    call_command("demo", enterprises=50, stdout=open("/dev/null", "w"))  # noqa: SIM115
    default_storage.save(UPLOAD, ContentFile(b"PK\x03\x04 spreadsheet bytes"))
    default_storage.save("avatars/a.png", ContentFile(bytes(range(256)) * 10))

    call_command("backup", out=tmp_path / "b", stdout=open("/dev/null", "w"))  # noqa: SIM115
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["schema"]["core"] == backups.schema_version()["core"]
    assert f"media/{UPLOAD}" in manifest["files"]

    new_media = tmp_path / "fresh-media"
    restore_backup(tmp_path / "b", database=fresh_database, media_root=new_media)

    before = _fingerprints(connection.settings_dict)
    after = _fingerprints(fresh_database)
    assert before["enterprises_enterprise"][0] == 50
    assert after == before
    assert _files(new_media) == _files(Path(settings.MEDIA_ROOT))
    assert {UPLOAD, "avatars/a.png"} <= set(_files(new_media))


@pytest.fixture
def backup(tmp_path):
    default_storage.save(UPLOAD, ContentFile(b"original bytes"))
    return create_backup(tmp_path / "b")


def _refused(folder, db, media_root, match):
    with pytest.raises(BackupError, match=match):
        restore_backup(folder, database=db, media_root=media_root)
    assert _tables(db) == 0, "a refused restore must not touch the database"
    assert not media_root.exists() or not any(media_root.iterdir())


def test_a_changed_file_is_refused_and_nothing_is_restored(backup, fresh_database, tmp_path):
    (backup / "media" / UPLOAD).write_bytes(b"altered bytes!")
    _refused(backup, fresh_database, tmp_path / "m", f"文件 media/{UPLOAD} 的 SHA-256")


def test_a_changed_database_file_is_refused(backup, fresh_database, tmp_path):
    manifest = json.loads((backup / "manifest.json").read_text())
    db_file = backup / manifest["database"]["file"]
    data = bytearray(db_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_file.write_bytes(bytes(data))
    _refused(backup, fresh_database, tmp_path / "m", "SHA-256")


def test_a_manifest_edited_to_another_checksum_is_refused(backup, fresh_database, tmp_path):
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][f"media/{UPLOAD}"]["sha256"] = "0" * 64
    path.write_text(json.dumps(manifest))
    _refused(backup, fresh_database, tmp_path / "m", "SHA-256")


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda b: (b / "media" / UPLOAD).unlink(), "备份缺少文件"),
        (lambda b: (b / "media" / "extra.txt").write_text("x"), "清单未列出"),
        (lambda b: (b / "manifest.json").write_text("{not json"), "manifest.json 无法读取"),
        (lambda b: (b / "manifest.json").unlink(), "没有 manifest.json"),
    ],
)
def test_missing_extra_or_unreadable_parts_are_refused(backup, fresh_database, tmp_path, damage, match):
    damage(backup)
    _refused(backup, fresh_database, tmp_path / "m", match)


def test_a_backup_from_a_newer_version_is_refused(backup, fresh_database, tmp_path):
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["schema"]["core"] = "9999_from_the_future"
    path.write_text(json.dumps(manifest))
    _refused(backup, fresh_database, tmp_path / "m", "core.9999_from_the_future")


def test_a_database_that_is_not_empty_is_refused(backup, tmp_path):
    # The suite's own database has every table: exactly the live data a restore must never merge into.
    with pytest.raises(BackupError, match="不是空的"):
        restore_backup(backup, database=connection.settings_dict, media_root=tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_an_upload_folder_that_is_not_empty_is_refused(backup, fresh_database, tmp_path):
    media = tmp_path / "m"
    media.mkdir()
    (media / "keep.txt").write_text("live upload")
    with pytest.raises(BackupError, match="上传文件夹"):
        restore_backup(backup, database=fresh_database, media_root=media)
    assert _tables(fresh_database) == 0
    assert _files(media) == {"keep.txt": b"live upload"}


def test_the_restore_command_says_why_it_refuses(backup, settings, tmp_path):
    (backup / "media" / UPLOAD).write_bytes(b"altered")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(backup))


def test_backup_never_writes_into_a_folder_that_has_files(backup, tmp_path):
    with pytest.raises(CommandError, match="--out"):
        call_command("backup", out=backup)
    assert not backup.with_name(backup.name + ".partial").exists()


def test_nightly_backups_keep_the_newest_n_and_clear_interrupted_ones(tmp_path, settings):
    settings.KECHUANG_BACKUP_DIR = tmp_path / "nightly"
    made = []
    for day in (1, 2, 3):
        with time_machine.travel(f"2026-12-0{day} 02:00:00+08:00", tick=False):
            made.append(nightly_backup(keep=2))
    assert [b.path for b in backups.list_backups()] == [made[2], made[1]]
    assert made[2].name == "kechuang-20261203-020000"

    interrupted = settings.KECHUANG_BACKUP_DIR / "kechuang-20261204-020000.partial"
    interrupted.mkdir()
    with time_machine.travel("2026-12-04 02:00:05+08:00", tick=False):
        nightly_backup(keep=2)
    assert not interrupted.exists()
    assert len(backups.list_backups()) == 2


def test_the_nightly_task_runs_once_when_several_workers_enqueue_it(tmp_path, settings):
    from kechuang.core.tasks import nightly_backup as task

    settings.KECHUANG_BACKUP_DIR = tmp_path / "nightly"
    task.call_local()
    task.call_local()
    assert len(backups.list_backups()) == 1


def test_a_keep_of_zero_is_refused(tmp_path):
    with pytest.raises(BackupError, match="KECHUANG_BACKUP_KEEP"):
        nightly_backup(tmp_path, keep=0)
    assert not any(tmp_path.iterdir())


def test_admins_see_the_backups_others_are_refused(city, client, settings, tmp_path):
    settings.KECHUANG_BACKUP_DIR = tmp_path / "nightly"
    nightly_backup(keep=3)
    client.force_login(city["users"]["admin"])
    page = client.get("/backups/").content.decode()
    assert page.count('data-testid="backup-row"') == 1
    assert " MB</td>" in page
    assert ("SQLite" if connection.vendor == "sqlite" else "PostgreSQL") in page
    assert 'data-testid="backup-overdue"' not in page
    client.force_login(city["users"]["staff"])
    assert client.get("/backups/").status_code == 403
    assert 'data-testid="nav-backups"' not in client.get("/").content.decode()


def test_the_page_warns_when_no_recent_backup_exists(city, client, settings, tmp_path):
    settings.KECHUANG_BACKUP_DIR = tmp_path / "none-yet"
    client.force_login(city["users"]["admin"])
    page = client.get("/backups/").content.decode()
    assert 'data-testid="backup-overdue"' in page and "还没有备份" in page


def test_symbolic_links_in_the_upload_folder_are_left_out(tmp_path, settings, fresh_database):
    default_storage.save(UPLOAD, ContentFile(b"real upload"))
    (Path(settings.MEDIA_ROOT) / "link-to-secrets").symlink_to("/etc/hostname")
    folder = create_backup(tmp_path / "b")
    assert not (folder / "media" / "link-to-secrets").exists()
    restore_backup(folder, database=fresh_database, media_root=tmp_path / "m")  # verifies cleanly
    assert _files(tmp_path / "m") == {UPLOAD: b"real upload"}
