"""Enterprise evaluation (企业创新能力评价): indicator systems as versioned data, yearly scores with ranks,
and selection rounds for leading enterprises (创新型领军企业) and the listing reserve (上市后备企业库).

A system's indicators are formulas from a fixed catalogue over the yearly facts (services_evaluation.FORMULAS);
editing a system that has been used creates its next version, so every stored score names the version that
produced it. Selection entries change status only through programs.workflow (the one Transition audit).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.enterprises.models import Enterprise


class WeightMethod(models.TextChoices):
    EXPERT = "expert", _("专家赋权")
    EQUAL = "equal", _("等权重")
    ENTROPY = "entropy", _("熵值法")
    CRITIC = "critic", _("CRITIC法")
    COMBINED = "combined", _("主客观组合赋权（专家+熵值法）")


class CompositeMethod(models.TextChoices):
    WEIGHTED_SUM = "weighted_sum", _("线性加权")
    TOPSIS = "topsis", _("TOPSIS（逼近理想解）")
    GREY = "grey", _("灰色关联分析")


class Normalisation(models.TextChoices):
    MINMAX = "minmax", _("极差标准化")
    VECTOR = "vector", _("向量标准化")


class IndicatorSystem(models.Model):
    """One version of an evaluation system (评价指标体系)."""

    code = models.SlugField(_("体系代码"), max_length=32)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("体系名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    weight_method = models.CharField(
        _("赋权方法"), max_length=16, choices=WeightMethod.choices, default=WeightMethod.EXPERT
    )
    composite_method = models.CharField(
        _("综合评价方法"),
        max_length=16,
        choices=CompositeMethod.choices,
        default=CompositeMethod.WEIGHTED_SUM,
    )
    normalisation = models.CharField(
        _("标准化方法"), max_length=16, choices=Normalisation.choices, default=Normalisation.MINMAX
    )
    subjective_share = models.DecimalField(
        _("专家权重占比"),
        max_digits=3,
        decimal_places=2,
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("仅用于主客观组合赋权：专家权重所占比例，其余为熵值法权重"),
    )
    builtin = models.BooleanField(_("系统内置"), default=False)
    is_current = models.BooleanField(_("现行版本"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("评价指标体系")
        verbose_name_plural = _("评价指标体系")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="eval_system_code_version")]

    def __str__(self) -> str:
        return _("%(name)s（第%(v)s版）") % {"name": self.name, "v": self.version}


class SystemIndicator(models.Model):
    """One indicator of a system version: a catalogue formula, its group, direction and expert weight."""

    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("评价指标体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    group = models.CharField(_("指标类别"), max_length=32, blank=True)
    name = models.CharField(_("指标名称"), max_length=64)
    formula = models.CharField(_("计算公式"), max_length=32)
    benefit = models.BooleanField(_("越大越好"), default=True)
    weight = models.DecimalField(
        _("专家权重"), max_digits=7, decimal_places=4, default=1, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["system_id", "order", "pk"]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")

    def __str__(self) -> str:
        return self.name


class EvaluationRun(models.Model):
    """One scoring of every enterprise by one system version for one year: the weights used and, per
    industry division, the median normalised value of each indicator (the portrait's comparison)."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="runs")
    year = models.PositiveSmallIntegerField(_("年度"))
    weights = models.JSONField(_("指标权重"), default=list)
    medians = models.JSONField(_("行业中位数"), default=dict)
    group_sizes = models.JSONField(_("各区县、行业参评企业数"), default=dict)
    scored = models.PositiveIntegerField(_("参评企业数"), default=0)
    run_at = models.DateTimeField(_("计算时间"), auto_now=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "system_id"]
        verbose_name = _("评价计算")
        verbose_name_plural = _("评价计算")
        constraints = [models.UniqueConstraint(fields=["system", "year"], name="eval_run_one_per_year")]

    def __str__(self) -> str:
        return f"{self.system} · {self.year}"


class EnterpriseScore(models.Model):
    """One enterprise's score in one run, with its ranks (1 = best) and normalised indicator values."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="scores")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="evaluation_scores")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.FloatField(_("综合得分"))
    rank_city = models.PositiveIntegerField(_("全市排名"))
    rank_district = models.PositiveIntegerField(_("区县内排名"))
    rank_industry = models.PositiveIntegerField(_("行业内排名"))
    normalised = models.JSONField(_("标准化指标值"), default=list)
    values = models.JSONField(_("指标原值"), default=list)

    class Meta:
        ordering = ["run_id", "rank_city"]
        verbose_name = _("企业评价得分")
        verbose_name_plural = _("企业评价得分")
        constraints = [models.UniqueConstraint(fields=["run", "enterprise"], name="eval_score_one_per_run")]
        indexes = [
            models.Index(fields=["run", "rank_city"], name="eval_score_rank_idx"),
            models.Index(fields=["enterprise", "year"], name="eval_score_ent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.year}={self.score}"


class SelectionRound(models.Model):
    """A selection of leading enterprises or of the listing reserve: the top N of a system's scores
    among the enterprises meeting hard conditions, confirmed or overridden by staff, then published."""

    class Kind(models.TextChoices):
        LEADING = "leading", _("创新型领军企业")
        LISTING_RESERVE = "listing_reserve", _("上市后备企业")

    class Status(models.TextChoices):
        DRAFT = "draft", _("待确认")
        PUBLISHED = "published", _("已发布")

    kind = models.CharField(_("遴选类别"), max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("评价指标体系"), on_delete=models.PROTECT, related_name="selections"
    )
    top_n = models.PositiveSmallIntegerField(
        _("入选数量"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    require_high_tech = models.BooleanField(_("须为有效期内高新技术企业"), default=True)
    min_rd_intensity = models.DecimalField(
        _("研发投入强度不低于"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    transitions = GenericRelation("programs.Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("遴选批次")
        verbose_name_plural = _("遴选批次")

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self) -> None:
        pass


class SelectionEntry(models.Model):
    """A candidate of a round: proposed by the rule (top N meeting the conditions) or listed as an
    alternate; staff include or exclude each, with a reason whenever they depart from the proposal."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        INCLUDED = "included", _("入选")
        EXCLUDED = "excluded", _("不入选")

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="entries")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.FloatField(_("综合得分"))
    rank_city = models.PositiveIntegerField(_("全市排名"))
    proposed = models.BooleanField(_("系统建议入选"), default=False)
    meets_conditions = models.BooleanField(_("符合硬性条件"), default=False)
    unmet = models.CharField(_("未满足的条件"), max_length=200, blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, protected=False
    )
    decision_reason = models.TextField(_("理由"), blank=True)
    transitions = GenericRelation("programs.Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["round_id", "rank_city", "pk"]
        verbose_name = _("遴选名单企业")
        verbose_name_plural = _("遴选名单企业")
        constraints = [
            models.UniqueConstraint(fields=["round", "enterprise"], name="selection_one_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}·{self.enterprise_id}"

    @property
    def overridden(self) -> bool:
        return (self.status == self.Status.INCLUDED) != self.proposed and self.status != self.Status.PENDING

    @transition(field=status, source=[Status.PENDING, Status.EXCLUDED], target=Status.INCLUDED)
    def include(self) -> None:
        pass

    @transition(field=status, source=[Status.PENDING, Status.INCLUDED], target=Status.EXCLUDED)
    def exclude(self) -> None:
        pass
