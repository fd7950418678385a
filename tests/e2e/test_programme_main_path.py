"""The programme main path in one browser session, as people do it in the pages: staff draft a call and
send the guide for review, a leader approves it, staff publish; an enterprise applies with its required
attachments; its district endorses; city staff run the formal check and pass it; staff close the call,
open a review round, draw and lock its panel on the experts pages and start scoring; an expert declares
no conflict and scores; staff close the round, propose the awards within the budget, put them into
public notice, approve them, sign the contract, pay its tranches against the milestone, pass the
mid-term check and accept the project. Every status change is then found in the audit trail.

The segments are tested in detail by test_programme_intake, test_programme_review and
test_programme_award; this test checks that they join up. Time is moved once, through the database:
the notice period (7 days by default) is ended as if a week had gone by."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.policies.models import PolicyResult
from kechuang.programs import services
from kechuang.programs.demo import tiny_pdf
from kechuang.programs.models import Application, Award, Call, ReviewRound, Transition
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.e2e.test_programme_intake import sign_out
from tests.experts import builders as b
from tests.programs.conftest import policy_result
from tests.programs.test_awards_support import end_notice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "2026年度重大技术攻关项目申报通知"
PROJECT = "氮化硅陶瓷轴承球近净成形关键技术"


def as_user(page, username: str) -> None:
    """Sign whoever is signed in out, and ``username`` in."""
    if page.locator("button:has-text('退出')").count():
        sign_out(page)
    sign_in(page, username, f.PASSWORD)


def text(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]")


def test_programme_main_path(page, city):
    services.seed_programme_types()
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    f.facts(city["e1"], 2025, dishonest=False)
    # The city's expert user, in the pool of approved experts (in another district than the applicant).
    b.expert(city["zc"], name="评审专家甲", field=0, user=city["users"]["expert"])
    today = timezone.localdate()

    # 1. Staff draft the call and send the guide for review.
    as_user(page, "staff_u")
    page.goto("/programs/")
    page.click("[data-testid=new-call]")
    page.select_option("#id_programme_type", label="重大技术攻关项目")
    page.fill("#id_title", TITLE)
    page.fill("#id_guide", "支持企业牵头开展关键核心技术攻关。")
    page.fill("#id_topics", "高性能陶瓷\n高端化工新材料")
    page.fill("#id_budget_cap_wan", "500")
    page.fill("#id_opens_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_closes_on", (today + dt.timedelta(days=30)).isoformat())
    page.click("[data-testid=call-form] button[type=submit]")
    assert text(page, "call-status") == "草稿"
    page.click("[data-testid=send-for-review]")
    assert text(page, "call-status") == "指南审核中"
    call = Call.objects.get()

    # 2. A leader approves the guide; staff publish it.
    as_user(page, "leader_u")
    page.goto(f"/programs/calls/{call.pk}/")
    page.fill("#id_reason", "同意发布")
    page.click("[data-testid=approve-call]")
    assert text(page, "call-status") == "指南已审定"
    as_user(page, "staff_u")
    page.goto(f"/programs/calls/{call.pk}/")
    click_confirmed(page, "publish-call")
    assert text(page, "call-status") == "已发布"

    # 3. The enterprise finds the call, fills the form, uploads the required attachments and submits.
    as_user(page, "ent_u")
    page.goto("/programs/")
    page.click(f"text={TITLE}")
    page.click("[data-testid=apply]")
    page.fill("#id_title", PROJECT)
    page.fill("#id_abstract", "开发氮化硅陶瓷球气压烧结和精密研磨工艺，实现G5级轴承球批量制备。")
    page.fill("#id_requested_wan", "300")
    page.fill("#id_months", "24")
    page.fill("#id_f_leader", "张伟")
    page.fill("#id_f_goals", "建成年产千万粒陶瓷球示范线")
    page.click("[data-testid=save-and-attach]")
    for kind, name in (("plan", "可行性研究报告.pdf"), ("finance", "财务审计报告.pdf")):
        page.select_option("#id_kind", kind)
        page.set_input_files(
            "#id_file", files=[{"name": name, "mimeType": "application/pdf", "buffer": tiny_pdf(kind)}]
        )
        page.click("[data-testid=upload-attachment]")
        assert name in text(page, "attachment-list")
    click_confirmed(page, "submit-application")
    assert text(page, "application-status") == "已提交"
    app = Application.objects.get()

    # 4. The applicant's district endorses it from its queue.
    as_user(page, "district_u")
    page.goto("/programs/")
    page.click("[data-testid=nav-endorsements]")
    page.click(f"[data-testid=endorsement-table] >> text={PROJECT}")
    page.fill("#id_reason", "企业研发基础较好，同意推荐")
    click_confirmed(page, "endorse")
    assert text(page, "application-status") == "区县已推荐"

    # 5. City staff run the formal check and pass it.
    as_user(page, "staff_u")
    page.goto(f"/programs/applications/{app.pk}/")
    page.click("[data-testid=run-check]")
    assert "未列入失信名单" in text(page, "findings")
    page.fill("#id_reason", "材料齐全")
    click_confirmed(page, "pass")
    assert text(page, "application-status") == "形式审查通过"

    # 6. Staff close the call (the service closes it on request, before closes_on too) and open a
    # review round: draw the panel on the experts pages, run and lock it, start scoring.
    page.goto(f"/programs/calls/{call.pk}/")
    click_confirmed(page, "close-call")
    assert text(page, "call-status") == "已截止"
    page.click("[data-testid=call-start-review]")
    page.fill("#id_name", "网络评审")
    page.click("[data-testid=create-round]")
    assert text(page, "round-status") == "准备中"
    page.select_option("#id_rule", "optimal")
    page.fill("#id_per_item", "1")
    page.fill("#id_max_load", "1")
    page.fill("#id_reserves", "0")
    page.click("[data-testid=draw-panel]")
    page.click("[data-testid=run-round]")
    page.wait_for_selector("[data-testid=panels]")
    assert "评审专家甲" in text(page, "panels")
    click_confirmed(page, "lock-round")
    assert text(page, "round-status") == "已锁定"
    rnd = ReviewRound.objects.get(call=call)
    page.goto(f"/programs/reviews/{rnd.pk}/")
    assert text(page, "selection-status") == "已锁定"
    page.click("[data-testid=open-round]")
    assert text(page, "round-status") == "评分中"
    assert "已提交评分 0 / 1 份" in text(page, "progress")

    # 7. The expert declares no conflict and submits the scores.
    as_user(page, "expert_u")
    page.goto("/programs/reviews/mine/")
    assert page.locator("[data-testid=my-review]").count() == 1
    page.click("[data-testid=declare-no-conflict]")
    for code, score in (("innovation", "9"), ("feasibility", "8"), ("team", "7"), ("benefit", "9")):
        page.fill(f"#id_score_{code}", score)
    page.fill("#id_comment", "成果转化路径清晰，建议支持。")
    click_confirmed(page, "submit-review")
    assert "已提交" in text(page, "review-state")

    # 8. Staff close the round (every score is in: no reason needed) and read the results.
    as_user(page, "staff_u")
    page.goto(f"/programs/reviews/{rnd.pk}/")
    assert "已提交评分 1 / 1 份" in text(page, "progress")
    click_confirmed(page, "close-round")
    assert text(page, "round-status") == "已结束"
    assert "83.50" in text(page, "results")
    page.goto(f"/programs/applications/{app.pk}/")
    assert text(page, "application-status") == "评审完成"

    # 9. Staff propose the awards within the budget and start the public notice.
    page.goto("/programs/awards/")
    page.click(f"[data-testid=call-awards-{call.pk}]")
    page.fill("#id_budget_wan", "500")
    page.click("[data-testid=preview]")
    assert PROJECT in text(page, "plan")
    page.click("[data-testid=propose]")
    assert text(page, "call-status") == "立项中"
    click_confirmed(page, "start-notice")
    page.goto("/programs/notices/")
    assert PROJECT in text(page, "notice-table")

    # 10. The notice period is seven days: end it through the DB, as if a week had gone by, and approve.
    end_notice(call)
    page.goto(f"/programs/awards/calls/{call.pk}/")
    click_confirmed(page, "approve-all")
    award = Award.objects.get(application=app)
    page.click(f"[data-testid=award-row-{award.pk}] a")
    assert text(page, "award-status") == "已立项"

    # 11. The contract: one milestone, 100万元 on signing and 200万元 when the milestone is done.
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
    assert text(page, "award-status") == "已签订合同"
    assert "ZB-KJ-2026-001" in text(page, "contract")

    # 12. Pay on signing; mark the milestone done and pay its tranche.
    click_confirmed(page, "pay-1")
    assert "已拨付" in text(page, "tranche-1")
    page.click("[data-testid=milestone-done-1]")
    assert "已完成" in text(page, "milestone-1")
    click_confirmed(page, "pay-2")
    assert "已拨付" in text(page, "tranche-2")

    # 13. Mid-term check and acceptance.
    page.fill("#mid_opinion", "研发进度符合合同约定")
    page.click("[data-testid=midterm-pass]")
    assert text(page, "award-status") == "中期检查通过"
    page.fill("#acc_opinion", "全面完成合同约定的考核指标")
    click_confirmed(page, "accept")
    assert text(page, "award-status") == "已验收"

    # The audit trail: every status change of the application and the award, with who did it.
    users = city["users"]
    trail = [(t.action, t.from_status, t.to_status, t.actor_id) for t in app.transitions.all()]
    assert trail == [
        ("submit", "draft", "submitted", users["enterprise"].pk),
        ("endorse", "submitted", "endorsed", users["district"].pk),
        ("pass", "endorsed", "formal_passed", users["staff"].pk),
        ("enter_review", "formal_passed", "in_review", users["staff"].pk),
        ("finish_review", "in_review", "reviewed", users["staff"].pk),
        ("award", "reviewed", "awarded", users["staff"].pk),
    ]
    award.refresh_from_db()
    assert award.status == "accepted" and [t.status for t in award.tranches.all()] == ["paid", "paid"]
    changes = [t for t in award.transitions.all() if t.from_status != t.to_status]
    assert [(t.action, t.to_status) for t in changes] == [
        ("propose", "proposed"),
        ("start_notice", "in_notice"),
        ("approve", "approved"),
        ("sign", "contracted"),
        ("pass_midterm", "midterm_passed"),
        ("accept", "accepted"),
    ]
    assert {t.actor_id for t in award.transitions.all()} == {users["staff"].pk}
    assert Transition.objects.filter(reason="全面完成合同约定的考核指标").count() == 1
    assert [t.action for t in call.transitions.order_by("pk")] == [
        "send_for_review", "approve", "publish", "close", "start_review", "start_awarding",
    ]  # fmt: skip
