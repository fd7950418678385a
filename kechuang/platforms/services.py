"""Use-cases of the platform and incubator registry: who sees and edits what, saving a record, the
recognition (认定) that runs on the programmes' application machinery, and the counts by district.

Who may do what:
    city staff (admin, bureau staff)   everything: edit the registry, import, open recognition calls,
                                       evaluate and decide
    leaders                            read everything
    district staff                     read the platforms and incubators of their district
    enterprise / institute users       read the platforms they host and the incubators they operate,
                                       and file their yearly reports

Recognition: a platform is recognised through a call of a programme type of kind ``recognition``
(kechuang.programs). The host applies on that call, its district endorses, the city runs the formal
check, the expert review and the award; when the award is approved (公示期满正式立项) the platform is
created, or activated when it was registered as pending (待认定), or raised to the level recognised.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, Organisation, Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of, scope_q
from kechuang.programs import workflow
from kechuang.programs.models import Award, Call, ProgrammeType

from .models import CarrierStatus, Incubator, Level, Platform, Tenant

RECOGNITION_TYPE = {
    "code": "platform_recognition",
    "name": "创新平台认定",
    "kind": ProgrammeType.Kind.RECOGNITION,
    "support": ProgrammeType.Support.GRANT,
    "max_grant_yuan": Decimal(1_000_000),  # 认定后一次性奖补上限
    "max_months": 36,
    "per_year": None,
    "selection_modes": ["认定"],
}

LEVEL_RANK = {Level.CITY: 1, Level.PROVINCIAL: 2, Level.NATIONAL: 3}


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def recognition_schema() -> dict:
    """The application form of a recognition call: the platform as the host describes it."""
    return {
        "type": "object",
        "required": ["platform_name", "platform_kind", "level", "tech_field", "staff"],
        "properties": {
            "platform_name": {"type": "string", "title": "平台名称", "maxLength": 200, "propertyOrder": 1},
            "platform_kind": {
                "type": "string", "title": "平台类型", "enum": _labels(Platform.Kind.choices), "propertyOrder": 2,
            },
            "level": {"type": "string", "title": "申请认定级别", "enum": _labels(Level.choices), "propertyOrder": 3},
            "tech_field": {"type": "string", "title": "技术领域", "maxLength": 100, "propertyOrder": 4},
            "staff": {"type": "integer", "title": "固定人员数", "minimum": 1, "maximum": 10000, "propertyOrder": 5},
            "senior_staff": {
                "type": "integer", "title": "高级职称人员数", "minimum": 0, "maximum": 10000, "propertyOrder": 6,
            },
            "equipment_yuan": {
                "type": "number", "title": "仪器设备原值", "format": "money", "minimum": 0, "propertyOrder": 7,
            },
        },
    }  # fmt: skip


RUBRIC = [
    {"code": "base", "name": "研发条件与基础", "weight": 30, "max": 100},
    {"code": "team", "name": "人才团队", "weight": 30, "max": 100},
    {"code": "results", "name": "研发成果与成效", "weight": 40, "max": 100},
]


# ----------------------------------------------------------------------------------- permissions


def can_manage(user) -> Decision:
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以管理创新平台和孵化载体"))


def can_view_registry(user) -> Decision:
    role = role_of(user)
    if role in CITY_READERS or role in (Role.DISTRICT_STAFF, Role.ENTERPRISE, Role.INSTITUTE):
        return Decision(True)
    return Decision(False, _("当前角色无权查看创新平台"))


def visible_platforms(user) -> QuerySet[Platform]:
    qs = Platform.objects.select_related("host__district")
    return qs.filter(scope_q(user, district_field="host__district_id", organisation_field="host_id"))


def visible_incubators(user) -> QuerySet[Incubator]:
    qs = Incubator.objects.select_related("operator__district")
    return qs.filter(scope_q(user, district_field="operator__district_id", organisation_field="operator_id"))


def get_platform(user, pk: int) -> Platform:
    platform = visible_platforms(user).filter(pk=pk).first()
    if platform is None:
        raise Http404(_("未找到该创新平台，或您无权查看"))
    return platform


def get_incubator(user, pk: int) -> Incubator:
    incubator = visible_incubators(user).filter(pk=pk).first()
    if incubator is None:
        raise Http404(_("未找到该孵化载体，或您无权查看"))
    return incubator


def search_platforms(user, *, q="", district=None, kind="", level="", status="") -> QuerySet[Platform]:
    qs = visible_platforms(user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(host__name__icontains=q) | Q(tech_field__icontains=q))
    if district:
        qs = qs.filter(host__district_id=district)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    return qs


def search_incubators(user, *, q="", district=None, kind="", level="", status="") -> QuerySet[Incubator]:
    qs = visible_incubators(user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(operator__name__icontains=q))
    if district:
        qs = qs.filter(operator__district_id=district)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    return qs


def visible_districts(user) -> QuerySet[District]:
    if role_of(user) == Role.DISTRICT_STAFF:
        return District.objects.filter(pk=user.district_id)
    return District.objects.all()


# ------------------------------------------------------------------------------------- editing

PLATFORM_FIELDS = (
    "name", "kind", "level", "host", "tech_field", "recognised_on", "document", "staff", "senior_staff",
    "equipment_yuan",
)  # fmt: skip
INCUBATOR_FIELDS = (
    "name", "kind", "level", "operator", "recognised_on", "document", "area_m2", "services", "investment_yuan",
)  # fmt: skip


def _check_host(org: Organisation | None, field: str) -> None:
    if org is None:
        raise ValidationError({field: _("请选择机构库中的一家企业或高校院所")})
    if org.kind not in (Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE):
        raise ValidationError({field: _("“%(o)s”不是企业或高校院所") % {"o": org.name}})


def _check_dates(record) -> None:
    if record.recognised_on and record.recognised_on > timezone.localdate():
        raise ValidationError({"recognised_on": _("认定日期不能晚于今天")})


@transaction.atomic
def save_platform(user, data: dict, platform: Platform | None = None) -> Platform:
    """Create or edit a platform's record. The status changes only through its transitions."""
    can_manage(user).enforce()
    record = platform or Platform()
    for name in PLATFORM_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _check_host(record.host if record.host_id else None, "host")
    _check_dates(record)
    if record.senior_staff is not None and record.staff is not None and record.senior_staff > record.staff:
        raise ValidationError({"senior_staff": _("高级职称人员数不能多于固定人员数")})
    record.full_clean(exclude=["award", "status"])
    created = record.pk is None
    record.save()
    if created:
        workflow.log(record, "register", "", user, _("登记入库"))
    return record


@transaction.atomic
def save_incubator(user, data: dict, incubator: Incubator | None = None) -> Incubator:
    can_manage(user).enforce()
    record = incubator or Incubator()
    for name in INCUBATOR_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _check_host(record.operator if record.operator_id else None, "operator")
    _check_dates(record)
    record.full_clean(exclude=["status"])
    created = record.pk is None
    record.save()
    if created:
        workflow.log(record, "register", "", user, _("登记入库"))
    return record


@transaction.atomic
def add_tenant(user, incubator: Incubator, enterprise, entered_on: dt.date) -> Tenant:
    can_manage(user).enforce()
    if entered_on is None or entered_on > timezone.localdate():
        raise ValidationError({"entered_on": _("入孵日期须填写，且不能晚于今天")})
    if Tenant.objects.filter(incubator=incubator, enterprise=enterprise).exists():
        raise ValidationError({"enterprise": _("“%(e)s”已在该载体的在孵企业名单中") % {"e": enterprise}})
    return Tenant.objects.create(incubator=incubator, enterprise=enterprise, entered_on=entered_on)


@transaction.atomic
def graduate(user, tenant: Tenant, on: dt.date) -> Tenant:
    can_manage(user).enforce()
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.graduated_on:
        raise ValidationError({"graduated_on": _("该企业已于%(d)s毕业") % {"d": tenant.graduated_on}})
    if on is None or on < tenant.entered_on or on > timezone.localdate():
        raise ValidationError(
            {"graduated_on": _("毕业日期须在入孵日期（%(d)s）之后、今天之前") % {"d": tenant.entered_on}}
        )
    tenant.graduated_on = on
    tenant.save()
    return tenant


DECISION_STEPS = {
    "support": ("support", _("继续支持")),
    "warning": ("warn", _("警示整改")),
    "withdrawal": ("withdraw", _("撤销资格")),
}


def withdraw(user, carrier, reason: str):
    """Withdraw a platform's or incubator's recognition outside the yearly evaluation (撤销)."""
    can_manage(user).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤销资格时必须说明原因")})
    return workflow.step(user, carrier, "withdraw", _("撤销资格"), reason=reason)


# ---------------------------------------------------------------------------------- recognition


def recognition_type() -> ProgrammeType:
    obj, _created = ProgrammeType.objects.update_or_create(
        code=RECOGNITION_TYPE["code"], defaults={k: v for k, v in RECOGNITION_TYPE.items() if k != "code"}
    )
    return obj


@transaction.atomic
def open_recognition_call(user, *, year: int, title: str, guide: str, opens_on, closes_on) -> Call:
    """A draft recognition call (认定通知) on the programmes' machinery, with the platform's own form;
    staff then send its guide for review and publish it on the programme pages as for any call."""
    from kechuang.programs import services as programmes

    can_manage(user).enforce()
    call = programmes.save_call(
        user,
        {
            "programme_type": recognition_type(),
            "year": year,
            "title": title,
            "guide": guide,
            "budget_cap_yuan": RECOGNITION_TYPE["max_grant_yuan"],
            "opens_on": opens_on,
            "closes_on": closes_on,
        },
    )
    call.form_schema = recognition_schema()
    call.rubric = RUBRIC
    call.attachment_kinds = [{"code": "plan", "name": "平台建设运行情况报告", "required": False}]
    call.schema_version += 1
    call.save()
    return call


def _choice(label: str, choices, field: str) -> str:
    for value, text in choices:
        if label in (value, str(text)):
            return value
    raise ValidationError({field: _("“%(v)s”不是可选的值") % {"v": label}})


@transaction.atomic
def recognise_from_award(award: Award, user=None) -> Platform | None:
    """Create, activate or raise the platform an approved recognition award names. Idempotent: an award
    already linked to a platform changes nothing. Returns the platform, or None for other awards."""
    if award.status != Award.Status.APPROVED:
        return None
    call = award.call
    if call.programme_type.kind != ProgrammeType.Kind.RECOGNITION:
        return None
    if Platform.objects.filter(award=award).exists():
        return None
    app = award.application
    form = app.form_data or {}
    name = (form.get("platform_name") or app.title).strip()[:200]
    kind = _choice(form.get("platform_kind", ""), Platform.Kind.choices, "platform_kind")
    level = _choice(form.get("level", ""), Level.choices, "level")
    today = timezone.localdate()
    document = _("%(t)s（%(d)s认定）") % {"t": call.title, "d": today.isoformat()}
    figures = {
        "tech_field": (form.get("tech_field") or "")[:100],
        "staff": form.get("staff"),
        "senior_staff": form.get("senior_staff"),
        "equipment_yuan": Decimal(str(form["equipment_yuan"]))
        if form.get("equipment_yuan") is not None
        else None,
    }
    existing = Platform.objects.select_for_update().filter(host_id=app.applicant_id, name=name).first()
    reason = _("经“%(c)s”认定为%(l)s%(k)s") % {
        "c": call.title, "l": Level(level).label, "k": Platform.Kind(kind).label,
    }  # fmt: skip
    if existing is None:
        platform = Platform.objects.create(
            name=name, kind=kind, level=level, host_id=app.applicant_id, recognised_on=today,
            document=document, award=award, status=CarrierStatus.ACTIVE, **figures,
        )  # fmt: skip
        workflow.log(platform, "recognise", "", user, reason)
        return platform
    changes = {"award": award, "recognised_on": today, "document": document, "kind": kind, **figures}
    if LEVEL_RANK[level] > LEVEL_RANK[existing.level] or existing.status == CarrierStatus.PENDING:
        changes["level"] = level
    if existing.status == CarrierStatus.PENDING:
        return workflow.step(user, existing, "recognise", _("认定"), reason=reason, **changes)
    before = existing.status
    for key, value in changes.items():
        setattr(existing, key, value)
    existing.save()
    workflow.log(existing, "upgrade", before, user, reason)
    return existing


# ------------------------------------------------------------------------------------ counting


def counts_by_district(user=None, *, model=Platform, group: str = "kind") -> list[dict]:
    """Rows of (district, ``group`` value, count) of the records that are not withdrawn, in scope."""
    if model is Platform:
        qs = visible_platforms(user) if user is not None else Platform.objects.all()
        district = "host__district"
    else:
        qs = visible_incubators(user) if user is not None else Incubator.objects.all()
        district = "operator__district"
    qs = qs.exclude(status__in=[CarrierStatus.WITHDRAWN, CarrierStatus.PENDING])
    return list(
        qs.values(f"{district}_id", f"{district}__name", group)
        .annotate(n=Count("pk"))
        .order_by(f"{district}_id")
    )


def chart_data(user) -> dict:
    """Platforms by type and level per district, as ECharts series (stacked bars)."""
    rows = counts_by_district(user, group="kind")
    level_rows = counts_by_district(user, group="level")
    districts = list(visible_districts(user).values_list("pk", "name"))
    index = {pk: i for i, (pk, _n) in enumerate(districts)}

    def series(rows, choices, key):
        out = []
        for value, label in choices:
            data = [0] * len(districts)
            for r in rows:
                if r[key] == value and r["host__district_id"] in index:
                    data[index[r["host__district_id"]]] = r["n"]
            if any(data):
                out.append({"name": str(label), "data": data})
        return out

    by_kind = series(rows, Platform.Kind.choices, "kind")
    by_level = series(level_rows, Level.choices, "level")
    table = [
        [name, *[s["data"][i] for s in by_kind], *[s["data"][i] for s in by_level]]
        for i, (_pk, name) in enumerate(districts)
    ]
    return {
        "districts": [n for _pk, n in districts],
        "by_kind": by_kind,
        "by_level": by_level,
        "table": table,
    }
