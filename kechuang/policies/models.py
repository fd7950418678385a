"""政策库: policies as versioned YAML declarations, their stored results, cases and background runs.

A policy's rules live in ``PolicyVersion.yaml_text`` (the rules engine's declaration language).
Publishing a version retires the previous one but keeps it and every result it produced: a result
row names the version and the facts' year that produced it (DESIGN.md data flow 2), and
``PolicyResult.is_current`` marks, per enterprise and policy, the result the pages and coverage use.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kechuang.core.models import District
from kechuang.enterprises.models import Enterprise


class Policy(models.Model):
    # A code is unique per jurisdiction: a city may hold its own variant of a provincial policy
    # (e.g. its own gazelle definition) beside the province's.
    code = models.SlugField(_("政策代码"), max_length=64)
    name = models.CharField(_("政策名称"), max_length=200)
    jurisdiction = models.CharField(_("发文层级（行政区划代码）"), max_length=16, default="CN")
    source = models.TextField(_("政策依据"), blank=True)
    auto_grant = models.BooleanField(
        _("免申即享"), default=False, help_text=_("符合条件的企业无需申报，由系统直接认定兑现")
    )
    current_version = models.ForeignKey(
        "PolicyVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["code", "jurisdiction"], name="policy_code_per_jurisdiction")
        ]
        verbose_name = _("政策")
        verbose_name_plural = _("政策")

    def __str__(self) -> str:
        return self.name

    @property
    def jurisdiction_label(self) -> str:
        """The issuing level in words (国家, 省级, a district's name), never the code the engine keys on."""
        levels = {"CN": _("国家"), "province": _("省级"), "370000": _("山东省"), "city": _("市级")}
        if self.jurisdiction in levels:
            return str(levels[self.jurisdiction])
        name = District.objects.filter(code=self.jurisdiction).values_list("name", flat=True).first()
        if name:
            return name
        if self.jurisdiction.endswith("00"):
            return str(_("市级"))
        return str(_("区县级"))


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    label = models.CharField(_("文件版本"), max_length=32, help_text=_("YAML 中的 version 字段"))
    yaml_text = models.TextField(_("政策定义（YAML）"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("生效日期"))
    effective_until = models.DateField(_("失效日期"), null=True, blank=True)
    auto_grant = models.BooleanField(_("免申即享"), default=False)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy_id", "-number"]
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number")]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.number}"


class PolicyResult(models.Model):
    """One policy version evaluated on one enterprise's facts of one fiscal year.

    ``conditions``: [{"id", "status", "gap_norm", "missing": [fact, ...]}] from the bulk path;
    ``failed``/``missing``: unmet condition ids and blank facts (empty when eligible).
    """

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("符合")
        INELIGIBLE = "ineligible", _("不符合")
        UNKNOWN = "unknown", _("待补数据")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="policy_results")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="results")
    fiscal_year = models.PositiveSmallIntegerField(_("数据年度"))
    evaluated_on = models.DateField(_("判定日期"))
    status = models.CharField(_("结果"), max_length=12, choices=Status.choices)
    score = models.IntegerField(_("得分"), null=True, blank=True)
    gap = models.FloatField(
        _("差距"), null=True, blank=True, help_text=_("未满足条件的相对差距之和，用于排序")
    )
    failed = models.JSONField(default=list)
    missing = models.JSONField(default=list)
    conditions = models.JSONField(default=list)
    is_current = models.BooleanField(default=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("政策匹配结果")
        verbose_name_plural = _("政策匹配结果")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "version", "fiscal_year"], name="policy_result_one_per_year"
            )
        ]
        indexes = [models.Index(fields=["version", "is_current", "status"], name="policy_result_cov_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.version_id}·{self.fiscal_year}={self.status}"


class PolicyCase(models.Model):
    """An enterprise's way through one policy: notified when it qualifies, then applied and granted
    (or granted at once for a 免申即享 policy)."""

    class State(models.TextChoices):
        NOTIFIED = "notified", _("已推送")
        APPLIED = "applied", _("已申报")
        GRANTED = "granted", _("已兑现")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="policy_cases")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="cases")
    version = models.ForeignKey(PolicyVersion, null=True, on_delete=models.SET_NULL, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("数据年度"), null=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.NOTIFIED)
    auto_granted = models.BooleanField(_("免申即享兑现"), default=False)
    notified_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策兑现")
        verbose_name_plural = _("政策兑现")
        constraints = [models.UniqueConstraint(fields=["enterprise", "policy"], name="policy_case_one")]
        # The staff's to-do counts the claims waiting (state "applied"), a few among 100,000s of cases.
        indexes = [models.Index(fields=["state", "policy"], name="policy_case_state_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.policy_id}={self.state}"


class PolicyRun(models.Model):
    """A background evaluation (after a publish or a facts import); the staff page polls it."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", _("发布后判定")
        FACTS = "facts", _("数据更新后重新判定")
        ALL = "all", _("全部重新判定")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise_ids = models.JSONField(default=list, blank=True)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    counts = models.JSONField(default=dict)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("政策判定任务")
        verbose_name_plural = _("政策判定任务")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.finished else 0)
