"""Use-cases of the talent app: 科技副总 appointments and their logs, assessment and renewal; 科技特派员,
their service logs and yearly assessment; counts by district; foreign-expert visits; candidates from the
matching engine.

Who may do what:
    city staff (admin, bureau staff)   register and end appointments and commissioners, renew, assess
                                       commissioners
    leaders                            read everything
    district staff                     read the appointments in their district's enterprises and the
                                       commissioners serving their district
    the enterprise                     reads its own 科技副总 and assesses them at term end
    the appointee (their own account)  reads their appointment and files its quarterly work logs
    a commissioner (own account)       reads their record and files service logs
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, Organisation, Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of
from kechuang.matching.models import Match
from kechuang.programs import workflow

from .models import (
    Appointment,
    Commissioner,
    CommissionerAssessment,
    ForeignExpertVisit,
    Grade,
    ServiceLog,
    WorkLog,
)


def can_manage(user) -> Decision:
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以管理科技副总和科技特派员"))


# ------------------------------------------------------------------------------------- scoping


def visible_appointments(user) -> QuerySet[Appointment]:
    qs = Appointment.objects.select_related("enterprise__organisation__district", "institute", "appointee")
    role = role_of(user)
    if role in CITY_READERS:
        return qs
    mine = Q(appointee_id=user.pk) if user is not None and user.is_authenticated else Q(pk__in=[])
    if role == Role.DISTRICT_STAFF and user.district_id:
        return qs.filter(Q(enterprise__organisation__district_id=user.district_id) | mine)
    if role == Role.ENTERPRISE and user.organisation_id:
        return qs.filter(Q(enterprise_id=user.organisation_id) | mine)
    return qs.filter(mine)


def visible_commissioners(user) -> QuerySet[Commissioner]:
    qs = Commissioner.objects.select_related("district", "organisation")
    role = role_of(user)
    if role in CITY_READERS:
        return qs
    mine = Q(person_user_id=user.pk) if user is not None and user.is_authenticated else Q(pk__in=[])
    if role == Role.DISTRICT_STAFF and user.district_id:
        return qs.filter(Q(district_id=user.district_id) | mine)
    if role in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        return qs.filter(Q(organisation_id=user.organisation_id) | mine)
    return qs.filter(mine)


def get_appointment(user, pk: int) -> Appointment:
    a = visible_appointments(user).filter(pk=pk).first()
    if a is None:
        raise Http404(_("未找到该科技副总聘任记录，或您无权查看"))
    return a


def get_commissioner(user, pk: int) -> Commissioner:
    c = visible_commissioners(user).filter(pk=pk).first()
    if c is None:
        raise Http404(_("未找到该科技特派员，或您无权查看"))
    return c


# --------------------------------------------------------------------------------- appointments


def candidates(enterprise, limit: int = 10) -> list[dict]:
    """Researchers the matching engine recommended for the enterprise's demands: the experts matched
    to a demand, and the leaders of the achievements matched to one; best score first."""
    matches = (
        Match.objects.filter(
            demand__organisation_id=enterprise.pk,
            kind__in=[Match.Kind.DEMAND_EXPERT, Match.Kind.DEMAND_ACHIEVEMENT],
        )
        .exclude(status=Match.Status.INVALID)
        .select_related("demand", "expert", "achievement__organisation")
        .order_by("-score", "pk")
    )
    out, seen = [], set()
    for m in matches:
        if m.kind == Match.Kind.DEMAND_EXPERT:
            person, org = m.expert.name, m.expert.affiliation
        else:
            person, org = m.achievement.leader, m.achievement.organisation.name
        if not person or (person, org) in seen:
            continue
        seen.add((person, org))
        out.append(
            {"match": m, "person": person, "organisation": org, "demand": m.demand.title, "score": m.score}
        )
        if len(out) >= limit:
            break
    return out


def _check_term(starts_on, ends_on) -> None:
    if starts_on is None or ends_on is None or ends_on <= starts_on:
        raise ValidationError({"ends_on": _("任期结束日期须晚于开始日期")})
    if (ends_on - starts_on).days > 366 * 3:
        raise ValidationError({"ends_on": _("一个任期不超过3年")})


@transaction.atomic
def appoint(user, data: dict) -> Appointment:
    can_manage(user).enforce()
    institute = data.get("institute")
    if not isinstance(institute, Organisation) or institute.kind != Organisation.Kind.INSTITUTE:
        raise ValidationError({"institute": _("派出单位须为机构库中的高校院所")})
    _check_term(data.get("starts_on"), data.get("ends_on"))
    appointee = data.get("appointee")
    if appointee is not None and appointee.role != Role.INSTITUTE:
        raise ValidationError({"appointee": _("本人账号须为高校院所用户")})
    a = Appointment(
        person=(data.get("person") or "").strip(), title=data.get("title") or "", appointee=appointee,
        institute=institute, enterprise=data["enterprise"], tech_field=data.get("tech_field") or "",
        starts_on=data["starts_on"], ends_on=data["ends_on"], match=data.get("match"),
    )  # fmt: skip
    if not a.person:
        raise ValidationError({"person": _("请填写姓名")})
    a.full_clean()
    a.save()
    workflow.log(a, "appoint", "", user, _("聘任为%(e)s科技副总") % {"e": a.enterprise})
    return a


def can_log(user, a: Appointment) -> bool:
    return user is not None and user.is_authenticated and a.appointee_id == user.pk


@transaction.atomic
def add_work_log(user, a: Appointment, year: int, quarter: int, days: int, content: str) -> WorkLog:
    if not can_log(user, a):
        raise PermissionDenied(_("只有科技副总本人可以填写工作日志"))
    if a.status not in (Appointment.Status.SERVING,):
        raise ValidationError(
            {"status": _("当前状态为“%(s)s”，不能填写工作日志") % {"s": a.get_status_display()}}
        )
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("季度须为1至4")})
    quarter_start = dt.date(year, 3 * quarter - 2, 1)
    if quarter_start > timezone.localdate() or quarter_start < a.starts_on.replace(day=1) - dt.timedelta(
        days=92
    ):
        raise ValidationError({"quarter": _("只能填写任期内、已开始的季度")})
    if not 0 <= days <= 92:
        raise ValidationError({"days": _("工作天数须为0至92天")})
    content = (content or "").strip()
    if len(content) < 10:
        raise ValidationError({"content": _("工作内容至少10个字")})
    if WorkLog.objects.filter(appointment=a, year=year, quarter=quarter).exists():
        raise ValidationError(
            {"quarter": _("%(y)s年第%(q)s季度的工作日志已填写") % {"y": year, "q": quarter}}
        )
    return WorkLog.objects.create(
        appointment=a, year=year, quarter=quarter, days=days, content=content, created_by=user
    )


def can_assess(user, a: Appointment) -> bool:
    return role_of(user) == Role.ENTERPRISE and user.organisation_id == a.enterprise_id


@transaction.atomic
def assess(
    user, a: Appointment, grade: str, opinion: str, *, projects=0, patents=0, demands_solved=0
) -> Appointment:
    """The enterprise's assessment at term end (任期考核), with the outcomes it saw."""
    if not can_assess(user, a):
        raise PermissionDenied(_("只有聘任企业可以考核本企业的科技副总"))
    if grade not in Grade.values:
        raise ValidationError({"grade": _("考核等级须为优秀、良好、合格或不合格")})
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"assessment": _("请填写考核意见")})
    for name, value in (("projects", projects), ("patents", patents), ("demands_solved", demands_solved)):
        if not isinstance(value, int) or not 0 <= value <= 1000:
            raise ValidationError({name: _("须为0至1000的整数")})
    reason = _("企业考核：%(g)s") % {"g": Grade(grade).label}
    return workflow.step(
        user, a, "assess", _("考核"), reason=reason, grade=grade, assessment=opinion, projects=projects,
        patents=patents, demands_solved=demands_solved,
    )  # fmt: skip


@transaction.atomic
def renew(user, a: Appointment, ends_on: dt.date) -> Appointment:
    """A new term after an assessment of 合格 or better; the old record is marked renewed."""
    can_manage(user).enforce()
    a = Appointment.objects.select_for_update().get(pk=a.pk)
    workflow.guard(a, "renew", _("续聘"))
    if a.grade == Grade.FAIL:
        raise ValidationError({"grade": _("考核不合格，不能续聘")})
    _check_term(a.ends_on, ends_on)
    a = workflow.step(user, a, "renew", _("续聘"), reason=_("续聘至%(d)s") % {"d": ends_on})
    new = Appointment.objects.create(
        person=a.person, title=a.title, appointee=a.appointee, institute=a.institute, enterprise=a.enterprise,
        tech_field=a.tech_field, starts_on=a.ends_on, ends_on=ends_on, renewed_from=a,
    )  # fmt: skip
    workflow.log(new, "appoint", "", user, _("续聘"))
    return new


@transaction.atomic
def end(user, a: Appointment, reason: str) -> Appointment:
    can_manage(user).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明解聘或期满的原因")})
    return workflow.step(user, a, "end", _("期满（解聘）"), reason=reason)


# -------------------------------------------------------------------------------- commissioners


@transaction.atomic
def save_commissioner(user, data: dict, record: Commissioner | None = None) -> Commissioner:
    can_manage(user).enforce()
    c = record or Commissioner()
    for name in ("name", "kind", "members", "organisation", "district", "served_kind", "served_name",
                 "tech_field", "starts_on", "ends_on", "person_user"):  # fmt: skip
        if name in data:
            setattr(c, name, data[name])
    if c.kind == Commissioner.Kind.INDIVIDUAL and c.members != 1:
        raise ValidationError({"members": _("个人特派员人数为1")})
    if c.kind == Commissioner.Kind.LEGAL_PERSON and not c.organisation_id:
        raise ValidationError({"organisation": _("法人特派员须填写所在单位")})
    if c.ends_on and c.starts_on and c.ends_on < c.starts_on:
        raise ValidationError({"ends_on": _("服务期满日期不能早于选派日期")})
    c.full_clean()
    c.save()
    return c


def can_log_service(user, c: Commissioner) -> bool:
    return role_of(user) in CITY_WRITERS or (user.is_authenticated and c.person_user_id == user.pk)


@transaction.atomic
def add_service_log(user, c: Commissioner, served_on: dt.date, content: str) -> ServiceLog:
    if not can_log_service(user, c):
        raise PermissionDenied(_("只有特派员本人或市局工作人员可以填写服务日志"))
    if served_on is None or served_on > timezone.localdate() or served_on < c.starts_on:
        raise ValidationError({"served_on": _("服务日期须在选派日期之后、今天之前")})
    content = (content or "").strip()
    if len(content) < 5:
        raise ValidationError({"content": _("服务内容至少5个字")})
    return ServiceLog.objects.create(commissioner=c, served_on=served_on, content=content, created_by=user)


@transaction.atomic
def assess_commissioner(
    user, c: Commissioner, year: int, grade: str, comment: str = ""
) -> CommissionerAssessment:
    can_manage(user).enforce()
    if grade not in Grade.values:
        raise ValidationError({"grade": _("考核等级须为优秀、良好、合格或不合格")})
    if year < c.starts_on.year or year > timezone.localdate().year:
        raise ValidationError({"year": _("考核年度须在服务期内且不晚于今年")})
    if CommissionerAssessment.objects.filter(commissioner=c, year=year).exists():
        raise ValidationError({"year": _("%(y)s年度已考核") % {"y": year}})
    return CommissionerAssessment.objects.create(
        commissioner=c, year=year, grade=grade, comment=(comment or "").strip(), assessed_by=user
    )


# ------------------------------------------------------------------------------------ counting


def serving_in(year: int) -> Q:
    return Q(starts_on__lte=dt.date(year, 12, 31)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=dt.date(year, 1, 1))
    )


def commissioner_counts(user, year: int) -> list[dict]:
    """Commissioners (persons) serving in ``year`` by district, with the count of each kind."""
    qs = visible_commissioners(user).filter(serving_in(year))
    rows = {d.pk: {"district": d.name, "persons": 0, "records": 0, "logs": 0} for d in District.objects.all()}
    for r in qs.values("district_id").annotate(p=Sum("members"), n=Count("pk")):
        rows[r["district_id"]].update(persons=r["p"], records=r["n"])
    logs = ServiceLog.objects.filter(commissioner__in=qs, served_on__year=year)
    for r in logs.values("commissioner__district_id").annotate(n=Count("pk")):
        rows[r["commissioner__district_id"]]["logs"] = r["n"]
    return [r for r in rows.values() if r["records"] or r["logs"]]


def visits_in(year: int) -> QuerySet[ForeignExpertVisit]:
    return ForeignExpertVisit.objects.filter(arrived_on__year=year)
