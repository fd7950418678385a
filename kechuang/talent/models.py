"""The bureau's people schemes: 科技副总 (researchers appointed to enterprises as technology vice-presidents,
with quarterly work logs, the enterprise's assessment at term end, outcomes and renewal), 科技特派员
(individual, team or legal-person commissioners serving villages, co-operatives and enterprises, with
service logs and a yearly assessment), talent pools, and foreign-expert projects (引智项目) with their visits.

Appointment statuses are django-fsm fields changed only through ``kechuang.programs.workflow.step``.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, Organisation

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Appointment(models.Model):
    """A 科技副总 appointment: a researcher of an institute serving an enterprise for a term."""

    class Status(models.TextChoices):
        SERVING = "serving", _("在任")
        ASSESSED = "assessed", _("已考核")
        RENEWED = "renewed", _("已续聘")
        ENDED = "ended", _("已期满")

    person = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职称"), max_length=32, blank=True)
    appointee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tech_vp_appointments",
    )
    institute = models.ForeignKey(
        Organisation, verbose_name=_("派出单位"), on_delete=models.PROTECT, related_name="tech_vps_sent"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("聘任企业"),
        on_delete=models.PROTECT,
        related_name="tech_vps",
    )
    tech_field = models.CharField(_("专业领域"), max_length=100, blank=True)
    starts_on = models.DateField(_("任期开始"))
    ends_on = models.DateField(_("任期结束"))
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("推荐来源"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    projects = models.PositiveIntegerField(_("合作项目（项）"), default=0)
    patents = models.PositiveIntegerField(_("申请专利（件）"), default=0)
    demands_solved = models.PositiveIntegerField(_("解决技术难题（项）"), default=0)
    grade = models.CharField(_("企业考核等级"), max_length=16, choices=Grade.choices, blank=True)
    assessment = models.TextField(_("企业考核意见"), blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SERVING, protected=False
    )
    renewed_from = models.OneToOneField(
        "self",
        verbose_name=_("续聘自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewal",
    )
    transitions = GenericRelation("programs.Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("科技副总")
        verbose_name_plural = _("科技副总")
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="tech_vp_term")
        ]

    def __str__(self) -> str:
        return f"{self.person}（{self.enterprise}）"

    @transition(field=status, source=Status.SERVING, target=Status.ASSESSED)
    def assess(self) -> None:
        pass

    @transition(field=status, source=Status.ASSESSED, target=Status.RENEWED)
    def renew(self) -> None:
        pass

    @transition(field=status, source=[Status.SERVING, Status.ASSESSED], target=Status.ENDED)
    def end(self) -> None:
        pass


class WorkLog(models.Model):
    """The appointee's quarterly work log (季度工作日志)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="logs")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    days = models.PositiveSmallIntegerField(_("在企业工作天数"), validators=[MaxValueValidator(92)])
    content = models.TextField(_("工作内容"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["appointment_id", "year", "quarter"]
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "year", "quarter"], name="worklog_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.appointment} {self.year}Q{self.quarter}"


class Commissioner(models.Model):
    """A 科技特派员: a person, a team or a legal person, serving a village, co-operative or enterprise."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人特派员")
        TEAM = "team", _("团队特派员")
        LEGAL_PERSON = "legal_person", _("法人特派员")

    class Served(models.TextChoices):
        VILLAGE = "village", _("村（社区）")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        ENTERPRISE = "enterprise", _("企业")

    name = models.CharField(_("特派员（团队、单位）名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    members = models.PositiveSmallIntegerField(_("人数"), default=1, validators=[MinValueValidator(1)])
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    district = models.ForeignKey(
        District, verbose_name=_("服务区县"), on_delete=models.PROTECT, related_name="+"
    )
    served_kind = models.CharField(_("服务对象类型"), max_length=16, choices=Served.choices)
    served_name = models.CharField(_("服务对象"), max_length=200)
    tech_field = models.CharField(_("服务领域"), max_length=100, blank=True)
    starts_on = models.DateField(_("选派日期"))
    ends_on = models.DateField(_("服务期满"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["district_id", "name", "pk"]
        verbose_name = _("科技特派员")
        verbose_name_plural = _("科技特派员")

    def __str__(self) -> str:
        return self.name


class ServiceLog(models.Model):
    commissioner = models.ForeignKey(Commissioner, on_delete=models.CASCADE, related_name="logs")
    served_on = models.DateField(_("服务日期"))
    content = models.TextField(_("服务内容"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["commissioner_id", "-served_on", "pk"]
        verbose_name = _("服务日志")
        verbose_name_plural = _("服务日志")

    def __str__(self) -> str:
        return f"{self.commissioner} {self.served_on}"


class CommissionerAssessment(models.Model):
    commissioner = models.ForeignKey(Commissioner, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    grade = models.CharField(_("考核等级"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("考核意见"), blank=True, max_length=2000)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("特派员年度考核")
        verbose_name_plural = _("特派员年度考核")
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "year"], name="commissioner_assessment_year")
        ]

    def __str__(self) -> str:
        return f"{self.commissioner} {self.year}"


class TalentPool(models.Model):
    name = models.CharField(_("人才库名称"), max_length=100, unique=True)
    programme = models.CharField(_("所属人才计划"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True, max_length=2000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("人才库")
        verbose_name_plural = _("人才库")

    def __str__(self) -> str:
        return self.name


class TalentMember(models.Model):
    pool = models.ForeignKey(TalentPool, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=64)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("工作单位"), on_delete=models.PROTECT, related_name="+"
    )
    tech_field = models.CharField(_("专业领域"), max_length=100, blank=True)
    joined_on = models.DateField(_("入库日期"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["pool_id", "name", "pk"]
        verbose_name = _("入库人才")
        verbose_name_plural = _("入库人才")

    def __str__(self) -> str:
        return self.name


class ForeignExpertProject(models.Model):
    """An 引智项目: a host organisation brings foreign experts for a project."""

    title = models.CharField(_("项目名称"), max_length=200)
    host = models.ForeignKey(
        Organisation, verbose_name=_("承担单位"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("立项年度"))
    funding_yuan = models.DecimalField(_("资助金额（元）"), null=True, blank=True, **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("引智项目")
        verbose_name_plural = _("引智项目")

    def __str__(self) -> str:
        return self.title


class ForeignExpertVisit(models.Model):
    """One foreign expert's visit under a project (引进外国专家人次: one visit, one 人次)."""

    project = models.ForeignKey(ForeignExpertProject, on_delete=models.CASCADE, related_name="visits")
    expert = models.CharField(_("外国专家姓名"), max_length=100)
    country = models.CharField(_("国籍"), max_length=64)
    arrived_on = models.DateField(_("来访日期"))
    left_on = models.DateField(_("离开日期"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-arrived_on", "pk"]
        verbose_name = _("外国专家来访")
        verbose_name_plural = _("外国专家来访")
        constraints = [
            models.CheckConstraint(condition=Q(arrived_on__lte=models.F("left_on")), name="visit_dates")
        ]

    def __str__(self) -> str:
        return f"{self.expert}（{self.country}）"
