"""专班推进与督导: yearly plans (实施方案, city or district) with their task forces, tasks, obstacles, key
projects and milestones; monthly progress reports (月调度) with one line per task and milestone; the
monthly bulletin (通报); quarterly review meetings (推进会) and the follow-up items (督办事项) their decisions
become; the half-yearly supervision report (督导专题报告); the weights of the annual assessment.

Statuses are django-fsm fields changed only through ``kechuang.programs.workflow.step``, so every change is
one row of the generic ``Transition`` audit. Every record people edit keeps its history.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, Section

DEFAULT_REMINDER_DAYS = [20, 25, 27]


def default_reminder_days() -> list[int]:
    return list(DEFAULT_REMINDER_DAYS)


class Plan(models.Model):
    """A yearly work plan: the city bureau's (district empty) or a district's (区县实施方案)."""

    title = models.CharField(_("方案名称"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_plans",
        help_text=_("区县实施方案填写所属区县；市级方案留空"),
    )
    issued = models.DateField(_("印发日期"), null=True, blank=True)
    office = models.ForeignKey(
        Section,
        verbose_name=_("领导小组办公室所在科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_due_day = models.PositiveSmallIntegerField(
        _("月报截止日"), default=27, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    reminder_days = models.JSONField(_("提醒日"), default=default_reminder_days)
    quarterly_review = models.BooleanField(_("每季度末月召开推进会"), default=True)
    annual_assessment = models.BooleanField(_("纳入年度考核"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "district__order", "pk"]
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")

    def __str__(self) -> str:
        return f"{self.year}年{self.title}"

    def clean(self) -> None:
        days = self.reminder_days
        if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 28 for d in days):
            raise ValidationError({"reminder_days": _("提醒日应为1至28之间的日期")})


class TaskForce(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="task_forces"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("专班名称"), max_length=100)
    lead_leader = models.CharField(_("牵头领导"), max_length=64)
    assisting_leaders = models.JSONField(_("协助领导"), default=list, blank=True)
    lead_staff = models.CharField(_("牵头责任人"), max_length=64, blank=True)
    support_staff = models.JSONField(_("配合责任人"), default=list, blank=True)
    lead_section = models.ForeignKey(
        Section,
        verbose_name=_("牵头科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_task_forces",
    )
    support_sections = models.ManyToManyField(
        Section, verbose_name=_("配合科室"), blank=True, related_name="supported_task_forces"
    )
    goal = models.TextField(_("工作目标"))
    due = models.DateField(_("完成时限"), null=True, blank=True)
    ongoing = models.BooleanField(_("长期推进"), default=False)
    history = HistoricalRecords(m2m_fields=[support_sections])

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="supervision_taskforce_name")]

    def __str__(self) -> str:
        return self.name


class _Line(models.Model):
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    text = models.TextField(_("内容"))

    class Meta:
        abstract = True
        ordering = ["task_force", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Task(_Line):
    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.CASCADE, related_name="tasks"
    )
    history = HistoricalRecords()

    class Meta(_Line.Meta):
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")


class Obstacle(_Line):
    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.CASCADE, related_name="obstacles"
    )
    history = HistoricalRecords()

    class Meta(_Line.Meta):
        verbose_name = _("难点堵点")
        verbose_name_plural = _("难点堵点")


class KeyProject(_Line):
    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.CASCADE, related_name="key_projects"
    )
    history = HistoricalRecords()

    class Meta(_Line.Meta):
        verbose_name = _("重点支撑项目")
        verbose_name_plural = _("重点支撑项目")


class Milestone(models.Model):
    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.CASCADE, related_name="milestones"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    due = models.DateField(_("完成时限"))
    text = models.TextField(_("节点任务"))
    owner_section = models.ForeignKey(
        Section,
        verbose_name=_("责任科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_milestones",
    )
    indicator_code = models.CharField(_("关联指标"), max_length=64, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["task_force", "due", "order", "pk"]
        verbose_name = _("推进节点")
        verbose_name_plural = _("推进节点")

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        if self.target_value is not None and not self.indicator_code:
            raise ValidationError({"indicator_code": _("填写目标值时必须选择关联指标")})


class MonthlyReport(models.Model):
    """One task force's report for one month (月调度), filed by its lead section."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("已审核")

    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    problems = models.TextField(_("存在问题"), blank=True)
    help_needed = models.TextField(_("需协调解决事项"), blank=True)
    next_steps = models.TextField(_("下月工作计划"), blank=True)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    late = models.BooleanField(_("逾期报送"), default=False)
    late_recorded_at = models.DateTimeField(_("逾期记录时间"), null=True, blank=True)
    office_note = models.TextField(_("审核意见"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month", "task_force"]
        verbose_name = _("月度进展报告")
        verbose_name_plural = _("月度进展报告")
        constraints = [
            models.UniqueConstraint(fields=["task_force", "year", "month"], name="supervision_report_month")
        ]

    def __str__(self) -> str:
        return f"{self.task_force} {self.year}年{self.month}月"

    @transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def send_back(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self) -> None:
        pass

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ReportItem(models.Model):
    """One line of a report: the progress of one task or one milestone this month."""

    class Progress(models.TextChoices):
        ON_PLAN = "on_plan", _("按计划推进")
        LAGGING = "lagging", _("滞后")
        DONE = "done", _("已完成")

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("月度报告"), on_delete=models.CASCADE, related_name="items"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="report_items"
    )
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="report_items"
    )
    progress = models.TextField(_("进展情况"), blank=True)
    status = models.CharField(
        _("推进状态"), max_length=16, choices=Progress.choices, default=Progress.ON_PLAN
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "pk"]  # tasks first, then milestones by due date, as the report was opened
        verbose_name = _("报告事项")
        verbose_name_plural = _("报告事项")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(task__isnull=False, milestone__isnull=True)
                | models.Q(task__isnull=True, milestone__isnull=False),
                name="supervision_item_one_subject",
            )
        ]

    def __str__(self) -> str:
        return str(self.subject)

    @property
    def subject(self):
        return self.milestone or self.task


class ReportAttachment(models.Model):
    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("月度报告"), on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    """A leader's (or the office's) comment on a task force or one of its reports."""

    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("工作专班"), on_delete=models.CASCADE, related_name="comments"
    )
    report = models.ForeignKey(
        MonthlyReport, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("批示意见"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")

    def __str__(self) -> str:
        return self.text[:40]


class ReminderSent(models.Model):
    """That one person was told of one thing once (a month's report, a follow-up item) on one reminder
    day: the key makes each reminder go out once however often the reminder job runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已发提醒")
        verbose_name_plural = _("已发提醒")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="supervision_reminder_once")]

    def __str__(self) -> str:
        return self.key


class _Issued(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    content = models.BinaryField(_("文件"))
    summary = models.JSONField(_("摘要"), default=dict)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("印发时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-year", "-month", "-issued_at"]


class Bulletin(_Issued):
    """The monthly 通报; every version compiled is kept (a re-compiled month is a new row)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="bulletins"
    )

    class Meta(_Issued.Meta):
        verbose_name = _("进度通报")
        verbose_name_plural = _("进度通报")

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月工作专班推进情况通报"


class SupervisionReport(_Issued):
    """督导专题报告 (June and December)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="supervision_reports"
    )

    class Meta(_Issued.Meta):
        verbose_name = _("督导专题报告")
        verbose_name_plural = _("督导专题报告")

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月督导专题报告"


class QuarterlyReview(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        HELD = "held", _("已召开")

    plan = models.ForeignKey(
        Plan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    held_on = models.DateField(_("召开日期"))
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED, protected=False
    )
    agenda = models.JSONField(_("议程"), default=list)
    minutes = models.TextField(_("会议纪要"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("季度推进会")
        verbose_name_plural = _("季度推进会")
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "quarter"], name="supervision_review_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度工作分析推进会"

    @transition(field=status, source=Status.PLANNED, target=Status.HELD)
    def hold(self) -> None:
        pass


class FollowUp(models.Model):
    """督办事项: a meeting decision with its owner section and deadline, tracked to closure."""

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        CLOSED = "closed", _("已办结")

    review = models.ForeignKey(
        QuarterlyReview, verbose_name=_("推进会"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    text = models.TextField(_("督办事项"), max_length=2000)
    owner_section = models.ForeignKey(
        Section, verbose_name=_("责任科室"), on_delete=models.PROTECT, related_name="supervision_follow_ups"
    )
    deadline = models.DateField(_("办结时限"))
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, protected=False)
    evidence = models.TextField(_("办结情况及佐证"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")

    def __str__(self) -> str:
        return self.text[:40]

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=Status.CLOSED, target=Status.OPEN)
    def reopen(self) -> None:
        pass


class AssessmentWeights(models.Model):
    """The weights of the annual assessment (fractions summing to 1), kept as data per plan."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="weights"
    )
    reporting = models.DecimalField(_("按时报送权重"), max_digits=4, decimal_places=3, default="0.300")
    milestones = models.DecimalField(_("节点完成权重"), max_digits=4, decimal_places=3, default="0.500")
    follow_ups = models.DecimalField(_("督办办结权重"), max_digits=4, decimal_places=3, default="0.200")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")

    def __str__(self) -> str:
        return f"{self.plan}"

    def clean(self) -> None:
        for name in ("reporting", "milestones", "follow_ups"):
            value = getattr(self, name)
            if value is None or value < 0 or value > 1:
                raise ValidationError({name: _("权重应在0到1之间")})
        if self.reporting + self.milestones + self.follow_ups != 1:
            raise ValidationError({"follow_ups": _("三项权重之和应为1")})
