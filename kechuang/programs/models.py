"""科技计划 and 揭榜挂帅: programme types (rules as data); idea solicitation; calls with their guide,
internal review and versioned form schema; applications with attachments, district endorsement and
the machine-assisted formal check; review rounds, expert scores and results; awards with notice,
objections, contract milestones and tranches, checks, audit findings, exit and replacement; open
challenges with bids, the horse-race gate and bounty payments.

Every status is a django-fsm field changed only through its guarded transition methods; the services
write each change to ``Transition`` (one audit table for every object here) with who, when and why.
Money in yuan (Decimal), shown in 万元.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
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
        # 平台认定: a recognition of an innovation platform runs as a call of this kind; its award creates
        # or activates the platform (kechuang.platforms listens for the approval).
        RECOGNITION = "recognition", _("平台认定")

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
        IN_REVIEW = "in_review", _("指南审核中")
        APPROVED = "approved", _("指南已审定")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已截止")
        REVIEWING = "reviewing", _("评审中")
        AWARDING = "awarding", _("立项中")
        FINISHED = "finished", _("已完成立项")

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
    # Options of the call, all data (staff set them without code).
    total_budget_yuan = models.DecimalField(_("本批资金总额（元）"), null=True, blank=True, **MONEY)
    max_awards = models.PositiveSmallIntegerField(_("立项数上限"), null=True, blank=True)
    needs_endorsement = models.BooleanField(_("须经区县推荐"), default=True)
    rubric = models.JSONField(
        _("评审指标"),
        default=list,
        blank=True,
        help_text=_("每项为 {code, name, weight, max}：权重合计100，得分0至max"),
    )
    blind_review = models.BooleanField(_("匿名评审（专家看不到申报单位和人员）"), default=False)
    reveal_reviewers = models.BooleanField(_("向申报单位公开评审专家姓名"), default=False)
    normalise_scores = models.BooleanField(_("校正专家打分宽严"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    attachment_kinds = models.JSONField(
        _("附件类型"), default=list, blank=True, help_text=_("每项为 {code, name, required}")
    )
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
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

    # 指南编制: the drafter sends the guide for internal review; a leader (or another staff member)
    # approves it or sends it back; only an approved guide is published.
    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW)
    def send_for_review(self) -> None:
        pass

    @transition(field=status, source=Status.IN_REVIEW, target=Status.DRAFT)
    def send_back(self) -> None:
        pass

    @transition(field=status, source=Status.IN_REVIEW, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.PUBLISHED)
    def publish(self) -> None:
        pass

    @transition(field=status, source=Status.PUBLISHED, target=Status.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=Status.CLOSED, target=Status.REVIEWING)
    def start_review(self) -> None:
        pass

    @transition(field=status, source=Status.REVIEWING, target=Status.AWARDING)
    def start_awarding(self) -> None:
        pass

    @transition(field=status, source=Status.AWARDING, target=Status.FINISHED)
    def finish(self) -> None:
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
        ENDORSED = "endorsed", _("区县已推荐")
        NOT_ENDORSED = "not_endorsed", _("区县未推荐")
        FORMAL_PASSED = "formal_passed", _("形式审查通过")
        FORMAL_FAILED = "formal_failed", _("形式审查退回")
        IN_REVIEW = "in_review", _("专家评审中")
        REVIEWED = "reviewed", _("评审完成")
        AWARDED = "awarded", _("列入立项")
        WAITLISTED = "waitlisted", _("递补候选")
        REJECTED = "rejected", _("未立项")

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
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endorsement_note = models.TextField(_("推荐意见"), blank=True)
    waitlist_rank = models.PositiveSmallIntegerField(_("递补顺序"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    transitions = GenericRelation("Transition")
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

    # 推荐: the applicant's district endorses (or declines) before the city's formal check, when the
    # call asks for it; the formal check takes a submitted application only when it does not.
    def _endorsement_done(self) -> bool:
        return not self.call.needs_endorsement or self.status == self.Status.ENDORSED

    @transition(field=status, source=Status.SUBMITTED, target=Status.ENDORSED)
    def endorse(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.NOT_ENDORSED)
    def decline_endorsement(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.ENDORSED],
        target=Status.FORMAL_PASSED,
        conditions=[_endorsement_done],
    )
    def formal_pass(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.ENDORSED],
        target=Status.FORMAL_FAILED,
        conditions=[_endorsement_done],
    )
    def formal_return(self) -> None:
        pass

    @transition(field=status, source=[Status.FORMAL_FAILED, Status.NOT_ENDORSED], target=Status.DRAFT)
    def revise(self) -> None:
        pass

    @transition(field=status, source=[Status.FORMAL_PASSED, Status.REVIEWED], target=Status.IN_REVIEW)
    def enter_review(self) -> None:
        pass

    @transition(field=status, source=Status.IN_REVIEW, target=Status.REVIEWED)
    def finish_review(self) -> None:
        pass

    @transition(field=status, source=[Status.REVIEWED, Status.WAITLISTED], target=Status.AWARDED)
    def award(self) -> None:
        pass

    @transition(field=status, source=Status.REVIEWED, target=Status.WAITLISTED)
    def waitlist(self) -> None:
        pass

    @transition(
        field=status, source=[Status.REVIEWED, Status.WAITLISTED, Status.AWARDED], target=Status.REJECTED
    )
    def reject(self) -> None:
        pass

    def text(self) -> str:
        return f"{self.title}。{self.abstract}"


class Transition(models.Model):
    """The one workflow audit of the programmes app (calls, applications, review rounds, awards,
    challenges, bids…): one row per status change with who, when and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
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
        indexes = [models.Index(fields=["content_type", "object_id"], name="programme_transition_obj")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def _label(self, status: str) -> str:
        model = self.content_type.model_class()
        choices = getattr(model, "Status", None)
        if choices is None or status not in choices.values:
            return status
        return choices(status).label

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


def attachment_path(instance, filename: str) -> str:
    # The stored name is the checksum: what the applicant called the file is kept in ``name``.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"programmes/{instance.application_id}/{instance.sha256}.{suffix}"


class Attachment(models.Model):
    """A file attached to an application (申报附件), checked for size and type on upload."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("附件类型"), max_length=32)
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["application_id", "kind", "pk"]
        verbose_name = _("申报附件")
        verbose_name_plural = _("申报附件")

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------ 项目征集 (ideas, bottom-up)


class Solicitation(models.Model):
    """A call for project ideas (项目征集) that feeds the drafting of a guide."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("征集中")
        CLOSED = "closed", _("已结束")

    programme_type = models.ForeignKey(
        ProgrammeType, verbose_name=_("计划类型"), on_delete=models.PROTECT, related_name="solicitations"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("征集标题"), max_length=200)
    description = models.TextField(_("征集说明"))
    opens_on = models.DateField(_("征集开始日期"))
    closes_on = models.DateField(_("征集截止日期"))
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-opens_on", "-pk"]
        verbose_name = _("项目征集")
        verbose_name_plural = _("项目征集")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on")), name="solicitation_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.OPEN)
    def open(self) -> None:
        pass

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self) -> None:
        pass


class Idea(models.Model):
    """A project idea: bottom-up from an enterprise or institute, or top-down from staff."""

    class Source(models.TextChoices):
        BOTTOM_UP = "bottom_up", _("企业院所建议")
        TOP_DOWN = "top_down", _("部门提出")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ADOPTED = "adopted", _("已纳入指南")
        DECLINED = "declined", _("未采纳")

    solicitation = models.ForeignKey(
        Solicitation, verbose_name=_("项目征集"), on_delete=models.PROTECT, related_name="ideas"
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("建议单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("方向名称"), max_length=200)
    problem = models.TextField(_("需解决的问题"), max_length=4000)
    goals = models.TextField(_("预期目标与考核指标"), max_length=4000, blank=True)
    suggested_yuan = models.DecimalField(_("建议支持金额（元）"), null=True, blank=True, **MONEY)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, protected=False
    )
    adopted_into = models.ForeignKey(
        Call,
        verbose_name=_("纳入的指南"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
    )
    decision_note = models.TextField(_("处理意见"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("项目建议")
        verbose_name_plural = _("项目建议")

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.SUBMITTED, target=Status.ADOPTED)
    def adopt(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.DECLINED)
    def decline(self) -> None:
        pass


# ---------------------------------------------------------------------------------------- review


class ReviewRound(models.Model):
    """One round of expert review of a call (网络评审, then 会议答辩…), its panels drawn by a
    selection round of the experts app."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("网络评审")
        PANEL = "panel", _("会议答辩")

    class Status(models.TextChoices):
        DRAFT = "draft", _("准备中")
        SCORING = "scoring", _("评分中")
        CLOSED = "closed", _("已结束")

    call = models.ForeignKey(
        Call, verbose_name=_("申报通知"), on_delete=models.PROTECT, related_name="review_rounds"
    )
    seq = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("评审方式"), max_length=16, choices=Kind.choices, default=Kind.ONLINE)
    selection = models.OneToOneField(
        "experts.SelectionRound",
        verbose_name=_("专家遴选批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_round",
    )
    advance = models.PositiveSmallIntegerField(
        _("晋级项目数"), null=True, blank=True, help_text=_("本轮排名前若干项进入下一轮；空为全部")
    )
    opens_on = models.DateField(_("评审开始日期"))
    closes_on = models.DateField(_("评审截止日期"))
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["call_id", "seq"]
        verbose_name = _("评审轮次")
        verbose_name_plural = _("评审轮次")
        constraints = [
            models.UniqueConstraint(fields=["call", "seq"], name="review_round_seq"),
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on")), name="review_round_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.name}"

    @transition(field=status, source=Status.DRAFT, target=Status.SCORING)
    def open(self) -> None:
        pass

    @transition(field=status, source=Status.SCORING, target=Status.CLOSED)
    def close(self) -> None:
        pass


class RoundEntry(models.Model):
    """An application in a review round, and the review item its panel was drawn for."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="round_entries")
    item = models.OneToOneField(
        "experts.ReviewItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="programme_entry"
    )
    # Filled when the round closes (results table): the mean of the weighted totals, the mean after
    # correcting each reviewer's severity, max − min, the rank used for advancing and awarding, and
    # the experts whose score lies far from the others'.
    mean = models.DecimalField(_("平均分"), max_digits=6, decimal_places=2, null=True, blank=True)
    normalised = models.DecimalField(_("校正后得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    spread = models.DecimalField(_("极差"), max_digits=6, decimal_places=2, null=True, blank=True)
    n_reviews = models.PositiveSmallIntegerField(_("有效评分数"), default=0)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    outliers = models.JSONField(_("离群评分"), default=list, blank=True)
    advanced = models.BooleanField(_("晋级"), default=False)

    class Meta:
        ordering = ["round_id", "rank", "pk"]
        verbose_name = _("评审项目")
        verbose_name_plural = _("评审项目")
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="round_entry_once")]

    def __str__(self) -> str:
        return f"{self.round} · {self.application}"


class Review(models.Model):
    """One expert's scores and comment on one application in one round (专家评分)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("暂存")
        SUBMITTED = "submitted", _("已提交")

    entry = models.ForeignKey(RoundEntry, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="programme_reviews")
    assignment = models.OneToOneField(
        "experts.Assignment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programme_review",
    )
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.DecimalField(_("加权总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["entry_id", "pk"]
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        constraints = [models.UniqueConstraint(fields=["entry", "expert"], name="review_once")]

    def __str__(self) -> str:
        return f"{self.entry} ← {self.expert}"


# ------------------------------------------------------------------------------ award and after


class Award(models.Model):
    """An awarded project (立项) and its life: notice, contract, mid-term, acceptance, evaluation."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("拟立项")
        IN_NOTICE = "in_notice", _("公示中")
        APPROVED = "approved", _("已立项")
        CONTRACTED = "contracted", _("已签订合同")
        MIDTERM_PASSED = "midterm_passed", _("中期检查通过")
        RECTIFYING = "rectifying", _("限期整改")
        ACCEPTED = "accepted", _("已验收")
        FAILED = "failed", _("验收不通过")
        EVALUATED = "evaluated", _("绩效评价完成")
        EXITED = "exited", _("已退出")
        CANCELLED = "cancelled", _("已撤销")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award_record")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="awards")
    amount_yuan = models.DecimalField(_("支持金额（元）"), **MONEY)
    rank = models.PositiveSmallIntegerField(_("评审排名"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("递补自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    notice_starts = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends = models.DateField(_("公示结束"), null=True, blank=True)
    contract_no = models.CharField(_("合同编号"), max_length=64, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    starts_on = models.DateField(_("实施开始"), null=True, blank=True)
    ends_on = models.DateField(_("实施结束"), null=True, blank=True)
    grade = models.CharField(_("绩效等级"), max_length=16, blank=True)
    exit_reason = models.TextField(_("退出原因"), blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED, protected=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["call_id", "rank", "pk"]
        verbose_name = _("立项项目")
        verbose_name_plural = _("立项项目")

    def __str__(self) -> str:
        return self.application.title

    @transition(field=status, source=Status.PROPOSED, target=Status.IN_NOTICE)
    def start_notice(self) -> None:
        pass

    @transition(field=status, source=Status.IN_NOTICE, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=[Status.PROPOSED, Status.IN_NOTICE], target=Status.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.CONTRACTED)
    def sign(self) -> None:
        pass

    @transition(field=status, source=[Status.CONTRACTED, Status.RECTIFYING], target=Status.MIDTERM_PASSED)
    def pass_midterm(self) -> None:
        pass

    @transition(field=status, source=Status.CONTRACTED, target=Status.RECTIFYING)
    def rectify(self) -> None:
        pass

    @transition(field=status, source=Status.MIDTERM_PASSED, target=Status.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=Status.MIDTERM_PASSED, target=Status.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=status, source=[Status.ACCEPTED, Status.FAILED], target=Status.EVALUATED)
    def evaluate(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.APPROVED, Status.CONTRACTED, Status.RECTIFYING, Status.MIDTERM_PASSED],
        target=Status.EXITED,
    )
    def exit(self) -> None:
        pass


class Objection(models.Model):
    """An objection raised during the public notice (公示异议) and how it was handled."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="objections")
    name = models.CharField(_("提出人"), max_length=100)
    contact = models.CharField(_("联系方式"), max_length=100)
    text = models.TextField(_("异议内容"), max_length=4000)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("处理意见"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.award}: {self.name}"


class Milestone(models.Model):
    """A contract milestone (合同节点) with its deliverable."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待完成")
        REPORTED = "reported", _("单位已报告完成，待市局确认")
        DONE = "done", _("已完成")
        MISSED = "missed", _("未按期完成")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="milestones")
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("节点名称"), max_length=200)
    deliverable = models.TextField(_("考核内容"), blank=True)
    due_on = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["award_id", "seq"]
        verbose_name = _("合同节点")
        verbose_name_plural = _("合同节点")
        constraints = [models.UniqueConstraint(fields=["award", "seq"], name="milestone_seq")]

    def __str__(self) -> str:
        return self.title


class Tranche(models.Model):
    """A payment tranche (拨付批次), released when its milestone (if any) is done."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待拨付")
        PAID = "paid", _("已拨付")
        WITHHELD = "withheld", _("停止拨付")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="tranches")
    seq = models.PositiveSmallIntegerField(_("批次"))
    amount_yuan = models.DecimalField(_("金额（元）"), **MONEY)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("拨付条件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tranches",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["award_id", "seq"]
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")
        constraints = [models.UniqueConstraint(fields=["award", "seq"], name="tranche_seq")]

    def __str__(self) -> str:
        return f"{self.award} #{self.seq}"


class ProjectCheck(models.Model):
    """A mid-term check, acceptance or performance evaluation of an awarded project, with its opinion."""

    class Kind(models.TextChoices):
        MIDTERM = "midterm", _("中期检查")
        ACCEPTANCE = "acceptance", _("验收")
        PERFORMANCE = "performance", _("绩效评价")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    result = models.CharField(_("结论"), max_length=16)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    opinion = models.TextField(_("意见"))
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    recommendation = models.CharField(_("后续建议"), max_length=16, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["award_id", "held_on", "pk"]
        verbose_name = _("项目检查")
        verbose_name_plural = _("项目检查")

    def __str__(self) -> str:
        return f"{self.award} · {self.get_kind_display()}"


class AuditFinding(models.Model):
    """A finding of a third-party audit (第三方审计) of an awarded project."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        MAJOR = "major", _("较重")
        SEVERE = "severe", _("严重")

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RESOLVED = "resolved", _("已整改")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="audit_findings")
    auditor = models.CharField(_("审计机构"), max_length=200)
    found_on = models.DateField(_("审计日期"))
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices)
    text = models.TextField(_("审计发现"))
    amount_yuan = models.DecimalField(_("涉及金额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("整改情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["award_id", "found_on", "pk"]
        verbose_name = _("审计发现")
        verbose_name_plural = _("审计发现")

    def __str__(self) -> str:
        return f"{self.award}: {self.text[:30]}"


# ------------------------------------------------------------------------ 揭榜挂帅 (open challenges)


class Challenge(models.Model):
    """A posted problem with a bounty (发榜): an enterprise's or the bureau's."""

    class Mode(models.TextChoices):
        SINGLE = "single", _("择优选定一家")
        SEVERAL = "several", _("选定多家")
        HORSE_RACE = "horse_race", _("赛马制")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        POSTED = "posted", _("揭榜中")
        SELECTING = "selecting", _("遴选中")
        RUNNING = "running", _("攻关中")
        GATED = "gated", _("赛马已过节点")
        COMPLETED = "completed", _("已完成")
        FAILED = "failed", _("未完成")
        CANCELLED = "cancelled", _("已撤榜")

    programme_type = models.ForeignKey(
        ProgrammeType,
        verbose_name=_("计划类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    poster = models.ForeignKey(
        Organisation,
        verbose_name=_("发榜单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posted_challenges",
        help_text=_("空表示市科技局发榜"),
    )
    title = models.CharField(_("榜单名称"), max_length=200)
    problem = models.TextField(_("需求描述"), max_length=8000)
    requirements = models.TextField(_("技术指标与验收标准"), max_length=8000)
    field = models.CharField(_("技术领域"), max_length=100, blank=True)
    # 不限定榜额: teams state what they need; the amount is agreed with the selected teams and then
    # stands as the bounty, so that the payment rules treat the challenge like any other.
    bounty_open = models.BooleanField(
        _("不限定榜额"), default=False, help_text=_("由揭榜方提出经费需求，遴选时商定榜额")
    )
    bounty_yuan = models.DecimalField(_("榜额（元）"), null=True, blank=True, **MONEY)
    deadline = models.DateField(_("揭榜截止日期"))
    months = models.PositiveSmallIntegerField(_("攻关期限（月）"))
    mode = models.CharField(_("遴选方式"), max_length=16, choices=Mode.choices, default=Mode.SINGLE)
    max_teams = models.PositiveSmallIntegerField(_("入选团队数上限"), default=1)
    gate_on = models.DateField(_("赛马节点日期"), null=True, blank=True)
    gate_keep = models.PositiveSmallIntegerField(_("节点后保留团队数"), null=True, blank=True)
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("揭榜挂帅榜单")
        verbose_name_plural = _("揭榜挂帅榜单")
        constraints = [
            models.CheckConstraint(
                condition=Q(bounty_open=True) | Q(bounty_yuan__isnull=False), name="challenge_bounty_set"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def _is_horse_race(self) -> bool:
        return self.mode == self.Mode.HORSE_RACE

    @transition(field=status, source=Status.DRAFT, target=Status.POSTED)
    def post(self) -> None:
        pass

    @transition(field=status, source=Status.POSTED, target=Status.SELECTING)
    def close_bids(self) -> None:
        pass

    @transition(field=status, source=Status.SELECTING, target=Status.RUNNING)
    def start(self) -> None:
        pass

    @transition(field=status, source=Status.RUNNING, target=Status.GATED, conditions=[_is_horse_race])
    def pass_gate(self) -> None:
        pass

    @transition(field=status, source=[Status.RUNNING, Status.GATED], target=Status.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=status, source=[Status.RUNNING, Status.GATED], target=Status.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=status, source=[Status.DRAFT, Status.POSTED, Status.SELECTING], target=Status.CANCELLED)
    def cancel(self) -> None:
        pass


class Bid(models.Model):
    """A team's bid for a challenge (揭榜)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已揭榜")
        SELECTED = "selected", _("入选")
        NOT_SELECTED = "not_selected", _("未入选")
        CONTINUING = "continuing", _("通过赛马节点")
        STOPPED = "stopped", _("赛马节点淘汰")
        DELIVERED = "delivered", _("攻关成功")
        FAILED = "failed", _("攻关失败")
        WITHDRAWN = "withdrawn", _("已撤回")

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("榜单"), on_delete=models.PROTECT, related_name="bids"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("揭榜单位"), on_delete=models.PROTECT, related_name="challenge_bids"
    )
    leader = models.CharField(_("团队负责人"), max_length=50)
    team = models.JSONField(_("团队成员"), default=list, blank=True)
    plan = models.TextField(_("攻关方案"), max_length=8000)
    requested_yuan = models.DecimalField(_("申请榜额（元）"), **MONEY)
    # Set on selection: the requested amount under a fixed bounty, the amount agreed with the team
    # under an open one; a team's payments never exceed it.
    agreed_yuan = models.DecimalField(_("商定榜额（元）"), null=True, blank=True, **MONEY)
    months = models.PositiveSmallIntegerField(_("承诺完成期限（月）"))
    score = models.DecimalField(_("遴选得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    gate_score = models.DecimalField(_("节点考核得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    opinion = models.TextField(_("评议意见"), blank=True)
    gate_opinion = models.TextField(_("节点考核意见"), blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, protected=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transitions = GenericRelation("Transition")
    history = HistoricalRecords()

    class Meta:
        ordering = ["challenge_id", "-score", "pk"]
        verbose_name = _("揭榜")
        verbose_name_plural = _("揭榜")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organisation"],
                condition=~Q(status="withdrawn"),
                name="bid_once_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge} ← {self.organisation}"

    @transition(field=status, source=Status.SUBMITTED, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.SELECTED)
    def select(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.NOT_SELECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=Status.SELECTED, target=Status.CONTINUING)
    def pass_gate(self) -> None:
        pass

    @transition(field=status, source=Status.SELECTED, target=Status.STOPPED)
    def stop(self) -> None:
        pass

    @transition(field=status, source=[Status.SELECTED, Status.CONTINUING], target=Status.DELIVERED)
    def deliver(self) -> None:
        pass

    @transition(field=status, source=[Status.SELECTED, Status.CONTINUING], target=Status.FAILED)
    def fail(self) -> None:
        pass


class BountyPayment(models.Model):
    """A payment of the bounty to a selected team, against a milestone (按节点兑付榜额)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待兑付")
        PAID = "paid", _("已兑付")
        CANCELLED = "cancelled", _("已取消")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="payments")
    seq = models.PositiveSmallIntegerField(_("批次"))
    milestone = models.CharField(_("兑付节点"), max_length=200)
    due_on = models.DateField(_("计划日期"))
    amount_yuan = models.DecimalField(_("金额（元）"), **MONEY)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    paid_on = models.DateField(_("兑付日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_id", "seq"]
        verbose_name = _("榜额兑付")
        verbose_name_plural = _("榜额兑付")
        constraints = [models.UniqueConstraint(fields=["bid", "seq"], name="bounty_payment_seq")]

    def __str__(self) -> str:
        return f"{self.bid} #{self.seq}"


class Reminder(models.Model):
    """A reminder already sent, so the daily task tells each person of each deadline once."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已发提醒")
        verbose_name_plural = _("已发提醒")

    def __str__(self) -> str:
        return self.key
