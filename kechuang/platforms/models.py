"""创新平台 and 孵化载体: the registry of platforms (key labs, technology innovation centres, enterprise R&D
institutions…) and incubators (众创空间, 孵化器, 加速器, 星创天地), the enterprises incubated, the yearly
reports both file, the indicator system and grade bands they are evaluated with (data, not code).

Statuses are django-fsm fields changed only through ``kechuang.programs.workflow.step`` (one audit
table, ``programs.Transition``). Money in yuan (Decimal), shown in 万元.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import Organisation

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")


class CarrierStatus(models.TextChoices):
    PENDING = "pending", _("待认定")
    ACTIVE = "active", _("运行中")
    UNDER_EVALUATION = "under_evaluation", _("评估中")
    WARNED = "warned", _("限期整改")
    WITHDRAWN = "withdrawn", _("已撤销")


class Carrier(models.Model):
    """What platforms and incubators share: a level, a recognition, a status and its transitions."""

    Status = CarrierStatus

    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices)
    recognised_on = models.DateField(_("认定日期"), null=True, blank=True)
    document = models.CharField(_("认定文件"), max_length=200, blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=CarrierStatus.choices, default=CarrierStatus.ACTIVE, protected=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("programs.Transition")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @transition(field=status, source=CarrierStatus.PENDING, target=CarrierStatus.ACTIVE)
    def recognise(self) -> None:
        pass

    @transition(
        field=status,
        source=[CarrierStatus.ACTIVE, CarrierStatus.WARNED],
        target=CarrierStatus.UNDER_EVALUATION,
    )
    def begin_evaluation(self) -> None:
        pass

    @transition(field=status, source=CarrierStatus.UNDER_EVALUATION, target=CarrierStatus.ACTIVE)
    def support(self) -> None:
        pass

    @transition(field=status, source=CarrierStatus.UNDER_EVALUATION, target=CarrierStatus.WARNED)
    def warn(self) -> None:
        pass

    @transition(
        field=status,
        source=[CarrierStatus.ACTIVE, CarrierStatus.UNDER_EVALUATION, CarrierStatus.WARNED],
        target=CarrierStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass


class Platform(Carrier):
    """An innovation platform (创新平台) hosted by an enterprise or an institute of the registry."""

    class Kind(models.TextChoices):
        KEY_LAB = "key_lab", _("重点实验室")
        TECH_CENTRE = "tech_centre", _("技术创新中心")
        ENGINEERING_CENTRE = "engineering_centre", _("工程技术研究中心")
        NEW_RD = "new_rd", _("新型研发机构")
        ACADEMICIAN = "academician", _("院士工作站")
        ENTERPRISE_RD = "enterprise_rd", _("企业研发机构")
        ENTERPRISE_TECH_CENTRE = "enterprise_tech_centre", _("企业技术中心")
        OTHER = "other", _("其他平台")

    kind = models.CharField(_("平台类型"), max_length=32, choices=Kind.choices, db_index=True)
    host = models.ForeignKey(
        Organisation, verbose_name=_("依托单位"), on_delete=models.PROTECT, related_name="platforms"
    )
    tech_field = models.CharField(_("技术领域"), max_length=100, blank=True)
    staff = models.PositiveIntegerField(_("固定人员（人）"), null=True, blank=True)
    senior_staff = models.PositiveIntegerField(_("高级职称人员（人）"), null=True, blank=True)
    equipment_yuan = models.DecimalField(_("仪器设备原值（元）"), null=True, blank=True, **MONEY)
    award = models.OneToOneField(
        "programs.Award",
        verbose_name=_("认定立项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["host__district_id", "kind", "name", "pk"]
        verbose_name = _("创新平台")
        verbose_name_plural = _("创新平台")
        constraints = [models.UniqueConstraint(fields=["host", "name"], name="platform_host_name")]


class Incubator(Carrier):
    """A 孵化载体: maker space, incubator, accelerator or rural maker space, run by an operator."""

    class Kind(models.TextChoices):
        MAKERSPACE = "makerspace", _("众创空间")
        INCUBATOR = "incubator", _("孵化器")
        ACCELERATOR = "accelerator", _("加速器")
        AGRI_MAKERSPACE = "agri_makerspace", _("星创天地")

    kind = models.CharField(_("载体类型"), max_length=32, choices=Kind.choices, db_index=True)
    operator = models.ForeignKey(
        Organisation, verbose_name=_("运营机构"), on_delete=models.PROTECT, related_name="incubators"
    )
    area_m2 = models.DecimalField(
        _("场地面积（平方米）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    services = models.TextField(_("服务内容"), blank=True, max_length=2000)
    investment_yuan = models.DecimalField(_("在孵企业获得投融资（元）"), null=True, blank=True, **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["operator__district_id", "kind", "name", "pk"]
        verbose_name = _("孵化载体")
        verbose_name_plural = _("孵化载体")
        constraints = [models.UniqueConstraint(fields=["operator", "name"], name="incubator_operator_name")]


class Tenant(models.Model):
    """An enterprise of the registry incubated by an incubator (在孵企业), until it graduates (毕业) or leaves."""

    incubator = models.ForeignKey(
        Incubator, verbose_name=_("孵化载体"), on_delete=models.CASCADE, related_name="tenants"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("在孵企业"),
        on_delete=models.PROTECT,
        related_name="incubations",
    )
    entered_on = models.DateField(_("入孵日期"))
    graduated_on = models.DateField(_("毕业日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["incubator_id", "-entered_on", "pk"]
        verbose_name = _("在孵企业")
        verbose_name_plural = _("在孵企业")
        constraints = [
            models.UniqueConstraint(fields=["incubator", "enterprise"], name="tenant_once"),
            models.CheckConstraint(
                condition=Q(graduated_on__isnull=True) | Q(graduated_on__gte=models.F("entered_on")),
                name="tenant_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incubator} · {self.enterprise}"


class Subject(models.TextChoices):
    PLATFORM = "platform", _("创新平台")
    INCUBATOR = "incubator", _("孵化载体")


class EvaluationIndicator(models.Model):
    """One indicator of the evaluation system (评价指标): a figure the yearly report asks for, its weight
    and direction. Data: the bureau changes the system without code."""

    subject = models.CharField(_("评价对象"), max_length=16, choices=Subject.choices)
    code = models.SlugField(_("指标代码"), max_length=32)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    weight = models.DecimalField(
        _("权重（%）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    benefit = models.BooleanField(_("越大越好"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["subject", "order", "pk"]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        constraints = [models.UniqueConstraint(fields=["subject", "code"], name="evaluation_indicator_code")]

    def __str__(self) -> str:
        return self.name


class GradeBand(models.Model):
    """A grade and the lowest score that earns it (优秀 ≥ …), with the decision it suggests. Data."""

    class Decision(models.TextChoices):
        SUPPORT = "support", _("继续支持")
        WARNING = "warning", _("警示整改")
        WITHDRAWAL = "withdrawal", _("撤销资格")

    code = models.SlugField(_("等级代码"), max_length=16, unique=True)
    name = models.CharField(_("等级"), max_length=16)
    min_score = models.DecimalField(
        _("最低得分"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    suggested = models.CharField(_("建议处理"), max_length=16, choices=Decision.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-min_score"]
        verbose_name = _("评价等级")
        verbose_name_plural = _("评价等级")

    def __str__(self) -> str:
        return self.name


class AnnualReport(models.Model):
    """The yearly report (年度报告) of one platform or incubator: figures named by the evaluation
    system, and text. Every save is a new version (``version``; the history keeps each one). After
    the bureau accepts it, it is scored, graded and decided on."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("审核通过")
        GRADED = "graded", _("已评价")
        DECIDED = "decided", _("已处理")

    platform = models.ForeignKey(
        Platform,
        verbose_name=_("创新平台"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    incubator = models.ForeignKey(
        Incubator,
        verbose_name=_("孵化载体"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    year = models.PositiveSmallIntegerField(_("报告年度"))
    due_on = models.DateField(_("报送截止日期"))
    figures = models.JSONField(_("年度数据"), default=dict, blank=True)
    summary = models.TextField(_("年度工作总结"), blank=True, max_length=4000)
    version = models.PositiveIntegerField(_("版本"), default=0)
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    score = models.DecimalField(_("评价得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("评价等级"), max_length=16, blank=True)
    decision = models.CharField(_("处理结果"), max_length=16, choices=GradeBand.Decision.choices, blank=True)
    opinion = models.TextField(_("评价意见"), blank=True)
    last_reminded_on = models.DateField(_("最近催报日期"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transitions = GenericRelation("programs.Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [
            models.CheckConstraint(
                condition=Q(platform__isnull=False, incubator__isnull=True)
                | Q(platform__isnull=True, incubator__isnull=False),
                name="report_one_subject",
            ),
            models.UniqueConstraint(fields=["platform", "year"], name="report_platform_year"),
            models.UniqueConstraint(fields=["incubator", "year"], name="report_incubator_year"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} · {self.year}"

    @property
    def carrier(self):
        return self.platform if self.platform_id else self.incubator

    @property
    def subject(self) -> str:
        return Subject.PLATFORM if self.platform_id else Subject.INCUBATOR

    def get_subject_display_text(self) -> str:
        return str(Subject(self.subject).label)

    @transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def send_back(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=[Status.ACCEPTED, Status.GRADED], target=Status.GRADED)
    def grade_report(self) -> None:
        pass

    @transition(field=status, source=Status.GRADED, target=Status.DECIDED)
    def decide(self) -> None:
        pass
