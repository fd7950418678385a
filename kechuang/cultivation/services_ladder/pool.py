"""The high-tech cultivation pool (高企培育库): near misses, nominations, the city's admission, the
cultivation owner, the log of actions and the year's outcome.

Every status change goes through ``kechuang.programs.workflow.step`` (lock, guard, change, save, audit
in the generic ``Transition`` table); a refusal raises ``ValidationError`` or ``PermissionDenied`` and
changes nothing.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.models import District, Role, Section
from kechuang.core.permissions import role_of
from kechuang.enterprises.models import Enterprise
from kechuang.policies import declarations
from kechuang.policies.models import PolicyResult
from kechuang.programs import workflow

from ..models.ladder import Candidate, CultivationAction, Rung, RungMembership
from .access import (
    can_manage_pool,
    can_touch_candidate,
    can_view_pool,
    is_city_writer,
    pool_scope,
    require_city_writer,
)
from .rungs import current_version

MAX_GAPS = 2  # a near miss meets every high-tech condition but at most this many
LABELS = {
    "admit": gettext_lazy("审核入库"),
    "reject": gettext_lazy("不予入库"),
    "apply": gettext_lazy("登记申报"),
    "certify": gettext_lazy("登记为已认定"),
    "not_yet": gettext_lazy("登记为未获认定"),
    "withdraw": gettext_lazy("登记退出"),
}
OUTCOMES = ("certify", "not_yet", "withdraw")


def visible_candidates(user) -> QuerySet[Candidate]:
    if not can_view_pool(user):
        return Candidate.objects.none()
    return Candidate.objects.filter(pool_scope(user)).select_related(
        "enterprise__organisation__district", "owner_section", "owner_district"
    )


def get_candidate(user, pk: int) -> Candidate:
    """The candidate, or PermissionDenied with the reason (a record outside the scope reads as absent)."""
    can_view_pool(user).enforce()
    candidate = visible_candidates(user).filter(pk=pk).first()
    if candidate is None:
        raise Candidate.DoesNotExist
    return candidate


# Conditions whose declared label is a whole sentence get a short one for lists.
SHORT_LABELS = {
    "key_field": gettext_lazy("属于国家重点支持的高新技术领域"),
    "no_incident": gettext_lazy("近一年无重大安全、质量事故或环境违法"),
}


def condition_labels(version) -> dict[str, str]:
    """Condition id (bare and as the results store it, ``<policy>.<id>``) → its short label."""
    compiled = declarations.compile_text(version.yaml_text)
    out = {}
    for c in compiled.conditions:
        label = str(SHORT_LABELS.get(c.id, "") or getattr(c, "label_zh", "") or c.text_zh)
        out[c.id] = out[f"{version.policy.code}.{c.id}"] = label
    return out


def near_misses(user, *, year: int, max_gaps: int = MAX_GAPS, limit: int | None = None) -> list[dict]:
    """Enterprises in ``user``'s scope that meet every high-tech condition but at most ``max_gaps``
    (no condition unknown), nearest first, with the unmet conditions; firms already on the high-tech
    rung or in ``year``'s pool are left out. Facts are the policy engine's current results."""
    version = current_version("high_tech")
    if version is None or not can_view_pool(user):
        return []
    labels = condition_labels(version)
    qs = (
        PolicyResult.objects.filter(
            version=version, is_current=True, status=PolicyResult.Status.INELIGIBLE, missing=[]
        )
        .filter(pool_scope(user))
        .exclude(enterprise__cultivation__year=year)
        .select_related("enterprise__organisation__district")
        .order_by("gap", "enterprise_id")
    )
    certified = set(
        RungMembership.objects.filter(rung=Rung.HIGH_TECH, year__gte=year - 2).values_list(
            "enterprise_id", flat=True
        )
    )
    out = []
    for r in qs.iterator(chunk_size=2000):
        if not r.failed or len(r.failed) > max_gaps or r.enterprise_id in certified:
            continue
        norms = {c["id"]: c.get("gap_norm") for c in r.conditions}
        out.append(
            {
                "enterprise": r.enterprise,
                "fiscal_year": r.fiscal_year,
                "gap": r.gap,
                "gaps": [
                    {"id": cid, "label": labels.get(cid, cid), "gap_norm": norms.get(cid)} for cid in r.failed
                ],
                "rule_version": f"high_tech {version.label}（v{version.number}）",
            }
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def _near_miss_of(enterprise: Enterprise, year: int) -> dict | None:
    version = current_version("high_tech")
    if version is None:
        return None
    r = PolicyResult.objects.filter(version=version, is_current=True, enterprise=enterprise).first()
    if r is None or r.status != PolicyResult.Status.INELIGIBLE or r.missing or not r.failed:
        return None
    labels = condition_labels(version)
    norms = {c["id"]: c.get("gap_norm") for c in r.conditions}
    return {
        "gaps": [{"id": cid, "label": labels.get(cid, cid), "gap_norm": norms.get(cid)} for cid in r.failed],
        "rule_version": f"high_tech {version.label}（v{version.number}）",
        "count": len(r.failed),
    }


@transaction.atomic
def nominate(user, enterprise: Enterprise, year: int, *, note: str = "") -> Candidate:
    """Put ``enterprise`` into ``year``'s pool as proposed (储备). District staff nominate the firms of their
    district (origin ``district``); city staff add any firm (origin ``near_miss`` when the policy engine
    finds it a near miss, ``staff`` otherwise)."""
    can_manage_pool(user).enforce()
    role = role_of(user)
    if role == Role.DISTRICT_STAFF and enterprise.organisation.district_id != user.district_id:
        raise PermissionDenied(_("只能推荐本区县的企业"))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("培育年度应为 2000 至 2100 之间的整数")})
    if Candidate.objects.filter(year=year, enterprise=enterprise).exists():
        raise ValidationError({"enterprise": _("该企业已在%(year)s年度培育库中") % {"year": year}})
    if RungMembership.objects.filter(enterprise=enterprise, rung=Rung.HIGH_TECH, year=year).exists():
        raise ValidationError(
            {"enterprise": _("该企业%(year)s年度已是高新技术企业，无需培育") % {"year": year}}
        )
    miss = _near_miss_of(enterprise, year)
    if role == Role.DISTRICT_STAFF:
        origin = Candidate.Origin.DISTRICT
    else:
        origin = Candidate.Origin.NEAR_MISS if miss else Candidate.Origin.STAFF
    candidate = Candidate(
        year=year,
        enterprise=enterprise,
        origin=origin,
        gaps=miss["gaps"] if miss else [],
        rule_version=miss["rule_version"] if miss else "",
        note=(note or "").strip()[:2000],
        nominated_by=user,
    )
    candidate._change_reason = str(Candidate.Origin(origin).label)
    candidate.save()
    workflow.log(candidate, "nominate", "", user, candidate.note)
    return candidate


@transaction.atomic
def propose_near_misses(user, *, year: int, max_gaps: int = MAX_GAPS) -> int:
    """City staff put every near miss into ``year``'s pool as proposed. Returns how many."""
    require_city_writer(user)
    added = 0
    for miss in near_misses(user, year=year, max_gaps=max_gaps):
        candidate = Candidate(
            year=year,
            enterprise=miss["enterprise"],
            origin=Candidate.Origin.NEAR_MISS,
            gaps=miss["gaps"],
            rule_version=miss["rule_version"],
            nominated_by=user,
        )
        candidate._change_reason = str(Candidate.Origin.NEAR_MISS.label)
        candidate.save()
        workflow.log(candidate, "nominate", "", user, _("政策匹配近线企业"))
        added += 1
    return added


def _owner_changes(owner_kind: str, section: Section | None, district: District | None, agency: str) -> dict:
    if owner_kind == Candidate.OwnerKind.SECTION:
        if section is None:
            raise ValidationError({"owner_section": _("责任单位为市局科室时须选择科室")})
        return {
            "owner_kind": owner_kind,
            "owner_section": section,
            "owner_district": None,
            "owner_agency": "",
        }
    if owner_kind == Candidate.OwnerKind.DISTRICT:
        if district is None:
            raise ValidationError({"owner_district": _("责任单位为区县科技局时须选择区县")})
        return {
            "owner_kind": owner_kind,
            "owner_section": None,
            "owner_district": district,
            "owner_agency": "",
        }
    if owner_kind == Candidate.OwnerKind.AGENCY:
        agency = (agency or "").strip()
        if not agency:
            raise ValidationError({"owner_agency": _("责任单位为服务机构时须填写机构名称")})
        return {
            "owner_kind": owner_kind,
            "owner_section": None,
            "owner_district": None,
            "owner_agency": agency[:100],
        }
    raise ValidationError({"owner_kind": _("请选择培育责任单位类型：市局科室、区县科技局或服务机构")})


def admit(
    user,
    candidate: Candidate,
    *,
    owner_kind: str,
    section: Section | None = None,
    district: District | None = None,
    agency: str = "",
    reason: str = "",
) -> Candidate:
    """The city admits a proposed candidate and names who cultivates it."""
    require_city_writer(user)
    changes = _owner_changes(owner_kind, section, district, agency)
    return workflow.step(user, candidate, "admit", LABELS["admit"], reason=reason, **changes)


def reject(user, candidate: Candidate, *, reason: str) -> Candidate:
    require_city_writer(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("不予入库须说明理由")})
    return workflow.step(user, candidate, "reject", LABELS["reject"], reason=reason.strip())


def _check_date(on, year: int) -> None:
    if not isinstance(on, dt.date):
        raise ValidationError({"on": _("请填写日期")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天")})
    if on.year < year - 1:
        raise ValidationError({"on": _("日期应在%(year)s年度培育期内") % {"year": year}})


@transaction.atomic
def log_action(user, candidate: Candidate, *, kind: str, on: dt.date, note: str = "") -> CultivationAction:
    """Record one cultivation action. Filing the application (``application``) also moves a candidate
    in cultivation to 已申报."""
    can_touch_candidate(user, candidate).enforce()
    if kind not in CultivationAction.Kind.values:
        raise ValidationError({"kind": _("请选择培育措施类型")})
    _check_date(on, candidate.year)
    fresh = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if fresh.status not in (Candidate.Status.CULTIVATING, Candidate.Status.APPLIED):
        raise ValidationError(
            {"status": _("当前状态为“%(s)s”，不能记录培育措施") % {"s": fresh.get_status_display()}}
        )
    if kind == CultivationAction.Kind.APPLICATION and fresh.status == Candidate.Status.CULTIVATING:
        workflow.step(user, fresh, "apply", LABELS["apply"], reason=(note or "").strip())
    action = CultivationAction(candidate=fresh, kind=kind, on=on, note=(note or "").strip()[:2000], by=user)
    action._change_reason = str(CultivationAction.Kind(kind).label)
    action.save()
    return action


def close(user, candidate: Candidate, *, outcome: str, reason: str = "") -> Candidate:
    """The year-end outcome: certified (certify), not yet (not_yet) or withdrew (withdraw)."""
    require_city_writer(user)
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("培育结果应为：已认定、未获认定或退出")})
    return workflow.step(user, candidate, outcome, LABELS[outcome], reason=(reason or "").strip())


def certify_from_certificates(user, enterprise_ids, year: int, *, reason: str) -> int:
    """Candidates of ``year`` in cultivation or applied whose enterprise has just been certified
    (a certificate list import) are closed as certified, audited with the importer as actor."""
    done = 0
    for candidate in Candidate.objects.filter(
        enterprise_id__in=list(enterprise_ids),
        year=year,
        status__in=(Candidate.Status.CULTIVATING, Candidate.Status.APPLIED),
    ):
        workflow.step(user, candidate, "certify", LABELS["certify"], reason=reason)
        done += 1
    return done


def available_transitions(user, candidate: Candidate) -> list[str]:
    """The decisions ``user`` may take on ``candidate`` now (city staff only)."""
    if not is_city_writer(user):
        return []
    names = [t.name for t in candidate.get_available_status_transitions()]
    return [n for n in names if n != "apply"]
