"""Indicators (指标), their official figures, computed actuals and targets.

Money in yuan (Decimal), ratios as fractions, counts and persons as whole numbers: every value is kept
in one Decimal column and shown by the indicator's unit. A district of None means the whole city.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kechuang.core.models import District

VALUE = {"max_digits": 24, "decimal_places": 8}


class Indicator(models.Model):
    class Unit(models.TextChoices):
        COUNT = "count", _("家（个）")
        YUAN = "yuan", _("元")
        RATIO = "ratio", _("比例")
        PERSONS = "persons", _("人（人次）")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("越高越好")
        LOWER = "lower", _("越低越好")

    class Period(models.TextChoices):
        YEAR = "year", _("年度")
        QUARTER = "quarter", _("季度")
        MONTH = "month", _("月度")

    class Source(models.TextChoices):
        COMPUTED = "computed", _("平台计算")
        ENTERED = "entered", _("统计部门数据")
        BOTH = "both", _("统计数据与平台测算并列")

    code = models.CharField(_("指标代码"), max_length=48, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices)
    direction = models.CharField(
        _("指标方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    period = models.CharField(_("统计周期"), max_length=8, choices=Period.choices, default=Period.YEAR)
    source = models.CharField(_("数据来源"), max_length=8, choices=Source.choices, default=Source.ENTERED)
    rule = models.CharField(_("计算规则"), max_length=48, blank=True)
    # A cumulative indicator grows through the year (contract turnover, new platforms): its progress is
    # judged against the pace expected at the date (序时进度). A stock (enterprises holding a certificate)
    # is judged against the target itself.
    cumulative = models.BooleanField(_("按年内累计"), default=False)
    key = models.BooleanField(_("驾驶舱重点指标"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    description = models.TextField(_("口径说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return self.name


def _area_constraints(prefix: str, fields: list[str]) -> list:
    """One row per area: the city row (district NULL) and each district's row are unique separately,
    because a UNIQUE over a NULL column lets duplicates through."""
    return [
        models.UniqueConstraint(
            fields=[*fields, "district"],
            condition=Q(district__isnull=False),
            name=f"{prefix}_one_per_district",
        ),
        models.UniqueConstraint(
            fields=fields, condition=Q(district__isnull=True), name=f"{prefix}_one_per_city"
        ),
    ]


class EnteredValue(models.Model):
    """An official figure from outside the platform (统计局, 科技统计公报), with the document it comes from."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="entered", verbose_name=_("指标")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    value = models.DecimalField(_("数值"), **VALUE)
    document = models.CharField(_("数据出处"), max_length=200)
    document_date = models.DateField(_("发布日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        constraints = _area_constraints("entered", ["indicator", "year"])

    def __str__(self) -> str:
        return f"{self.indicator_id}·{self.year}·{self.district_id or 'city'}={self.value}"


class Actual(models.Model):
    """A figure computed by a registered rule from the platform's own records. Never edited by hand:
    recomputing replaces it, so it carries no history of its own (the rule version and data date say
    where it came from)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("数值"), null=True, blank=True, **VALUE)
    numerator = models.DecimalField(_("分子"), null=True, blank=True, **VALUE)
    denominator = models.DecimalField(_("分母"), null=True, blank=True, **VALUE)
    unknown = models.PositiveIntegerField(_("数据缺失未计入"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=32)
    data_date = models.DateField(_("数据日期"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("计算值")
        verbose_name_plural = _("计算值")
        constraints = _area_constraints("actual", ["indicator", "year"])

    def __str__(self) -> str:
        return f"{self.indicator_id}·{self.year}·{self.district_id or 'city'}={self.value}"


class Target(models.Model):
    class Kind(models.TextChoices):
        TARGET = "target", _("目标")
        MIN = "min_target", _("底线目标（不低于）")
        STRETCH = "stretch", _("力争目标")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("指标")
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    kind = models.CharField(_("目标类型"), max_length=12, choices=Kind.choices, default=Kind.TARGET)
    value = models.DecimalField(_("目标值"), **VALUE)
    document = models.CharField(_("依据文件"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "year", "kind"]
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        constraints = _area_constraints("target", ["indicator", "year", "kind"])

    def __str__(self) -> str:
        return f"{self.indicator_id}·{self.year}·{self.district_id or 'city'}·{self.kind}={self.value}"


class Report(models.Model):
    """A 指标监测简报 made for a period; made again for its date, it replaces the files."""

    class Period(models.TextChoices):
        MONTH = "month", _("月报")
        QUARTER = "quarter", _("季报")

    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    as_of = models.DateField(_("截至日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    docx = models.BinaryField(_("简报"))
    xlsx = models.BinaryField(_("数据表"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(_("生成时间"), auto_now=True)

    class Meta:
        ordering = ["-as_of", "period"]
        verbose_name = _("指标监测简报")
        verbose_name_plural = _("指标监测简报")
        constraints = [models.UniqueConstraint(fields=["period", "as_of"], name="report_one_per_period")]

    def __str__(self) -> str:
        return f"{self.period}·{self.as_of}"


class RecomputeRun(models.Model):
    """One recomputation of every registered rule, so the cockpit can show progress and when the
    figures were last refreshed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("当前步骤"), max_length=200, blank=True)
    done = models.PositiveIntegerField(_("已完成规则"), default=0)
    total = models.PositiveIntegerField(_("规则总数"), default=0)
    rows = models.PositiveIntegerField(_("写入计算值"), default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk}·{self.status}"
