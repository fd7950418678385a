"""An enterprise finds its overdue milestone on the workbench and reports it done; staff confirm it."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.programs.models import Milestone
from kechuang.programs.services import awards as svc
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.test_awards_support import approved, contract

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_enterprise_reports_its_overdue_milestone_from_the_workbench(page, city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    Milestone.objects.filter(award=award, seq=1).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    f.user(f.Role.ENTERPRISE, "owner_u", organisation=award.application.applicant)

    sign_in(page, "owner_u", f.PASSWORD)
    page.goto("/")
    page.click("[data-testid=todo]:has-text('已逾期的合同节点')")
    assert page.locator("[data-testid=milestone-1] [data-testid=overdue]").count() == 1
    page.fill("#ms_note_1", "样机已试制完成，通过第三方检测，检测报告见附件。")
    click_confirmed(page, "report-milestone-submit-1")
    row = page.inner_text("[data-testid=milestone-1]")
    assert "待市局确认" in row and "样机已试制完成" in row
    page.goto("/")
    assert page.locator("[data-testid=todo]:has-text('已逾期的合同节点')").count() == 0

    page.context.clear_cookies()
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/")
    page.click("[data-testid=todo]:has-text('待确认的合同节点')")
    page.click("[data-testid=milestone-done-1]")
    assert "已完成" in page.inner_text("[data-testid=milestone-1]")
    assert Milestone.objects.get(award=award, seq=1).status == Milestone.Status.DONE
