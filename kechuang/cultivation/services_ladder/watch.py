"""双培育 and the watch lists (预警名单): who to push up the ladder and who may be slipping off it.

Each list is computed from the rungs, the yearly facts and the policy engine's results of the year
asked for; it can be exported (.xlsx through core.spreadsheets) and pushed to the districts concerned
(a to-do on their workbench and a notification). Certificate-expiry reminders go to the firm and its
district once per certificate.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.models import District, Role, User
from kechuang.core.notify import notify
from kechuang.core.spreadsheets import Column
from kechuang.enterprises.models import Enterprise, YearlyFacts
from kechuang.policies.models import PolicyResult

from ..models.ladder import Rung, RungMembership, WatchPush
from .access import can_view_pool, pool_scope, require_city_writer
from .rungs import current_version

ABOVE_SCALE = Decimal(20_000_000)  # 规模以上工业企业：年主营业务收入2000万元及以上
WAN = Decimal(10_000)
EXPIRY_WINDOW_DAYS = 183  # six months
REVENUE_DROP = Decimal("0.30")


@dataclass(frozen=True)
class WatchList:
    code: str
    label: object
    hint: object


LISTS = [
    WatchList(
        "above_scale_not_high_tech",
        gettext_lazy("规上未认定高企"),
        gettext_lazy("营业收入2000万元以上、尚未认定高新技术企业的企业，按距高企认定条件由近到远排列"),
    ),
    WatchList(
        "high_tech_not_above_scale",
        gettext_lazy("高企未达规上"),
        gettext_lazy("已认定高新技术企业、营业收入不足2000万元的企业，按营业收入由高到低排列"),
    ),
    WatchList(
        "cert_expiring",
        gettext_lazy("高企证书半年内到期"),
        gettext_lazy("高新技术企业证书将在6个月内到期、需准备重新认定的企业"),
    ),
    WatchList(
        "decline",
        gettext_lazy("研发归零或营收大幅下降"),
        gettext_lazy("研发费用由正降为零，或营业收入同比下降超过30%的企业"),
    ),
    WatchList(
        "dishonest",
        gettext_lazy("新列入失信名单"),
        gettext_lazy("本年度新列入失信名单（上年度未列入）的企业"),
    ),
]
BY_CODE = {w.code: w for w in LISTS}


def _wan(amount) -> Decimal | None:
    return None if amount is None else (Decimal(amount) / WAN).quantize(Decimal("0.01"))


def _row(ent: Enterprise, detail: str, **numbers) -> dict:
    return {
        "enterprise": ent,
        "id": ent.pk,
        "name": ent.organisation.name,
        "uscc": ent.organisation.uscc,
        "district": ent.organisation.district.name,
        "district_id": ent.organisation.district_id,
        "detail": detail,
        **numbers,
    }


def rows(user, code: str, year: int, *, today: dt.date | None = None) -> list[dict]:
    """The rows of watch list ``code`` for facts year ``year``, in the list's order, within ``user``'s scope."""
    if code not in BY_CODE:
        raise KeyError(code)
    if not can_view_pool(user):
        return []
    return {
        "above_scale_not_high_tech": _above_scale_not_high_tech,
        "high_tech_not_above_scale": _high_tech_not_above_scale,
        "cert_expiring": _cert_expiring,
        "decline": _decline,
        "dishonest": _dishonest,
    }[code](user, year, today or timezone.localdate())


def _high_tech_ids(year: int):
    """The high-tech firms of ``year`` as a subquery (a list of ids would hit SQLite's bound at scale)."""
    return RungMembership.objects.filter(rung=Rung.HIGH_TECH, year=year).values("enterprise_id")


def _above_scale_not_high_tech(user, year, today) -> list[dict]:
    certified = _high_tech_ids(year)
    facts = (
        YearlyFacts.objects.filter(pool_scope(user), year=year, revenue__gte=ABOVE_SCALE)
        .exclude(enterprise_id__in=certified)
        .select_related("enterprise__organisation__district")
    )
    version = current_version("high_tech")
    gaps, labels = {}, {}
    if version is not None:
        from .pool import condition_labels

        labels = condition_labels(version)
        gaps = {
            pk: (gap, failed)
            for pk, gap, failed in PolicyResult.objects.filter(version=version, is_current=True)
            .filter(pool_scope(user))
            .values_list("enterprise_id", "gap", "failed")
        }
    out = []
    for f in facts:
        gap, failed = gaps.get(f.enterprise_id, (None, []))
        if failed:
            names = "、".join(labels.get(c, c) for c in failed)
            detail = _("差%(n)s项：%(list)s") % {"n": len(failed), "list": names}
        else:
            detail = _("高企条件判定结果待补数据")
        out.append(_row(f.enterprise, detail, revenue=_wan(f.revenue), gap=gap, unmet=len(failed) or None))
    out.sort(key=lambda r: (r["unmet"] is None, r["unmet"] or 0, r["gap"] if r["gap"] is not None else 1e9))
    return out


def _high_tech_not_above_scale(user, year, today) -> list[dict]:
    certified = _high_tech_ids(year)
    facts = (
        YearlyFacts.objects.filter(
            pool_scope(user), year=year, revenue__lt=ABOVE_SCALE, enterprise_id__in=certified
        )
        .select_related("enterprise__organisation__district")
        .order_by("-revenue")
    )
    return [
        _row(
            f.enterprise,
            _("距规上还差 %(n)s 万元") % {"n": _wan(ABOVE_SCALE - f.revenue)},
            revenue=_wan(f.revenue),
            shortfall=_wan(ABOVE_SCALE - f.revenue),
        )
        for f in facts
    ]


def expiring(user=None, *, today: dt.date) -> list[RungMembership]:
    """High-tech certificates expiring within six months (the latest membership per firm)."""
    qs = RungMembership.objects.filter(
        rung=Rung.HIGH_TECH,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=EXPIRY_WINDOW_DAYS),
    )
    if user is not None:
        qs = qs.filter(pool_scope(user))
    latest: dict[int, RungMembership] = {}
    for m in qs.select_related("enterprise__organisation__district").order_by("expires_on", "-year"):
        latest.setdefault(m.enterprise_id, m)
    # A firm re-certified meanwhile (a later certificate) is not expiring.
    renewed = set(
        RungMembership.objects.filter(
            rung=Rung.HIGH_TECH,
            enterprise_id__in=list(latest),
            expires_on__gt=today + dt.timedelta(days=EXPIRY_WINDOW_DAYS),
        ).values_list("enterprise_id", flat=True)
    )
    return [m for pk, m in latest.items() if pk not in renewed]


def _cert_expiring(user, year, today) -> list[dict]:
    return [
        _row(
            m.enterprise,
            _("证书 %(no)s 将于 %(date)s 到期")
            % {"no": m.certificate_no or "—", "date": m.expires_on.isoformat()},
            expires_on=m.expires_on,
            certificate_no=m.certificate_no,
        )
        for m in expiring(user, today=today)
    ]


@dataclass(frozen=True)
class _Year:
    revenue: Decimal | None
    rd_expense: Decimal | None
    dishonest: bool | None


def _pairs(user, year: int) -> list[tuple[int, _Year, _Year]]:
    """(enterprise id, this year, last year) of each firm in scope with facts for both, read as plain
    values with the scope filter (no IN list of ids, which SQLite bounds; no model per row)."""
    fields = ("enterprise_id", "revenue", "rd_expense", "dishonest")

    def read(y: int) -> dict[int, _Year]:
        rows = YearlyFacts.objects.filter(pool_scope(user), year=y).values_list(*fields)
        return {pk: _Year(rev, rd, bad) for pk, rev, rd, bad in rows}

    now, before = read(year), read(year - 1)
    return [(pk, f, before[pk]) for pk, f in now.items() if pk in before]


def _enterprises(ids) -> dict[int, Enterprise]:
    ids = list(ids)
    found: dict[int, Enterprise] = {}
    for start in range(0, len(ids), 900):
        qs = Enterprise.objects.filter(pk__in=ids[start : start + 900]).select_related(
            "organisation__district"
        )
        found.update((e.pk, e) for e in qs)
    return found


def _decline(user, year, today) -> list[dict]:
    hits = []
    for pk, f, p in _pairs(user, year):
        reasons = []
        drop = None
        if p.rd_expense is not None and p.rd_expense > 0 and f.rd_expense is not None and f.rd_expense == 0:
            reasons.append(_("研发费用由 %(a)s 万元降为零") % {"a": _wan(p.rd_expense)})
        if (
            p.revenue
            and p.revenue > 0
            and f.revenue is not None
            and f.revenue < p.revenue * (1 - REVENUE_DROP)
        ):
            drop = (p.revenue - f.revenue) / p.revenue
            reasons.append(_("营业收入同比下降 %(p)s%%") % {"p": f"{drop * 100:.1f}"})
        if reasons:
            hits.append((pk, "；".join(str(r) for r in reasons), f, p, drop))
    ents = _enterprises(h[0] for h in hits)
    out = [
        _row(ents[pk], detail, revenue=_wan(f.revenue), revenue_before=_wan(p.revenue), drop=drop)
        for pk, detail, f, p, drop in hits
    ]
    out.sort(key=lambda r: -(r["drop"] or 0))
    return out


def _dishonest(user, year, today) -> list[dict]:
    hits = [pk for pk, f, p in _pairs(user, year) if f.dishonest is True and p.dishonest is not True]
    ents = _enterprises(hits)
    out = [_row(ents[pk], _("%(y)s年度列入失信名单") % {"y": year}) for pk in hits]
    out.sort(key=lambda r: r["name"])
    return out


def export_columns(code: str) -> list[Column]:
    base = [Column(_("企业名称")), Column(_("统一社会信用代码")), Column(_("所属区县"))]
    extra = {
        "above_scale_not_high_tech": [
            Column(_("营业收入（万元）"), "wan_yuan"),
            Column(_("未满足条件数（项）"), "int"),
        ],
        "high_tech_not_above_scale": [
            Column(_("营业收入（万元）"), "wan_yuan"),
            Column(_("距规上差额（万元）"), "wan_yuan"),
        ],
        "cert_expiring": [Column(_("证书编号")), Column(_("有效期至"), "date")],
        "decline": [Column(_("营业收入（万元）"), "wan_yuan"), Column(_("上年营业收入（万元）"), "wan_yuan")],
        "dishonest": [],
    }[code]
    return [*base, *extra, Column(_("情况说明"))]


def export_rows(code: str, items: list[dict]):
    keys = {
        "above_scale_not_high_tech": ("revenue", "unmet"),
        "high_tech_not_above_scale": ("revenue", "shortfall"),
        "cert_expiring": ("certificate_no", "expires_on"),
        "decline": ("revenue", "revenue_before"),
        "dishonest": (),
    }[code]
    for r in items:
        yield [r["name"], r["uscc"], r["district"], *(r.get(k) for k in keys), r["detail"]]


def _district_staff(district_ids) -> list[User]:
    return list(
        User.objects.filter(role=Role.DISTRICT_STAFF, district_id__in=list(district_ids), is_active=True)
    )


@transaction.atomic
def push(user, code: str, year: int, *, today: dt.date | None = None) -> int:
    """Send list ``code`` to every district with firms on it: a WatchPush (the district's to-do) and a
    notification to its staff. Returns the number of districts. City staff only."""
    require_city_writer(user)
    items = rows(user, code, year, today=today)
    by_district: dict[int, int] = {}
    for r in items:
        by_district[r["district_id"]] = by_district.get(r["district_id"], 0) + 1
    label = BY_CODE[code].label
    from django.urls import reverse

    url = reverse("cultivation_watch") + f"?list={code}&year={year}"
    for district in District.objects.filter(pk__in=list(by_district)):
        WatchPush.objects.create(
            code=code, year=year, district=district, count=by_district[district.pk], pushed_by=user
        )
        notify(
            _district_staff([district.pk]),
            _("市局推送预警名单：%(list)s（%(n)s家）") % {"list": label, "n": by_district[district.pk]},
            _("请核实名单中本区县企业的情况并跟进处理。"),
            url,
        )
    if code == "cert_expiring":
        send_expiry_reminders(today=today)
    return len(by_district)


def mark_handled(user, push_id: int) -> WatchPush:
    scope = Q()
    if user.role == Role.DISTRICT_STAFF:
        scope = Q(district_id=user.district_id)
    elif not (user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF)):
        scope = Q(pk__in=[])
    item = WatchPush.objects.filter(scope, pk=push_id, handled_at__isnull=True).first()
    if item is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("没有这份待处理的预警名单"))
    item.handled_at, item.handled_by = timezone.now(), user
    item._change_reason = _("区县已处理")
    item.save()
    return item


def pending_pushes(user):
    if user.role != Role.DISTRICT_STAFF or not user.district_id:
        return WatchPush.objects.none()
    return WatchPush.objects.filter(district_id=user.district_id, handled_at__isnull=True)


def send_expiry_reminders(*, today: dt.date | None = None) -> int:
    """Remind each firm whose high-tech certificate expires within six months, and its district, once
    per certificate. Returns how many certificates were reminded of."""
    from django.urls import reverse

    today = today or timezone.localdate()
    done = 0
    for m in expiring(None, today=today):
        if m.reminded_at is not None:
            continue
        org = m.enterprise.organisation
        title = _("高新技术企业证书即将到期：%(name)s") % {"name": org.name}
        body = _("%(name)s的高新技术企业证书（%(no)s）将于%(date)s到期，请及时准备重新认定申报材料。") % {
            "name": org.name,
            "no": m.certificate_no or "—",
            "date": m.expires_on.isoformat(),
        }
        firm_users = User.objects.filter(organisation=org, is_active=True)
        notify(list(firm_users) + _district_staff([org.district_id]), title, body,
               reverse("enterprise_profile", args=[m.enterprise_id]))  # fmt: skip
        RungMembership.objects.filter(pk=m.pk).update(reminded_at=timezone.now())
        done += 1
    return done
