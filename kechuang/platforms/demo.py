"""Demo data of the platforms app: platforms hosted by enterprises and institutes across the demo
districts (about four in ten above-scale industrial enterprises host an R&D institution, as the plan's
40% coverage target expects), dozens of incubators with their tenants, and last year's reports, scored,
graded and decided on by the bureau. Deterministic from the demo seed.

Scenes run on their own day (``core.demo_clock``): reports opened in January, filed in March, evaluated
in April of the year after the facts, or today when the demo is loaded before that day.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role
from kechuang.enterprises.models import DerivedLabel
from kechuang.programs.models import Transition

from . import reports
from .models import (
    AnnualReport,
    CarrierStatus,
    EvaluationIndicator,
    Incubator,
    Level,
    Platform,
    Subject,
    Tenant,
)

COVERAGE = 0.41
ENTERPRISE_KINDS = [
    (Platform.Kind.ENTERPRISE_RD, 0.55), (Platform.Kind.ENTERPRISE_TECH_CENTRE, 0.2),
    (Platform.Kind.ENGINEERING_CENTRE, 0.15), (Platform.Kind.TECH_CENTRE, 0.05), (Platform.Kind.ACADEMICIAN, 0.05),
]  # fmt: skip
INSTITUTE_KINDS = [
    (Platform.Kind.KEY_LAB, 0.5), (Platform.Kind.NEW_RD, 0.25), (Platform.Kind.ENGINEERING_CENTRE, 0.15),
    (Platform.Kind.TECH_CENTRE, 0.1),
]  # fmt: skip
FIELDS = ["先进陶瓷", "高端化工新材料", "智能装备", "生物医药", "新能源", "电子信息", "节能环保", "现代农业"]
KIND_WORDS = {
    Platform.Kind.ENTERPRISE_RD: "企业研发中心", Platform.Kind.ENTERPRISE_TECH_CENTRE: "企业技术中心",
    Platform.Kind.ENGINEERING_CENTRE: "工程技术研究中心", Platform.Kind.TECH_CENTRE: "技术创新中心",
    Platform.Kind.ACADEMICIAN: "院士工作站", Platform.Kind.KEY_LAB: "重点实验室", Platform.Kind.NEW_RD: "研究院",
}  # fmt: skip
INCUBATOR_WORDS = {
    Incubator.Kind.MAKERSPACE: "众创空间", Incubator.Kind.INCUBATOR: "科技企业孵化器",
    Incubator.Kind.ACCELERATOR: "企业加速器", Incubator.Kind.AGRI_MAKERSPACE: "星创天地",
}  # fmt: skip


def _pick(rng, weighted):
    values = [v for v, _w in weighted]
    weights = [w for _v, w in weighted]
    return values[int(rng.choice(len(values), p=[w / sum(weights) for w in weights]))]


def _level(rng, provincial_share: float = 0.12, national_share: float = 0.02) -> str:
    x = rng.random()
    return (
        Level.NATIONAL
        if x < national_share
        else Level.PROVINCIAL
        if x < national_share + provincial_share
        else Level.CITY
    )


def _recognised(rng, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def load_platforms(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("platforms")
    years = ctx["years"]
    year = years[-1]
    first, last = dt.date(year - 8, 1, 1), dt.date(year, 12, 20)
    staff_user = (ctx.get("users", {}).get(Role.BUREAU_STAFF) or [None])[0]
    enterprises = {e.pk: e for e in ctx["enterprises"]}
    above = sorted(
        DerivedLabel.objects.filter(
            code="above_scale", year=year, status=DerivedLabel.Status.YES
        ).values_list("enterprise_id", flat=True)
    )
    hosts = [pk for pk in above if rng.random() < COVERAGE]
    others = [pk for pk in enterprises if pk not in set(above)]
    hosts += (
        [
            others[int(i)]
            for i in rng.choice(len(others), size=min(len(others), len(hosts) // 4), replace=False)
        ]
        if others
        else []
    )
    demo_hosts = [
        u.organisation_id for u in ctx.get("users", {}).get(Role.ENTERPRISE, []) if u.organisation_id
    ]
    hosts += [h for h in demo_hosts[:2] if h not in hosts]
    platforms = []
    for pk in hosts:
        kind = _pick(rng, ENTERPRISE_KINDS)
        org = enterprises[pk].organisation if pk in enterprises else None
        if org is None:
            continue
        platforms.append(_platform(rng, org, kind, first, last))
    for org in ctx["institutes"]:
        for _k in range(int(rng.integers(1, 5))):
            platforms.append(_platform(rng, org, _pick(rng, INSTITUTE_KINDS), first, last))
    seen, unique = set(), []
    for p in platforms:
        if (p.host_id, p.name) not in seen:
            seen.add((p.host_id, p.name))
            unique.append(p)
    with on(min(dt.date(year + 1, 1, 5), ctx["today"]), hour=9, minute=0):
        Platform.objects.bulk_create(unique)
        made = list(Platform.objects.all())
        Platform.history.bulk_history_create(made, default_change_reason=_("演示数据"))
        # A few withdrawn in earlier years' evaluations.
        for p in made[:: max(len(made) // 6, 1)][:6]:
            Platform.objects.filter(pk=p.pk).update(status=CarrierStatus.WITHDRAWN)
    incubators = _incubators(ctx, rng, first, last)
    stdout.write(_("  创新平台 {p} 个，孵化载体 {i} 个").format(p=len(made), i=len(incubators)))
    if staff_user is not None:
        _reports(ctx, rng, year, staff_user, demo_hosts[:2], stdout)


def _platform(rng, org, kind, first, last) -> Platform:
    field = FIELDS[int(rng.integers(0, len(FIELDS)))]
    level = _level(rng, 0.3 if kind in (Platform.Kind.KEY_LAB, Platform.Kind.TECH_CENTRE) else 0.1)
    short = org.name.replace("有限公司", "").replace("股份", "")[:16]
    name = f"{Level(level).label if level != Level.CITY else '淄博市'}{field}{KIND_WORDS[kind]}（{short}）"
    staff = int(rng.integers(8, 120))
    return Platform(
        name=name[:200], kind=kind, level=level, host=org, tech_field=field,
        recognised_on=_recognised(rng, first, last), document=f"淄科字〔{int(rng.integers(2017, last.year + 1))}〕{int(rng.integers(1, 90))}号",
        staff=staff, senior_staff=int(staff * rng.uniform(0.1, 0.45)),
        equipment_yuan=Decimal(int(rng.integers(50, 5000)) * 10000), status=CarrierStatus.ACTIVE,
    )  # fmt: skip


def _incubators(ctx, rng, first, last) -> list[Incubator]:
    n = max(8, min(60, ctx["n_enterprises"] // 80))
    pool = [e.organisation for e in ctx["enterprises"]] + list(ctx["institutes"])
    kinds = [(Incubator.Kind.MAKERSPACE, 0.45), (Incubator.Kind.INCUBATOR, 0.3), (Incubator.Kind.ACCELERATOR, 0.1),
             (Incubator.Kind.AGRI_MAKERSPACE, 0.15)]  # fmt: skip
    made = []
    for k in range(n):
        operator = pool[int(rng.integers(0, len(pool)))]
        kind = _pick(rng, kinds)
        made.append(
            Incubator(
                name=f"{operator.district.name}{FIELDS[k % len(FIELDS)]}{INCUBATOR_WORDS[kind]}",
                kind=kind, level=_level(rng, 0.25, 0.05), operator=operator,
                recognised_on=_recognised(rng, first, last), area_m2=Decimal(int(rng.integers(800, 30000))),
                services="创业辅导、投融资对接、技术服务、政策申报", investment_yuan=Decimal(int(rng.integers(0, 3000)) * 10000),
                status=CarrierStatus.ACTIVE,
            )
        )  # fmt: skip
    unique = {(i.operator_id, i.name): i for i in made}
    Incubator.objects.bulk_create(list(unique.values()))
    incubators = list(Incubator.objects.all())
    Incubator.history.bulk_history_create(incubators, default_change_reason=_("演示数据"))
    small = [e for e in ctx["enterprises"]]
    tenants, used = [], set()
    for inc in incubators:
        for _k in range(int(rng.integers(3, 12))):
            e = small[int(rng.integers(0, len(small)))]
            if (inc.pk, e.pk) in used:
                continue
            used.add((inc.pk, e.pk))
            entered = _recognised(rng, max(first, inc.recognised_on or first), last)
            graduated = (
                entered + dt.timedelta(days=int(rng.integers(300, 1200))) if rng.random() < 0.3 else None
            )
            if graduated and graduated > last:
                graduated = None
            tenants.append(Tenant(incubator=inc, enterprise=e, entered_on=entered, graduated_on=graduated))
    Tenant.objects.bulk_create(tenants)
    return incubators


def _figures(rng, subject: str, system) -> dict:
    """Figures of one report: a platform's overall strength (a Beta draw) shows in every figure, each
    with its own noise, as real reports do."""
    strength = rng.beta(5, 3)
    out = {}
    for ind in system:
        scale = {"rd_expense_yuan": 8_000_000, "investment_yuan": 30_000_000, "area_m2": 20000}.get(
            ind.code, 40
        )
        out[ind.code] = str(int(scale * strength * rng.uniform(0.75, 1.25)))
    return out


def _reports(ctx, rng, year: int, staff, late_hosts, stdout) -> None:
    """Last year's reports: opened in January, filed by March, graded and decided in April."""
    with on(min(dt.date(year + 1, 1, 10), ctx["today"]), hour=9, minute=10):
        reports.open_year(staff, year, dt.date(year + 1, 3, 31))
    systems = {s: list(EvaluationIndicator.objects.filter(subject=s)) for s in Subject.values}
    late = set(late_hosts)
    rows = list(AnnualReport.objects.select_related("platform", "incubator").order_by("pk"))
    with on(min(dt.date(year + 1, 3, 20), ctx["today"]), hour=9, minute=20):
        for r in rows:
            if r.platform_id and r.platform.host_id in late:
                continue  # a demo host's report still to be filed
            r.figures = _figures(rng, r.subject, systems[r.subject])
            r.summary = _("本年度围绕主攻方向开展研发和服务工作，完成年度目标任务。")
            r.version = 1
            r.status = AnnualReport.Status.ACCEPTED
        filed = [r for r in rows if r.status == AnnualReport.Status.ACCEPTED]
        AnnualReport.objects.bulk_update(filed, ["figures", "summary", "version", "status"])
        AnnualReport.history.bulk_history_create(filed, default_change_reason=_("演示数据"))
        kind = ContentType.objects.get_for_model(AnnualReport)
        Transition.objects.bulk_create(
            [
                Transition(
                    content_type=kind, object_id=r.pk, action=action, from_status=a, to_status=b, actor=actor
                )
                for r in filed
                for action, a, b, actor in (
                    ("submit", "draft", "submitted", None),
                    ("accept", "submitted", "accepted", staff),
                )
            ]
        )
    with on(min(dt.date(year + 1, 4, 15), ctx["today"]), hour=9, minute=30):
        graded = []
        for subject in Subject.values:
            graded += _grade_and_decide(staff, year, subject, systems[subject])
    stdout.write(_("  {y}年度报告 {n} 份，已评价 {g} 份").format(y=year, n=len(rows), g=len(graded)))


def _grade_and_decide(staff, year: int, subject: str, system) -> list[AnnualReport]:
    """The April evaluation in bulk: the same scoring (``reports.score_matrix``), bands and suggested
    decisions as ``reports.evaluate`` and ``reports.decide``, written with their audit rows in a few
    statements, so that the default 3,000-enterprise demo loads in seconds."""
    field = "platform" if subject == Subject.PLATFORM else "incubator"
    todo = list(
        AnnualReport.objects.filter(
            year=year, status=AnnualReport.Status.ACCEPTED, **{f"{field}__isnull": False}
        )
        .select_related(field)
        .order_by("pk")
    )
    if not todo:
        return []
    scores = reports.score_matrix(todo, system)
    model = Platform if subject == Subject.PLATFORM else Incubator
    report_type, carrier_type = (
        ContentType.objects.get_for_model(AnnualReport),
        ContentType.objects.get_for_model(model),
    )
    carriers, audit = [], []
    label = {"support": _("继续支持"), "warning": _("警示整改")}
    for r, score in zip(todo, scores, strict=True):
        band = reports.grade_for(score)
        decision = band.suggested if band.suggested in label else "warning"
        opinion = "" if decision == "support" else _("评价不合格，请于半年内完成整改")
        r.score, r.grade, r.decision, r.opinion, r.status = (
            score,
            band.name,
            decision,
            opinion,
            AnnualReport.Status.DECIDED,
        )
        carrier = getattr(r, field)
        after = CarrierStatus.ACTIVE if decision == "support" else CarrierStatus.WARNED
        reason = _("得分%(s)s分，评为%(g)s") % {"s": score, "g": band.name}
        audit += [
            Transition(content_type=report_type, object_id=r.pk, action="grade", from_status="accepted",
                       to_status="graded", actor=staff, reason=reason),
            Transition(content_type=report_type, object_id=r.pk, action=decision, from_status="graded",
                       to_status="decided", actor=staff, reason=opinion or str(label[decision])),
            Transition(content_type=carrier_type, object_id=carrier.pk, action="begin_evaluation",
                       from_status=carrier.status, to_status=CarrierStatus.UNDER_EVALUATION, actor=staff,
                       reason=_("%(y)s年度绩效评价") % {"y": year}),
            Transition(content_type=carrier_type, object_id=carrier.pk, action=decision,
                       from_status=CarrierStatus.UNDER_EVALUATION, to_status=after, actor=staff,
                       reason=opinion or str(label[decision])),
        ]  # fmt: skip
        carrier.status = after
        carriers.append(carrier)
    AnnualReport.objects.bulk_update(todo, ["score", "grade", "decision", "opinion", "status"])
    AnnualReport.history.bulk_history_create(todo, default_change_reason=_("演示数据"))
    model.objects.bulk_update(carriers, ["status"])
    model.history.bulk_history_create(carriers, default_change_reason=_("演示数据"))
    Transition.objects.bulk_create(audit)
    return todo
