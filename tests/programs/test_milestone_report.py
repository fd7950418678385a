"""The project's own unit reports a milestone reached; the bureau's staff confirm it (issue 11, gap a)."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kechuang.programs.models import Milestone, Tranche
from kechuang.programs.services import awards as svc
from tests import factories as f
from tests.programs.test_awards_support import approved, contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    Milestone.objects.filter(award=award, seq=1).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    owner = f.user(f.Role.ENTERPRISE, "owner_u", organisation=award.application.applicant)
    return {**city, "award": award, "owner": owner, "m1": award.milestones.get(seq=1)}


def _todos(client, user) -> list[tuple[str, str]]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    found = re.findall(r'href="([^"]+)" data-testid="todo">\s*<span>([^<]+)', html)
    return [(url, label.strip()) for url, label in found]


def test_the_unit_reports_and_staff_confirm_which_releases_the_tranche(running):
    owner, staff, m1 = running["owner"], running["users"]["staff"], running["m1"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    m1 = svc.report_milestone(owner, m1, "样机已试制完成，通过第三方检测。", yesterday)
    assert (m1.status, m1.done_on) == (Milestone.Status.REPORTED, yesterday)
    tranche = Tranche.objects.get(milestone=m1)
    with pytest.raises(ValidationError):  # a report alone releases no money
        svc.pay_tranche(staff, tranche)
    m1 = svc.mark_milestone(staff, m1, "done")
    assert (m1.status, m1.done_on, m1.note) == ("done", yesterday, "样机已试制完成，通过第三方检测。")
    svc.pay_tranche(staff, tranche)
    actions = [t.action for t in running["award"].transitions.all()]
    assert actions[-3:] == ["milestone_reported", "milestone_done", "pay"]


def test_only_the_unit_reports_and_only_with_a_true_account(running):
    m1 = running["m1"]
    for someone in (running["users"]["enterprise"], running["users"]["staff"], running["users"]["district"]):
        if someone.organisation_id == running["award"].application.applicant_id:
            continue
        with pytest.raises(PermissionDenied):
            svc.report_milestone(someone, m1, "已完成")
    owner = running["owner"]
    with pytest.raises(ValidationError) as err:
        svc.report_milestone(owner, m1, "   ")
    assert "完成情况说明" in err.value.message_dict["note"][0]
    with pytest.raises(ValidationError) as err:
        svc.report_milestone(owner, m1, "已完成", timezone.localdate() + dt.timedelta(days=1))
    assert "不能晚于今天" in err.value.message_dict["done_on"][0]
    with pytest.raises(ValidationError) as err:
        svc.report_milestone(owner, m1, "已完成", "明天")
    assert "done_on" in err.value.message_dict
    m1.refresh_from_db()
    assert m1.status == Milestone.Status.PENDING and m1.note == ""  # nothing changed
    svc.report_milestone(owner, m1, "已完成")
    with pytest.raises(ValidationError) as err:
        svc.report_milestone(owner, m1, "再报一次")
    assert "等待市局确认" in err.value.message_dict["status"][0]


def test_the_todo_moves_from_the_unit_to_the_staff(client, running):
    owner, staff, award = running["owner"], running["users"]["staff"], running["award"]
    url = reverse("programme_award_detail", args=[award.pk])
    assert (url, "已逾期的合同节点") in _todos(client, owner)
    client.force_login(owner)
    response = client.post(
        reverse("programme_award_action", args=[award.pk, "report_milestone"]),
        {"milestone": running["m1"].pk, "note": "样机已试制完成。", "done_on": ""},
    )
    assert response.status_code == 302
    assert (url, "已逾期的合同节点") not in _todos(client, owner)
    assert (url, "承担单位已报告完成、待确认的合同节点") in _todos(client, staff)
    svc.mark_milestone(staff, running["m1"], "done")
    assert (url, "承担单位已报告完成、待确认的合同节点") not in _todos(client, staff)


def test_the_report_form_shows_only_to_the_unit(client, running):
    award = running["award"]
    url = reverse("programme_award_detail", args=[award.pk])
    client.force_login(running["owner"])
    assert 'data-testid="report-milestone-1"' in client.get(url).content.decode()
    client.force_login(running["users"]["staff"])
    assert 'data-testid="report-milestone-1"' not in client.get(url).content.decode()
