"""Registry, scoping per role, reports and evaluation, reminders, indicators and the import."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import Workbook

from kechuang.core.models import ImportRun, Notification
from kechuang.enterprises.models import DerivedLabel
from kechuang.platforms import importing, indicators, reports, services
from kechuang.platforms.models import AnnualReport, CarrierStatus, Level, Platform
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(city):
    p1 = b.platform(city["e1"].organisation, name="张店平台")
    p2 = b.platform(city["e2"].organisation, name="淄川平台")
    return p1, p2


@pytest.mark.parametrize(
    "who, expected",
    [
        ("staff", {"张店平台", "淄川平台"}), ("leader", {"张店平台", "淄川平台"}), ("district", {"张店平台"}),
        ("other_district", {"淄川平台"}), ("enterprise", {"张店平台"}), ("institute", set()), ("expert", set()),
    ],
)  # fmt: skip
def test_platform_scoping_per_role(city, two, who, expected):
    assert {p.name for p in services.visible_platforms(city["users"][who])} == expected


def test_only_city_staff_edit_the_registry(city):
    data = {"name": "新平台", "kind": Platform.Kind.KEY_LAB, "level": Level.CITY, "host": city["uni"]}
    for who in ("leader", "district", "enterprise", "expert"):
        with pytest.raises(PermissionDenied):
            services.save_platform(city["users"][who], data)
    assert not Platform.objects.exists()
    platform = services.save_platform(city["users"]["staff"], data)
    assert platform.transitions.get().action == "register"


def test_bad_platform_is_refused_naming_the_field(city):
    staff = city["users"]["staff"]
    base = {"name": "新平台", "kind": Platform.Kind.KEY_LAB, "level": Level.CITY, "host": city["uni"]}
    with pytest.raises(ValidationError) as exc:
        services.save_platform(staff, {**base, "staff": 3, "senior_staff": 5})
    assert "senior_staff" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_platform(staff, {**base, "recognised_on": timezone.localdate() + dt.timedelta(days=1)})
    assert "recognised_on" in exc.value.message_dict
    assert not Platform.objects.exists()


def test_report_scoping_and_filing(city, two):
    p1, _p2 = two
    report = b.filed(city, p1)
    assert report.status == AnnualReport.Status.SUBMITTED and report.version == 1
    assert set(reports.visible_reports(city["users"]["district"])) == {report}
    assert not reports.visible_reports(city["users"]["other_district"]).filter(pk=report.pk).exists()
    with pytest.raises(PermissionDenied):
        reports.save_report(city["users"]["district"], report, b.FIGURES, "总结总结总结总结总结")


def test_incomplete_or_bad_figures_are_refused(city, two):
    p1, _ = two
    reports.open_year(city["users"]["staff"], 2025, timezone.localdate() + dt.timedelta(days=5))
    report = AnnualReport.objects.get(platform=p1)
    user = city["users"]["enterprise"]
    with pytest.raises(ValidationError) as exc:
        reports.save_report(user, report, {"staff": "abc", "nonsense": "1"}, "")
    assert {"staff", "nonsense"} <= set(exc.value.message_dict)
    report = reports.save_report(user, report, {"staff": "3"}, "总结")
    with pytest.raises(ValidationError) as exc:
        reports.submit_report(user, report)
    assert "rd_expense_yuan" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.DRAFT and report.version == 1


def test_evaluation_scores_relatively_grades_by_bands_and_decides(city, two):
    p1, p2 = two
    staff = city["users"]["staff"]
    reports.open_year(staff, 2025, timezone.localdate() + dt.timedelta(days=5))
    strong, weak = AnnualReport.objects.get(platform=p1), AnnualReport.objects.get(platform=p2)
    AnnualReport.objects.filter(pk=strong.pk).update(
        figures={k: str(int(v) * 2) for k, v in b.FIGURES.items()}, status="accepted"
    )
    AnnualReport.objects.filter(pk=weak.pk).update(figures=b.FIGURES, status="accepted")
    graded = {r.pk: r for r in reports.evaluate(staff, 2025, "platform")}
    assert graded[strong.pk].score == Decimal("100.00") and graded[strong.pk].grade == "优秀"
    assert graded[weak.pk].score == Decimal("0.00") and graded[weak.pk].grade == "不合格"
    assert Platform.objects.get(pk=p1.pk).status == CarrierStatus.UNDER_EVALUATION
    assert reports.suggested_decision(graded[weak.pk]) == "warning"
    with pytest.raises(ValidationError) as exc:
        reports.decide(staff, graded[weak.pk], "warning", "")
    assert "opinion" in exc.value.message_dict
    reports.decide(staff, graded[weak.pk], "warning", "研发投入不足，限期整改")
    assert Platform.objects.get(pk=p2.pk).status == CarrierStatus.WARNED
    reports.decide(staff, graded[strong.pk], "support")
    assert Platform.objects.get(pk=p1.pk).status == CarrierStatus.ACTIVE


def test_bands_are_data(city):
    from kechuang.platforms.models import GradeBand

    GradeBand.objects.filter(code="excellent").update(min_score=Decimal("95"))
    assert reports.grade_for(Decimal("90")).name == "良好"
    assert reports.grade_for(Decimal("95")).name == "优秀"


def test_reminders_go_once_a_day_to_the_host(city, two):
    _p1, _ = two
    today = timezone.localdate()
    reports.open_year(city["users"]["staff"], 2025, today + dt.timedelta(days=3))
    Notification.objects.all().delete()
    assert reports.remind_due(today) == 2
    assert reports.remind_due(today) == 0
    assert Notification.objects.filter(user=city["users"]["enterprise"]).count() == 1
    assert reports.remind_due(today + dt.timedelta(days=1)) == 2


def test_indicators_count_by_district_and_coverage(city):
    zd, zc = city["zd"], city["zc"]
    b.platform(
        city["e1"].organisation, name="甲研发中心", level=Level.PROVINCIAL, recognised_on=dt.date(2025, 5, 1)
    )
    b.platform(city["uni"], name="大学实验室", recognised_on=dt.date(2020, 5, 1))
    b.platform(
        city["e2"].organisation,
        name="撤销的",
        status=CarrierStatus.WITHDRAWN,
        recognised_on=dt.date(2020, 5, 1),
    )
    b.platform(city["e2"].organisation, name="明年的", recognised_on=dt.date(2026, 1, 2))
    counts = indicators.platform_count(2025)
    assert counts[None].value == 2 and counts[zd.pk].value == 2 and zc.pk not in counts
    assert indicators.new_provincial_platforms(2025)[None].value == 1
    e3 = f.enterprise(zc)
    for ent, status in ((city["e1"], "yes"), (city["e2"], "yes"), (e3, "unknown")):
        DerivedLabel.objects.create(
            enterprise=ent, year=2025, code="above_scale", status=status, rule_version="t"
        )
    cov = indicators.rd_institution_coverage(2025)
    assert cov[None].value == Decimal("0.5") and cov[None].numerator == 1 and cov[None].denominator == 2
    assert cov[None].unknown == 1
    assert cov[zc.pk].value == 0
    assert indicators.rd_institution_coverage(2019)[None].value is None


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_is_all_or_nothing_and_idempotent(city):
    staff = city["users"]["staff"]
    header, _example = importing.template_rows()
    good = [
        header,
        [
            "甲重点实验室",
            "重点实验室",
            "省级",
            "山东理工大学",
            "",
            "新材料",
            "2024-06-30",
            "文号",
            "30",
            "10",
            "1280",
        ],
    ]
    bad = [*good, ["乙中心", "不存在的类型", "市级", "没有这家", "", "", "2099-01-01", "", "-1", "", "abc"]]
    outcome = importing.import_platforms(_xlsx(bad), "名录.xlsx", staff)
    assert not outcome.ok and not Platform.objects.exists()
    columns = {e.column for e in outcome.errors}
    assert {"平台类型", "依托单位", "认定日期", "固定人员（人）", "仪器设备原值（万元）"} <= columns
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED
    outcome = importing.import_platforms(_xlsx(good), "名录.xlsx", staff)
    assert outcome.ok and outcome.counts["created"] == 1
    p = Platform.objects.get()
    assert (
        p.equipment_yuan == Decimal("12800000.00") and p.level == Level.PROVINCIAL and p.host == city["uni"]
    )
    assert importing.import_platforms(_xlsx(good), "名录.xlsx", staff).counts["unchanged"] == 1
    with pytest.raises(PermissionDenied):
        importing.import_platforms(_xlsx(good), "名录.xlsx", city["users"]["district"])


def test_hostile_upload_is_refused_by_the_core_reader(city):
    outcome = importing.import_platforms(b"PK\x03\x04not a zip", "名录.xlsx", city["users"]["staff"])
    assert not outcome.ok and outcome.errors[0].row == 0
