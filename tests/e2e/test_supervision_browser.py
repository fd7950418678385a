"""The supervision journey in the browser (issue 13): a section files its monthly report, the office
returns it, the section revises it, the office accepts it and compiles the 通报, and a leader sees the
task force's light change.

The clock is moved to a day in the plan's year (time-machine moves the live server's clock too: it runs
in this process), so the journey does not depend on the day the suite runs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from kechuang.core.models import Role, Section
from kechuang.supervision.models import Bulletin, MonthlyReport
from kechuang.supervision.services import plans
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 2030
TF = "科技服务产业工作专班"


@pytest.fixture
def clock():
    moment = dt.datetime(YEAR, 6, 10, 9, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture
def plan(clock):
    planning = Section.objects.create(code="planning", name="规划与资源配置科")
    policy = Section.objects.create(code="policy", name="政策法规与创新促进科")
    f.user(Role.BUREAU_STAFF, "planning_u", section=planning)
    f.user(Role.BUREAU_STAFF, "office_u", section=policy)
    f.user(Role.LEADER, "leader_u")
    data = {
        "plan": {"title": "科技创新专班实施方案", "year": YEAR, "office": "政策法规与创新促进科"},
        "task_forces": [
            {
                "name": TF, "lead_leader": "副局长乙", "lead_staff": "规划与资源配置科科长", "goal": "提升科技服务能力。",
                "tasks": ["建立科技服务团。"],
                "milestones": [{"due": dt.date(YEAR, 6, 30), "text": "建立科技专家库。"}],
            }
        ],
    }  # fmt: skip
    return plans.load_plan(data)


def light(page) -> str:
    page.goto("/supervision/")
    return page.locator("[data-testid=board-row]").first.get_attribute("data-light")


def test_file_return_revise_accept_compile_and_the_light_changes(page, browser, live_server, plan):
    leader = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    sign_in(leader, "leader_u", f.PASSWORD)
    assert light(leader) == "green"

    # The lead section files June's report: the milestone is lagging.
    sign_in(page, "planning_u", f.PASSWORD)
    page.goto("/")
    page.click("text=本月专班工作进展待报送")
    page.click("[data-testid=open-report]")
    statuses = page.locator("[data-testid=item-status]")
    progress = page.locator("[data-testid=item-progress]")
    assert statuses.count() == 2
    for k in range(2):
        progress.nth(k).fill("已开展摸底，专家库方案正在起草。")
    statuses.nth(1).select_option(label="滞后")
    page.fill("[data-testid=next_steps]", "完成专家库建设。")
    click_confirmed(page, "submit-report")
    assert page.get_by_test_id("report-status").inner_text() == "已报送"
    report = MonthlyReport.objects.get()

    # The office returns it with a reason.
    office = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    sign_in(office, "office_u", f.PASSWORD)
    office.goto("/supervision/office/")
    office.click("[data-testid=review-report]")
    office.fill("[data-testid=office-reason]", "请说明滞后原因和赶进度措施。")
    office.click("[data-testid=return-report]")
    assert office.get_by_test_id("report-status").inner_text() == "退回修改"

    # The section revises and submits again.
    page.goto("/")
    page.click("text=被退回待修改的专班月报")
    assert "请说明滞后原因" in page.get_by_test_id("return-reason").inner_text()
    page.locator("[data-testid=item-progress]").nth(1).fill("专家遴选推迟，已制定赶进度计划，6月25日前完成。")
    click_confirmed(page, "submit-report")
    assert page.get_by_test_id("report-status").inner_text() == "已报送"

    # The office accepts and compiles June's 通报.
    office.goto(f"/supervision/report/{report.pk}/")
    click_confirmed(office, "accept-report")
    assert office.get_by_test_id("report-status").inner_text() == "已审核"
    office.goto("/supervision/office/")
    office.click("[data-testid=compile-bulletin]")
    bulletins = office.get_by_test_id("bulletins")
    assert "2030年6月工作专班推进情况通报" in bulletins.inner_text()
    with office.expect_download() as download:
        bulletins.locator("a").first.click()
    assert download.value.suggested_filename.endswith(".docx")
    assert Bulletin.objects.count() == 1

    # The leader sees the light change: a lagging milestone reported turns it amber.
    assert light(leader) == "amber"
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.ACCEPTED
