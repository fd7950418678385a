"""Use-cases of open challenges (揭榜挂帅) and the horse race (赛马制).

Who does what
- An enterprise user drafts a challenge for its own organisation; city staff post it after checking it
  (the approval *is* the posting: every enterprise draft is waiting for the bureau). City staff draft
  bureau challenges (``poster`` None) and post them directly.
- Enterprise and institute users bid for their organisation while the challenge is posted and the
  deadline (inclusive) has not passed; one live bid per organisation; they withdraw before the deadline.
- Who sees the bids: the bidder its own; city staff all; the posting enterprise all of them, but only
  once the deadline has passed (so it cannot steer teams while bidding is open); the public only the
  organisation names of the selected teams once the challenge is running.
- After the deadline staff close bidding, score every bid (0–100, with an opinion), select the teams
  (single: exactly one; several and horse race: 2..max_teams, a horse race more than ``gate_keep``),
  and start the challenge with the payment plan of each selected team.

The payment rule (checked at start)
- Each selected team's rows sum to at most its requested amount.
- Single / several: the rows of all teams sum to at most the bounty.
- Horse race: a row due on or before ``gate_on`` is pre-gate, a later one post-gate. Every team's
  pre-gate rows may be paid, but only ``gate_keep`` teams will ever draw post-gate money, so
  Σ pre-gate(all teams) + Σ of the ``gate_keep`` largest post-gate totals ≤ bounty. Post-gate rows
  are paid only after the gate and only to continuing teams; a stopped team's unpaid rows are
  cancelled, so what is paid never exceeds the bounty whichever teams continue.
- Rows are paid in their order (seq) and only to selected or continuing teams; a team is recorded as
  delivered once all its rows are paid (the last row is the acceptance payment), and a failed team's
  unpaid rows are cancelled.

Every refusal raises ``ValidationError`` naming the field and the rule, or ``PermissionDenied`` with the
reason, before anything is written. Status changes go through ``workflow.step`` (audited); payments are
logged to the same audit table.
"""

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role, User
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of

from .. import workflow
from ..models import Bid, BountyPayment, Challenge, ProgrammeType
from . import wan

TYPE_CODE = "open_challenge"
MAX_TEAM_ROWS = 20
LIVE_BID = ~Q(status=Bid.Status.WITHDRAWN)
PUBLIC_STATUSES = [s for s in Challenge.Status.values if s != Challenge.Status.DRAFT]
BOARD_OPEN = [Challenge.Status.POSTED, Challenge.Status.SELECTING]
BOARD_UNDER_WAY = [
    Challenge.Status.RUNNING,
    Challenge.Status.GATED,
    Challenge.Status.COMPLETED,
    Challenge.Status.FAILED,
]
TEAM_STATUSES = [
    Bid.Status.SELECTED,
    Bid.Status.CONTINUING,
    Bid.Status.STOPPED,
    Bid.Status.DELIVERED,
    Bid.Status.FAILED,
]
ACTIVE_TEAM = [Bid.Status.SELECTED, Bid.Status.CONTINUING]
CHALLENGE_FIELDS = (
    "title", "problem", "requirements", "field", "bounty_open", "bounty_yuan", "deadline", "months", "mode",
    "max_teams", "gate_on", "gate_keep",
)  # fmt: skip
BID_FIELDS = ("leader", "team", "plan", "requested_yuan", "months")


def today() -> dt.date:
    return timezone.localdate()


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(challenge: Challenge) -> dt.date:
    """The latest end of the work: ``months`` after the bidding deadline."""
    return add_months(challenge.deadline, challenge.months)


def challenge_type() -> ProgrammeType:
    ptype = ProgrammeType.objects.filter(code=TYPE_CODE).first()
    if ptype is None:
        from . import seed_programme_types

        seed_programme_types()
        ptype = ProgrammeType.objects.get(code=TYPE_CODE)
    return ptype


# ----------------------------------------------------------------------------------- permissions


def is_staff(user) -> bool:
    return role_of(user) in CITY_WRITERS


def can_manage(user) -> Decision:
    if is_staff(user):
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以办理揭榜挂帅的发榜审核、遴选和兑付"))


def can_draft(user) -> Decision:
    role = role_of(user)
    if role in CITY_WRITERS or (role == Role.ENTERPRISE and user.organisation_id):
        return Decision(True)
    return Decision(False, _("只有企业用户（为本单位）和市局工作人员可以发布榜单"))


def can_bid(user, challenge: Challenge | None = None) -> Decision:
    role = role_of(user)
    if role not in (Role.ENTERPRISE, Role.INSTITUTE) or not user.organisation_id:
        return Decision(False, _("只有企业和高校院所用户可以为本单位揭榜"))
    if challenge is not None and challenge.poster_id == user.organisation_id:
        return Decision(False, _("发榜单位不能揭自己的榜"))
    return Decision(True)


def is_poster(user, challenge: Challenge) -> bool:
    return (
        role_of(user) == Role.ENTERPRISE
        and challenge.poster_id is not None
        and challenge.poster_id == user.organisation_id
    )


def can_edit(user, challenge: Challenge) -> Decision:
    """A draft is edited by its drafter's side: staff edit bureau drafts and may correct an enterprise's
    draft before posting it; an enterprise edits its own."""
    if challenge.status != Challenge.Status.DRAFT:
        return Decision(False, _("只有草稿状态的榜单可以修改"))
    if is_staff(user) or is_poster(user, challenge):
        return Decision(True)
    return Decision(False, _("只能修改本单位的榜单"))


def can_cancel(user, challenge: Challenge) -> Decision:
    if is_staff(user):
        return Decision(True)
    if is_poster(user, challenge) and challenge.status in (Challenge.Status.DRAFT, Challenge.Status.POSTED):
        return Decision(True)
    return Decision(False, _("只有市局工作人员或发榜企业（遴选开始前）可以撤榜"))


def poster_sees_bids(challenge: Challenge, on: dt.date | None = None) -> bool:
    """The posting enterprise sees the bids only after the bidding deadline has passed."""
    return challenge.status != Challenge.Status.POSTED or (on or today()) > challenge.deadline


# -------------------------------------------------------------------------------------- queries


def visible_challenges(user) -> QuerySet[Challenge]:
    qs = Challenge.objects.select_related("poster", "programme_type").annotate(
        bid_count=Count("bids", filter=LIVE_BID)
    )
    role = role_of(user)
    if role in CITY_READERS:
        return qs
    if role == Role.ENTERPRISE and user.organisation_id:
        return qs.filter(~Q(status=Challenge.Status.DRAFT) | Q(poster_id=user.organisation_id))
    return qs.exclude(status=Challenge.Status.DRAFT)


def get_challenge(user, pk: int) -> Challenge:
    challenge = visible_challenges(user).filter(pk=pk).first()
    if challenge is None:
        raise Http404(_("未找到该榜单"))
    return challenge


def visible_bids(user, challenge: Challenge) -> QuerySet[Bid]:
    """All bids of ``challenge`` that ``user`` may read in full (plans, amounts, team)."""
    qs = Bid.objects.filter(challenge=challenge).select_related("organisation")
    role = role_of(user)
    if role in CITY_READERS:
        return qs
    if is_poster(user, challenge) and poster_sees_bids(challenge):
        return qs
    if role in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def public_teams(challenge: Challenge) -> list[dict]:
    """Public facts of the selected teams: organisation name and outcome only."""
    if challenge.status not in BOARD_UNDER_WAY:
        return []
    return [
        {"organisation": b.organisation.name, "status": b.status, "status_label": b.get_status_display()}
        for b in challenge.bids.filter(status__in=TEAM_STATUSES).select_related("organisation").order_by("pk")
    ]


def board(user, *, field: str = "", status: str = "") -> dict:
    """The public board: open challenges, those under way (with their teams), and for staff and
    posting enterprises the drafts they may act on."""
    qs = visible_challenges(user)
    if field:
        qs = qs.filter(field=field)
    if status in PUBLIC_STATUSES:
        qs = qs.filter(status=status)
    on = today()
    open_rows = list(qs.filter(status__in=BOARD_OPEN).order_by("deadline", "pk"))
    for c in open_rows:
        c.days_left = max((c.deadline - on).days, 0)
        c.bounty_wan = wan(c.bounty_yuan)
    under_way = list(qs.filter(status__in=BOARD_UNDER_WAY).order_by("-pk"))
    for c in under_way:
        c.bounty_wan = wan(c.bounty_yuan)
        c.teams = public_teams(c)
    drafts = list(qs.filter(status=Challenge.Status.DRAFT).order_by("-pk")) if not status else []
    for c in drafts:
        c.bounty_wan = wan(c.bounty_yuan)
    fields = sorted(
        set(
            Challenge.objects.filter(status__in=PUBLIC_STATUSES)
            .exclude(field="")
            .values_list("field", flat=True)
        )
    )
    return {"open": open_rows, "under_way": under_way, "drafts": drafts, "fields": fields}


def _org_users(org_ids) -> list[User]:
    """The organisations' own accounts (not an expert who happens to work there)."""
    return list(
        User.objects.filter(
            organisation_id__in=list(org_ids), role__in=[Role.ENTERPRISE, Role.INSTITUTE], is_active=True
        )
    )


def _staff_users() -> list[User]:
    return list(User.objects.filter(role=Role.BUREAU_STAFF, is_active=True))


def _url(challenge: Challenge) -> str:
    return reverse("challenge_detail", args=[challenge.pk])


# ------------------------------------------------------------------------------------ validation


def _decimal(value, field: str, label) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("%(f)s须为数字") % {"f": label}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(f)s须为数字") % {"f": label}})
    return number


def _check_challenge(c: Challenge, on: dt.date) -> None:
    """The rules of a challenge's terms; used on saving a draft and again on posting."""
    ptype = c.programme_type or challenge_type()
    errors: dict[str, str] = {}
    if not (c.title or "").strip():
        errors["title"] = _("榜单名称为必填项")
    if not (c.problem or "").strip():
        errors["problem"] = _("需求描述为必填项")
    if not (c.requirements or "").strip():
        errors["requirements"] = _("技术指标与验收标准为必填项")
    if c.bounty_open:
        if c.bounty_yuan is not None:
            errors["bounty_yuan"] = _("不限定榜额的榜单不填写榜额，榜额在遴选时与入选团队商定")
    elif c.bounty_yuan is None or c.bounty_yuan <= 0:
        errors["bounty_yuan"] = _("榜额须大于0；如不限定榜额，请勾选“不限定榜额”")
    elif c.bounty_yuan > ptype.max_grant_yuan:
        errors["bounty_yuan"] = _("榜额不能超过“%(t)s”的上限%(cap)s万元") % {
            "t": ptype.name,
            "cap": wan(ptype.max_grant_yuan),
        }
    if c.deadline is None or c.deadline <= on:
        errors["deadline"] = _("揭榜截止日期须晚于今天")
    if c.months is None or not 1 <= c.months <= ptype.max_months:
        errors["months"] = _("攻关期限须为1至%(n)s个月") % {"n": ptype.max_months}
    if c.mode not in Challenge.Mode.values:
        errors["mode"] = _("遴选方式须为择优选定一家、选定多家或赛马制")
    elif c.mode == Challenge.Mode.SINGLE:
        if c.max_teams != 1:
            errors["max_teams"] = _("择优选定一家时，入选团队数上限须为1")
    elif c.max_teams is None or c.max_teams < 2:
        errors["max_teams"] = _("选定多家或赛马制时，入选团队数上限须不少于2")
    if c.mode == Challenge.Mode.HORSE_RACE:
        if c.gate_on is None:
            errors["gate_on"] = _("赛马制须填写赛马节点日期")
        elif c.deadline and c.months and "months" not in errors and not c.deadline < c.gate_on < term_end(c):
            errors["gate_on"] = _("赛马节点日期须晚于揭榜截止日期（%(d)s）、早于攻关期满（%(e)s）") % {
                "d": c.deadline,
                "e": term_end(c),
            }
        if c.gate_keep is None or c.max_teams is None or not 1 <= c.gate_keep < c.max_teams:
            errors["gate_keep"] = _("节点后保留团队数须不少于1、少于入选团队数上限")
    elif c.gate_on is not None or c.gate_keep is not None:
        errors["gate_on"] = _("只有赛马制榜单才设赛马节点")
    if errors:
        raise ValidationError(errors)
    c.full_clean(exclude=["programme_type", "poster", "created_by"])


@transaction.atomic
def save_challenge(user, data: dict, challenge: Challenge | None = None) -> Challenge:
    """Create a draft (an enterprise's for its own organisation, staff's for the bureau) or edit one."""
    can_draft(user).enforce()
    if challenge is not None:
        challenge = Challenge.objects.select_for_update(of=("self",)).get(pk=challenge.pk)
        can_edit(user, challenge).enforce()
        record = challenge
    else:
        poster = None if is_staff(user) else user.organisation_id
        record = Challenge(poster_id=poster, created_by=user, programme_type=challenge_type())
    for name in CHALLENGE_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    if record.mode == Challenge.Mode.SINGLE and "max_teams" not in data:
        record.max_teams = 1
    _check_challenge(record, today())
    new = record.pk is None
    record.save()
    if new and record.poster_id is not None:
        notify(
            _staff_users(),
            _("企业提交了待审核的榜单：%(t)s") % {"t": record.title},
            _("%(o)s拟发布揭榜挂帅榜单，请审核后发榜。") % {"o": record.poster.name},
            _url(record),
        )
    return record


@transaction.atomic
def post_challenge(user, challenge: Challenge, reason: str = "") -> Challenge:
    """Staff post a bureau draft, or approve and post an enterprise's draft."""
    can_manage(user).enforce()
    fresh = Challenge.objects.select_for_update(of=("self",)).get(pk=challenge.pk)
    workflow.guard(fresh, "post", _("发榜"))
    _check_challenge(fresh, today())
    action = "approve_post" if fresh.poster_id else "post"
    fresh = workflow.step(user, fresh, "post", _("发榜"), reason=reason, action=action)
    if fresh.poster_id:
        notify(
            _org_users([fresh.poster_id]),
            _("榜单已审核发布：%(t)s") % {"t": fresh.title},
            _("市科技局已审核并发布贵单位的榜单，揭榜截止日期为%(d)s。") % {"d": fresh.deadline},
            _url(fresh),
        )
    return fresh


@transaction.atomic
def cancel_challenge(user, challenge: Challenge, reason: str) -> Challenge:
    """Withdraw a challenge (撤榜) before it runs; pending bids end as not selected."""
    fresh = Challenge.objects.select_for_update(of=("self",)).get(pk=challenge.pk)
    can_cancel(user, fresh).enforce()
    workflow.guard(fresh, "cancel", _("撤榜"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤榜须说明原因")})
    if fresh.bids.filter(status=Bid.Status.SELECTED).exists():
        # A selected team has no way back to "not selected": once teams are chosen, the work starts.
        raise ValidationError({"status": _("已选定入选团队的榜单不能撤榜")})
    pending = list(fresh.bids.filter(status=Bid.Status.SUBMITTED))
    fresh = workflow.step(user, fresh, "cancel", _("撤榜"), reason=reason)
    for bid in pending:
        workflow.step(user, bid, "reject", _("结束揭榜"), reason=_("榜单已撤销：%(r)s") % {"r": reason})
    orgs = {b.organisation_id for b in pending} | ({fresh.poster_id} if fresh.poster_id else set())
    notify(
        _org_users(orgs),
        _("榜单已撤销：%(t)s") % {"t": fresh.title},
        _("撤榜原因：%(r)s") % {"r": reason},
        _url(fresh),
    )
    return fresh


# ------------------------------------------------------------------------------------------ bids


def _clean_team(team) -> list[dict]:
    if not isinstance(team, list) or len(team) > MAX_TEAM_ROWS:
        raise ValidationError({"team": _("团队成员须为不超过%(n)s行的名单") % {"n": MAX_TEAM_ROWS}})
    rows = []
    for i, row in enumerate(team, start=1):
        if not isinstance(row, dict):
            raise ValidationError({"team": _("第%(i)s行团队成员格式不正确") % {"i": i}})
        name = str(row.get("name") or "").strip()
        title = str(row.get("title") or "").strip()
        if not name and not title:
            continue
        if not name:
            raise ValidationError({"team": _("第%(i)s行团队成员须填写姓名") % {"i": i}})
        if len(name) > 50 or len(title) > 50:
            raise ValidationError({"team": _("第%(i)s行团队成员的姓名和职称各不超过50字") % {"i": i}})
        rows.append({"name": name, "title": title})
    return rows


def _check_bid_open(challenge: Challenge, field: str = "challenge") -> None:
    if challenge.status != Challenge.Status.POSTED or today() > challenge.deadline:
        raise ValidationError(
            {field: _("该榜单不在揭榜期内（须已发榜且未过截止日期%(d)s）") % {"d": challenge.deadline}}
        )


@transaction.atomic
def submit_bid(user, challenge: Challenge, data: dict) -> Bid:
    """Bid for the user's organisation (揭榜)."""
    challenge = Challenge.objects.select_for_update(of=("self",)).get(pk=challenge.pk)
    can_bid(user, challenge).enforce()
    _check_bid_open(challenge)
    if challenge.bids.filter(LIVE_BID, organisation_id=user.organisation_id).exists():
        raise ValidationError({"organisation": _("本单位已揭此榜，如需重新揭榜请先撤回原揭榜")})
    errors: dict[str, str] = {}
    leader = str(data.get("leader") or "").strip()
    plan = str(data.get("plan") or "").strip()
    if not leader:
        errors["leader"] = _("团队负责人为必填项")
    if not plan:
        errors["plan"] = _("攻关方案为必填项")
    requested = _decimal(data.get("requested_yuan"), "requested_yuan", _("申请榜额"))
    if requested <= 0:
        errors["requested_yuan"] = _("申请榜额须大于0")
    elif challenge.bounty_open:
        ptype = challenge.programme_type or challenge_type()
        if requested > ptype.max_grant_yuan:
            errors["requested_yuan"] = _("申请榜额不能超过“%(t)s”的上限%(cap)s万元") % {
                "t": ptype.name,
                "cap": wan(ptype.max_grant_yuan),
            }
    elif requested > challenge.bounty_yuan:
        errors["requested_yuan"] = _("申请榜额不能超过榜额%(b)s万元") % {"b": wan(challenge.bounty_yuan)}
    months = data.get("months")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= challenge.months:
        errors["months"] = _("承诺完成期限须为1至%(n)s个月（不超过榜单攻关期限）") % {"n": challenge.months}
    if errors:
        raise ValidationError(errors)
    bid = Bid(
        challenge=challenge, organisation_id=user.organisation_id, leader=leader, plan=plan,
        team=_clean_team(data.get("team") or []), requested_yuan=requested, months=months, submitted_by=user,
    )  # fmt: skip
    bid.full_clean(exclude=["challenge", "organisation", "submitted_by"], validate_constraints=False)
    bid.save()
    workflow.log(bid, "submit", "", user)
    return bid


def _own_bid(user, bid: Bid) -> Bid:
    fresh = Bid.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=bid.pk)
    can_bid(user).enforce()
    if fresh.organisation_id != user.organisation_id:
        raise PermissionDenied(_("只能撤回本单位的揭榜"))
    return fresh


@transaction.atomic
def withdraw_bid(user, bid: Bid, reason: str = "") -> Bid:
    fresh = _own_bid(user, bid)
    workflow.guard(fresh, "withdraw", _("撤回"))
    _check_bid_open(fresh.challenge)
    return workflow.step(user, fresh, "withdraw", _("撤回"), reason=reason)


# ------------------------------------------------------------------------------------- selection


def _ids(values, field: str) -> set[int]:
    """Posted record ids as integers; anything else is refused naming the field."""
    out = set()
    for value in values:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ValidationError({field: _("所选团队不正确")})
        out.add(int(text))
    return out


def _locked(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update(of=("self",)).get(pk=challenge.pk)


@transaction.atomic
def close_bids(user, challenge: Challenge) -> Challenge:
    """After the deadline: bidding ends and the bids are examined (→ selecting)."""
    can_manage(user).enforce()
    fresh = _locked(challenge)
    workflow.guard(fresh, "close_bids", _("截止揭榜"))
    if today() <= fresh.deadline:
        raise ValidationError(
            {"deadline": _("揭榜截止日期（%(d)s）之后才能截止揭榜") % {"d": fresh.deadline}}
        )
    fresh = workflow.step(user, fresh, "close_bids", _("截止揭榜"))
    bidders = fresh.bids.filter(status=Bid.Status.SUBMITTED).values_list("organisation_id", flat=True)
    notify(
        _org_users(set(bidders) | ({fresh.poster_id} if fresh.poster_id else set())),
        _("榜单已截止揭榜，进入遴选：%(t)s") % {"t": fresh.title},
        "",
        _url(fresh),
    )
    return fresh


def _score(value, field: str) -> Decimal:
    number = _decimal(value, field, _("得分"))
    if not Decimal(0) <= number <= Decimal(100):
        raise ValidationError({field: _("得分须在0至100之间")})
    if number != number.quantize(Decimal("0.1")):
        raise ValidationError({field: _("得分最多保留一位小数")})
    return number.quantize(Decimal("0.1"))


def _opinion(opinion) -> str:
    text = str(opinion or "").strip()
    if not text:
        raise ValidationError({"opinion": _("评议意见为必填项")})
    return text


@transaction.atomic
def score_bid(user, bid: Bid, score, opinion: str) -> Bid:
    """Record the selection score (0–100) and opinion of a bid while the challenge is selecting."""
    can_manage(user).enforce()
    fresh = Bid.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=bid.pk)
    if fresh.challenge.status != Challenge.Status.SELECTING or fresh.status != Bid.Status.SUBMITTED:
        raise ValidationError({"score": _("只有遴选中的榜单、尚未决定的揭榜才能评分")})
    fresh.score = _score(score, "score")
    fresh.opinion = _opinion(opinion)
    fresh.save(update_fields=["score", "opinion"])
    return fresh


def _team_count_rule(c: Challenge, n: int) -> str | None:
    if c.mode == Challenge.Mode.SINGLE:
        return None if n == 1 else _("择优选定一家：须选定1个团队")
    if not 2 <= n <= c.max_teams:
        return _("须选定2至%(n)s个团队") % {"n": c.max_teams}
    if c.mode == Challenge.Mode.HORSE_RACE and n <= (c.gate_keep or 0):
        return _("赛马制入选团队须多于节点后保留的%(k)s个") % {"k": c.gate_keep}
    return None


def _agreed_amounts(c: Challenge, chosen: list[Bid], agreed) -> dict[int, Decimal]:
    """Each selected team's amount: what it requested under a fixed bounty; under an open bounty
    (不限定榜额) the amount agreed with it, more than 0 and at most what it requested, the teams'
    total within the programme type's cap as a fixed bounty would be."""
    if not c.bounty_open:
        if agreed:
            raise ValidationError({"agreed_yuan": _("定额榜单按各团队的申请榜额确定，无需商定金额")})
        return {b.pk: b.requested_yuan for b in chosen}
    agreed = {str(k): v for k, v in (agreed or {}).items()}
    out: dict[int, Decimal] = {}
    for bid in chosen:
        name = bid.organisation.name
        value = agreed.get(str(bid.pk))
        if value is None or str(value).strip() == "":
            raise ValidationError({"agreed_yuan": _("不限定榜额的榜单须填写与%(o)s商定的榜额") % {"o": name}})
        amount = _decimal(value, "agreed_yuan", _("商定榜额"))
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError({"agreed_yuan": _("%(o)s的商定榜额须大于0（精确到分）") % {"o": name}})
        if amount > bid.requested_yuan:
            raise ValidationError(
                {
                    "agreed_yuan": _("%(o)s的商定榜额%(a)s万元超过其申请榜额%(r)s万元")
                    % {"o": name, "a": wan(amount), "r": wan(bid.requested_yuan)}
                }
            )
        out[bid.pk] = amount
    ptype = c.programme_type or challenge_type()
    total = sum(out.values(), Decimal(0))
    if total > ptype.max_grant_yuan:
        raise ValidationError(
            {
                "agreed_yuan": _("商定榜额合计%(s)s万元超过“%(t)s”的上限%(cap)s万元")
                % {"s": wan(total), "t": ptype.name, "cap": wan(ptype.max_grant_yuan)}
            }
        )
    return out


@transaction.atomic
def select_bids(user, challenge: Challenge, bid_ids, reason: str = "", agreed=None) -> Challenge:
    """Select the teams; every other pending bid is not selected. All bids must be scored first.

    ``agreed`` maps a selected bid's id to the amount agreed with the team (yuan), required when the
    challenge has no fixed bounty (不限定榜额); their total then becomes the challenge's bounty."""
    can_manage(user).enforce()
    fresh = _locked(challenge)
    if fresh.status != Challenge.Status.SELECTING:
        raise ValidationError({"status": _("只有遴选中的榜单才能选定团队")})
    pending = list(fresh.bids.filter(status=Bid.Status.SUBMITTED).order_by("pk"))
    if fresh.bids.filter(status=Bid.Status.SELECTED).exists():
        raise ValidationError({"bids": _("本榜单已选定团队")})
    ids = _ids(bid_ids, "bids")
    by_id = {b.pk: b for b in pending}
    if not ids <= set(by_id):
        raise ValidationError({"bids": _("只能选定本榜单中待遴选的揭榜")})
    unscored = [b.organisation.name for b in pending if b.score is None]
    if unscored:
        raise ValidationError({"score": _("以下揭榜尚未评分：%(o)s") % {"o": "、".join(unscored)}})
    problem = _team_count_rule(fresh, len(ids))
    if problem:
        raise ValidationError({"bids": problem})
    amounts = _agreed_amounts(fresh, [b for b in pending if b.pk in ids], agreed)
    for bid in pending:
        if bid.pk in ids:
            workflow.step(user, bid, "select", _("入选"), reason=reason, agreed_yuan=amounts[bid.pk])
        else:
            workflow.step(user, bid, "reject", _("未入选"), reason=reason)
    if fresh.bounty_open:
        fresh.bounty_yuan = sum(amounts.values(), Decimal(0))
        fresh.save(update_fields=["bounty_yuan"])
        workflow.log(
            fresh,
            "agree_bounty",
            fresh.status,
            user,
            _("不限定榜额，遴选商定榜额合计%(s)s万元") % {"s": wan(fresh.bounty_yuan)},
        )
    for bid in pending:
        chosen = bid.pk in ids
        notify(
            _org_users([bid.organisation_id]),
            (_("揭榜入选：%(t)s") if chosen else _("揭榜未入选：%(t)s")) % {"t": fresh.title},
            _("遴选得分%(s)s。%(o)s") % {"s": bid.score, "o": bid.opinion},
            _url(fresh),
        )
    return fresh


def team_amount(bid: Bid) -> Decimal:
    """What a selected team may be paid in all: the amount fixed on selection (bids selected before
    that was recorded fall back to what they requested, which is what it was then)."""
    return bid.requested_yuan if bid.agreed_yuan is None else bid.agreed_yuan


def _rows(plan) -> list[dict]:
    if not isinstance(plan, list):
        raise ValidationError({"payments": _("兑付计划格式不正确")})
    return plan


@transaction.atomic
def start(user, challenge: Challenge, plans: dict) -> Challenge:
    """Start the work (→ running) with each selected team's payment plan.

    ``plans`` maps a selected bid's id to its rows ``{"milestone", "due_on", "amount_yuan"}`` in order.
    """
    can_manage(user).enforce()
    fresh = _locked(challenge)
    workflow.guard(fresh, "start", _("启动攻关"))
    selected = list(
        fresh.bids.filter(status=Bid.Status.SELECTED).select_related("organisation").order_by("pk")
    )
    problem = _team_count_rule(fresh, len(selected))
    if problem:
        raise ValidationError({"bids": _("请先选定团队：") + problem})
    plans = {int(k): v for k, v in (plans or {}).items()}
    if set(plans) - {b.pk for b in selected}:
        raise ValidationError({"payments": _("兑付计划只能针对入选团队")})
    # The work runs ``months`` from the start; payments fall due within it.
    on = today()
    end = add_months(on, fresh.months)
    horse = fresh.mode == Challenge.Mode.HORSE_RACE
    clean: dict[int, list[dict]] = {}
    pre_total, post_totals, total = Decimal(0), [], Decimal(0)
    for bid in selected:
        name = bid.organisation.name
        rows = _rows(plans.get(bid.pk, []))
        if not rows:
            raise ValidationError({"payments": _("须为%(o)s填写至少一个兑付节点") % {"o": name}})
        out, pre, post = [], Decimal(0), Decimal(0)
        for i, row in enumerate(rows, start=1):
            where = _("%(o)s第%(i)s行") % {"o": name, "i": i}
            milestone = str(row.get("milestone") or "").strip()
            if not milestone or len(milestone) > 200:
                raise ValidationError({"milestone": _("%(w)s：兑付节点须填写（不超过200字）") % {"w": where}})
            due = row.get("due_on")
            if not isinstance(due, dt.date) or not on <= due <= end:
                raise ValidationError(
                    {"due_on": _("%(w)s：计划日期须在%(a)s至%(b)s之间") % {"w": where, "a": on, "b": end}}
                )
            amount = _decimal(row.get("amount_yuan"), "amount_yuan", _("金额"))
            if amount > fresh.bounty_yuan:
                raise ValidationError(
                    {
                        "amount_yuan": _("%(w)s：金额不能超过榜额%(b)s万元")
                        % {"w": where, "b": wan(fresh.bounty_yuan)}
                    }
                )
            if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
                raise ValidationError({"amount_yuan": _("%(w)s：金额须大于0（精确到分）") % {"w": where}})
            if horse and due > fresh.gate_on:
                post += amount
            else:
                pre += amount
            out.append({"milestone": milestone, "due_on": due, "amount_yuan": amount})
        limit = team_amount(bid)
        if pre + post > limit:
            raise ValidationError(
                {
                    "payments": (
                        _("%(o)s的兑付合计%(s)s万元超过其商定榜额%(r)s万元")
                        if fresh.bounty_open
                        else _("%(o)s的兑付合计%(s)s万元超过其申请榜额%(r)s万元")
                    )
                    % {"o": name, "s": wan(pre + post), "r": wan(limit)}
                }
            )
        clean[bid.pk] = out
        pre_total += pre
        post_totals.append(post)
        total += pre + post
    if horse:
        worst = pre_total + sum(sorted(post_totals, reverse=True)[: fresh.gate_keep])
        if worst > fresh.bounty_yuan:
            raise ValidationError(
                {
                    "payments": _(
                        "各团队节点前兑付合计%(a)s万元，加上节点后保留%(k)s个团队可能兑付的最多%(b)s万元，"
                        "超过榜额%(c)s万元"
                    )
                    % {
                        "a": wan(pre_total),
                        "k": fresh.gate_keep,
                        "b": wan(worst - pre_total),
                        "c": wan(fresh.bounty_yuan),
                    }
                }
            )
    elif total > fresh.bounty_yuan:
        raise ValidationError(
            {
                "payments": _("兑付合计%(s)s万元超过榜额%(b)s万元")
                % {"s": wan(total), "b": wan(fresh.bounty_yuan)}
            }
        )
    fresh = workflow.step(user, fresh, "start", _("启动攻关"))
    for bid in selected:
        BountyPayment.objects.bulk_create(
            [BountyPayment(bid=bid, seq=i, **row) for i, row in enumerate(clean[bid.pk], start=1)]
        )
    notify(
        _org_users({b.organisation_id for b in selected} | ({fresh.poster_id} if fresh.poster_id else set())),
        _("揭榜项目启动攻关：%(t)s") % {"t": fresh.title},
        _("兑付计划已确定，请按节点推进攻关。"),
        _url(fresh),
    )
    return fresh


# -------------------------------------------------------------------------------- horse-race gate


def _check_gate_time(c: Challenge) -> None:
    if c.mode != Challenge.Mode.HORSE_RACE or c.status != Challenge.Status.RUNNING:
        raise ValidationError({"status": _("只有攻关中的赛马制榜单才能进行节点考核")})
    if today() < c.gate_on:
        raise ValidationError(
            {"gate_on": _("赛马节点日期（%(d)s）当天或之后才能进行节点考核") % {"d": c.gate_on}}
        )


@transaction.atomic
def record_gate_score(user, bid: Bid, score, opinion: str) -> Bid:
    can_manage(user).enforce()
    fresh = Bid.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=bid.pk)
    _check_gate_time(fresh.challenge)
    if fresh.status != Bid.Status.SELECTED:
        raise ValidationError({"gate_score": _("只有入选团队才有节点考核得分")})
    fresh.gate_score = _score(score, "gate_score")
    fresh.gate_opinion = _opinion(opinion)
    fresh.save(update_fields=["gate_score", "gate_opinion"])
    return fresh


def gate_ranking(challenge: Challenge) -> tuple[list[Bid], list[Bid]]:
    """The selected teams best first, and the teams tied at the cut (empty when the cut is clear)."""
    teams = sorted(
        challenge.bids.filter(status=Bid.Status.SELECTED).select_related("organisation"),
        key=lambda b: (b.gate_score is None, -(b.gate_score or 0), b.pk),
    )
    k = challenge.gate_keep or 0
    if len(teams) <= k or any(b.gate_score is None for b in teams):
        return teams, []
    cut = teams[k - 1].gate_score
    if teams[k].gate_score != cut:
        return teams, []
    return teams, [b for b in teams if b.gate_score == cut]


@transaction.atomic
def pass_gate(user, challenge: Challenge, keep_ids=None, reason: str = "") -> Challenge:
    """The best ``gate_keep`` teams continue, the others stop (their unpaid payments cancelled).
    A tie at the cut needs staff to name the teams that continue (``keep_ids``)."""
    can_manage(user).enforce()
    fresh = _locked(challenge)
    _check_gate_time(fresh)
    teams, tied = gate_ranking(fresh)
    unscored = [b.organisation.name for b in teams if b.gate_score is None]
    if unscored:
        raise ValidationError(
            {"gate_score": _("以下团队尚无节点考核得分：%(o)s") % {"o": "、".join(unscored)}}
        )
    k = fresh.gate_keep
    keep_ids = _ids(keep_ids, "keep") if keep_ids else set()
    if tied:
        sure = {b.pk for b in teams if b.gate_score > tied[0].gate_score}
        tied_ids = {b.pk for b in tied}
        if not keep_ids:
            raise ValidationError(
                {
                    "keep": _("%(o)s在淘汰线上得分相同（%(s)s分），请明确选择保留的团队并说明理由")
                    % {"o": "、".join(b.organisation.name for b in tied), "s": tied[0].gate_score}
                }
            )
        if len(keep_ids) != k or not sure <= keep_ids or not keep_ids <= sure | tied_ids:
            raise ValidationError(
                {"keep": _("须保留得分高于淘汰线的团队，并从同分团队中补足共%(k)s个") % {"k": k}}
            )
        if not (reason or "").strip():
            raise ValidationError({"reason": _("同分取舍须说明理由")})
        keep = keep_ids
    else:
        keep = {b.pk for b in teams[:k]}
        if keep_ids and keep_ids != keep:
            raise ValidationError({"keep": _("节点后保留的须为考核得分最高的%(k)s个团队") % {"k": k}})
    for bid in teams:
        if bid.pk in keep:
            workflow.step(user, bid, "pass_gate", _("通过赛马节点"), reason=reason)
        else:
            workflow.step(user, bid, "stop", _("赛马节点淘汰"), reason=reason)
            _cancel_unpaid(user, bid, _("赛马节点淘汰"))
    fresh = workflow.step(user, fresh, "pass_gate", _("通过赛马节点"), reason=reason)
    for bid in teams:
        kept = bid.pk in keep
        notify(
            _org_users([bid.organisation_id]),
            (_("通过赛马节点：%(t)s") if kept else _("赛马节点未通过：%(t)s")) % {"t": fresh.title},
            _("节点考核得分%(s)s。%(o)s") % {"s": bid.gate_score, "o": bid.gate_opinion},
            _url(fresh),
        )
    return fresh


# -------------------------------------------------------------------------------------- payments


def _cancel_unpaid(user, bid: Bid, reason: str) -> None:
    for payment in bid.payments.filter(status=BountyPayment.Status.PLANNED):
        payment.status = BountyPayment.Status.CANCELLED
        payment.save(update_fields=["status"])
        workflow.log(payment, "cancel", BountyPayment.Status.PLANNED, user, reason)


def paid_total(challenge: Challenge) -> Decimal:
    return sum(
        (
            p.amount_yuan
            for p in BountyPayment.objects.filter(bid__challenge=challenge, status=BountyPayment.Status.PAID)
        ),
        Decimal(0),
    )


@transaction.atomic
def pay(user, payment: BountyPayment, paid_on: dt.date | None = None) -> BountyPayment:
    """Mark a payment paid: only for a selected or continuing team, in order, and in a horse race a
    post-gate payment only after the gate."""
    can_manage(user).enforce()
    fresh = (
        BountyPayment.objects.select_for_update(of=("self",))
        .select_related("bid__challenge")
        .get(pk=payment.pk)
    )
    bid, c = fresh.bid, fresh.bid.challenge
    if fresh.status != BountyPayment.Status.PLANNED:
        raise ValidationError({"status": _("只有待兑付的款项才能兑付")})
    if bid.status not in ACTIVE_TEAM or c.status not in (Challenge.Status.RUNNING, Challenge.Status.GATED):
        raise ValidationError({"bid": _("只能向攻关中的入选团队或通过节点的团队兑付")})
    if bid.payments.filter(seq__lt=fresh.seq).exclude(status=BountyPayment.Status.PAID).exists():
        raise ValidationError({"seq": _("须按批次顺序兑付，前面的批次尚未兑付")})
    if (
        c.mode == Challenge.Mode.HORSE_RACE
        and fresh.due_on > c.gate_on
        and bid.status != Bid.Status.CONTINUING
    ):
        raise ValidationError({"due_on": _("赛马节点之后的款项须在团队通过节点后兑付")})
    paid_on = paid_on or today()
    if paid_on > today():
        raise ValidationError({"paid_on": _("兑付日期不能晚于今天")})
    if paid_total(c) + fresh.amount_yuan > c.bounty_yuan:
        raise ValidationError({"amount_yuan": _("兑付后累计金额将超过榜额")})
    fresh.status, fresh.paid_on = BountyPayment.Status.PAID, paid_on
    fresh.save(update_fields=["status", "paid_on"])
    workflow.log(fresh, "pay", BountyPayment.Status.PLANNED, user)
    notify(
        _org_users([bid.organisation_id]),
        _("榜额已兑付：%(t)s") % {"t": c.title},
        _("%(m)s：%(a)s万元") % {"m": fresh.milestone, "a": wan(fresh.amount_yuan)},
        _url(c),
    )
    return fresh


# ------------------------------------------------------------------------------------ completion


@transaction.atomic
def finish_bid(user, bid: Bid, outcome: str, reason: str = "") -> Bid:
    """Record a team's result: ``deliver`` (all its payments must be paid) or ``fail`` (its unpaid
    payments are cancelled; a reason is required)."""
    can_manage(user).enforce()
    if outcome not in ("deliver", "fail"):
        raise ValidationError({"outcome": _("攻关结果须为成功或失败")})
    fresh = Bid.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=bid.pk)
    c = fresh.challenge
    label = _("攻关成功") if outcome == "deliver" else _("攻关失败")
    if c.status not in (Challenge.Status.RUNNING, Challenge.Status.GATED):
        raise ValidationError({"status": _("只有攻关中的榜单才能记录团队攻关结果")})
    if c.mode == Challenge.Mode.HORSE_RACE and c.status != Challenge.Status.GATED:
        raise ValidationError({"status": _("赛马制榜单须先通过赛马节点，再记录攻关结果")})
    workflow.guard(fresh, outcome, label)
    reason = (reason or "").strip()
    if outcome == "deliver":
        if fresh.payments.filter(status=BountyPayment.Status.PLANNED).exists():
            raise ValidationError(
                {"payments": _("该团队尚有待兑付的款项，须全部兑付（含验收款）后再记录攻关成功")}
            )
    elif not reason:
        raise ValidationError({"reason": _("记录攻关失败须说明原因")})
    fresh = workflow.step(user, fresh, outcome, label, reason=reason)
    if outcome == "fail":
        _cancel_unpaid(user, fresh, reason)
    notify(
        _org_users([fresh.organisation_id]), _("%(l)s：%(t)s") % {"l": label, "t": c.title}, reason, _url(c)
    )
    return fresh


@transaction.atomic
def conclude(user, challenge: Challenge, reason: str = "") -> Challenge:
    """Once every team has a result: completed if at least one delivered, otherwise failed."""
    can_manage(user).enforce()
    fresh = _locked(challenge)
    if fresh.status not in (Challenge.Status.RUNNING, Challenge.Status.GATED):
        raise ValidationError({"status": _("只有攻关中的榜单才能结项")})
    remaining = [
        b.organisation.name for b in fresh.bids.filter(status__in=ACTIVE_TEAM).select_related("organisation")
    ]
    if remaining:
        raise ValidationError({"bids": _("以下团队尚未记录攻关结果：%(o)s") % {"o": "、".join(remaining)}})
    delivered = fresh.bids.filter(status=Bid.Status.DELIVERED).exists()
    method = "complete" if delivered else "fail"
    reason = (reason or "").strip()
    if method == "fail" and not reason:
        raise ValidationError({"reason": _("没有团队攻关成功，榜单以未完成结项，须说明原因")})
    fresh = workflow.step(user, fresh, method, _("结项"), reason=reason)
    teams = fresh.bids.filter(status__in=TEAM_STATUSES).values_list("organisation_id", flat=True)
    notify(
        _org_users(set(teams) | ({fresh.poster_id} if fresh.poster_id else set())),
        _("揭榜项目结项：%(t)s（%(s)s）") % {"t": fresh.title, "s": fresh.get_status_display()},
        reason,
        _url(fresh),
    )
    return fresh
