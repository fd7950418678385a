"""Each role signs in, finds its waiting item on the workbench, clicks it and does it there."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.programs.models import Application, Award, Call, Milestone
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.test_review_fixtures import make_call, open_round, rv_fixture  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _waiting_application(city, status=Application.Status.SUBMITTED) -> Application:
    call = make_call(city["users"]["staff"], n_apps=0, needs_endorsement=True, attachment_kinds=[])
    call.status = Call.Status.PUBLISHED
    call.closes_on = timezone.localdate() + dt.timedelta(days=10)
    call.save()
    return Application.objects.create(
        call=call, applicant=city["e1"].organisation, title="氮化硅陶瓷轴承球近净成形", abstract="研究氮化硅陶瓷。",
        requested_yuan=Decimal(2_000_000), months=12, schema_version=1, status=status, submitted_at=timezone.now(),
        form_data={"leader": "张伟", "goals": "示范线"},
    )  # fmt: skip


def test_district_endorses_from_the_workbench(page, city):
    app = _waiting_application(city)
    sign_in(page, "district_u", f.PASSWORD)
    page.goto("/")
    assert page.inner_text("[data-testid=todo-count]") == "1"
    page.click("[data-testid=todo]:has-text('待区县推荐的申报')")
    page.fill("#id_reason", "企业研发基础较好，同意推荐")
    click_confirmed(page, "endorse")
    assert page.inner_text("[data-testid=application-status]") == "区县已推荐"
    page.goto("/")
    assert page.locator("[data-testid=todo]").count() == 0
    app.refresh_from_db()
    assert app.status == Application.Status.ENDORSED


def test_staff_pass_the_formal_check_from_the_workbench(page, city):
    app = _waiting_application(city, Application.Status.ENDORSED)
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/")
    page.click("[data-testid=todo]:has-text('待形式审查的申报')")
    page.click("[data-testid=run-check]")
    page.fill("#id_reason", "材料齐全")
    click_confirmed(page, "pass")
    assert page.inner_text("[data-testid=application-status]") == "形式审查通过"
    app.refresh_from_db()
    assert app.status == Application.Status.FORMAL_PASSED


def test_expert_scores_from_the_workbench(page, rv):
    rnd = open_round(rv)
    seat = rnd.selection.assignments.filter(reserve=False).select_related("expert__user").first()
    sign_in(page, seat.expert.user.username, f.PASSWORD)
    page.goto("/")
    assert "待评分的项目" in page.inner_text("[data-testid=workbench-todos]")
    page.click("[data-testid=todo]:has-text('待评分的项目')")
    page.click("[data-testid=declare-no-conflict]")
    for code in ("innovation", "feasibility", "team", "benefit"):
        page.fill(f"#id_score_{code}", "8")
    page.fill("#id_comment", "方案可行，建议支持。")
    click_confirmed(page, "submit-review")
    assert "已提交" in page.inner_text("[data-testid=review-state]")
    page.goto("/")
    remaining = page.locator("[data-testid=todo]:has-text('待评分的项目')")
    if remaining.count():  # the expert may hold other seats; this one no longer counts
        assert seat.item.programme_entry.round.closes_on.strftime("%Y-%m-%d") in remaining.inner_text()


def test_enterprise_finds_its_overdue_milestone(page, city):
    call = make_call(city["users"]["staff"], n_apps=1, applicants=[city["e1"].organisation])
    award = Award.objects.create(
        application=call.applications.get(), call=call, amount_yuan=Decimal(1_000_000)
    )
    Milestone.objects.create(
        award=award, seq=1, title="样机试制", due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    sign_in(page, "ent_u", f.PASSWORD)
    page.goto("/")
    page.click("[data-testid=todo]:has-text('已逾期的合同节点')")
    assert "样机试制" in page.inner_text("[data-testid=milestone-1]")
    assert page.locator("[data-testid=milestone-1] [data-testid=overdue]").count() == 1


def test_staff_workbench_charts_render_and_search_finds_an_enterprise(page, city):
    f.facts(city["e1"], 2024)
    f.facts(city["e1"], 2025)
    from kechuang.enterprises import services

    services.recompute_labels()
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/")
    page.wait_for_selector(".workbench-chart[data-rendered='1']")
    page.click("[data-testid=nav-search]")
    page.fill("[data-testid=search-box]", "淄博甲")
    page.press("[data-testid=search-box]", "Enter")
    page.click("text=淄博甲科技有限公司")
    assert "/enterprises/" in page.url


def test_leader_approves_awards_from_the_workbench(page, city):
    from tests.programs.test_awards_support import end_notice, in_notice

    call, _apps = in_notice(city)
    end_notice(call)
    waiting = call.awards.filter(status=Award.Status.IN_NOTICE).count()
    sign_in(page, city["users"]["leader"].username, f.PASSWORD)
    page.goto("/")
    page.click("[data-testid=todo]:has-text('公示期满、待正式立项的项目')")
    click_confirmed(page, "approve-all")
    page.wait_for_load_state()
    assert call.awards.filter(status=Award.Status.APPROVED).count() == waiting > 0
    page.goto("/")
    assert page.locator("[data-testid=todo]:has-text('公示期满、待正式立项的项目')").count() == 0
