"""Award and after, in the browser: staff propose the approval list of a reviewed call within its
budget, put it into public notice, approve it when the notice is over, sign a contract with milestones
and tranches, mark the milestone done and pay, pass the mid-term check and accept the project.

Time is moved once: the notice period (7 days by default) is ended by setting the awards' notice dates
in the past through the database, as if a week had gone by."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.programs.models import Award
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.test_awards_support import end_notice, reviewed_call

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_award_contract_payment_midterm_acceptance(page, city):
    call, apps = reviewed_call(city, [(300, 91), (200, 86), (250, 80), (80, 52)])
    today = timezone.localdate()

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/programs/awards/")
    page.click(f"[data-testid=call-awards-{call.pk}]")
    page.fill("#id_budget_wan", "500")
    page.click("[data-testid=preview]")
    plan = page.inner_text("[data-testid=plan]")
    assert "余额0万元不足以支持申请的250万元" in plan and "低于立项线60分" in plan
    page.click("[data-testid=propose]")
    assert page.inner_text("[data-testid=call-status]") == "立项中"
    assert apps[2].title in page.inner_text("[data-testid=waitlist]")

    click_confirmed(page, "start-notice")
    page.goto("/programs/notices/")
    notice = page.inner_text("[data-testid=notice-table]")
    assert apps[0].title in notice and apps[1].title in notice and apps[2].title not in notice

    page.goto(f"/programs/awards/calls/{call.pk}/")
    click_confirmed(page, "approve-all")
    assert "公示期满后方可正式立项" in page.content()
    end_notice(call)  # a week later
    click_confirmed(page, "approve-all")
    award = Award.objects.get(application=apps[0])
    assert award.status == "approved"

    page.click(f"[data-testid=award-row-{award.pk}] a")
    assert page.inner_text("[data-testid=award-status]") == "已立项"
    page.fill("#contract_no", "ZB-KJ-2026-001")
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", (today + dt.timedelta(days=700)).isoformat())
    page.fill("#ms_title_1", "样机研制")
    page.fill("#ms_deliverable_1", "完成工程样机并通过第三方检测")
    page.fill("#ms_due_1", (today + dt.timedelta(days=300)).isoformat())
    page.fill("#tr_amount_1", "100")
    page.fill("#tr_amount_2", "200")
    page.select_option("#tr_milestone_2", "1")
    click_confirmed(page, "sign")
    assert page.inner_text("[data-testid=award-status]") == "已签订合同"
    assert "ZB-KJ-2026-001" in page.inner_text("[data-testid=contract]")

    click_confirmed(page, "pay-2")
    assert "节点“样机研制”完成为拨付条件" in page.content()
    click_confirmed(page, "pay-1")
    page.click("[data-testid=milestone-done-1]")
    assert "已完成" in page.inner_text("[data-testid=milestone-1]")
    click_confirmed(page, "pay-2")
    assert "已拨付" in page.inner_text("[data-testid=tranche-2]")

    page.fill("#mid_opinion", "研发进度符合合同约定")
    page.click("[data-testid=midterm-pass]")
    assert page.inner_text("[data-testid=award-status]") == "中期检查通过"
    page.fill("#acc_opinion", "全面完成合同约定的考核指标")
    click_confirmed(page, "accept")
    assert page.inner_text("[data-testid=award-status]") == "已验收"

    award.refresh_from_db()
    assert award.status == "accepted" and [t.status for t in award.tranches.all()] == ["paid", "paid"]
    assert [t.action for t in award.transitions.all() if t.from_status != t.to_status] == [
        "propose", "start_notice", "approve", "sign", "pass_midterm", "accept",
    ]  # fmt: skip
