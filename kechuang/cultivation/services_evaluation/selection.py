"""Selection rounds (创新型领军企业, 上市后备企业库): the top N of a system's scores among the enterprises that
meet the hard conditions are proposed; staff confirm, include an alternate or exclude a proposed firm (with
a reason whenever they depart from the proposal, audited through programs.workflow), then publish."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, role_of
from kechuang.enterprises.models import YearlyFacts
from kechuang.programs import workflow

from ..models.evaluation import (
    EnterpriseScore,
    EvaluationRun,
    IndicatorSystem,
    SelectionEntry,
    SelectionRound,
)
from ..services_ladder.rungs import grant_rung
from .systems import require_manage

ALTERNATES = 2  # alternates listed per place: 2 × N candidates beyond the proposal


def is_city(user) -> bool:
    return role_of(user) in CITY_READERS


def visible_rounds(user):
    role = role_of(user)
    qs = SelectionRound.objects.select_related("system")
    if role in CITY_READERS:
        return qs
    if role in (Role.DISTRICT_STAFF, Role.ENTERPRISE):
        return qs.filter(status=SelectionRound.Status.PUBLISHED)
    return qs.none()


def visible_entries(user, rnd: SelectionRound):
    qs = rnd.entries.select_related("enterprise__organisation__district")
    role = role_of(user)
    if role in CITY_READERS:
        return qs
    qs = qs.filter(status=SelectionEntry.Status.INCLUDED)
    if role == Role.DISTRICT_STAFF:
        return qs.filter(enterprise__organisation__district_id=user.district_id)
    if role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=user.organisation_id)
    return qs.none()


@transaction.atomic
def create_round(
    user,
    *,
    kind: str,
    year: int,
    system: IndicatorSystem,
    top_n: int,
    require_high_tech: bool,
    min_rd_intensity: Decimal | None,
    title: str = "",
) -> SelectionRound:
    require_manage(user)
    run = EvaluationRun.objects.filter(system=system, year=year).first()
    if run is None or not run.scored:
        raise ValidationError(
            {"year": _("“%(s)s”尚无%(y)s年度的评价结果，请先发起评价") % {"s": system.name, "y": year}}
        )
    rnd = SelectionRound(
        kind=kind,
        year=year,
        system=system,
        top_n=top_n,
        require_high_tech=require_high_tech,
        min_rd_intensity=min_rd_intensity,
        title=title or _("%(y)s年度%(k)s遴选") % {"y": year, "k": SelectionRound.Kind(kind).label},
        created_by=user,
    )
    rnd.full_clean(exclude=["created_by"])
    rnd.save()
    facts = {
        f["enterprise_id"]: f
        for f in YearlyFacts.objects.filter(year=year).values(
            "enterprise_id", "high_tech_cert_valid", "rd_expense", "revenue"
        )
    }
    entries, proposed = [], 0
    limit = top_n * (1 + ALTERNATES)
    for s in (
        EnterpriseScore.objects.filter(run=run)
        .order_by("rank_city", "enterprise_id")
        .values("enterprise_id", "score", "rank_city")
    ):
        unmet = _unmet(rnd, facts.get(s["enterprise_id"]) or {})
        meets = not unmet
        propose = meets and proposed < top_n
        proposed += propose
        entries.append(
            SelectionEntry(
                round=rnd,
                enterprise_id=s["enterprise_id"],
                score=s["score"],
                rank_city=s["rank_city"],
                proposed=propose,
                meets_conditions=meets,
                unmet="；".join(unmet),
            )
        )
        if len(entries) >= limit and proposed >= top_n:
            break
    bulk_create_with_history(entries, SelectionEntry, default_user=user)
    workflow.log(
        rnd, "create", "", user, _("按“%(s)s”%(y)s年度得分生成建议名单") % {"s": system.name, "y": year}
    )
    return rnd


def _unmet(rnd: SelectionRound, f: dict) -> list[str]:
    out = []
    if rnd.require_high_tech and f.get("high_tech_cert_valid") is not True:
        out.append(_("非有效期内高新技术企业"))
    if rnd.min_rd_intensity is not None:
        revenue, rd = f.get("revenue"), f.get("rd_expense")
        if not revenue or rd is None or rd / revenue < rnd.min_rd_intensity:
            out.append(_("研发投入强度低于%(v)s%%") % {"v": f"{rnd.min_rd_intensity * 100:g}"})
    return out


def decide(user, entry: SelectionEntry, include: bool, reason: str = "") -> SelectionEntry:
    """Include or exclude one candidate. Departing from the proposal (including an alternate or one that
    fails a hard condition, excluding a proposed firm) needs a reason."""
    require_manage(user)
    reason = (reason or "").strip()
    if entry.round.status != SelectionRound.Status.DRAFT:
        raise ValidationError({"status": _("名单已发布，不能再调整")})
    if include != entry.proposed and not reason:
        raise ValidationError(
            {"reason": _("调整系统建议名单须填写理由") if include else _("不采纳系统建议须填写理由")}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": _("理由不超过500字")})
    if include:
        return workflow.step(
            user, entry, "include", _("确认入选"), reason=reason, action="include", decision_reason=reason
        )
    return workflow.step(
        user, entry, "exclude", _("不予入选"), reason=reason, action="exclude", decision_reason=reason
    )


def confirm_proposed(user, rnd: SelectionRound) -> int:
    """Confirm every proposed candidate still pending; returns how many."""
    require_manage(user)
    n = 0
    for entry in rnd.entries.filter(proposed=True, status=SelectionEntry.Status.PENDING):
        decide(user, entry, True)
        n += 1
    return n


@transaction.atomic
def publish(user, rnd: SelectionRound) -> SelectionRound:
    require_manage(user)
    if rnd.entries.filter(proposed=True, status=SelectionEntry.Status.PENDING).exists():
        raise ValidationError({"status": _("还有系统建议入选的企业未确认，请逐一确认或说明理由后不予入选")})
    included = rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).count()
    if not included:
        raise ValidationError({"status": _("名单中没有入选企业，不能发布")})
    with transaction.atomic():
        published = workflow.step(
            user,
            rnd,
            "publish",
            _("发布名单"),
            reason=_("共%(n)s家企业入选") % {"n": included},
            published_at=timezone.now(),
        )
        # A published list is what puts a firm on the 领军 or 上市后备 rung: the ladder keeps who is on
        # which rung, so the list writes there, in the same transaction, naming the round as the reason.
        why = _("%(year)s年度%(kind)s遴选名单发布") % {"year": rnd.year, "kind": rnd.get_kind_display()}
        for entry in rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).select_related("enterprise"):
            grant_rung(entry.enterprise, rnd.year, rnd.kind, source="selection", actor=user, reason=why)
    return published


def get_round(user, pk: int) -> SelectionRound:
    rnd = visible_rounds(user).filter(pk=pk).first()
    if rnd is None:
        raise PermissionDenied(_("无权查看该遴选名单，或名单不存在"))
    return rnd
