"""Rung memberships: granting one (by a rule, a provincial list, a staff decision or a selection round),
deriving them from the policy engine's results, and flagging those the facts contradict.

A membership the facts contradict is flagged (``flag``) and left as it is: a certificate the province
issued is not undone by a spreadsheet cell, a person checks it.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import role_of
from kechuang.enterprises.models import Enterprise, YearlyFacts
from kechuang.policies.models import Policy, PolicyResult, PolicyVersion

from ..models.ladder import Rung, RungMembership, RungSource

MIN_YEAR, MAX_YEAR = 2000, 2100
CERT_YEARS = 3  # a high-tech certificate is valid for three years (国科发火〔2016〕32号 第十三条)
# 科技型中小企业评价办法（国科发政〔2017〕115号）第六条：职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元
TECH_SME_MAX_EMPLOYEES = 500
TECH_SME_MAX_REVENUE = 200_000_000
TECH_SME_MAX_ASSETS = 200_000_000
APPROVER_ROLES = {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER}
RUNG_RULES = {Rung.TECH_SME: "tech_sme", Rung.GAZELLE: "gazelle", Rung.HIGH_TECH: "high_tech"}


def certificate_expiry(issued: dt.date) -> dt.date:
    """Three years on from the issue date (29 February falls to 28 February)."""
    try:
        return issued.replace(year=issued.year + CERT_YEARS)
    except ValueError:
        return issued.replace(year=issued.year + CERT_YEARS, day=28)


def current_version(policy_code: str) -> PolicyVersion | None:
    policy = (
        Policy.objects.filter(code=policy_code, current_version__isnull=False)
        .select_related("current_version")
        .order_by("pk")
        .first()
    )
    return policy.current_version if policy else None


def _refuse(field: str, message) -> None:
    raise ValidationError({field: str(message)})


@transaction.atomic
def grant_rung(
    enterprise: Enterprise,
    year: int,
    rung: str,
    *,
    source: str,
    actor=None,
    reason: str = "",
    approver=None,
    policy_version: PolicyVersion | None = None,
    rule_version: str = "",
    certificate_no: str = "",
    certified_on: dt.date | None = None,
    register_no: str = "",
    import_run=None,
) -> RungMembership:
    """Put ``enterprise`` on ``rung`` for ``year`` (or update how it got there) and return the record.

    ``source``: ``rule`` (give ``policy_version`` or ``rule_version``), ``provincial`` (an imported list;
    a high-tech certificate needs ``certificate_no`` and ``certified_on``; the expiry is three years on),
    ``staff`` (a staff decision: ``reason`` and an ``approver`` of the city bureau are required) or
    ``selection`` (a selection round's published result: ``reason`` required). Every change is kept by
    simple-history with ``reason``. Refusals raise ``ValidationError`` naming the field and change nothing.
    """
    if rung not in Rung.values:
        _refuse("rung", _("梯次应为：%(list)s") % {"list": "、".join(str(label) for label in Rung.labels)})
    if source not in RungSource.values:
        _refuse("source", _("认定方式不正确"))
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        _refuse("year", _("年度应为 %(a)s 至 %(b)s 之间的整数") % {"a": MIN_YEAR, "b": MAX_YEAR})
    reason = (reason or "").strip()
    if source in (RungSource.STAFF, RungSource.SELECTION) and not reason:
        _refuse("reason", _("工作人员认定须填写认定理由"))
    if source == RungSource.STAFF and (approver is None or role_of(approver) not in APPROVER_ROLES):
        _refuse("approver", _("工作人员认定须由市局工作人员或局领导审批"))
    if source == RungSource.RULE and policy_version is None and not rule_version:
        _refuse("rule_version", _("规则判定须注明政策版本"))
    expires_on = None
    if rung == Rung.HIGH_TECH and source == RungSource.PROVINCIAL:
        if not certificate_no.strip():
            _refuse("certificate_no", _("高新技术企业须填写证书编号"))
        if certified_on is None:
            _refuse("certified_on", _("高新技术企业须填写发证日期"))
    if certified_on is not None:
        expires_on = certificate_expiry(certified_on)
    if policy_version is not None and not rule_version:
        rule_version = f"{policy_version.policy.code} {policy_version.label}（v{policy_version.number}）"
    values = {
        "source": source,
        "rule_version": rule_version[:64],
        "policy_version": policy_version,
        "certificate_no": certificate_no.strip()[:32],
        "certified_on": certified_on,
        "expires_on": expires_on,
        "register_no": register_no.strip()[:40],
        "reason": reason,
        "decided_by": actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        "approved_by": approver,
        "approved_at": timezone.now() if approver is not None else None,
    }
    if import_run is not None:
        values["import_run"] = import_run
    existing = (
        RungMembership.objects.select_for_update().filter(enterprise=enterprise, year=year, rung=rung).first()
    )
    change_reason = (reason or str(RungSource(source).label))[:100]
    if existing is None:
        membership = RungMembership(enterprise=enterprise, year=year, rung=rung, **values)
        membership._change_reason = change_reason
        membership.save()
        return membership
    # The approval time and the import run are not what was decided: the same list imported again
    # (a new run) leaves the record and its history as they are.
    changed = [
        k for k, v in values.items() if k not in ("approved_at", "import_run") and getattr(existing, k) != v
    ]
    if changed:
        for k, v in values.items():
            setattr(existing, k, v)
        existing._change_reason = change_reason
        existing.save()
    return existing


def rungs_from_rules(year: int, *, rungs=(Rung.TECH_SME, Rung.GAZELLE), actor=None) -> dict[str, int]:
    """Grant each rung to the enterprises its policy's current version finds eligible on ``year``'s facts
    (source ``rule``, with the version). Memberships decided otherwise (a provincial list, staff) are
    left alone. Returns {rung: memberships written}."""
    out: dict[str, int] = {}
    for rung in rungs:
        version = current_version(RUNG_RULES[rung])
        if version is None:
            out[rung] = 0
            continue
        label = f"{version.policy.code} {version.label}（v{version.number}）"[:64]
        eligible = set(
            PolicyResult.objects.filter(
                version=version, fiscal_year=year, status=PolicyResult.Status.ELIGIBLE
            ).values_list("enterprise_id", flat=True)
        )
        taken = set(
            RungMembership.objects.filter(year=year, rung=rung, enterprise_id__in=eligible).values_list(
                "enterprise_id", flat=True
            )
        )
        new = [
            RungMembership(
                enterprise_id=pk,
                year=year,
                rung=rung,
                source=RungSource.RULE,
                policy_version=version,
                rule_version=label,
                reason=_("按政策规则判定符合条件"),
                decided_by=actor,
            )
            for pk in sorted(eligible - taken)
        ]
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(new, RungMembership, batch_size=1000, default_change_reason=_("规则判定"))
        out[rung] = len(new)
    return out


def _contradiction(rung: str, facts: YearlyFacts | None) -> str:
    """Why the facts of the membership's year contradict it, or ""."""
    if facts is None:
        return ""
    if rung == Rung.HIGH_TECH and facts.high_tech_cert_valid is False:
        return _("企业填报的年度数据显示高企证书不在有效期内")
    if rung == Rung.TECH_SME:
        if facts.employees is not None and facts.employees > TECH_SME_MAX_EMPLOYEES:
            return _("年度数据显示从业人员%(n)s人，超过科技型中小企业500人的上限") % {"n": facts.employees}
        if facts.revenue is not None and facts.revenue > TECH_SME_MAX_REVENUE:
            return _("年度数据显示营业收入超过科技型中小企业2亿元的上限")
        if facts.total_assets is not None and facts.total_assets > TECH_SME_MAX_ASSETS:
            return _("年度数据显示资产总额超过科技型中小企业2亿元的上限")
    return ""


def check_contradictions(*, year: int | None = None, enterprise_ids=None) -> int:
    """Flag (or clear the flag of) high-tech and tech-SME memberships against the same year's facts.
    The memberships themselves are never changed. Returns how many flags were set or cleared."""
    qs = RungMembership.objects.filter(rung__in=(Rung.HIGH_TECH, Rung.TECH_SME))
    if year is not None:
        qs = qs.filter(year=year)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    memberships = list(qs)
    if not memberships:
        return 0
    years = {m.year for m in memberships}
    fqs = YearlyFacts.objects.filter(year__in=years)
    if enterprise_ids is not None:
        fqs = fqs.filter(enterprise_id__in=list(enterprise_ids))
    facts = {
        (f.enterprise_id, f.year): f
        for f in fqs.only(
            "enterprise_id", "year", "high_tech_cert_valid", "employees", "revenue", "total_assets"
        )
    }
    now, changed = timezone.now(), 0
    for m in memberships:
        message = _contradiction(m.rung, facts.get((m.enterprise_id, m.year)))[:300]
        if message != m.flag:
            m.flag, m.flagged_at = message, (now if message else None)
            m._change_reason = _("与年度数据核对") if message else _("年度数据已一致，解除标记")
            m.save(update_fields=["flag", "flagged_at"])
            changed += 1
    return changed


def top_rungs(year: int, enterprise_ids=None) -> dict[int, str]:
    """Each enterprise's highest rung in ``year`` (leading > unicorn > gazelle > high_tech > tech_sme)."""
    order = [Rung.TECH_SME, Rung.HIGH_TECH, Rung.GAZELLE, Rung.UNICORN, Rung.LEADING]
    rank = {r: i for i, r in enumerate(order)}
    qs = RungMembership.objects.filter(year=year, rung__in=order)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    out: dict[int, str] = {}
    for pk, rung in qs.values_list("enterprise_id", "rung"):
        if pk not in out or rank[rung] > rank[out[pk]]:
            out[pk] = rung
    return out
