"""Use-cases of the programmes app's award stage: the approval list within the budget, the public
notice (公示) with objections, the contract with milestones and payment tranches, the mid-term check,
acceptance (验收), performance evaluation, exit and replacement from the waiting list (退出/递补) and
third-party audit findings.

Rules, stated once here and shown to people in the messages:

* Approval list (拟立项名单): applications are taken in the order of the review's final ranking. An
  application is awarded its requested amount while the running total stays within the call's total
  budget and the count within the call's (and the programme type's yearly) limit. Awarding stops at
  the first application that does not fit, so a lower-ranked project never overtakes a higher-ranked
  one; every later application scoring at least the passing line (``PASSING_SCORE``) is waitlisted
  (递补候选) in rank order, the rest are not awarded.
* Replacement (递补): when an award is cancelled after an upheld objection or exits, the best
  waitlisted application (by ``waitlist_rank``) whose requested amount fits the budget still free is
  awarded. The new award starts as 拟立项 and goes through its own public notice, like every award.
* Money committed by an award: its amount, except a cancelled award (nothing) and an exited award
  (what was already paid; the rest is withheld and returns to the budget).
* Performance grades (绩效等级) by score: 90–100 优秀 (recommend 后续支持), 80–<90 良好 (维持),
  60–<80 合格 (维持), below 60 不合格 (退出). A project that failed acceptance is graded 不合格.

Every status change goes through ``workflow.step`` (locked, guarded, audited); changes that are not
status changes (amount adjusted, milestone done, tranche paid, audit finding) write an audit row with
the same status on both sides. Every refusal raises before anything is written.
"""

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role, User
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_WRITERS, Decision, role_of, scope_q

from .. import workflow
from ..models import (
    Application,
    AuditFinding,
    Award,
    Call,
    Milestone,
    Objection,
    ProjectCheck,
    Tranche,
)
from . import wan

PASSING_SCORE = Decimal(60)
# What the money columns hold (16 digits, 2 after the point): a larger amount is refused, not stored.
MONEY_LIMIT = Decimal(10) ** 14

# (lowest score, grade, recommendation), best first.
GRADE_BANDS = [
    (Decimal(90), "优秀", "后续支持"),
    (Decimal(80), "良好", "维持"),
    (Decimal(60), "合格", "维持"),
    (Decimal(0), "不合格", "退出"),
]

# Statuses in which the project is running (payments and milestones may move).
RUNNING = (Award.Status.CONTRACTED, Award.Status.RECTIFYING, Award.Status.MIDTERM_PASSED)
PAYABLE = (Award.Status.CONTRACTED, Award.Status.MIDTERM_PASSED, Award.Status.ACCEPTED)
LIVE = Q(status__in=[s for s in Award.Status.values if s not in ("cancelled", "exited")])


# ----------------------------------------------------------------------------------- permissions


def can_manage(user) -> Decision:
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以办理立项和项目管理"))


def can_approve(user) -> Decision:
    """Formal approval (正式立项) after the notice: the bureau's leaders decide it; city staff may carry
    it out on their behalf."""
    if role_of(user) in CITY_WRITERS or role_of(user) == Role.LEADER:
        return Decision(True)
    return Decision(False, _("正式立项须由局领导或市局工作人员办理"))


def awaiting_approval(today: dt.date | None = None) -> QuerySet[Award]:
    """Awards whose notice is over with no objection open: what waits for the formal approval."""
    today = today or timezone.localdate()
    return (
        Award.objects.filter(status=Award.Status.IN_NOTICE, notice_ends__lt=today)
        .exclude(objections__status=Objection.Status.OPEN)
        .order_by("notice_ends", "call_id", "rank", "pk")
    )


def visible_awards(user) -> QuerySet[Award]:
    qs = Award.objects.select_related("call__programme_type", "application__applicant__district")
    return qs.filter(
        scope_q(
            user,
            district_field="application__applicant__district_id",
            organisation_field="application__applicant_id",
        )
    )


def get_award(user, pk: int) -> Award:
    award = visible_awards(user).filter(pk=pk).first()
    if award is None:
        from django.http import Http404

        raise Http404(_("未找到该立项项目"))
    return award


def is_owner(user, award: Award) -> bool:
    return (
        role_of(user) in (Role.ENTERPRISE, Role.INSTITUTE)
        and user.organisation_id is not None
        and user.organisation_id == award.application.applicant_id
    )


def notice_awards() -> QuerySet[Award]:
    """What the public notice page shows: awards in notice, nothing else."""
    return (
        Award.objects.filter(status=Award.Status.IN_NOTICE)
        .select_related("call", "application__applicant")
        .order_by("call_id", "rank", "pk")
    )


# --------------------------------------------------------------------------------------- helpers


def _applicant_users(award_or_app) -> list[User]:
    app = award_or_app.application if isinstance(award_or_app, Award) else award_or_app
    return list(
        User.objects.filter(
            organisation_id=app.applicant_id, role__in=[Role.ENTERPRISE, Role.INSTITUTE], is_active=True
        )
    )


def _staff_users() -> list[User]:
    return list(User.objects.filter(role__in=list(CITY_WRITERS), is_active=True))


def _tell(award: Award, title: str, body: str = "") -> None:
    notify(
        _applicant_users(award),
        title,
        body,
        reverse("programme_award_detail", args=[award.pk]),
    )


def _note(user, award: Award, action: str, reason: str = "") -> None:
    """An audit row for a change that keeps the award's status (amount, milestone, payment, audit)."""
    workflow.log(award, action, award.status, user, reason)


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("金额须为数字")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("金额须大于0")})
    if amount >= MONEY_LIMIT:
        raise ValidationError({field: _("金额过大，须小于%(m)s万元") % {"m": wan(MONEY_LIMIT)}})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("金额最多精确到分")})
    return amount


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def committed(call: Call, exclude: Award | None = None) -> Decimal:
    """Money the call's awards hold: amounts of live awards plus what exited awards were paid."""
    total = Decimal(0)
    for award in call.awards.all():
        if exclude is not None and award.pk == exclude.pk:
            continue
        if award.status == Award.Status.CANCELLED:
            continue
        if award.status == Award.Status.EXITED:
            total += sum(
                (t.amount_yuan for t in award.tranches.filter(status=Tranche.Status.PAID)), Decimal(0)
            )
        else:
            total += award.amount_yuan
    return total


def free_budget(call: Call) -> Decimal | None:
    if call.total_budget_yuan is None:
        return None
    return call.total_budget_yuan - committed(call)


def _ranking(call: Call) -> list[dict]:
    from . import review

    return review.final_ranking(call)


def _count_limit(call: Call) -> tuple[int | None, str]:
    """The binding limit on the number of awards of this call and the rule it comes from."""
    limits = []
    if call.max_awards is not None:
        limits.append((call.max_awards, _("本通知立项数上限%(n)s项") % {"n": call.max_awards}))
    per_year = call.programme_type.per_year
    if per_year is not None:
        others = (
            Award.objects.filter(call__programme_type=call.programme_type, call__year=call.year)
            .exclude(call=call)
            .exclude(status=Award.Status.CANCELLED)
            .count()
        )
        limits.append(
            (
                max(per_year - others, 0),
                _("%(t)s每年立项%(n)s项（本年度其他通知已立项%(o)s项）")
                % {"t": call.programme_type.name, "n": per_year, "o": others},
            )
        )
    if not limits:
        return None, ""
    return min(limits, key=lambda x: x[0])


# ------------------------------------------------------------------------------- approval list


def plan_awards(call: Call, ranking: list[dict], passing: Decimal = PASSING_SCORE) -> list[dict]:
    """The pure allocation: each ranking row with ``outcome`` (award / waitlist / reject) and
    ``reason``. Budget and count limits come from the call. Used by ``propose_awards`` and for the
    preview shown before staff confirm."""
    budget = call.total_budget_yuan
    limit, limit_rule = _count_limit(call)
    total, count, stopped = Decimal(0), 0, None
    out = []
    for row in ranking:
        app, score = row["application"], row["score"]
        item = {**row, "amount": app.requested_yuan}
        if score is None:
            item["outcome"] = "reject"
            item["reason"] = _("没有有效的专家评分，不予立项")
        elif Decimal(score) < passing:
            item["outcome"] = "reject"
            item["reason"] = _("评审得分%(s)s分，低于立项线%(p)s分") % {"s": score, "p": passing}
        elif stopped is None and limit is not None and count >= limit:
            stopped = _("已达%(rule)s") % {"rule": limit_rule}
        elif stopped is None and budget is not None and total + app.requested_yuan > budget:
            stopped = _("资金总额%(b)s万元已安排%(t)s万元，余额%(r)s万元不足以支持申请的%(a)s万元") % {
                "b": wan(budget), "t": wan(total), "r": wan(budget - total), "a": wan(app.requested_yuan),
            }  # fmt: skip
        if "outcome" in item:
            out.append(item)
            continue
        if stopped is None:
            total += app.requested_yuan
            count += 1
            item["outcome"] = "award"
            item["reason"] = _("排名第%(r)s，得分%(s)s分，支持%(a)s万元（累计%(t)s万元）") % {
                "r": row["rank"], "s": score, "a": wan(app.requested_yuan), "t": wan(total),
            }  # fmt: skip
        else:
            item["outcome"] = "waitlist"
            item["reason"] = _("得分达到立项线，但%(why)s；按排名列入递补候选") % {"why": stopped}
        out.append(item)
    return out


@transaction.atomic
def propose_awards(
    user,
    call: Call,
    *,
    total_budget_yuan: Decimal | None = None,
    max_awards: int | None = None,
    passing: Decimal = PASSING_SCORE,
) -> list[dict]:
    """Turn the review's final ranking into the proposed approval list (拟立项名单). The call moves
    from 评审中 to 立项中. ``total_budget_yuan``/``max_awards``, when given, are saved on the call
    first (the staff confirm them on the same form)."""
    can_manage(user).enforce()
    call = Call.objects.select_for_update(of=("self",)).select_related("programme_type").get(pk=call.pk)
    workflow.guard(call, "start_awarding", _("开始立项"))
    if total_budget_yuan is not None:
        call.total_budget_yuan = _money(total_budget_yuan, "total_budget_yuan")
    if max_awards is not None:
        if int(max_awards) < 1:
            raise ValidationError({"max_awards": _("立项数上限须至少为1项")})
        call.max_awards = int(max_awards)
    if call.total_budget_yuan is None:
        raise ValidationError({"total_budget_yuan": _("请先确定本批资金总额，立项不能超出资金总额")})
    ranking = _ranking(call)
    if not ranking:
        raise ValidationError({"call": _("本通知没有评审完成的申报项目，无法拟定立项名单")})
    plan = plan_awards(call, ranking, passing)
    call.save(update_fields=["total_budget_yuan", "max_awards"])
    workflow.step(
        user,
        call,
        "start_awarding",
        _("开始立项"),
        reason=_("资金总额%(b)s万元，拟立项%(n)s项，立项线%(p)s分")
        % {
            "b": wan(call.total_budget_yuan),
            "n": sum(p["outcome"] == "award" for p in plan),
            "p": passing,
        },
    )
    waitlist_rank = 0
    for item in plan:
        app = item["application"]
        if item["outcome"] == "award":
            app = workflow.step(user, app, "award", _("拟立项"), reason=item["reason"])
            award = Award.objects.create(
                application=app, call=call, amount_yuan=app.requested_yuan, rank=item["rank"]
            )
            workflow.log(award, "propose", "", user, item["reason"])
            _tell(award, _("您的项目“%(t)s”已列入拟立项名单") % {"t": app.title}, item["reason"])
        elif item["outcome"] == "waitlist":
            waitlist_rank += 1
            item["waitlist_rank"] = waitlist_rank
            workflow.step(
                user, app, "waitlist", _("列入递补"), reason=item["reason"], waitlist_rank=waitlist_rank
            )
        else:
            workflow.step(user, app, "reject", _("不予立项"), reason=item["reason"])
    return plan


@transaction.atomic
def adjust_amount(user, award: Award, amount_yuan, reason: str) -> Award:
    """Staff may lower (or restore) a proposed award's amount: never above the request, the call's cap
    or what the budget leaves."""
    can_manage(user).enforce()
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("application", "call__programme_type")
        .get(pk=award.pk)
    )
    if award.status != Award.Status.PROPOSED:
        raise ValidationError(
            {
                "amount_yuan": _("只有拟立项状态的项目可以调整支持金额，当前为“%(s)s”")
                % {"s": award.get_status_display()}
            }
        )
    amount = _money(amount_yuan, "amount_yuan")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("调整支持金额须说明理由")})
    if amount > award.application.requested_yuan:
        raise ValidationError(
            {
                "amount_yuan": _("支持金额不能超过申请金额%(r)s万元")
                % {"r": wan(award.application.requested_yuan)}
            }
        )
    cap = award.call.cap_yuan()
    if amount > cap:
        raise ValidationError({"amount_yuan": _("支持金额不能超过单项上限%(c)s万元") % {"c": wan(cap)}})
    budget = award.call.total_budget_yuan
    if budget is not None and committed(award.call, exclude=award) + amount > budget:
        raise ValidationError(
            {
                "amount_yuan": _("调整后本批立项总额将超出资金总额%(b)s万元（其他项目已占用%(o)s万元）")
                % {"b": wan(budget), "o": wan(committed(award.call, exclude=award))}
            }
        )
    before = award.amount_yuan
    award.amount_yuan = amount
    award.save(update_fields=["amount_yuan"])
    _note(
        user,
        award,
        "adjust_amount",
        _("支持金额由%(a)s万元调整为%(b)s万元：%(r)s") % {"a": wan(before), "b": wan(amount), "r": reason},
    )
    return award


# --------------------------------------------------------------------------------- public notice


@transaction.atomic
def start_notice(user, call: Call, today: dt.date | None = None) -> list[Award]:
    """Put every proposed award of the call into public notice for ``call.notice_days`` days."""
    can_manage(user).enforce()
    today = today or timezone.localdate()
    awards = list(call.awards.filter(status=Award.Status.PROPOSED).select_related("application"))
    if not awards:
        raise ValidationError({"call": _("本通知没有拟立项的项目，无需公示")})
    # A notice of n days runs n calendar days, the first day included.
    ends = today + dt.timedelta(days=max(call.notice_days, 1) - 1)
    out = []
    for award in awards:
        award = workflow.step(
            user,
            award,
            "start_notice",
            _("公示"),
            reason=_("公示期%(a)s至%(b)s") % {"a": today, "b": ends},
            notice_starts=today,
            notice_ends=ends,
        )
        _tell(
            award,
            _("项目“%(t)s”开始公示") % {"t": award.application.title},
            _("公示期%(a)s至%(b)s，公示期满无异议后正式立项。") % {"a": today, "b": ends},
        )
        out.append(award)
    return out


def _text(value, field: str, label: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if len(value) < low:
        raise ValidationError({field: _("“%(l)s”至少%(n)s个字") % {"l": label, "n": low}})
    if len(value) > high:
        raise ValidationError({field: _("“%(l)s”不能超过%(n)s个字") % {"l": label, "n": high}})
    return value


@transaction.atomic
def submit_objection(user, award: Award, name: str, contact: str, text: str, today=None) -> Objection:
    """Anyone (signed in or not) may object to an award during its notice period."""
    today = today or timezone.localdate()
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)
    if award.status != Award.Status.IN_NOTICE or not (
        award.notice_starts and award.notice_ends and award.notice_starts <= today <= award.notice_ends
    ):
        raise ValidationError({"award": _("只能对公示期内的项目提出异议")})
    name = _text(name, "name", _("提出人"), 2, 100)
    contact = _text(contact, "contact", _("联系方式"), 5, 100)
    if not any(ch.isdigit() for ch in contact) and "@" not in contact:
        raise ValidationError({"contact": _("“联系方式”须为电话号码或电子邮箱，以便回复处理结果")})
    text = _text(text, "text", _("异议内容"), 10, 4000)
    objection = Objection.objects.create(
        award=award,
        name=name,
        contact=contact,
        text=text,
        submitted_by=user if user is not None and user.is_authenticated else None,
    )
    # The audit row is shown to the applicant: it names nobody (the objection itself keeps who).
    _note(None, award, "objection", _("收到公示异议"))
    notify(
        _staff_users(),
        _("立项公示收到异议：%(t)s") % {"t": award.application.title},
        text[:200],
        reverse("programme_award_detail", args=[award.pk]),
    )
    return objection


@transaction.atomic
def handle_objection(user, objection: Objection, decision: str, response: str) -> dict:
    """Upheld: the award is cancelled and the waiting list offers a replacement; dismissed: the notice
    goes on. The response is recorded either way."""
    can_manage(user).enforce()
    objection = Objection.objects.select_for_update(of=("self",)).select_related("award").get(pk=objection.pk)
    if decision not in (Objection.Status.UPHELD, Objection.Status.DISMISSED):
        raise ValidationError({"decision": _("处理结论须为“异议成立”或“异议不成立”")})
    if objection.status != Objection.Status.OPEN:
        raise ValidationError(
            {"decision": _("该异议已处理（%(s)s）") % {"s": objection.get_status_display()}}
        )
    response = _text(response, "response", _("处理意见"), 2, 4000)
    award = objection.award
    if decision == Objection.Status.UPHELD:
        workflow.guard(award, "cancel", _("撤销立项"))
    objection.status = decision
    objection.response = response
    objection.handled_by = user
    objection.handled_at = timezone.now()
    objection.save()
    out = {"objection": objection, "replacement": None, "message": ""}
    if decision == Objection.Status.DISMISSED:
        _note(user, award, "objection_dismissed", _("异议不成立：%(r)s") % {"r": response})
        return out
    reason = _("公示异议成立：%(r)s") % {"r": response}
    award = workflow.step(user, award, "cancel", _("撤销立项"), reason=reason)
    workflow.step(user, award.application, "reject", _("不予立项"), reason=reason)
    _tell(award, _("项目“%(t)s”公示异议成立，撤销拟立项") % {"t": award.application.title}, reason)
    out["replacement"], out["message"] = replace_from_waitlist(user, award)
    return out


@transaction.atomic
def approve(user, award: Award, today: dt.date | None = None) -> Award:
    """Formal approval (正式立项): only after the notice period and with no objection open."""
    can_approve(user).enforce()
    today = today or timezone.localdate()
    award = Award.objects.select_for_update(of=("self",)).select_related("application").get(pk=award.pk)
    workflow.guard(award, "approve", _("正式立项"))
    if award.notice_ends is None or today <= award.notice_ends:
        raise ValidationError(
            {"notice_ends": _("公示期至%(d)s结束，公示期满后方可正式立项") % {"d": award.notice_ends}}
        )
    open_n = award.objections.filter(status=Objection.Status.OPEN).count()
    if open_n:
        raise ValidationError(
            {"objections": _("尚有%(n)s条公示异议未处理，异议处理完毕后方可正式立项") % {"n": open_n}}
        )
    award = workflow.step(user, award, "approve", _("正式立项"), reason=_("公示期满，无未处理异议"))
    _tell(award, _("项目“%(t)s”已正式立项") % {"t": award.application.title}, _("请按通知签订项目合同。"))
    return award


def approve_all(user, call: Call, today: dt.date | None = None) -> tuple[list[Award], list[str]]:
    """Approve every award of the call whose notice may close; say why each other one may not."""
    done, skipped = [], []
    for award in call.awards.filter(status=Award.Status.IN_NOTICE).select_related("application"):
        try:
            done.append(approve(user, award, today))
        except ValidationError as exc:
            skipped.append(f"{award.application.title}：{'；'.join(exc.messages)}")
    return done, skipped


@transaction.atomic
def finish_awarding(user, call: Call) -> Call:
    can_manage(user).enforce()
    pending = call.awards.filter(status__in=[Award.Status.PROPOSED, Award.Status.IN_NOTICE]).count()
    if pending:
        raise ValidationError(
            {"call": _("还有%(n)s个项目处于拟立项或公示中，办结后才能完成立项") % {"n": pending}}
        )
    return workflow.step(user, call, "finish", _("完成立项"))


# -------------------------------------------------------------------------------------- contract


def _date(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("“%(l)s”须为日期（年-月-日）") % {"l": label}}) from None


@transaction.atomic
def sign(
    user,
    award: Award,
    *,
    contract_no: str,
    signed_on,
    starts_on,
    ends_on,
    milestones: list[dict],
    tranches: list[dict],
) -> Award:
    """Sign the contract (签订合同): term within the programme type's limit, milestones inside the term,
    tranches adding up exactly to the award, each released by a milestone of this contract or none."""
    can_manage(user).enforce()
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("application", "call__programme_type")
        .get(pk=award.pk)
    )
    workflow.guard(award, "sign", _("签订合同"))
    contract_no = _text(contract_no, "contract_no", _("合同编号"), 1, 64)
    if Award.objects.filter(contract_no=contract_no).exclude(pk=award.pk).exists():
        raise ValidationError({"contract_no": _("合同编号“%(n)s”已被其他项目使用") % {"n": contract_no}})
    signed_on = _date(signed_on, "signed_on", _("签订日期"))
    starts_on = _date(starts_on, "starts_on", _("实施开始"))
    ends_on = _date(ends_on, "ends_on", _("实施结束"))
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": _("实施结束日期须晚于开始日期")})
    max_months = award.call.programme_type.max_months
    if ends_on > add_months(starts_on, max_months):
        raise ValidationError(
            {
                "ends_on": _("实施期不能超过%(n)s个月（%(t)s的上限），最晚至%(d)s")
                % {
                    "n": max_months,
                    "t": award.call.programme_type.name,
                    "d": add_months(starts_on, max_months),
                }
            }
        )
    if not milestones:
        raise ValidationError({"milestones": _("合同须至少约定一个考核节点")})
    clean_ms = []
    for i, m in enumerate(milestones, start=1):
        title = (m.get("title") or "").strip()
        if not title:
            raise ValidationError({"milestones": _("第%(i)s个节点须填写名称") % {"i": i}})
        due = _date(m.get("due_on"), "milestones", _("第%(i)s个节点的到期日") % {"i": i})
        if not starts_on <= due <= ends_on:
            raise ValidationError(
                {
                    "milestones": _("第%(i)s个节点“%(t)s”的到期日%(d)s须在实施期%(a)s至%(b)s之内")
                    % {"i": i, "t": title, "d": due, "a": starts_on, "b": ends_on}
                }
            )
        clean_ms.append((title[:200], (m.get("deliverable") or "").strip(), due))
    if not tranches:
        raise ValidationError({"tranches": _("合同须至少约定一个拨付批次")})
    clean_tr = []
    for i, t in enumerate(tranches, start=1):
        amount = _money(t.get("amount_yuan"), "tranches")
        idx = t.get("milestone")
        if idx is not None and idx != "":
            try:
                idx = int(idx)
            except (TypeError, ValueError):
                idx = -1
            if not 0 <= idx < len(clean_ms):
                raise ValidationError({"tranches": _("第%(i)s批拨付的条件须为本合同的某个节点") % {"i": i}})
        else:
            idx = None
        clean_tr.append((amount, idx))
    total = sum((a for a, _i in clean_tr), Decimal(0))
    if total != award.amount_yuan:
        raise ValidationError(
            {
                "tranches": _("各批拨付金额合计%(t)s万元，须与支持金额%(a)s万元相等")
                % {"t": wan(total), "a": wan(award.amount_yuan)}
            }
        )
    award = workflow.step(
        user,
        award,
        "sign",
        _("签订合同"),
        reason=_("合同%(n)s，实施期%(a)s至%(b)s") % {"n": contract_no, "a": starts_on, "b": ends_on},
        contract_no=contract_no,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    made = [
        Milestone.objects.create(award=award, seq=i, title=t, deliverable=d, due_on=due)
        for i, (t, d, due) in enumerate(clean_ms, start=1)
    ]
    for i, (amount, idx) in enumerate(clean_tr, start=1):
        Tranche.objects.create(
            award=award, seq=i, amount_yuan=amount, milestone=made[idx] if idx is not None else None
        )
    _tell(award, _("项目“%(t)s”合同已签订") % {"t": award.application.title}, award.contract_no)
    return award


@transaction.atomic
def mark_milestone(user, milestone: Milestone, status: str, note: str = "", on=None) -> Milestone:
    can_manage(user).enforce()
    milestone = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("award__application")
        .get(pk=milestone.pk)
    )
    award = milestone.award
    if award.status not in RUNNING:
        raise ValidationError(
            {"status": _("项目当前为“%(s)s”，不能登记节点完成情况") % {"s": award.get_status_display()}}
        )
    if status not in (Milestone.Status.DONE, Milestone.Status.MISSED):
        raise ValidationError({"status": _("节点情况须为“已完成”或“未按期完成”")})
    if milestone.status == Milestone.Status.DONE:
        raise ValidationError({"status": _("节点“%(t)s”已登记完成") % {"t": milestone.title}})
    if milestone.status == status:
        raise ValidationError({"status": _("节点“%(t)s”已是该状态") % {"t": milestone.title}})
    if status == Milestone.Status.MISSED and not (note or "").strip():
        raise ValidationError({"note": _("登记节点未按期完成须说明情况")})
    reported = milestone.status == Milestone.Status.REPORTED
    if on:
        on = _date(on, "done_on", _("完成日期"))
    else:  # confirming the unit's report keeps the day the unit said the milestone was reached
        on = milestone.done_on if reported and milestone.done_on else timezone.localdate()
    milestone.status = status
    # Staff confirming without a word keep the unit's own account of the work.
    milestone.note = (note or "").strip() or (milestone.note if reported else "")
    milestone.done_on = on if status == Milestone.Status.DONE else None
    milestone.save()
    _note(
        user,
        award,
        "milestone_" + status,
        _("节点%(i)s“%(t)s”：%(s)s%(n)s")
        % {
            "i": milestone.seq,
            "t": milestone.title,
            "s": milestone.get_status_display(),
            "n": f"（{milestone.note}）" if milestone.note else "",
        },
    )
    return milestone


MILESTONE_REPORT_MAX = 2000


@transaction.atomic
def report_milestone(user, milestone: Milestone, note: str, on=None) -> Milestone:
    """The project's own unit reports a milestone reached (节点完成情况报告): the milestone then waits for
    the bureau's staff to confirm it (``mark_milestone``), which is what releases a tranche tied to it."""
    milestone = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("award__application")
        .get(pk=milestone.pk)
    )
    award = milestone.award
    if not is_owner(user, award):
        raise PermissionDenied(_("只有项目承担单位可以报告本项目的节点完成情况"))
    if award.status not in RUNNING:
        raise ValidationError(
            {"status": _("项目当前为“%(s)s”，不能报告节点完成情况") % {"s": award.get_status_display()}}
        )
    if milestone.status == Milestone.Status.REPORTED:
        raise ValidationError({"status": _("节点“%(t)s”已报告，正等待市局确认") % {"t": milestone.title}})
    if milestone.status == Milestone.Status.DONE:
        raise ValidationError({"status": _("节点“%(t)s”已确认完成") % {"t": milestone.title}})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写完成情况说明：做了什么、取得了哪些成果")})
    if len(note) > MILESTONE_REPORT_MAX:
        raise ValidationError({"note": _("完成情况说明不能超过%(n)s字") % {"n": MILESTONE_REPORT_MAX}})
    today = timezone.localdate()
    on = _date(on, "done_on", _("完成日期")) if on else today
    if on > today:
        raise ValidationError({"done_on": _("完成日期不能晚于今天")})
    milestone.status = Milestone.Status.REPORTED
    milestone.note = note
    milestone.done_on = on
    milestone.save()
    _note(
        user,
        award,
        "milestone_reported",
        _("节点%(i)s“%(t)s”：单位报告于%(d)s完成（%(n)s）")
        % {"i": milestone.seq, "t": milestone.title, "d": on.isoformat(), "n": note[:60]},
    )
    return milestone


@transaction.atomic
def pay_tranche(user, tranche: Tranche, paid_on=None) -> Tranche:
    """Release a tranche: only while the project runs normally (not under rectification) and only once
    its milestone is done."""
    can_manage(user).enforce()
    tranche = (
        Tranche.objects.select_for_update(of=("self",))
        .select_related("award__application", "milestone")
        .get(pk=tranche.pk)
    )
    award = tranche.award
    if tranche.status != Tranche.Status.PLANNED:
        raise ValidationError(
            {
                "tranche": _("第%(i)s批为“%(s)s”，不能拨付")
                % {"i": tranche.seq, "s": tranche.get_status_display()}
            }
        )
    if award.status not in PAYABLE:
        raise ValidationError(
            {"tranche": _("项目当前为“%(s)s”，暂停拨付") % {"s": award.get_status_display()}}
        )
    if tranche.milestone is not None and tranche.milestone.status != Milestone.Status.DONE:
        raise ValidationError(
            {
                "tranche": _("第%(i)s批以节点“%(t)s”完成为拨付条件，该节点尚未完成")
                % {"i": tranche.seq, "t": tranche.milestone.title}
            }
        )
    tranche.status = Tranche.Status.PAID
    tranche.paid_on = _date(paid_on, "paid_on", _("拨付日期")) if paid_on else timezone.localdate()
    tranche.save()
    _note(
        user,
        award,
        "pay",
        _("拨付第%(i)s批%(a)s万元") % {"i": tranche.seq, "a": wan(tranche.amount_yuan)},
    )
    _tell(
        award,
        _("项目“%(t)s”第%(i)s批资金已拨付") % {"t": award.application.title, "i": tranche.seq},
        _("金额%(a)s万元") % {"a": wan(tranche.amount_yuan)},
    )
    return tranche


# ---------------------------------------------------------------------------------------- checks


def _opinion(opinion: str) -> str:
    return _text(opinion, "opinion", _("意见"), 2, 4000)


@transaction.atomic
def midterm(user, award: Award, result: str, opinion: str, held_on=None, deadline=None) -> Award:
    """Mid-term check (中期检查): pass, or rectify by a deadline and pass later."""
    can_manage(user).enforce()
    held_on = _date(held_on, "held_on", _("检查日期")) if held_on else timezone.localdate()
    opinion = _opinion(opinion)
    if result == "pass":
        method, label = "pass_midterm", _("中期检查通过")
    elif result == "rectify":
        method, label = "rectify", _("限期整改")
        if not deadline:
            raise ValidationError({"deadline": _("限期整改须规定整改期限")})
        deadline = _date(deadline, "deadline", _("整改期限"))
        if deadline <= held_on:
            raise ValidationError({"deadline": _("整改期限须晚于检查日期")})
    else:
        raise ValidationError({"result": _("中期检查结论须为“通过”或“限期整改”")})
    reason = (
        opinion if method == "pass_midterm" else _("%(o)s（整改期限：%(d)s）") % {"o": opinion, "d": deadline}
    )
    award = workflow.step(user, award, method, label, reason=reason)
    ProjectCheck.objects.create(
        award=award,
        kind=ProjectCheck.Kind.MIDTERM,
        held_on=held_on,
        result=result,
        opinion=opinion,
        deadline=deadline if method == "rectify" else None,
        by=user,
    )
    _tell(award, _("项目“%(t)s”中期检查：%(r)s") % {"t": award.application.title, "r": label}, opinion)
    return award


@transaction.atomic
def acceptance(user, award: Award, passed: bool, opinion: str, held_on=None) -> Award:
    """Acceptance (验收): 通过 needs every milestone settled (done or recorded as missed)."""
    can_manage(user).enforce()
    held_on = _date(held_on, "held_on", _("验收日期")) if held_on else timezone.localdate()
    opinion = _opinion(opinion)
    method, label = ("accept", _("验收通过")) if passed else ("fail", _("验收不通过"))
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)  # the caller's copy may be stale
    workflow.guard(award, method, label)
    if passed:
        pending = list(
            award.milestones.filter(status=Milestone.Status.PENDING).values_list("title", flat=True)
        )
        if pending:
            raise ValidationError(
                {"milestones": _("节点“%(t)s”尚未登记完成情况，不能验收通过") % {"t": "、".join(pending)}}
            )
    award = workflow.step(user, award, method, label, reason=opinion)
    ProjectCheck.objects.create(
        award=award,
        kind=ProjectCheck.Kind.ACCEPTANCE,
        held_on=held_on,
        result="pass" if passed else "fail",
        opinion=opinion,
        by=user,
    )
    _tell(award, _("项目“%(t)s”%(r)s") % {"t": award.application.title, "r": label}, opinion)
    return award


def grade_for(score: Decimal, failed_acceptance: bool = False) -> tuple[str, str]:
    """(grade, recommendation) by the bands in ``GRADE_BANDS``."""
    if failed_acceptance:
        return GRADE_BANDS[-1][1], GRADE_BANDS[-1][2]
    for low, grade, rec in GRADE_BANDS:
        if score >= low:
            return grade, rec
    return GRADE_BANDS[-1][1], GRADE_BANDS[-1][2]


@transaction.atomic
def evaluate(user, award: Award, score, opinion: str, held_on=None) -> Award:
    """Performance evaluation (绩效评价), after acceptance, with grade and recommendation."""
    can_manage(user).enforce()
    held_on = _date(held_on, "held_on", _("评价日期")) if held_on else timezone.localdate()
    try:
        score = Decimal(str(score))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"score": _("绩效评价得分须为0至100的数字")}) from None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise ValidationError({"score": _("绩效评价得分须为0至100的数字")})
    score = score.quantize(Decimal("0.1"))
    opinion = _opinion(opinion)
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)  # the caller's copy may be stale
    workflow.guard(award, "evaluate", _("绩效评价"))
    grade, rec = grade_for(score, award.status == Award.Status.FAILED)
    award = workflow.step(
        user,
        award,
        "evaluate",
        _("绩效评价"),
        reason=_("得分%(s)s，等级%(g)s，建议%(r)s：%(o)s") % {"s": score, "g": grade, "r": rec, "o": opinion},
        grade=grade,
    )
    ProjectCheck.objects.create(
        award=award,
        kind=ProjectCheck.Kind.PERFORMANCE,
        held_on=held_on,
        result=grade,
        score=score,
        opinion=opinion,
        recommendation=rec,
        by=user,
    )
    _tell(award, _("项目“%(t)s”绩效评价等级：%(g)s") % {"t": award.application.title, "g": grade}, opinion)
    return award


# ----------------------------------------------------------------------------- exit and replacement


@transaction.atomic
def exit_award(user, award: Award, reason: str) -> dict:
    """Exit (退出): unpaid tranches are withheld, then the waiting list offers a replacement."""
    can_manage(user).enforce()
    reason = _text(reason, "reason", _("退出原因"), 2, 4000)
    award = workflow.step(user, award, "exit", _("退出"), reason=reason, exit_reason=reason)
    withheld = award.tranches.filter(status=Tranche.Status.PLANNED)
    amount = sum((t.amount_yuan for t in withheld), Decimal(0))
    n = withheld.update(status=Tranche.Status.WITHHELD)
    if n:
        _note(user, award, "withhold", _("停止拨付%(n)s批共%(a)s万元") % {"n": n, "a": wan(amount)})
    _tell(award, _("项目“%(t)s”已退出") % {"t": award.application.title}, reason)
    replacement, message = replace_from_waitlist(user, award)
    return {"award": award, "withheld_yuan": amount, "replacement": replacement, "message": message}


def replace_from_waitlist(user, freed: Award) -> tuple[Award | None, str]:
    """递补: the best waitlisted application of the call (by waitlist rank) whose requested amount fits
    the budget still free gets a new award, proposed and due for its own public notice."""
    call = Call.objects.get(pk=freed.call_id)
    free = free_budget(call)
    waiting = list(
        Application.objects.filter(call=call, status=Application.Status.WAITLISTED).order_by(
            "waitlist_rank", "pk"
        )
    )
    if not waiting:
        return None, _("没有递补候选项目，释放的资金留待统筹")
    pick = next((a for a in waiting if free is None or a.requested_yuan <= free), None)
    if pick is None:
        return None, _("递补候选中没有申请金额不超过可用资金%(f)s万元的项目，暂不递补") % {"f": wan(free)}
    reason = _("递补“%(o)s”（递补顺序第%(w)s位，可用资金%(f)s万元）") % {
        "o": freed.application.title, "w": pick.waitlist_rank, "f": wan(free) if free is not None else "—",
    }  # fmt: skip
    pick = workflow.step(user, pick, "award", _("递补立项"), reason=reason)
    # The review rank is not kept for a waitlisted application (the final ranking lists reviewed ones
    # only); its place is the waitlist rank, stated in the audit row.
    award = Award.objects.create(application=pick, call=call, amount_yuan=pick.requested_yuan, replaces=freed)
    workflow.log(award, "replace", "", user, reason)
    _tell(
        award, _("您的项目“%(t)s”获递补列入拟立项名单") % {"t": pick.title}, _("递补项目须经公示后正式立项。")
    )
    return award, _("已由“%(t)s”递补，待公示") % {"t": pick.title}


# ---------------------------------------------------------------------------------- audit findings


@transaction.atomic
def record_finding(
    user, award: Award, *, auditor: str, found_on, severity: str, text: str, amount_yuan=None
) -> AuditFinding:
    can_manage(user).enforce()
    award = Award.objects.select_related("application").get(pk=award.pk)
    if award.status in (Award.Status.PROPOSED, Award.Status.IN_NOTICE, Award.Status.CANCELLED):
        raise ValidationError({"award": _("只有已立项的项目才能登记审计发现")})
    if severity not in AuditFinding.Severity.values:
        raise ValidationError({"severity": _("严重程度须为一般、较重或严重")})
    finding = AuditFinding.objects.create(
        award=award,
        auditor=_text(auditor, "auditor", _("审计机构"), 2, 200),
        found_on=_date(found_on, "found_on", _("审计日期")),
        severity=severity,
        text=_text(text, "text", _("审计发现"), 2, 4000),
        amount_yuan=_money(amount_yuan, "amount_yuan") if amount_yuan not in (None, "") else None,
        recorded_by=user,
    )
    _note(user, award, "audit_finding", _("%(a)s审计发现（%(s)s）：%(t)s") % {
        "a": finding.auditor, "s": finding.get_severity_display(), "t": finding.text,
    })  # fmt: skip
    _tell(award, _("项目“%(t)s”有审计发现待整改") % {"t": award.application.title}, finding.text)
    return finding


@transaction.atomic
def respond_finding(user, finding: AuditFinding, response: str) -> AuditFinding:
    """The project's unit (or staff on its behalf) states what was corrected."""
    finding = (
        AuditFinding.objects.select_for_update(of=("self",))
        .select_related("award__application")
        .get(pk=finding.pk)
    )
    if not (can_manage(user) or is_owner(user, finding.award)):
        raise PermissionDenied(_("只有项目承担单位或市局工作人员可以填写整改情况"))
    if finding.status != AuditFinding.Status.OPEN:
        raise ValidationError({"response": _("该审计发现已整改完毕")})
    finding.response = _text(response, "response", _("整改情况"), 2, 4000)
    finding.save()
    _note(user, finding.award, "audit_response", _("整改情况：%(r)s") % {"r": finding.response})
    return finding


@transaction.atomic
def resolve_finding(user, finding: AuditFinding) -> AuditFinding:
    can_manage(user).enforce()
    finding = AuditFinding.objects.select_for_update(of=("self",)).select_related("award").get(pk=finding.pk)
    if finding.status != AuditFinding.Status.OPEN:
        raise ValidationError({"status": _("该审计发现已整改完毕")})
    if not finding.response.strip():
        raise ValidationError({"response": _("须先填写整改情况，才能确认整改完毕")})
    finding.status = AuditFinding.Status.RESOLVED
    finding.save()
    _note(user, finding.award, "audit_resolved", _("确认整改完毕：%(t)s") % {"t": finding.text[:100]})
    return finding


# ------------------------------------------------------------------------------------- reporting


def award_rows(awards) -> list[list]:
    """Rows of the award list export, one per award."""
    rows = []
    for a in awards:
        paid = sum((t.amount_yuan for t in a.tranches.all() if t.status == Tranche.Status.PAID), Decimal(0))
        app = a.application
        rows.append(
            [
                a.rank or "",
                app.title,
                app.applicant.name,
                app.applicant.district.name if app.applicant.district_id else "",
                float(wan(app.requested_yuan)),
                float(wan(a.amount_yuan)),
                float(wan(paid)),
                a.get_status_display(),
                a.contract_no,
                a.starts_on,
                a.ends_on,
                a.grade,
                a.replaces.application.title if a.replaces_id else "",
            ]
        )
    return rows
