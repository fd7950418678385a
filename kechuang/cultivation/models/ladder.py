"""The enterprise ladder (梯次): who is on which rung in which year and how that was decided; the
high-tech cultivation pool (高企培育库) with its candidates, owners, actions and outcomes; the watch
lists pushed to the districts.

A rung membership is never changed silently: when the facts contradict it, ``flag`` says so and a
person decides. Pool candidates change status only through ``kechuang.programs.workflow.step`` (the
generic ``Transition`` audit), so every move is recorded with who, when and why.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, ImportRun, Section
from kechuang.enterprises.models import Enterprise


class Rung(models.TextChoices):
    TECH_SME = "tech_sme", _("科技型中小企业")
    HIGH_TECH = "high_tech", _("高新技术企业")
    GAZELLE = "gazelle", _("瞪羚企业")
    UNICORN = "unicorn", _("独角兽企业")
    LEADING = "leading", _("创新型领军企业")
    LISTING_RESERVE = "listing_reserve", _("上市后备企业")


class RungSource(models.TextChoices):
    RULE = "rule", _("政策规则判定")
    PROVINCIAL = "provincial", _("省级名单导入")
    STAFF = "staff", _("工作人员认定")
    SELECTION = "selection", _("评选确定")


class RungMembership(models.Model):
    """One enterprise on one rung for one year, with how it was decided."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="rungs"
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    rung = models.CharField(_("梯次"), max_length=16, choices=Rung.choices, db_index=True)
    source = models.CharField(_("认定方式"), max_length=16, choices=RungSource.choices)
    rule_version = models.CharField(_("规则版本"), max_length=64, blank=True)
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("政策版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_no = models.CharField(_("证书编号"), max_length=32, blank=True)
    certified_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    register_no = models.CharField(_("入库编号"), max_length=40, blank=True)
    import_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("导入记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    flag = models.CharField(_("待核实问题"), max_length=300, blank=True)
    flagged_at = models.DateTimeField(_("标记时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("复审提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("梯次认定")
        verbose_name_plural = _("梯次认定")
        ordering = ["enterprise_id", "year", "rung"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "rung"], name="rung_one_per_year")
        ]
        indexes = [models.Index(fields=["rung", "year"], name="rung_year_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.year}·{self.rung}"


class Candidate(models.Model):
    """An enterprise in one year's high-tech cultivation pool (储备 → 培育 → 申报 → 认定)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("储备（待市局审核）")
        CULTIVATING = "cultivating", _("培育中")
        APPLIED = "applied", _("已申报")
        CERTIFIED = "certified", _("已认定")
        NOT_YET = "not_yet", _("未获认定")
        WITHDRAWN = "withdrawn", _("已退出")
        REJECTED = "rejected", _("未入库")

    class Origin(models.TextChoices):
        NEAR_MISS = "near_miss", _("政策匹配近线企业")
        DISTRICT = "district", _("区县推荐")
        STAFF = "staff", _("市局添加")

    class OwnerKind(models.TextChoices):
        SECTION = "section", _("市局科室")
        DISTRICT = "district", _("区县科技局")
        AGENCY = "agency", _("服务机构")

    year = models.PositiveSmallIntegerField(_("培育年度"), db_index=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="cultivation"
    )
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED, protected=False
    )
    gaps = models.JSONField(_("差距条件"), default=list, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=64, blank=True)
    owner_kind = models.CharField(_("培育责任单位类型"), max_length=16, choices=OwnerKind.choices, blank=True)
    owner_section = models.ForeignKey(
        Section,
        verbose_name=_("责任科室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_district = models.ForeignKey(
        District,
        verbose_name=_("责任区县"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_agency = models.CharField(_("服务机构"), max_length=100, blank=True)
    note = models.TextField(_("推荐理由"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培育库企业")
        verbose_name_plural = _("培育库企业")
        ordering = ["-year", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["year", "enterprise"], name="candidate_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year}·{self.enterprise_id}"

    @property
    def owner_label(self) -> str:
        if self.owner_kind == self.OwnerKind.SECTION and self.owner_section:
            return self.owner_section.name
        if self.owner_kind == self.OwnerKind.DISTRICT and self.owner_district:
            return self.owner_district.name
        if self.owner_kind == self.OwnerKind.AGENCY:
            return self.owner_agency
        return ""

    @transition(field=status, source=Status.PROPOSED, target=Status.CULTIVATING)
    def admit(self) -> None:
        """The city admits the candidate into cultivation."""

    @transition(field=status, source=Status.PROPOSED, target=Status.REJECTED)
    def reject(self) -> None:
        """The city declines the nomination."""

    @transition(field=status, source=Status.CULTIVATING, target=Status.APPLIED)
    def apply(self) -> None:
        """The enterprise filed its high-tech application."""

    @transition(field=status, source=[Status.CULTIVATING, Status.APPLIED], target=Status.CERTIFIED)
    def certify(self) -> None:
        """The year's outcome: certified."""

    @transition(field=status, source=[Status.CULTIVATING, Status.APPLIED], target=Status.NOT_YET)
    def not_yet(self) -> None:
        """The year's outcome: not (yet) certified."""

    @transition(
        field=status, source=[Status.PROPOSED, Status.CULTIVATING, Status.APPLIED], target=Status.WITHDRAWN
    )
    def withdraw(self) -> None:
        """The enterprise withdrew from cultivation."""


class CultivationAction(models.Model):
    """One thing done to help a candidate (辅导走访, 培训, 知识产权或研发费用归集辅导, 提交申报)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("上门辅导")
        TRAINING = "training", _("政策培训")
        IP = "ip", _("知识产权辅导")
        RD_ACCOUNT = "rd_account", _("研发费用归集辅导")
        APPLICATION = "application", _("提交认定申报")

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("培育企业"), on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(_("措施类型"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("日期"))
    note = models.TextField(_("情况记录"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培育措施")
        verbose_name_plural = _("培育措施")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.candidate_id}·{self.kind}·{self.on}"


class WatchPush(models.Model):
    """A watch list sent to one district: a to-do on its workbench until it marks it handled."""

    code = models.CharField(_("名单"), max_length=32)
    year = models.PositiveSmallIntegerField(_("年度"))
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(_("企业数"))
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pushed_at = models.DateTimeField(_("推送时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预警名单推送")
        verbose_name_plural = _("预警名单推送")
        ordering = ["-pushed_at"]

    def __str__(self) -> str:
        return f"{self.code}·{self.year}·{self.district_id}"
