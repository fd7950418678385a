"""Award pages through the Django client: who sees what, the public notice page, objections, and the
staff's actions posted from the pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.programs.models import Award, Objection
from tests import factories as f
from tests.programs.test_awards_support import approved, contract, end_notice, in_notice, reviewed_call

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


def test_public_notice_page_lists_only_awards_in_notice(client, city):
    _call, apps = in_notice(city)
    _other, other_apps = approved(city, specs=((100, 90),), budget_wan=100)
    page = client.get(reverse("programme_notices"))
    assert page.status_code == 200
    text = page.content.decode()
    assert apps[0].title in text and apps[1].title in text and "300" in text
    assert other_apps[0].title not in text  # approved: no longer in notice
    assert apps[2].title not in text  # waitlisted


def test_anonymous_objection_from_the_public_page(client, city):
    call, apps = in_notice(city)
    award = apps[0].award_record
    url = reverse("programme_notice_object", args=[award.pk])
    response = client.post(url, {"name": "张三", "contact": "13800000000", "text": "短"}, follow=True)
    assert "异议内容" in response.content.decode() and not Objection.objects.exists()
    response = client.post(
        url, {"name": "张三", "contact": "13800000000", "text": "该项目核心技术与已有专利重复"}
    )
    assert response.status_code == 302
    assert Objection.objects.get().submitted_by is None
    # An award not in notice is not reachable from the public page.
    end_notice(call)
    response = client.post(
        url, {"name": "张三", "contact": "13800000000", "text": "公示期结束后的异议内容"}, follow=True
    )
    assert Objection.objects.count() == 1


def test_award_pages_scoped_by_role(client, city):
    call, apps = in_notice(city)
    mine, theirs = apps[0].award_record, apps[1].award_record
    assert client.get(reverse("programme_awards")).status_code == 302  # sign-in required
    assert client.get(reverse("programme_award_detail", args=[mine.pk])).status_code == 302
    c = client_for(client, city["users"]["enterprise"])
    listing = c.get(reverse("programme_awards")).content.decode()
    assert mine.application.title in listing and theirs.application.title not in listing
    assert c.get(reverse("programme_award_detail", args=[mine.pk])).status_code == 200
    assert c.get(reverse("programme_award_detail", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("programme_call_awards", args=[call.pk])).status_code == 403
    # The applicant's view has no staff forms and no objection details.
    body = c.get(reverse("programme_award_detail", args=[mine.pk])).content.decode()
    assert 'data-testid="approve"' not in body
    c = client_for(client, city["users"]["other_district"])
    assert c.get(reverse("programme_award_detail", args=[mine.pk])).status_code == 404
    assert c.get(reverse("programme_award_detail", args=[theirs.pk])).status_code == 200


def test_applicant_cannot_post_staff_actions(client, city):
    _call, apps = approved(city)
    award = apps[0].award_record
    c = client_for(client, city["users"]["enterprise"])
    data = {"contract_no": "HT-1", "starts_on": "2026-01-01", "ends_on": "2027-01-01"}
    response = c.post(reverse("programme_award_action", args=[award.pk, "sign"]), data, follow=True)
    assert "只有市局工作人员" in response.content.decode()
    award.refresh_from_db()
    assert award.status == "approved"


def test_staff_walks_an_award_through_the_pages(client, city):
    staff = city["users"]["staff"]
    call, apps = reviewed_call(city, [(300, 90), (200, 85), (250, 80)])
    c = client_for(client, staff)
    preview = c.get(reverse("programme_call_awards", args=[call.pk]), {"budget_wan": "500"}).content.decode()
    assert "余额0万元不足以支持申请的250万元" in preview
    r = c.post(
        reverse("programme_call_award_action", args=[call.pk, "propose"]), {"budget_wan": "500"}, follow=True
    )
    assert "拟立项2项，递补候选1项" in r.content.decode()
    c.post(reverse("programme_call_award_action", args=[call.pk, "notice"]))
    r = c.post(reverse("programme_call_award_action", args=[call.pk, "approve"]), follow=True)
    assert "公示期满后方可正式立项" in r.content.decode()
    end_notice(call)
    c.post(reverse("programme_call_award_action", args=[call.pk, "approve"]))
    award = Award.objects.get(application=apps[0])
    assert award.status == "approved"
    today = timezone.localdate()
    data = {
        "contract_no": "ZB-2026-001", "signed_on": today, "starts_on": today,
        "ends_on": today + dt.timedelta(days=700), "ms_title_1": "样机研制", "ms_deliverable_1": "完成样机",
        "ms_due_1": today + dt.timedelta(days=300), "tr_amount_1": "100", "tr_amount_2": "200",
        "tr_milestone_2": "1",
    }  # fmt: skip
    c.post(reverse("programme_award_action", args=[award.pk, "sign"]), data)
    award.refresh_from_db()
    assert award.status == "contracted"
    t1, t2 = award.tranches.all()
    assert t2.milestone.title == "样机研制" and t1.amount_yuan == 1_000_000
    r = c.post(reverse("programme_award_action", args=[award.pk, "pay"]), {"tranche": t2.pk}, follow=True)
    assert "节点“样机研制”完成为拨付条件" in r.content.decode()
    m = award.milestones.get()
    c.post(
        reverse("programme_award_action", args=[award.pk, "milestone"]), {"milestone": m.pk, "status": "done"}
    )
    c.post(reverse("programme_award_action", args=[award.pk, "pay"]), {"tranche": t2.pk})
    c.post(
        reverse("programme_award_action", args=[award.pk, "midterm"]),
        {"result": "pass", "opinion": "进展顺利"},
    )
    c.post(
        reverse("programme_award_action", args=[award.pk, "acceptance"]),
        {"result": "pass", "opinion": "通过"},
    )
    c.post(reverse("programme_award_action", args=[award.pk, "evaluate"]), {"score": "82", "opinion": "良好"})
    award.refresh_from_db()
    assert (award.status, award.grade) == ("evaluated", "良好")
    body = c.get(reverse("programme_award_detail", args=[award.pk])).content.decode()
    assert "样机研制" in body and "绩效评价" in body and "中期检查：通过" in body


def test_staff_handles_objection_from_the_detail_page(client, city):
    _call, apps = in_notice(city)
    from kechuang.programs.services import awards as svc

    award = apps[1].award_record
    o = svc.submit_objection(None, award, "王五", "13900000000", "申报材料数据造假，需核查")
    c = client_for(client, city["users"]["staff"])
    body = c.get(reverse("programme_award_detail", args=[award.pk])).content.decode()
    assert "申报材料数据造假" in body
    r = c.post(
        reverse("programme_award_action", args=[award.pk, "objection"]),
        {"objection": o.pk, "decision": "upheld", "response": "经核查属实"},
        follow=True,
    )
    assert "递补" in r.content.decode()
    award.refresh_from_db()
    assert award.status == "cancelled" and Award.objects.filter(replaces=award).exists()


def test_leader_approves_but_does_not_manage(client, city):
    """正式立项 is the leaders' decision (issue 11); running the notice and the batch stays with staff."""
    call, _apps = in_notice(city)
    end_notice(call)
    c = client_for(client, city["users"]["leader"])
    page = c.get(reverse("programme_call_awards", args=[call.pk])).content.decode()
    assert 'data-testid="approve-all"' in page
    assert 'data-testid="start-notice"' not in page and 'data-testid="finish"' not in page
    c.post(reverse("programme_call_award_action", args=[call.pk, "approve"]))
    assert Award.objects.filter(status="approved").exists()


def test_district_user_sees_awards_of_its_district(client, city):
    _call, apps = in_notice(city)
    u = f.user(f.Role.DISTRICT_STAFF, "district_x", district=city["zd"])
    c = client_for(client, u)
    listing = c.get(reverse("programme_awards")).content.decode()
    assert apps[0].title in listing and apps[1].title not in listing
    _ = contract  # the contract helper is exercised in the walk-through above
