"""科技计划: programme types (rules as data), calls with versioned form schemas, applications, the
machine-assisted formal check and the workflow audit.

A call moves 草稿 → 已发布 → 已截止 and an application 草稿 → 已提交 → 形式审查通过 / 形式审查退回
(→ 草稿 again when the applicant revises) through guarded django-fsm transitions; services.py writes
each one to ``Transition`` with who, when and why. Money in yuan (Decimal), shown in 万元.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import Organisation

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class ProgrammeType(models.Model):
    """A kind of programme with its caps, seeded from ``programme_rules`` of the indicators seed data."""

    class Kind(models.TextChoices):
        BREAKTHROUGH = "breakthrough", _("重大技术攻关")
        TRANSFER = "transfer", _("重大成果转化")
        CHALLENGE = "challenge", _("揭榜挂帅")

    class Support(models.TextChoices):
        GRANT = "grant", _("资金资助")
        INTEREST_SUBSIDY = "interest_subsidy", _("贷款贴息")

    code = models.SlugField(_("类型代码"), max_length=32, unique=True)
    name = models.CharField(_("计划类型"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    support = models.CharField(_("支持方式"), max_length=16, choices=Support.choices, default=Support.GRANT)
    max_grant_yuan = models.DecimalField(_("单项支持上限（元）"), **MONEY)
    max_months = models.PositiveSmallIntegerField(_("最长实施期（月）"))
    per_year = models.PositiveSmallIntegerField(_("每年立项数"), null=True, blank=True)
    selection_modes = models.JSONField(_("遴选方式"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("计划类型")
        verbose_name_plural = _("计划类型")

    def __str__(self) -> str:
        return self.name


class Call(models.Model):
    """A call for applications (申报通知) with its guide (指南) and the form applicants fill in."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已截止")

    programme_type = models.ForeignKey(
        ProgrammeType, verbose_name=_("计划类型"), on_delete=models.PROTECT, related_name="calls"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("通知标题"), max_length=200)
    guide = models.TextField(_("申报指南"))
    topics = models.JSONField(_("指南方向"), default=list, blank=True)
    eligibility = models.JSONField(
        _("申报条件（政策代码）"), default=list, blank=True, help_text=_("申报单位须符合的政策，如 high_tech")
    )
    budget_cap_yuan = models.DecimalField(_("单项申请上限（元）"), **MONEY)
    opens_on = models.DateField(_("申报开始日期"))
    closes_on = models.DateField(_("申报截止日期"))
    form_schema = models.JSONField(_("申报书表单（JSON Schema）"), default=dict, blank=True)
    schema_version = models.PositiveIntegerField(_("表单版本"), default=1)
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-opens_on", "-pk"]
        verbose_name = _("申报通知")
        verbose_name_plural = _("申报通知")
        constraints = [
            models.CheckConstraint(condition=Q(opens_on__lte=models.F("closes_on")), name="call_dates")
        ]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self) -> None:
        pass

    @transition(field=status, source=Status.PUBLISHED, target=Status.CLOSED)
    def close(self) -> None:
        pass

    def is_open_on(self, day) -> bool:
        return self.status == self.Status.PUBLISHED and self.opens_on <= day <= self.closes_on

    def cap_yuan(self):
        """The binding cap: the call's own or the programme type's, whichever is lower."""
        return min(self.budget_cap_yuan, self.programme_type.max_grant_yuan)


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        FORMAL_PASSED = "formal_passed", _("形式审查通过")
        FORMAL_FAILED = "formal_failed", _("形式审查退回")

    call = models.ForeignKey(
        Call, verbose_name=_("申报通知"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        Organisation,
        verbose_name=_("申报单位"),
        on_delete=models.PROTECT,
        related_name="programme_applications",
    )
    co_applicants = models.ManyToManyField(
        Organisation, verbose_name=_("合作单位"), blank=True, related_name="programme_co_applications"
    )
    title = models.CharField(_("项目名称"), max_length=200)
    abstract = models.TextField(_("项目摘要"), max_length=4000)
    requested_yuan = models.DecimalField(_("申请支持金额（元）"), **MONEY)
    months = models.PositiveSmallIntegerField(_("实施期（月）"))
    form_data = models.JSONField(_("申报书内容"), default=dict, blank=True)
    schema_version = models.PositiveIntegerField(_("填报所用表单版本"))
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    decision_reason = models.TextField(_("审查意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        indexes = [models.Index(fields=["call", "status"], name="application_call_status")]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.FORMAL_PASSED)
    def formal_pass(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.FORMAL_FAILED)
    def formal_return(self) -> None:
        pass

    @transition(field=status, source=Status.FORMAL_FAILED, target=Status.DRAFT)
    def revise(self) -> None:
        pass

    def text(self) -> str:
        return f"{self.title}。{self.abstract}"


class Transition(models.Model):
    """The workflow audit of calls and applications: one row per status change."""

    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16)
    to_status = models.CharField(_("新状态"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("计划状态变更")
        verbose_name_plural = _("计划状态变更")
        constraints = [
            models.CheckConstraint(
                condition=Q(call__isnull=False, application__isnull=True)
                | Q(call__isnull=True, application__isnull=False),
                name="programme_transition_one_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def _label(self, status: str) -> str:
        choices = Call.Status if self.call_id else Application.Status
        return choices(status).label if status in choices.values else status

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class FormalFinding(models.Model):
    """One line of the machine-assisted formal check (形式审查): a rule and whether it holds, in Chinese."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(_("审查项"), max_length=64)
    ok = models.BooleanField(_("通过"))
    text = models.TextField(_("说明"))
    checked_at = models.DateTimeField(_("审查时间"), auto_now_add=True)

    class Meta:
        ordering = ["ok", "pk"]
        verbose_name = _("形式审查结果")
        verbose_name_plural = _("形式审查结果")

    def __str__(self) -> str:
        return f"{self.code}: {'ok' if self.ok else 'problem'}"
