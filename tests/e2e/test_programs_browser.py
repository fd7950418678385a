"""Staff publish a call; an enterprise applies, saves a draft and submits; staff run the formal check
and pass it."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.policies.models import PolicyResult
from kechuang.programs import services
from kechuang.programs.models import Application, Call
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.conftest import policy_result

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_publish_apply_submit_and_pass_formal_check(page, city):
    services.seed_programme_types()
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    f.facts(city["e1"], 2025, dishonest=False)
    today = timezone.localdate()

    sign_in(page, "staff_u", f.PASSWORD)
    page.click("nav >> text=科技计划")
    page.click("[data-testid=new-call]")
    page.select_option("#id_programme_type", label="重大技术攻关项目")
    page.fill("#id_title", "2026年度重大技术攻关项目申报通知")
    page.fill("#id_guide", "支持企业牵头开展关键核心技术攻关。")
    page.fill("#id_topics", "高性能陶瓷\n高端化工新材料")
    page.fill("#id_budget_cap_wan", "500")
    page.fill("#id_opens_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_closes_on", (today + dt.timedelta(days=30)).isoformat())
    page.uncheck("#id_needs_endorsement")
    for i in range(3):
        page.check(f"#id_kinds-{i}-DELETE")
    page.click("[data-testid=call-form] button[type=submit]")
    page.click("[data-testid=send-for-review]")
    page.click("button:has-text('退出')")
    sign_in(page, "leader_u", f.PASSWORD)
    page.goto(f"/programs/calls/{Call.objects.get().pk}/")
    page.click("[data-testid=approve-call]")
    page.click("button:has-text('退出')")
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/calls/{Call.objects.get().pk}/")
    click_confirmed(page, "publish-call")
    assert page.inner_text("[data-testid=call-status]") == "已发布"
    page.click("button:has-text('退出')")

    sign_in(page, "ent_u", f.PASSWORD)
    page.goto("/programs/")
    page.click("text=2026年度重大技术攻关项目申报通知")
    page.click("[data-testid=apply]")
    page.fill("#id_title", "氮化硅陶瓷轴承球近净成形关键技术")
    page.fill("#id_abstract", "开发氮化硅陶瓷球气压烧结和精密研磨工艺，实现G5级轴承球批量制备。")
    page.fill("#id_requested_wan", "300")
    page.fill("#id_months", "24")
    page.fill("#id_f_leader", "张伟")
    page.click("[data-testid=save-draft]")
    assert page.inner_text("[data-testid=application-status]") == "草稿"
    page.click("[data-testid=edit-application]")
    click_confirmed(page, "submit-application")
    assert "“主要研究内容与考核指标”为必填项" in page.inner_text("[data-testid=application-form]")
    page.fill("#id_f_goals", "建成年产千万粒陶瓷球示范线")
    click_confirmed(page, "submit-application")
    assert page.inner_text("[data-testid=application-status]") == "已提交"
    app = Application.objects.get()
    page.click("button:has-text('退出')")

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/applications/{app.pk}/")
    page.click("[data-testid=run-check]")
    findings = page.inner_text("[data-testid=findings]")
    assert "符合“高新技术企业认定”" in findings and "未列入失信名单" in findings
    page.fill("#id_reason", "材料齐全")
    click_confirmed(page, "pass")
    assert page.inner_text("[data-testid=application-status]") == "形式审查通过"
    app.refresh_from_db()
    assert app.status == "formal_passed" and Call.objects.get().status == "published"
    assert [t.action for t in app.transitions.all()] == ["submit", "pass"]
