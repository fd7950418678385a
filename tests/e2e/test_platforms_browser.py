"""The platform journey in the browser: staff open a recognition call on the platforms page; a host
enterprise applies on the programme pages to have its R&D centre recognised; its district endorses;
the city passes the formal check, and — after the expert review and the public notice, moved forward
through the services as the programme tests do — formally recognises it on the award page, which
creates the platform. Staff open the year's reporting, the host files its annual report, staff accept
it, score and grade it, and decide to keep supporting it. Every status change is in the audit trail.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.platforms.models import AnnualReport, Platform
from kechuang.programs import services as programmes
from kechuang.programs.models import Application, Call
from kechuang.programs.services import awards
from tests.e2e.conftest import click_confirmed
from tests.e2e.test_programme_main_path import as_user, text
from tests.platforms.builders import FIGURES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CENTRE = "淄博甲科技先进陶瓷企业研发中心"


def test_platform_recognition_report_and_grade(page, city):
    _seed()
    today = timezone.localdate()
    year = today.year

    # 1. Staff create the recognition call on the platforms page; the guide goes through its review.
    as_user(page, "staff_u")
    page.goto("/platforms/recognition/")
    page.fill("#id_guide", "认定条件：在本市注册，研发条件完备，近三年研发投入持续增长。")
    page.fill("#id_opens_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_closes_on", (today + dt.timedelta(days=30)).isoformat())
    page.click("[data-testid=create-recognition]")
    assert text(page, "call-status") == "草稿"
    call = Call.objects.get()
    call = programmes.send_for_review(city["users"]["staff"], call)
    call = programmes.approve_call(city["users"]["leader"], call)
    programmes.publish_call(city["users"]["staff"], call)

    # 2. The host enterprise applies for its R&D centre on the programme pages.
    as_user(page, "ent_u")
    page.goto(f"/programs/calls/{call.pk}/")
    page.click("[data-testid=apply]")
    page.fill("#id_title", f"{CENTRE}认定申请")
    page.fill(
        "#id_abstract", "研发中心现有固定研发人员36人，仪器设备原值1280万元，申请认定为市级企业研发机构。"
    )
    page.fill("#id_requested_wan", "50")
    page.fill("#id_months", "12")
    page.fill("#id_f_platform_name", CENTRE)
    page.select_option("#id_f_platform_kind", label="企业研发机构")
    page.select_option("#id_f_level", label="市级")
    page.fill("#id_f_tech_field", "先进陶瓷")
    page.fill("#id_f_staff", "36")
    page.fill("#id_f_equipment_yuan", "1280")
    page.click("[data-testid=save-and-attach]")
    click_confirmed(page, "submit-application")
    assert text(page, "application-status") == "已提交"
    app = Application.objects.get()

    # 3. Its district endorses.
    as_user(page, "district_u")
    page.goto(f"/programs/applications/{app.pk}/")
    page.fill("#id_reason", "研发条件完备，同意推荐")
    click_confirmed(page, "endorse")
    assert text(page, "application-status") == "区县已推荐"

    # 4. The city passes the formal check on the page.
    as_user(page, "staff_u")
    page.goto(f"/programs/applications/{app.pk}/")
    page.click("[data-testid=run-check]")
    page.fill("#id_reason", "材料齐全")
    click_confirmed(page, "pass")
    assert text(page, "application-status") == "形式审查通过"

    # 5. Expert review and the public notice (the programme tests drive these pages), moved forward.
    _reviewed_and_noticed(city, call, app)
    award = app.award_record
    page.goto(f"/programs/awards/{award.pk}/")
    click_confirmed(page, "approve")
    assert text(page, "award-status") == "已立项"

    # 6. The platform exists, active, hosted by the enterprise.
    platform = Platform.objects.get()
    page.goto("/platforms/")
    page.click(f"text={CENTRE}")
    assert "运行中" in text(page, "platform-name")
    assert "先进陶瓷" in text(page, "platform-facts")

    # 7. Staff open the year's reporting.
    page.goto("/platforms/reports/")
    page.fill("#id_open_year", str(year - 1))
    page.fill("#id_due_on", (today + dt.timedelta(days=20)).isoformat())
    click_confirmed(page, "open-reports")
    report = AnnualReport.objects.get(platform=platform)

    # 8. The host files its annual report.
    as_user(page, "ent_u")
    page.goto(f"/platforms/{platform.pk}/")
    page.click(f"[data-testid=platform-reports] >> text={year - 1}年度")
    for code, value in FIGURES.items():
        page.fill(f"#id_f_{code}", value)
    page.fill("#id_summary", "本年度研发中心完成新产品开发3项，授权发明专利4件。")
    click_confirmed(page, "submit-report")
    assert text(page, "report-status") == "已提交"

    # 9. Staff accept it, score and grade the year, and decide.
    as_user(page, "staff_u")
    page.goto(f"/platforms/reports/{report.pk}/")
    page.click("[data-testid=accept-report]")
    assert text(page, "report-status") == "审核通过"
    page.goto("/platforms/reports/")
    page.fill("#id_eval_year", str(year - 1))
    page.select_option("#id_subject", "platform")
    page.click("[data-testid=run-evaluation]")
    page.goto(f"/platforms/reports/{report.pk}/")
    assert "优秀" in text(page, "grade")
    page.select_option("#id_decision", "support")
    click_confirmed(page, "decide")
    assert text(page, "report-status") == "已处理"
    assert "继续支持" in text(page, "grade")

    platform.refresh_from_db()
    assert platform.status == "active"
    actions = [t.action for t in platform.transitions.all()]
    assert actions == ["recognise", "begin_evaluation", "support"]
    assert [t.action for t in AnnualReport.objects.get(pk=report.pk).transitions.all()] == [
        "open", "submit", "accept", "grade", "support",
    ]  # fmt: skip


def _seed():
    import importlib

    from django.apps import apps

    from kechuang.platforms.models import GradeBand

    if not GradeBand.objects.exists():  # a transactional test's database is flushed of migration data
        importlib.import_module("kechuang.platforms.migrations.0002_seed_evaluation_system").seed(apps, None)


def _reviewed_and_noticed(city, call, app):
    from tests.platforms.builders import review_closed

    staff = city["users"]["staff"]
    call, app = review_closed(
        city, Call.objects.get(pk=call.pk), Application.objects.get(pk=app.pk), Decimal("88")
    )
    awards.propose_awards(staff, call, total_budget_yuan=Decimal(1_000_000))
    awards.start_notice(staff, call)
    call.awards.update(
        notice_starts=timezone.localdate() - dt.timedelta(days=10),
        notice_ends=timezone.localdate() - dt.timedelta(days=1),
    )
