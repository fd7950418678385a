"""Imports cut off by a crash are marked refused with the reason, never left "running" (issue 10,
point 4): at worker start, by the periodic sweep and when the import pages are opened."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from kechuang.core import tasks
from kechuang.core.imports import fail_interrupted_imports
from kechuang.core.models import ImportRun
from kechuang.enterprises import importing
from kechuang.enterprises.tasks import run_facts_import
from kechuang.experts import importing as expert_importing

from ..enterprises.test_import import csv_of, row
from ..factories import make_uscc

REASON = "导入中断（服务重启或进程终止），未写入任何数据，请重新导入"


def run(status=ImportRun.Status.RUNNING, *, minutes_ago: int, heartbeat_minutes_ago: int | None = None, **kw):
    r = ImportRun.objects.create(
        kind=kw.pop("kind", importing.KIND), filename="f.csv", sha256="0", status=status
    )
    now = timezone.now()
    heartbeat = None if heartbeat_minutes_ago is None else now - dt.timedelta(minutes=heartbeat_minutes_ago)
    ImportRun.objects.filter(pk=r.pk).update(
        created_at=now - dt.timedelta(minutes=minutes_ago), heartbeat_at=heartbeat
    )
    return r


def status(r: ImportRun) -> str:
    return ImportRun.objects.get(pk=r.pk).status


def test_only_silent_running_imports_are_marked(db, settings):
    settings.KECHUANG_IMPORT_STALE_MINUTES = 30
    silent = run(minutes_ago=120, heartbeat_minutes_ago=45)
    never_beat = run(minutes_ago=45, kind=expert_importing.EXPERT_KIND)
    long_but_alive = run(minutes_ago=120, heartbeat_minutes_ago=1)
    just_started = run(minutes_ago=5)
    queued = run(ImportRun.Status.QUEUED, minutes_ago=120)
    accepted = run(ImportRun.Status.ACCEPTED, minutes_ago=120)

    assert fail_interrupted_imports() == 2

    for r in (silent, never_beat):
        r.refresh_from_db()
        assert r.status == ImportRun.Status.REFUSED and r.finished_at is not None
        assert r.errors == [{"row": 0, "column": "", "value": "", "rule": REASON}]
    assert [status(r) for r in (long_but_alive, just_started, queued, accepted)] == [
        "running",
        "running",
        "queued",
        "accepted",
    ]
    assert fail_interrupted_imports() == 0


def test_a_starting_worker_marks_imports_cut_off(db):
    assert HUEY._startup["fail_imports_cut_off_by_a_restart"] is tasks.fail_imports_cut_off_by_a_restart
    cut_off = run(minutes_ago=90)
    tasks.fail_imports_cut_off_by_a_restart()
    assert status(cut_off) == ImportRun.Status.REFUSED


def test_the_periodic_sweep_marks_imports_cut_off(db):
    cut_off = run(minutes_ago=90)
    tasks.sweep_interrupted_imports.call_local()
    assert status(cut_off) == ImportRun.Status.REFUSED


def test_the_import_page_reports_a_run_cut_off(client, city):
    user = city["users"]["staff"]
    cut_off = run(minutes_ago=90)
    ImportRun.objects.filter(pk=cut_off.pk).update(user=user)
    client.force_login(user)
    html = client.get(reverse("facts_import"), {"run": cut_off.pk}).content.decode()
    assert status(cut_off) == ImportRun.Status.REFUSED
    assert 'data-testid="import-refused"' in html and REASON in html


def test_expert_import_page_reports_a_run_cut_off(client, city):
    cut_off = run(minutes_ago=90, kind=expert_importing.EXPERT_KIND)
    client.force_login(city["users"]["staff"])
    assert client.get(reverse("expert_import")).status_code == 200
    assert status(cut_off) == ImportRun.Status.REFUSED


def test_a_background_import_records_its_heartbeat(city):
    data = csv_of([row(make_uscc(900011))])
    queued = importing.start_import(data, "f.csv", city["users"]["staff"], status=ImportRun.Status.QUEUED)
    assert queued.heartbeat_at is None
    run_facts_import(queued.pk)  # in-line under tests
    queued.refresh_from_db()
    assert queued.status == ImportRun.Status.ACCEPTED and queued.heartbeat_at is not None
