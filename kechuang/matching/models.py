"""Industry–academia matching (产学研对接): demands, achievements, expert cards, matches, events.

Money is stored in yuan (Decimal) and shown in 万元. A match's status moves along
推荐 → 已联系 → 有意向 → 已签约 (or to 无效 with a reason) through guarded django-fsm transitions,
each one written to ``MatchTransition`` (who, when, from, to, why).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, Organisation

MONEY = {
    "max_digits": 16,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0)],
}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
INDUSTRY_CODE = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")


class TechField(models.TextChoices):
    """国家重点支持的高新技术领域 (the eight fields of the high-tech certification rules), plus agriculture."""

    ELECTRONIC_INFO = "electronic_info", _("电子信息")
    BIOMEDICINE = "biomedicine", _("生物与新医药")
    AEROSPACE = "aerospace", _("航空航天")
    NEW_MATERIALS = "new_materials", _("新材料")
    TECH_SERVICES = "tech_services", _("高技术服务")
    NEW_ENERGY = "new_energy", _("新能源与节能")
    RESOURCES_ENV = "resources_env", _("资源与环境")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("先进制造与自动化")
    AGRICULTURE = "agriculture", _("现代农业")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    PRIVATE = "private", _("不公开（仅本单位和科技部门可见）")


def validate_phone(value: str) -> None:
    if value and not PHONE.match(value.replace(" ", "")):
        raise ValidationError(_("请填写11位手机号或带区号的固定电话，例如 0533-2781234"), code="phone")


def validate_industry_code(value: str) -> None:
    if value and not INDUSTRY_CODE.match(value):
        raise ValidationError(
            _("行业代码应为国民经济行业分类代码（门类字母加2至4位数字），例如 C2614"), code="industry"
        )


class Posting(models.Model):
    """What a demand and an achievement share: who posted it, its field, contact and visibility."""

    title = models.CharField(_("名称"), max_length=100)
    field = models.CharField(_("技术领域"), max_length=32, choices=TechField.choices, db_index=True)
    contact_name = models.CharField(_("联系人"), max_length=32)
    contact_phone = models.CharField(_("联系电话"), max_length=32, validators=[validate_phone])
    visibility = models.CharField(
        _("公开范围"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.title and len(self.title.strip()) < 4:
            errors["title"] = _("名称至少4个字")
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class Demand(Posting):
    """A technology demand (企业出题): a problem an enterprise wants solved."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集中")
        SOLVED = "solved", _("已解决")
        CLOSED = "closed", _("已关闭")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("需求企业"), on_delete=models.PROTECT, related_name="demands"
    )
    problem = models.TextField(_("技术难题描述"), max_length=4000)
    industry_code = models.CharField(
        _("所属行业代码"), max_length=8, blank=True, validators=[validate_industry_code]
    )
    budget = models.DecimalField(_("预算（元）"), **MONEY)
    deadline = models.DateField(_("期望解决时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")

    def clean(self) -> None:
        super().clean()
        if self.problem and len(self.problem.strip()) < 20:
            raise ValidationError({"problem": _("请至少用20个字说明要解决的技术难题，便于匹配成果和专家")})
        if self.organisation_id and self.organisation.kind != Organisation.Kind.ENTERPRISE:
            raise ValidationError({"organisation": _("技术需求须由企业提出")})
        if self._state.adding and self.deadline and self.deadline < timezone.localdate():
            raise ValidationError({"deadline": _("期望解决时间不能早于今天")})

    def text(self) -> str:
        """What the retrieval engine reads. The field is matched as metadata, not as words."""
        return f"{self.title}。{self.problem}"


class Achievement(Posting):
    """A research achievement (高校院所出成果) offered for transfer."""

    class Maturity(models.TextChoices):
        LAB = "lab", _("实验室阶段")
        PILOT_SMALL = "pilot_small", _("小试")
        PILOT = "pilot", _("中试")
        SMALL_BATCH = "small_batch", _("小批量生产")
        INDUSTRIAL = "industrial", _("产业化")

    class IpKind(models.TextChoices):
        INVENTION = "invention", _("发明专利")
        UTILITY = "utility", _("实用新型专利")
        SOFTWARE = "software", _("软件著作权")
        KNOW_HOW = "know_how", _("技术秘密")
        NEW_VARIETY = "new_variety", _("植物新品种")
        NONE = "none", _("暂无")

    class TransferMode(models.TextChoices):
        ASSIGNMENT = "assignment", _("转让")
        LICENSE = "license", _("许可")
        EQUITY = "equity", _("作价投资")
        COOPERATION = "cooperation", _("合作开发")
        SERVICE = "service", _("技术服务")

    class Status(models.TextChoices):
        OPEN = "open", _("待转化")
        TRANSFERRED = "transferred", _("已转化")
        WITHDRAWN = "withdrawn", _("已撤回")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("成果单位"), on_delete=models.PROTECT, related_name="achievements"
    )
    abstract = models.TextField(_("成果简介"), max_length=4000)
    leader = models.CharField(_("成果负责人"), max_length=64, blank=True)
    maturity = models.CharField(_("成熟度"), max_length=16, choices=Maturity.choices)
    ip_kind = models.CharField(_("知识产权类型"), max_length=16, choices=IpKind.choices, default=IpKind.NONE)
    ip_detail = models.CharField(_("知识产权说明（专利号等）"), max_length=200, blank=True)
    transfer_mode = models.CharField(_("转化方式"), max_length=16, choices=TransferMode.choices)
    asking_price = models.DecimalField(_("意向价格（元，空为面议）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")

    def clean(self) -> None:
        super().clean()
        if self.abstract and len(self.abstract.strip()) < 20:
            raise ValidationError({"abstract": _("成果简介至少20个字，说明技术内容和应用领域")})
        if self.ip_kind != self.IpKind.NONE and not self.ip_detail.strip():
            raise ValidationError({"ip_detail": _("请填写专利号或登记号")})

    def text(self) -> str:
        return f"{self.title}。{self.abstract}"


class IndexedExpert(models.Model):
    """The matching app's copy of an expert's profile, pushed by the experts app through
    ``services.index_expert_profile`` (so matching never imports the experts app)."""

    expert_id = models.PositiveBigIntegerField(_("专家编号"), unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    affiliation = models.CharField(_("工作单位"), max_length=200, blank=True)
    text = models.TextField(_("研究方向与成果"))
    fields = models.JSONField(_("技术领域"), default=list, blank=True)
    active = models.BooleanField(_("在库"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("专家画像")
        verbose_name_plural = _("专家画像")

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A brokering event or a campaign day (对接会, 科技周, 双百行动) with its reported figures.

    A figure left blank is unknown, not zero. Figures are what the organisers report; the event page
    also counts what was recorded in the system (participants, matches attributed to the event).
    """

    class Kind(models.TextChoices):
        MEETING = "meeting", _("对接会")
        TECH_WEEK = "tech_week", _("科技周")
        DOUBLE_HUNDRED = "double_hundred", _("双百行动")
        ROADSHOW = "roadshow", _("成果路演")
        OTHER = "other", _("其他活动")

    name = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("活动类型"), max_length=16, choices=Kind.choices, default=Kind.MEETING)
    date = models.DateField(_("举办日期"))
    place = models.CharField(_("举办地点"), max_length=200, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("主办区县（空为市级活动）"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="matching_events",
    )  # fmt: skip
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    description = models.TextField(_("活动简介"), blank=True)
    institutes = models.PositiveIntegerField(_("参加高校院所（家）"), null=True, blank=True)
    experts = models.PositiveIntegerField(_("参加专家（人）"), null=True, blank=True)
    enterprises_attending = models.PositiveIntegerField(_("参会企业（家）"), null=True, blank=True)
    enterprises_visited = models.PositiveIntegerField(_("走访企业（家）"), null=True, blank=True)
    meetings = models.PositiveIntegerField(_("对接洽谈（场）"), null=True, blank=True)
    achievements_published = models.PositiveIntegerField(_("发布成果（项）"), null=True, blank=True)
    achievements_transferred = models.PositiveIntegerField(_("转化成果（项）"), null=True, blank=True)
    problems_solved = models.PositiveIntegerField(_("解决企业难题（个）"), null=True, blank=True)
    intentions = models.PositiveIntegerField(_("达成合作意向（项）"), null=True, blank=True)
    agreements = models.PositiveIntegerField(_("签约项目（项）"), null=True, blank=True)
    agreement_amount = models.DecimalField(_("签约金额（元）"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    FIGURES = (
        "institutes", "experts", "enterprises_attending", "enterprises_visited", "meetings",
        "achievements_published", "achievements_transferred", "problems_solved", "intentions", "agreements",
    )  # fmt: skip

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("对接活动")
        verbose_name_plural = _("对接活动")

    def __str__(self) -> str:
        return self.name


class EventParticipant(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        INSTITUTE = "institute", _("高校院所")
        EXPERT = "expert", _("专家")
        OTHER = "other", _("其他")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("名称或姓名"), max_length=200)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("活动参加方")
        verbose_name_plural = _("活动参加方")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"],
                condition=Q(organisation__isnull=False),
                name="participant_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Match(models.Model):
    """A recommendation kept as a brokering case: demand→achievement, demand→expert or
    achievement→enterprise, with its score, reasons and status."""

    class Kind(models.TextChoices):
        DEMAND_ACHIEVEMENT = "demand_achievement", _("需求—成果")
        DEMAND_EXPERT = "demand_expert", _("需求—专家")
        ACHIEVEMENT_ENTERPRISE = "achievement_enterprise", _("成果—企业")

    class Status(models.TextChoices):
        RECOMMENDED = "recommended", _("推荐")
        CONTACTED = "contacted", _("已联系")
        INTENTION = "intention", _("有意向")
        SIGNED = "signed", _("已签约")
        INVALID = "invalid", _("无效")

    kind = models.CharField(_("匹配类型"), max_length=24, choices=Kind.choices, db_index=True)
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    expert = models.ForeignKey(
        IndexedExpert, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The district whose staff broker the case: the demand's enterprise's, or the recommended enterprise's.
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("匹配度"), default=0.0)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    reasons = models.JSONField(_("匹配理由"), default=dict, blank=True)
    status = FSMField(_("对接状态"), max_length=16, choices=Status.choices, default=Status.RECOMMENDED)
    status_reason = models.TextField(_("状态说明"), blank=True)
    event = models.ForeignKey(
        Event,
        verbose_name=_("对接活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    agreement_amount = models.DecimalField(_("签约金额（元）"), **MONEY)
    computed_at = models.DateTimeField(_("计算时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("rank").asc(nulls_last=True), "-score", "pk"]
        verbose_name = _("对接匹配")
        verbose_name_plural = _("对接匹配")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "achievement"], condition=Q(kind="demand_achievement"), name="match_demand_achievement"
            ),
            models.UniqueConstraint(
                fields=["demand", "expert"], condition=Q(kind="demand_expert"), name="match_demand_expert"
            ),
            models.UniqueConstraint(
                fields=["achievement", "enterprise"], condition=Q(kind="achievement_enterprise"),
                name="match_achievement_enterprise",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="demand_achievement", demand__isnull=False, achievement__isnull=False)
                    | Q(kind="demand_expert", demand__isnull=False, expert__isnull=False)
                    | Q(kind="achievement_enterprise", achievement__isnull=False, enterprise__isnull=False)
                ),
                name="match_sides_for_kind",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["district", "status"], name="match_district_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    OPEN_STATUSES = (Status.RECOMMENDED, Status.CONTACTED, Status.INTENTION)

    # Each transition is one guarded method; services.advance_match logs who, when and why.
    @transition(field=status, source=Status.RECOMMENDED, target=Status.CONTACTED)
    def contact(self) -> None:
        pass

    @transition(field=status, source=Status.CONTACTED, target=Status.INTENTION)
    def express_intention(self) -> None:
        pass

    @transition(field=status, source=Status.INTENTION, target=Status.SIGNED)
    def sign(self) -> None:
        pass

    @transition(field=status, source=list(OPEN_STATUSES), target=Status.INVALID)
    def invalidate(self) -> None:
        pass


class MatchTransition(models.Model):
    """The workflow audit of matches: one row per status change."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Match.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Match.Status.choices)
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
        verbose_name = _("对接状态变更")
        verbose_name_plural = _("对接状态变更")

    def __str__(self) -> str:
        return f"{self.match_id}: {self.from_status} → {self.to_status}"
