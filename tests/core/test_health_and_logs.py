"""/healthz, request ids in logs and responses, the JSON log format, and the Server header."""

import io
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from kechuang.core import health, logs


@pytest.fixture(autouse=True)
def _no_heartbeat():
    HUEY.get(health.HEARTBEAT_KEY)  # a non-peeking get removes it
    yield
    HUEY.get(health.HEARTBEAT_KEY)


def test_healthz_is_200_when_every_check_passes_without_session_or_extra_queries(
    db, django_assert_num_queries
):
    health.record_heartbeat()
    with django_assert_num_queries(1):  # SELECT 1, nothing else: a load balancer calls it every few seconds
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "skipped", "worker": "ok", "disk": "ok"},
    }
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_naming_the_worker_when_no_heartbeat_came(db):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["worker"]


def test_a_stale_heartbeat_counts_as_a_dead_worker(db, settings):
    settings.KECHUANG_HEALTH_WORKER_STALE_SECONDS = 180
    HUEY.put(health.HEARTBEAT_KEY, time.time() - 181)
    assert Client().get("/healthz").json()["checks"]["worker"] == "fail"
    HUEY.put(health.HEARTBEAT_KEY, time.time() - 30)
    assert Client().get("/healthz").json()["checks"]["worker"] == "ok"


def test_the_worker_task_writes_the_heartbeat(db):
    from kechuang.core.tasks import worker_heartbeat

    worker_heartbeat.call_local()
    assert Client().get("/healthz").status_code == 200


def test_too_little_upload_space_fails_the_disk_check(db, settings):
    health.record_heartbeat()
    settings.KECHUANG_HEALTH_MIN_FREE_MB = 10**12  # an exabyte
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["disk"]


def test_an_unreachable_redis_fails_without_telling_why(db, monkeypatch):
    health.record_heartbeat()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert "127.0.0.1" not in response.content.decode() and "Error" not in response.content.decode()


def test_a_database_error_is_reported_as_fail_and_logged(db, monkeypatch, caplog):
    health.record_heartbeat()

    def broken():
        raise RuntimeError("connection refused by db.internal:5432")

    monkeypatch.setattr(health, "_database", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "db.internal" not in response.content.decode()
    assert "db.internal" in caplog.text


def test_healthz_answers_head_refuses_post_and_is_exempt_from_the_https_redirect(db, settings):
    health.record_heartbeat()
    client = Client()
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # the security middleware reads its settings when a client first loads it
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301


def test_each_response_gets_a_request_id(db):
    first, second = Client().get("/login/"), Client().get("/login/")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("0123456789abcdef0123456789abcdef", True),  # nginx's $request_id
        ("req-2026.12.07_a1", True),
        ("short", False),
        ("a" * 129, False),
        ("abc def ghi jkl", False),
        ('x"}, "level": "CRITICAL', False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_well_formed(db, incoming, kept):
    response = Client().get("/login/", headers={"x-request-id": incoming})
    assert (response["X-Request-ID"] == incoming) is kept
    if not kept:
        assert len(response["X-Request-ID"]) == 32


@pytest.fixture
def json_log():
    """The project's handler set-up (request-id filter, JSON formatter) on a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("kechuang")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_log_records_written_during_a_request_carry_its_id(db, json_log):
    Client().get("/login/", headers={"x-request-id": "abcdef0123456789"})
    (entry,) = json_log()
    assert entry["request_id"] == "abcdef0123456789"
    assert entry["logger"] == "kechuang.request"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/login/", 200)
    assert entry["duration_ms"] >= 0


def test_records_outside_a_request_have_no_id_and_exceptions_stay_one_line(json_log):
    log = logging.getLogger("kechuang.test")
    try:
        raise ValueError("统一社会信用代码校验位错误")
    except ValueError:
        log.exception("导入失败")
    (entry,) = json_log()
    assert entry["request_id"] == "-"
    assert entry["message"] == "导入失败"
    assert "统一社会信用代码校验位错误" in entry["exception"]


@pytest.mark.parametrize(("value", "formatter"), [("json", "json"), ("", "plain")])
def test_kechuang_log_format_chooses_the_formatter(tmp_path, value, formatter):
    env = {**os.environ, "KECHUANG_LOG_FORMAT": value, "KECHUANG_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import kechuang.settings as s; print(s.LOGGING['handlers']['console']['formatter'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == formatter


def test_django_responses_carry_no_server_header(db):
    assert "Server" not in Client().get("/login/")
    assert "Server" not in Client().get("/healthz")


def test_the_development_server_does_not_name_python(live_server):
    """runserver and the browser tests' live server are wsgiref underneath, which would say
    "Server: WSGIServer/0.2 CPython/3.11.x"."""
    try:
        response = urllib.request.urlopen(f"{live_server.url}/healthz")
    except urllib.error.HTTPError as exc:  # 503 without a worker is fine here; headers are the point
        response = exc
    server = response.headers.get_all("Server")
    assert server == ["Kechuang"]
    assert "python" not in str(response.headers).lower()
