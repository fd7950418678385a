"""The production topology's settings: a bounded PostgreSQL pool, Redis for the queue when named,
and the gunicorn options ``kechuang serve`` starts with."""

import importlib

import pytest
from django.db import connection

from kechuang import settings as project_settings
from kechuang.core.management.commands.serve import gunicorn_options

PG = "postgres://kc@db.example:5432/kechuang"


def test_postgresql_gets_a_pool_sized_by_the_web_threads_and_no_persistent_connections():
    db = project_settings.database_config({"DATABASE_URL": PG, "KECHUANG_WEB_THREADS": "6"})
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 6, "timeout": 10.0}
    # Django refuses a pool alongside CONN_MAX_AGE; persistent per-thread connections were the leak.
    assert db["CONN_MAX_AGE"] == 0


def test_pool_size_from_its_own_variables_and_min_never_above_max():
    env = {"DATABASE_URL": PG, "KECHUANG_DB_POOL_MAX": "3", "KECHUANG_DB_POOL_MIN": "5"}
    assert project_settings.database_config(env)["OPTIONS"]["pool"]["max_size"] == 3
    assert project_settings.database_config(env)["OPTIONS"]["pool"]["min_size"] == 3


def test_pool_can_be_switched_off_for_an_external_pooler():
    db = project_settings.database_config(
        {"DATABASE_URL": PG, "KECHUANG_DB_POOL_MAX": "0", "KECHUANG_DB_CONN_MAX_AGE": "0"}
    )
    assert "pool" not in db.get("OPTIONS", {})


def test_sqlite_has_no_pool():
    db = project_settings.database_config({})
    assert db["ENGINE"].endswith("sqlite3")
    assert "pool" not in db["OPTIONS"]


@pytest.mark.parametrize("variable", ["KECHUANG_REDIS_URL", "REDIS_URL"])
def test_redis_url_moves_the_queue_to_redis(monkeypatch, variable):
    monkeypatch.delenv("KECHUANG_REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv(variable, "redis://127.0.0.1:6379/7")
    monkeypatch.setenv("KECHUANG_TASK_WORKERS", "5")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.HUEY["huey_class"] == "huey.RedisHuey"
        assert reloaded.HUEY["connection"] == {"url": "redis://127.0.0.1:6379/7"}
        assert reloaded.HUEY["consumer"]["workers"] == 5
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
    assert project_settings.HUEY["huey_class"] == "huey.SqliteHuey"


def test_serve_runs_threaded_workers_without_a_shared_control_socket():
    options = gunicorn_options(bind="127.0.0.1:9000", workers=3, threads=4, timeout=60)
    assert (options["bind"], options["workers"], options["threads"]) == ("127.0.0.1:9000", 3, 4)
    assert options["worker_class"] == "gthread"
    # Two app servers on one machine would otherwise both claim ~/.gunicorn/gunicorn.ctl.
    assert options["control_socket_disable"] is True


def test_every_serve_option_is_one_gunicorn_knows():
    from gunicorn.config import Config

    known = Config().settings
    unknown = set(gunicorn_options(bind="x", workers=1, threads=1, timeout=1)) - set(known)
    assert not unknown


@pytest.mark.django_db
def test_the_database_in_use_is_pooled_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1
    assert connection.pool is not None


def test_worker_runs_the_huey_consumer_with_the_threads_from_settings(monkeypatch, settings):
    from django.core.management import call_command

    calls = []
    monkeypatch.setattr(
        "kechuang.core.management.commands.worker.call_command", lambda *a, **k: calls.append((a, k))
    )
    settings.TASK_WORKERS = 3
    call_command("worker")
    call_command("worker", "--threads", "5")
    assert calls == [
        (("run_huey",), {"workers": 3, "worker_type": "thread"}),
        (("run_huey",), {"workers": 5, "worker_type": "thread"}),
    ]
