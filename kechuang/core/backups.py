"""Back up and restore the whole platform: the database, the uploaded files and a manifest.

A backup is one folder::

    manifest.json          format, time, versions, schema (latest migration per app), SHA-256 of every file
    database.pgdump        PostgreSQL: ``pg_dump --format=custom`` of the configured database
    database.sqlite3       SQLite: a copy made with SQLite's online backup API (safe while the site runs)
    media/...              the uploaded files (MEDIA_ROOT) as they were

``create_backup`` writes into ``<out>.partial`` and renames it at the end, so a folder with a manifest is
always a complete backup. ``restore_backup`` checks every checksum before it touches anything and writes
only into an empty database and an empty upload folder: a restore never merges into live data.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import django
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Role
from .permissions import Decision, role_of

MANIFEST = "manifest.json"
FORMAT = 1
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
NIGHTLY_PREFIX = "kechuang-"


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message is for the person running it."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime | None
    size_bytes: int
    files: int
    vendor: str
    kechuang_version: str

    @property
    def size_mb(self) -> float:
        return self.size_bytes / 1e6

    @property
    def database_label(self) -> str:
        return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(self.vendor, _("未知"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(_("不支持的数据库类型 {engine}：只能备份 SQLite 和 PostgreSQL").format(engine=engine))


def _pg_env(db: dict) -> dict:
    """libpq's environment variables, so that the password never appears on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(cmd: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            _("找不到 {program}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client）").format(
                program=cmd[0]
            )
        ) from exc
    if done.returncode != 0:
        raise BackupError(_("{what}失败：{detail}").format(what=what, detail=done.stderr.strip()[-2000:]))


def schema_version(alias: str = "default") -> dict[str, str]:
    """The latest applied migration of each app: what a restored database must be migrated from."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _dump_database(alias: str, target_dir: Path) -> tuple[str, str]:
    connection = connections[alias]
    db = connection.settings_dict
    vendor = _vendor(db)
    if vendor == "postgresql":
        target = target_dir / PG_DUMP
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            _pg_env(db),
            _("导出 PostgreSQL 数据库"),
        )
        return vendor, PG_DUMP
    # Through Django's own connection: it is also the only way to reach the in-memory database of tests.
    connection.ensure_connection()
    destination = sqlite3.connect(target_dir / SQLITE_COPY)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    return vendor, SQLITE_COPY


def _copy_media(media_root: Path, target: Path) -> None:
    if not media_root.is_dir():
        target.mkdir()
        return
    # Symbolic links are left out: uploads are plain files, and a link could point anywhere on the server.
    shutil.copytree(
        media_root, target, ignore=lambda folder, names: [n for n in names if (Path(folder) / n).is_symlink()]
    )


def _files_of(folder: Path) -> dict[str, dict]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != MANIFEST:
            rel = path.relative_to(folder).as_posix()
            files[rel] = {"sha256": _sha256(path), "size": path.stat().st_size}
    return files


def create_backup(out: Path, *, alias: str = "default") -> Path:
    """Write a complete backup into ``out`` (which must not exist yet, or be empty) and return it."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(_("--out：{path} 已存在且不是空文件夹，备份不会覆盖已有文件").format(path=out))
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        # The database first, then the files: a file uploaded in between is an unused extra, whereas
        # the other order could restore records whose files are missing.
        vendor, db_file = _dump_database(alias, partial)
        _copy_media(Path(settings.MEDIA_ROOT), partial / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "kechuang_version": metadata.version("kechuang"),
            "django_version": django.get_version(),
            "database": {"vendor": vendor, "file": db_file},
            "schema": schema_version(alias),
            "files": _files_of(partial),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(_("{path} 中没有 manifest.json，不是一份完整的备份").format(path=folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(_("manifest.json 无法读取（{error}），备份可能已损坏").format(error=exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("manifest.json 的格式版本不是 {format}，无法恢复").format(format=FORMAT))
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("database"), dict):
        raise BackupError(_("manifest.json 缺少 files 或 database 项，备份可能已损坏"))
    return manifest


def verify_backup(folder: Path) -> dict:
    """The manifest, once every file in the folder matches it exactly; else BackupError naming the file."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    listed = manifest["files"]
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != MANIFEST
    }
    if missing := sorted(set(listed) - present):
        raise BackupError(_("备份缺少文件：{files}").format(files="、".join(missing[:5])))
    if extra := sorted(present - set(listed)):
        raise BackupError(_("备份中有清单未列出的文件：{files}").format(files="、".join(extra[:5])))
    for rel, expected in listed.items():
        path = folder / rel
        if path.is_symlink() or not isinstance(expected, dict) or _sha256(path) != expected.get("sha256"):
            raise BackupError(
                _("文件 {file} 的 SHA-256 校验值与清单不符，备份已被改动或损坏").format(file=rel)
            )
    db_file = manifest["database"].get("file")
    if db_file not in (PG_DUMP, SQLITE_COPY) or db_file not in listed:
        raise BackupError(_("manifest.json 中的数据库文件 {file} 无效").format(file=db_file))
    return manifest


def _check_schema_known(manifest: dict) -> None:
    """Refuse a backup made by a newer version: its migrations are unknown here and could not be run."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}"
        for app, name in (manifest.get("schema") or {}).items()
        if app in {a for a, _ in known} and (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            _("备份来自较新的版本（本版本没有迁移 {migrations}），请先升级平台再恢复").format(
                migrations="、".join(unknown[:5])
            )
        )


def _pg_tables(db: dict) -> int:
    import psycopg

    params = {k: v for k, v in _pg_conninfo(db).items() if v}
    with psycopg.connect(**params) as conn:
        return conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]


def _pg_conninfo(db: dict) -> dict:
    return {
        "dbname": db["NAME"],
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
    }


def _sqlite_tables(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')").fetchone()[
            0
        ]


def restore_backup(folder: Path, *, database: dict | None = None, media_root: Path | None = None) -> dict:
    """Restore ``folder`` into an empty database and an empty upload folder; return the manifest.

    ``database`` is a Django DATABASES entry (default: the configured one), ``media_root`` the upload
    folder (default: MEDIA_ROOT). Every check runs before anything is written.
    """
    folder = Path(folder)
    database = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = verify_backup(folder)
    _check_schema_known(manifest)
    vendor = _vendor(database)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            _("备份的数据库是 {backup}，目标数据库是 {target}：只能恢复到同一种数据库").format(
                backup=manifest["database"]["vendor"], target=vendor
            )
        )
    tables = _pg_tables(database) if vendor == "postgresql" else _sqlite_tables(database["NAME"])
    if tables:
        raise BackupError(
            _(
                "目标数据库 {name} 不是空的（已有 {n} 张表），未做改动：恢复只写入新建的空数据库，"
                "请新建一个数据库后再恢复"
            ).format(name=database["NAME"], n=tables)
        )
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(
            _("上传文件夹 {path} 不是空的，未做改动：恢复只写入空的上传文件夹").format(path=media_root)
        )

    # Files go to a staging folder first; it replaces the empty upload folder only once the database
    # is in, so a failed database restore leaves no half-restored uploads behind.
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=media_root.parent))
    try:
        shutil.copytree(folder / MEDIA, staging / "media", symlinks=True, dirs_exist_ok=True)
        db_file = folder / manifest["database"]["file"]
        if vendor == "postgresql":
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={database['NAME']}",
                    str(db_file),
                ],
                _pg_env(database),
                _("恢复 PostgreSQL 数据库"),
            )
        else:
            source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
            target = sqlite3.connect(database["NAME"])
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        if media_root.exists():
            media_root.rmdir()
        (staging / "media").rename(media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def can_view_backups(actor) -> Decision:
    if role_of(actor) == Role.ADMIN:
        return Decision(True)
    return Decision(False, _("只有系统管理员可以查看备份"))


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def list_backups(base: Path | None = None) -> list[BackupInfo]:
    """The complete backups under ``base`` (default KECHUANG_BACKUP_DIR), newest first."""
    base = Path(base or settings.KECHUANG_BACKUP_DIR)
    found = []
    for folder in sorted(base.glob(f"{NIGHTLY_PREFIX}*"), reverse=True):
        if not (folder / MANIFEST).is_file():
            continue
        try:
            manifest = read_manifest(folder)
        except BackupError:
            manifest = {}
        created = manifest.get("created_at")
        found.append(
            BackupInfo(
                path=folder,
                created_at=datetime.fromisoformat(created) if created else None,
                size_bytes=_folder_size(folder),
                files=len(manifest.get("files", {})),
                vendor=(manifest.get("database") or {}).get("vendor", ""),
                kechuang_version=manifest.get("kechuang_version", ""),
            )
        )
    return found


def nightly_backup(base: Path | None = None, keep: int | None = None) -> Path:
    """One dated backup under ``base``, then delete all but the newest ``keep`` (settings by default)."""
    base = Path(base or settings.KECHUANG_BACKUP_DIR)
    keep = settings.KECHUANG_BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError(_("KECHUANG_BACKUP_KEEP 应为正整数，当前为 {keep}").format(keep=keep))
    base.mkdir(parents=True, exist_ok=True)
    made = create_backup(base / f"{NIGHTLY_PREFIX}{timezone.localtime():%Y%m%d-%H%M%S}")
    prune_backups(base, keep)
    return made


def prune_backups(base: Path, keep: int) -> list[Path]:
    """Delete complete backups beyond the newest ``keep`` and partial ones left by an interrupted run."""
    removed = []
    for info in list_backups(base)[keep:]:
        shutil.rmtree(info.path)
        removed.append(info.path)
    for partial in base.glob(f"{NIGHTLY_PREFIX}*.partial"):
        shutil.rmtree(partial, ignore_errors=True)
        removed.append(partial)
    return removed
