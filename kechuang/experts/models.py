"""The expert database (专家库) and reviewer selection (专家遴选).

A selection round works over *review items* (ReviewItem): a generic record of what is reviewed (title,
text, applicant, team, district). The programmes app will create them from its applications; until
then staff import them from a spreadsheet.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, Organisation


class Expert(models.Model):
    class Title(models.TextChoices):
        SENIOR = "senior", _("正高级")
        ASSOCIATE = "associate", _("副高级")
        INTERMEDIATE = "intermediate", _("中级")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已入库")
        REJECTED = "rejected", _("未通过")

    class Integrity(models.TextChoices):
        GOOD = "good", _("良好")
        WARNING = "warning", _("警示")
        BREACH = "breach", _("失信")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
        limit_choices_to={"role": "expert"},
    )
    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("工作单位"), on_delete=models.PROTECT, related_name="experts"
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("所在区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("职称"), max_length=16, choices=Title.choices, default=Title.SENIOR)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    keywords = models.CharField(_("研究方向关键词"), max_length=500, blank=True)
    achievements = models.TextField(_("代表性成果"), blank=True)
    available = models.BooleanField(_("可参加评审"), default=True)
    integrity = models.CharField(
        _("科研诚信状态"), max_length=16, choices=Integrity.choices, default=Integrity.GOOD
    )
    status = models.CharField(
        _("入库状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def profile_text(self) -> str:
        """What affinity is computed from: keywords, field names and achievements."""
        fields = " ".join(f.name for f in self.fields.all())
        return f"{self.keywords} {fields} {self.achievements}"

    @property
    def selectable(self) -> bool:
        return (
            self.status == self.Status.APPROVED and self.available and self.integrity != self.Integrity.BREACH
        )


class ExpertField(models.Model):
    """A discipline (GB/T 13745 学科分类与代码) or an industry (GB/T 4754) an expert reviews in."""

    class Kind(models.TextChoices):
        DISCIPLINE = "discipline", _("学科")
        INDUSTRY = "industry", _("行业")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="fields")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("代码"), max_length=16, db_index=True)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")
        constraints = [models.UniqueConstraint(fields=["expert", "kind", "code"], name="expert_field_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Collaboration(models.Model):
    """A shared achievement or project with another person: a reason to step aside for that person."""

    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", _("合作成果")
        PROJECT = "project", _("共同承担项目")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="collaborations")
    partner_name = models.CharField(_("合作者姓名"), max_length=64, db_index=True)
    partner_organisation = models.CharField(_("合作者单位"), max_length=200, blank=True)
    kind = models.CharField(_("合作方式"), max_length=16, choices=Kind.choices, default=Kind.ACHIEVEMENT)
    title = models.CharField(_("成果或项目名称"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合作关系")
        verbose_name_plural = _("合作关系")

    def __str__(self) -> str:
        return f"{self.expert} — {self.partner_name} ({self.year})"


class DeclaredConflict(models.Model):
    """A conflict an expert (or staff for them) declared: with an organisation, or with one review item."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="declared_conflicts")
    organisation_name = models.CharField(_("回避单位"), max_length=200, blank=True)
    item = models.ForeignKey(
        "ReviewItem",
        verbose_name=_("回避项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="declared_conflicts",
    )
    reason = models.CharField(_("回避理由"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("声明回避")
        verbose_name_plural = _("声明回避")

    def __str__(self) -> str:
        return f"{self.expert}: {self.organisation_name or self.item}"


class SelectionRound(models.Model):
    """One selection of review panels (一次专家遴选) over a set of review items."""

    class Rule(models.TextChoices):
        OPTIMAL = "optimal", _("最优匹配")
        DRAW = "draw", _("随机抽取（设概率上限）")
        BEST_N_DRAW = "best_n_draw", _("择优后随机抽取")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("遴选中")
        DONE = "done", _("已遴选待确认")
        FAILED = "failed", _("遴选未成功")
        LOCKED = "locked", _("已锁定")

    name = models.CharField(_("名称"), max_length=200)
    rule = models.CharField(_("遴选方式"), max_length=16, choices=Rule.choices, default=Rule.DRAW)
    per_item = models.PositiveSmallIntegerField(_("每个项目专家人数"), default=5)
    min_load = models.PositiveSmallIntegerField(_("每位专家最少评审项目数"), default=0)
    max_load = models.PositiveSmallIntegerField(_("每位专家最多评审项目数"), default=5)
    max_probability = models.DecimalField(
        _("单人入选概率上限"), max_digits=4, decimal_places=3, default="0.500"
    )
    best_n = models.PositiveSmallIntegerField(_("择优人数"), null=True, blank=True)
    max_per_org = models.PositiveSmallIntegerField(_("同一单位专家人数上限"), null=True, blank=True)
    reserves = models.PositiveSmallIntegerField(_("每个项目候补专家人数"), default=0)
    collab_years = models.PositiveSmallIntegerField(_("合作回避年限"), default=3)
    avoid_same_district = models.BooleanField(_("回避同一区县专家"), default=False)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    stage = models.CharField(_("当前步骤"), max_length=200, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    messages = models.JSONField(_("遴选说明"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    run_at = models.DateTimeField(_("遴选时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["stage", "progress_done", "progress_total"])

    class Meta:
        verbose_name = _("遴选批次")
        verbose_name_plural = _("遴选批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.DONE, self.Status.FAILED)


class ReviewItem(models.Model):
    """What one panel reviews: an application or any other submission, with its applicant and team.

    ``members`` is a list of ``{"name": ..., "organisation": ...}``, the principal investigator first.
    """

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("编号"), max_length=32, blank=True)
    title = models.CharField(_("项目名称"), max_length=200)
    text = models.TextField(_("项目简介"), blank=True)
    applicant_name = models.CharField(_("申报单位"), max_length=200)
    applicant = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_items"
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.JSONField(_("项目组成员"), default=list, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评审项目")
        verbose_name_plural = _("评审项目")
        ordering = ["round_id", "pk"]

    def __str__(self) -> str:
        return self.title

    def member_text(self) -> str:
        return "；".join(
            f"{m.get('name', '')}（{m['organisation']}）" if m.get("organisation") else m.get("name", "")
            for m in self.members
        )


class Assignment(models.Model):
    """An expert on an item's panel, or on its reserve list (候补), with the declaration they made."""

    class Declaration(models.TextChoices):
        PENDING = "pending", _("未声明")
        NO_CONFLICT = "no_conflict", _("已声明无利益冲突")
        CONFLICT = "conflict", _("已声明需回避")

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    reserve = models.BooleanField(_("候补"), default=False)
    reserve_rank = models.PositiveSmallIntegerField(_("候补顺序"), null=True, blank=True)
    affinity = models.FloatField(_("匹配度"))
    probability = models.FloatField(_("入选概率"), null=True, blank=True)
    declaration = models.CharField(
        _("回避声明"), max_length=16, choices=Declaration.choices, default=Declaration.PENDING
    )
    declaration_note = models.CharField(_("声明说明"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    # A seat left after the panel was locked (the expert declared a conflict or could not attend) stays
    # on record as withdrawn; whoever took it points back to it.
    withdrawn = models.BooleanField(_("已退出"), default=False)
    replaces = models.ForeignKey(
        "self", verbose_name=_("递补"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["item_id", "reserve", "reserve_rank", "-affinity"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item", "expert"], name="assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item} ← {self.expert}"


class ConflictFinding(models.Model):
    """A conflicted (item, expert) pair of a round, never assigned, with its reasons."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="conflicts")
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="conflicts")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="+")
    codes = models.JSONField(_("回避原因代码"), default=list)
    text = models.CharField(_("回避原因"), max_length=500)

    class Meta:
        verbose_name = _("回避记录")
        verbose_name_plural = _("回避记录")
        ordering = ["item_id", "expert_id"]

    def __str__(self) -> str:
        return f"{self.item_id}×{self.expert_id}: {self.text}"


class DrawRecord(models.Model):
    """Everything needed to replay a round's selection: the engine's record and the inputs it saw."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="draw_records")
    rule = models.CharField(_("遴选方式"), max_length=16, choices=SelectionRound.Rule.choices)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    input_digest = models.CharField(_("输入数据摘要"), max_length=80)
    inputs = models.JSONField(_("输入数据"))
    record = models.JSONField(_("抽取记录"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽取记录")
        verbose_name_plural = _("抽取记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.round} · {self.created_at:%Y-%m-%d %H:%M}"
