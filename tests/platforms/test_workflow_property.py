"""Property tests of the report and evaluation workflows: whatever sequence of actions by whichever
users, no record reaches an illegal state, a refused action changes nothing, and every status change
is in the audit table."""

import datetime as dt
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.platforms import reports, services
from kechuang.platforms.models import AnnualReport, CarrierStatus, Platform
from kechuang.programs.models import Transition

from . import builders as b

pytestmark = pytest.mark.django_db

_years = itertools.count(1)
ACTIONS = [
    "save",
    "bad_save",
    "submit",
    "send_back",
    "accept",
    "evaluate",
    "support",
    "warning",
    "withdrawal",
    "withdraw",
]
USERS = ["host", "staff", "leader", "district", "other"]


def _state(report, platform):
    report.refresh_from_db()
    platform.refresh_from_db()
    return (
        report.status, report.version, dict(report.figures), report.score, report.grade, report.decision,
        platform.status, Transition.objects.count(),
    )  # fmt: skip


def _audited(obj) -> list[Transition]:
    return list(
        Transition.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
    )


def _run(action, user, report, year):
    if action == "save":
        return reports.save_report(user, report, b.FIGURES, "本年度完成研发任务。")
    if action == "bad_save":
        return reports.save_report(user, report, {"staff": "-3"}, "本年度完成研发任务。")
    if action == "submit":
        return reports.submit_report(user, report)
    if action == "send_back":
        return reports.send_back(user, report, "数据需核实")
    if action == "accept":
        return reports.accept(user, report)
    if action == "evaluate":
        return reports.evaluate(user, year, "platform")
    if action in ("support", "warning", "withdrawal"):
        return reports.decide(user, report, action, "意见")
    return services.withdraw(user, report.platform, "弄虚作假")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(USERS)), min_size=1, max_size=12))
def test_report_and_platform_workflow(city, steps):
    year = 1900 + next(_years)  # each example evaluates only its own report
    users = {**city["users"], "host": city["users"]["enterprise"], "other": city["users"]["other_district"]}
    platform = b.platform(city["e1"].organisation, name=f"属性测试平台{year}")
    report = AnnualReport.objects.create(platform=platform, year=year, due_on=dt.date.today())
    for action, who in steps:
        before = _state(report, platform)
        try:
            _run(action, users[who], report, year)
        except (ValidationError, PermissionDenied):
            assert _state(report, platform) == before, f"{action} by {who} was refused but changed something"
            continue
        after = _state(report, platform)
        assert after[0] in AnnualReport.Status.values and after[6] in CarrierStatus.values
        changed = (before[0] != after[0]) + (before[6] != after[6])
        # Every status change has its audit row, and the rows chain: each starts where the last ended.
        assert after[7] - before[7] >= changed
        for obj in (report, platform):
            rows = [t for t in _audited(obj) if t.from_status]
            for prev, nxt in itertools.pairwise(rows):
                assert prev.to_status == nxt.from_status
            if rows:
                assert rows[-1].to_status == obj.status
        # Only the host files, only city staff decide.
        if action in ("save", "submit"):
            assert who == "host"
        if action in ("send_back", "accept", "evaluate", "support", "warning", "withdrawal", "withdraw"):
            assert who == "staff"


def test_grade_needs_accepted_report_and_withdrawn_platform_stays_withdrawn(city):
    platform = b.platform(city["e1"].organisation)
    staff = city["users"]["staff"]
    services.withdraw(staff, platform, "依托单位注销")
    with pytest.raises(ValidationError):
        services.withdraw(staff, Platform.objects.get(pk=platform.pk), "再次撤销")
    assert Platform.objects.get(pk=platform.pk).status == CarrierStatus.WITHDRAWN
