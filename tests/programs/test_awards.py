"""Award stage services: approval list within budget, notice and objections, contract, payments,
checks, evaluation, exit and replacement, audit findings; each rule and each refusal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.programs.models import (
    Application,
    AuditFinding,
    Award,
    Call,
    Milestone,
    Objection,
    ProgrammeType,
    Tranche,
    Transition,
)
from kechuang.programs.services import awards as svc
from tests.programs.test_awards_support import WAN, approved, contract, end_notice, in_notice, reviewed_call

pytestmark = pytest.mark.django_db


def state():
    return (
        list(Award.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
        list(Call.objects.order_by("pk").values()),
        list(Transition.objects.order_by("pk").values()),
        list(Milestone.objects.order_by("pk").values()),
        list(Tranche.objects.order_by("pk").values()),
        list(Objection.objects.order_by("pk").values()),
    )


def refused(exc_type, fn, *args, **kwargs):
    before = state()
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert state() == before
    return info.value


# --------------------------------------------------------------------------------- approval list


def test_propose_stays_within_budget_waitlists_in_rank_order_and_explains(city):
    staff = city["users"]["staff"]
    call, apps = reviewed_call(city, [(300, 90), (200, 85), (250, 80), (100, 70), (50, 50)], budget_wan=600)
    plan = svc.propose_awards(staff, call)
    outcome = {p["application"].pk: p for p in plan}
    assert [outcome[a.pk]["outcome"] for a in apps] == ["award", "award", "waitlist", "waitlist", "reject"]
    # The 100万 project would fit the 100万 left, but it may not overtake the 250万 one ranked above it.
    assert "余额100万元不足以支持申请的250万元" in outcome[apps[2].pk]["reason"]
    assert "低于立项线60分" in outcome[apps[4].pk]["reason"]
    for a in apps:
        a.refresh_from_db()
    assert [a.status for a in apps] == ["awarded", "awarded", "waitlisted", "waitlisted", "rejected"]
    assert (apps[2].waitlist_rank, apps[3].waitlist_rank) == (1, 2)
    assert sum(a.amount_yuan for a in call.awards.all()) == Decimal(500) * WAN
    call.refresh_from_db()
    assert call.status == "awarding"
    assert call.transitions.get().action == "start_awarding"
    assert "余额100万元" in apps[2].transitions.get().reason
    assert Notification.objects.filter(user=city["users"]["enterprise"]).exists()


def test_count_limit_of_the_call(city):
    call, _apps = reviewed_call(city, [(100, 90), (100, 85), (100, 80)], budget_wan=1000, max_awards=1)
    plan = svc.propose_awards(city["users"]["staff"], call)
    assert [p["outcome"] for p in plan] == ["award", "waitlist", "waitlist"]
    assert "本通知立项数上限1项" in plan[1]["reason"]


def test_yearly_limit_of_the_programme_type_counts_other_calls(city):
    first, _ = reviewed_call(city, [(100, 90), (100, 85)], budget_wan=1000)
    second, _ = reviewed_call(city, [(100, 90), (100, 85)], budget_wan=1000)
    ProgrammeType.objects.filter(code="major_breakthrough").update(per_year=3)
    svc.propose_awards(city["users"]["staff"], first)
    plan = svc.propose_awards(city["users"]["staff"], second)
    assert [p["outcome"] for p in plan] == ["award", "waitlist"]
    assert "每年立项3项" in plan[1]["reason"]


def test_propose_refusals_change_nothing(city):
    users = city["users"]
    call, _ = reviewed_call(city, [(100, 90)])
    refused(PermissionDenied, svc.propose_awards, users["district"], call, total_budget_yuan=Decimal(10**6))
    refused(PermissionDenied, svc.propose_awards, users["leader"], call, total_budget_yuan=Decimal(10**6))
    err = refused(ValidationError, svc.propose_awards, users["staff"], call)
    assert "资金总额" in err.message_dict["total_budget_yuan"][0]
    empty, _ = reviewed_call(city, [])
    err = refused(
        ValidationError, svc.propose_awards, users["staff"], empty, total_budget_yuan=Decimal(10**6)
    )
    assert "call" in err.message_dict
    svc.propose_awards(users["staff"], call, total_budget_yuan=Decimal(10**6))
    err = refused(ValidationError, svc.propose_awards, users["staff"], call)
    assert "立项中" in err.message_dict["status"][0]


def test_adjust_amount_within_request_cap_and_budget(city):
    staff = city["users"]["staff"]
    call, _apps = reviewed_call(city, [(300, 90), (200, 85)], budget_wan=500)
    svc.propose_awards(staff, call)
    a1, a2 = list(call.awards.order_by("rank"))
    err = refused(ValidationError, svc.adjust_amount, staff, a1, Decimal(301) * WAN, "理由")
    assert "不能超过申请金额300万元" in err.message_dict["amount_yuan"][0]
    refused(ValidationError, svc.adjust_amount, staff, a1, Decimal(250) * WAN, "")
    refused(PermissionDenied, svc.adjust_amount, city["users"]["enterprise"], a1, Decimal(250) * WAN, "理由")
    svc.adjust_amount(staff, a1, Decimal(250) * WAN, "核减设备费")
    a1.refresh_from_db()
    assert a1.amount_yuan == Decimal(250) * WAN
    row = Transition.objects.filter(object_id=a1.pk, action="adjust_amount").get()
    assert "300万元调整为250万元" in row.reason and row.from_status == row.to_status == "proposed"
    # Budget: a2 at 200 + a1 at 250 = 450 of 500; restoring a1 to 300 fits exactly, above does not.
    svc.adjust_amount(staff, a1, Decimal(300) * WAN, "恢复")
    call.total_budget_yuan = Decimal(480) * WAN
    call.save()
    err = refused(ValidationError, svc.adjust_amount, staff, a2, Decimal(190) * WAN, "理由")
    assert "超出资金总额480万元" in err.message_dict["amount_yuan"][0]


# --------------------------------------------------------------------------------- public notice


def test_notice_objection_and_approval_rules(city):
    staff = city["users"]["staff"]
    call, apps = in_notice(city)
    award = apps[0].award_record
    assert award.status == "in_notice"
    # A 5-day notice: today and the four days after it.
    assert (award.notice_ends - award.notice_starts).days + 1 == call.notice_days
    assert award.notice_starts == timezone.localdate()
    err = refused(ValidationError, svc.approve, staff, award)
    assert "公示期满后方可正式立项" in err.message_dict["notice_ends"][0]
    err = refused(
        ValidationError, svc.submit_objection, None, award, "张", "13800000000", "该项目存在问题需要核查"
    )
    assert "提出人" in err.message_dict["name"][0]
    err = refused(
        ValidationError, svc.submit_objection, None, award, "张三", "无电话无邮箱", "该项目存在问题需要核查"
    )
    assert "电话号码或电子邮箱" in err.message_dict["contact"][0]
    refused(ValidationError, svc.submit_objection, None, award, "张三", "13800000000", "太短")
    objection = svc.submit_objection(None, award, "张三", "13800000000", "该项目核心技术与他人专利重复")
    assert Notification.objects.filter(user=staff, title__contains="异议").exists()
    end_notice(call)
    err = refused(ValidationError, svc.approve, staff, award)
    assert "异议处理完毕后方可正式立项" in err.message_dict["objections"][0]
    refused(
        ValidationError, svc.submit_objection, None, award, "李四", "13800000001", "公示期已过仍提出的异议"
    )
    refused(ValidationError, svc.handle_objection, staff, objection, "dismissed", "")
    refused(
        PermissionDenied, svc.handle_objection, city["users"]["district"], objection, "dismissed", "已核实"
    )
    svc.handle_objection(staff, objection, "dismissed", "经核实，专利不重复")
    award = svc.approve(staff, award)
    assert award.status == "approved"
    assert [t.action for t in award.transitions.all()] == [
        "propose", "start_notice", "objection", "objection_dismissed", "approve",
    ]  # fmt: skip
    assert Notification.objects.filter(user=city["users"]["enterprise"], title__contains="正式立项").exists()


def test_upheld_objection_cancels_and_the_waitlist_replaces(city):
    staff = city["users"]["staff"]
    call, apps = in_notice(city)  # awarded 300 + 200 of 600; waitlist: 250 (1st), 100 (2nd)
    objection = svc.submit_objection(
        None, apps[1].award_record, "王五", "wang@example.com", "申报材料数据造假，需核查"
    )
    out = svc.handle_objection(staff, objection, "upheld", "经核查属实")
    old = Award.objects.get(application=apps[1])
    assert old.status == "cancelled"
    apps[1].refresh_from_db()
    assert apps[1].status == "rejected"
    new = out["replacement"]
    assert new.application == apps[2] and new.replaces == old and new.status == "proposed"
    assert new.amount_yuan == Decimal(250) * WAN
    assert svc.committed(call) == Decimal(550) * WAN


def test_replacement_skips_waitlisted_that_do_not_fit_and_says_when_none_fits(city):
    staff = city["users"]["staff"]
    # awarded 300 + 200 of 520; waitlist: 400 (1st), 50 (2nd)
    _call, apps = in_notice(city, specs=((300, 90), (200, 85), (400, 80), (50, 70)), budget_wan=520)
    o = svc.submit_objection(None, apps[1].award_record, "王五", "13900000000", "申报材料数据造假，需核查")
    out = svc.handle_objection(staff, o, "upheld", "属实")
    assert out["replacement"].application == apps[3]  # 400 > 220 free, so the 2nd on the list
    o = svc.submit_objection(None, apps[0].award_record, "王五", "13900000000", "申报材料数据造假，需核查")
    # 520 - 50 = 470 free now: the 400 fits.
    assert svc.handle_objection(staff, o, "upheld", "属实")["replacement"].application == apps[2]


def test_no_replacement_fits(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city, specs=((300, 90), (500, 80)), budget_wan=300)
    out = svc.exit_award(staff, apps[0].award_record, "承担单位主动申请退出")
    assert out["replacement"] is None and "没有申请金额不超过可用资金300万元" in out["message"]


# -------------------------------------------------------------------------------------- contract


def test_sign_validates_term_tranches_and_milestones(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = apps[0].award_record
    good = contract(award)
    bad = {**good, "ends_on": good["starts_on"] + dt.timedelta(days=800)}
    err = refused(ValidationError, svc.sign, staff, award, **bad)
    assert "不能超过24个月" in err.message_dict["ends_on"][0]
    bad = {**good, "tranches": good["tranches"][:-1]}
    err = refused(ValidationError, svc.sign, staff, award, **bad)
    assert "须与支持金额300万元相等" in err.message_dict["tranches"][0]
    bad = {
        **good,
        "milestones": [{**good["milestones"][0], "due_on": good["ends_on"] + dt.timedelta(days=1)}],
    }
    err = refused(ValidationError, svc.sign, staff, award, **bad)
    assert "须在实施期" in err.message_dict["milestones"][0]
    bad = {**good, "tranches": [{**good["tranches"][0], "milestone": 5}, *good["tranches"][1:]]}
    refused(ValidationError, svc.sign, staff, award, **bad)
    refused(ValidationError, svc.sign, staff, award, **{**good, "milestones": []})
    refused(PermissionDenied, svc.sign, city["users"]["enterprise"], award, **good)
    award = svc.sign(staff, award, **good)
    assert award.status == "contracted" and award.milestones.count() == 2 and award.tranches.count() == 3
    err = refused(ValidationError, svc.sign, staff, award, **good)
    assert "status" in err.message_dict
    other = apps[1].award_record
    err = refused(
        ValidationError, svc.sign, staff, other, **contract(other) | {"contract_no": good["contract_no"]}
    )
    assert "已被其他项目使用" in err.message_dict["contract_no"][0]


def test_pay_only_after_milestone_done(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    t1, t2, _t3 = award.tranches.all()
    svc.pay_tranche(staff, t1)
    err = refused(ValidationError, svc.pay_tranche, staff, t2)
    assert "节点“节点1”完成为拨付条件" in err.message_dict["tranche"][0]
    refused(ValidationError, svc.pay_tranche, staff, t1)  # already paid
    m1 = award.milestones.get(seq=1)
    refused(ValidationError, svc.mark_milestone, staff, m1, "missed", "")  # needs a note
    svc.mark_milestone(staff, m1, "done")
    refused(ValidationError, svc.mark_milestone, staff, m1, "done")
    svc.pay_tranche(staff, t2)
    assert [t.status for t in award.tranches.all()] == ["paid", "paid", "planned"]
    actions = [t.action for t in award.transitions.all()]
    assert actions[-4:] == ["sign", "pay", "milestone_done", "pay"]


def test_midterm_rectify_then_pass_acceptance_and_evaluation(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    refused(ValidationError, svc.midterm, staff, award, "rectify", "进度滞后")  # no deadline
    today = timezone.localdate()
    refused(ValidationError, svc.midterm, staff, award, "rectify", "进度滞后", today, today)
    award = svc.midterm(staff, award, "rectify", "进度滞后", today, today + dt.timedelta(days=60))
    assert award.status == "rectifying"
    t1 = award.tranches.get(seq=1)
    err = refused(ValidationError, svc.pay_tranche, staff, t1)
    assert "暂停拨付" in err.message_dict["tranche"][0]
    award = svc.midterm(staff, award, "pass", "整改到位")
    assert award.status == "midterm_passed"
    err = refused(ValidationError, svc.acceptance, staff, award, True, "完成指标")
    assert "尚未登记完成情况" in err.message_dict["milestones"][0]
    for m in award.milestones.all():
        svc.mark_milestone(staff, m, "done")
    refused(ValidationError, svc.evaluate, staff, award, 90, "优秀")  # not accepted yet
    award = svc.acceptance(staff, award, True, "全面完成考核指标")
    assert award.status == "accepted"
    refused(ValidationError, svc.evaluate, staff, award, 101, "超出")
    award = svc.evaluate(staff, award, "91.5", "成效显著")
    assert (award.status, award.grade) == ("evaluated", "优秀")
    check = award.checks.get(kind="performance")
    assert check.recommendation == "后续支持" and check.score == Decimal("91.5")
    assert list(award.checks.values_list("kind", flat=True)) == [
        "midterm",
        "midterm",
        "acceptance",
        "performance",
    ]


@pytest.mark.parametrize(
    ("score", "failed", "grade", "rec"),
    [
        (100, False, "优秀", "后续支持"),
        (90, False, "优秀", "后续支持"),
        (Decimal("89.9"), False, "良好", "维持"),
        (80, False, "良好", "维持"),
        (Decimal("79.9"), False, "合格", "维持"),
        (60, False, "合格", "维持"),
        (Decimal("59.9"), False, "不合格", "退出"),
        (0, False, "不合格", "退出"),
        (95, True, "不合格", "退出"),
    ],
)
def test_grade_bands(score, failed, grade, rec):
    assert svc.grade_for(Decimal(score), failed) == (grade, rec)


def test_failed_acceptance_is_graded_unqualified(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    award = svc.midterm(staff, award, "pass", "按计划推进")
    award = svc.acceptance(staff, award, False, "主要指标未完成")
    assert award.status == "failed"
    assert svc.evaluate(staff, award, 85, "指标未完成").grade == "不合格"


# ----------------------------------------------------------------------------- exit and replacement


def test_exit_withholds_unpaid_and_replaces_from_waitlist(city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)  # 300 + 200 of 600; waitlist 250, 100
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    svc.pay_tranche(staff, award.tranches.get(seq=1))  # 100万 paid
    refused(ValidationError, svc.exit_award, staff, award, "")
    out = svc.exit_award(staff, award, "核心团队流失，无法继续实施")
    award.refresh_from_db()
    assert award.status == "exited" and award.exit_reason.startswith("核心团队")
    assert out["withheld_yuan"] == Decimal(200) * WAN
    assert [t.status for t in award.tranches.all()] == ["paid", "withheld", "withheld"]
    # Committed: 100 paid + 200 = 300 of 600, so 300 free: the 250 (1st on the list) replaces.
    new = out["replacement"]
    assert new.application == apps[2] and new.replaces == award and new.status == "proposed"
    assert "递补" in new.transitions.get().reason
    refused(ValidationError, svc.exit_award, staff, award, "再次退出")
    refused(ValidationError, svc.pay_tranche, staff, award.tranches.get(seq=2))


# ---------------------------------------------------------------------------------- audit findings


def test_audit_findings_record_respond_resolve(city):
    staff, ent = city["users"]["staff"], city["users"]["enterprise"]
    _call, apps = approved(city)
    mine, other = apps[0].award_record, apps[1].award_record
    refused(
        ValidationError,
        svc.record_finding,
        staff,
        mine,
        auditor="某会计师事务所",
        found_on="bad",
        severity="minor",
        text="x",
    )
    finding = svc.record_finding(
        staff, mine, auditor="某会计师事务所", found_on=timezone.localdate(), severity="major",
        text="设备费列支不合规", amount_yuan=Decimal(50000),
    )  # fmt: skip
    err = refused(ValidationError, svc.resolve_finding, staff, finding)
    assert "须先填写整改情况" in err.message_dict["response"][0]
    theirs = svc.record_finding(
        staff,
        other,
        auditor="某会计师事务所",
        found_on=timezone.localdate(),
        severity="minor",
        text="票据不全",
    )
    with pytest.raises(PermissionDenied):
        svc.respond_finding(ent, theirs, "已整改")
    svc.respond_finding(ent, finding, "已退回不合规支出并调整账目")
    with pytest.raises(PermissionDenied):
        svc.resolve_finding(ent, finding)
    finding = svc.resolve_finding(staff, finding)
    assert finding.status == AuditFinding.Status.RESOLVED
    assert [t.action for t in mine.transitions.all()][-3:] == [
        "audit_finding",
        "audit_response",
        "audit_resolved",
    ]


# ----------------------------------------------------------------------------------- visibility


def test_visible_awards_by_role(city):
    _call, apps = in_notice(city)
    users = city["users"]
    assert svc.visible_awards(users["staff"]).count() == 2
    assert svc.visible_awards(users["leader"]).count() == 2
    # apps[0] belongs to e1 in 张店区, apps[1] to a firm in 淄川区.
    assert list(svc.visible_awards(users["enterprise"])) == [apps[0].award_record]
    assert list(svc.visible_awards(users["district"])) == [apps[0].award_record]
    assert list(svc.visible_awards(users["other_district"])) == [apps[1].award_record]
    assert not svc.visible_awards(users["expert"]).exists()
    assert not svc.visible_awards(users["institute"]).exists()


def test_checks_read_the_current_status_not_the_callers_copy(city):
    """Regression: acceptance and evaluation guarded the caller's (stale) object, so accepting right
    after a mid-term check passed on another copy was refused as "已签订合同"."""
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    stale = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record, milestones=1))
    svc.midterm(staff, stale, "pass", "按计划推进")
    svc.mark_milestone(staff, stale.milestones.get(), "done")
    assert stale.status == "contracted"
    svc.acceptance(staff, stale, True, "全面完成")
    assert svc.evaluate(staff, stale, 85, "良好").grade == "良好"
