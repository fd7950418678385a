"""科技金融: innovation vouchers (创新券), loan risk compensation (科技成果转化贷款风险补偿) and interest
subsidies (贴息) for awards of the interest-subsidy programme type.

Schemes are data (shares, caps, budgets); the arithmetic is ``kechuang.engines.finance``. Statuses are
django-fsm fields changed only through ``kechuang.programs.workflow.step`` (the one audit table).
Banks and service providers are organisations of the registry; their people are users of that
organisation (role 企业用户 or 高校院所用户), linked through ``Bank.organisation`` and
``ServiceProvider.organisation``. Money in yuan (Decimal); shares and rates are fractions.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import Organisation

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(0)]}
FRACTION = {"max_digits": 6, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


class ServiceKind(models.TextChoices):
    TESTING = "testing", _("检验检测")
    RD = "rd", _("研究开发")
    DESIGN = "design", _("工业设计")
    TRANSFER = "transfer", _("技术转移与成果转化")
    IP = "ip", _("知识产权服务")


class ServiceProvider(models.Model):
    """创新券服务机构: an organisation registered to take vouchers for some kinds of service."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="voucher_provider"
    )
    kinds = models.JSONField(_("服务类别"), default=list)
    active = models.BooleanField(_("有效"), default=True)
    registered_on = models.DateField(_("入库日期"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("创新券服务机构")
        verbose_name_plural = _("创新券服务机构")

    def __str__(self) -> str:
        return self.organisation.name

    def kind_labels(self) -> str:
        labels = dict(ServiceKind.choices)
        return "、".join(str(labels.get(k, k)) for k in self.kinds)


class VoucherScheme(models.Model):
    """A year's voucher scheme: who may apply, what qualifies, the share of the fee covered, the caps."""

    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    budget_yuan = models.DecimalField(_("预算总额（元）"), **MONEY)
    share = models.DecimalField(_("补助比例"), help_text=_("服务费用中由创新券支付的比例"), **FRACTION)
    voucher_cap_yuan = models.DecimalField(_("单张券面额上限（元）"), **MONEY)
    firm_year_cap_yuan = models.DecimalField(_("每家企业年度上限（元）"), **MONEY)
    service_kinds = models.JSONField(_("支持的服务类别"), default=list)
    applicant_kinds = models.JSONField(_("可申请的机构类型"), default=list)
    valid_days = models.PositiveSmallIntegerField(_("有效期（天）"), default=180)
    opens_on = models.DateField(_("受理开始"))
    closes_on = models.DateField(_("受理截止"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("创新券方案")
        verbose_name_plural = _("创新券方案")

    def __str__(self) -> str:
        return self.name


class Voucher(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("待审批")
        APPROVED = "approved", _("已发放")
        REJECTED = "rejected", _("未获批准")
        USED = "used", _("已使用")
        CLAIMED = "claimed", _("待兑付")
        SETTLED = "settled", _("已兑付")
        EXPIRED = "expired", _("已过期")

    # Statuses that hold part of the budget (a settled voucher holds what was paid).
    HOLDING = (Status.APPROVED, Status.USED, Status.CLAIMED)

    number = models.CharField(_("券号"), max_length=20, unique=True)
    scheme = models.ForeignKey(
        VoucherScheme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="vouchers"
    )
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="vouchers"
    )
    service_kind = models.CharField(_("服务类别"), max_length=16, choices=ServiceKind.choices)
    purpose = models.TextField(_("服务内容"))
    planned_fee_yuan = models.DecimalField(_("预计服务费用（元）"), **MONEY)
    face_yuan = models.DecimalField(_("券面额（元）"), null=True, blank=True, **MONEY)
    approved_on = models.DateField(_("发放日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    provider = models.ForeignKey(
        ServiceProvider,
        verbose_name=_("服务机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vouchers",
    )
    used_on = models.DateField(_("使用日期"), null=True, blank=True)
    fee_yuan = models.DecimalField(_("实际服务费用（元）"), null=True, blank=True, **MONEY)
    invoice_no = models.CharField(_("发票号码"), max_length=32, blank=True)
    proof = models.FileField(_("发票及服务证明"), upload_to="finance/vouchers/%Y/", blank=True)
    claim_yuan = models.DecimalField(_("申请兑付金额（元）"), null=True, blank=True, **MONEY)
    claimed_on = models.DateField(_("兑付申请日期"), null=True, blank=True)
    settled_yuan = models.DecimalField(_("兑付金额（元）"), null=True, blank=True, **MONEY)
    settled_on = models.DateField(_("兑付日期"), null=True, blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.APPLIED, protected=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("创新券")
        verbose_name_plural = _("创新券")
        constraints = [
            models.CheckConstraint(
                condition=Q(settled_yuan__lte=F("face_yuan")), name="voucher_settled_le_face"
            ),
            models.CheckConstraint(condition=Q(claim_yuan__lte=F("face_yuan")), name="voucher_claim_le_face"),
            # One invoice pays once.
            models.UniqueConstraint(
                fields=["provider", "invoice_no"], condition=~Q(invoice_no=""), name="voucher_invoice_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(field=status, source=Status.APPLIED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.APPLIED, target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.USED)
    def use(self) -> None:
        pass

    @transition(field=status, source=Status.USED, target=Status.CLAIMED)
    def claim(self) -> None:
        pass

    @transition(field=status, source=Status.CLAIMED, target=Status.USED)
    def return_claim(self) -> None:
        pass

    @transition(field=status, source=Status.CLAIMED, target=Status.SETTLED)
    def settle(self) -> None:
        pass

    @transition(field=status, source=[Status.APPROVED, Status.USED], target=Status.EXPIRED)
    def expire(self) -> None:
        pass


class Bank(models.Model):
    """A partner bank (合作银行) of the risk-compensation fund."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("银行"), on_delete=models.PROTECT, related_name="partner_bank"
    )
    short_name = models.CharField(_("简称"), max_length=32)
    joined_on = models.DateField(_("合作开始"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("合作银行")
        verbose_name_plural = _("合作银行")

    def __str__(self) -> str:
        return self.short_name


class LoanScheme(models.Model):
    """The risk-compensation scheme of a year: the fund's share of a principal loss and its caps."""

    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    share = models.DecimalField(_("补偿比例"), help_text=_("本金损失中由风险补偿资金承担的比例"), **FRACTION)
    loan_cap_yuan = models.DecimalField(_("单笔补偿上限（元）"), **MONEY)
    bank_year_cap_yuan = models.DecimalField(_("每家银行年度补偿上限（元）"), **MONEY)
    max_loan_yuan = models.DecimalField(_("单笔贷款上限（元）"), **MONEY)
    policy_code = models.CharField(_("借款企业须符合的政策"), max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("风险补偿方案")
        verbose_name_plural = _("风险补偿方案")

    def __str__(self) -> str:
        return self.name


class Loan(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("已备案")
        REPAID = "repaid", _("已结清")
        DEFAULTED = "defaulted", _("已违约")
        COMPENSATED = "compensated", _("已补偿")

    scheme = models.ForeignKey(
        LoanScheme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="loans"
    )
    bank = models.ForeignKey(Bank, verbose_name=_("贷款银行"), on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(
        Organisation, verbose_name=_("借款企业"), on_delete=models.PROTECT, related_name="+"
    )
    contract_no = models.CharField(_("借款合同编号"), max_length=40)
    amount_yuan = models.DecimalField(_("贷款金额（元）"), **MONEY)
    rate = models.DecimalField(_("年利率"), max_digits=6, decimal_places=4, validators=[MinValueValidator(0)])
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    purpose = models.CharField(_("贷款用途"), max_length=200)
    granted_on = models.DateField(_("放款日期"))
    eligible = models.BooleanField(_("符合条件"), default=False)
    eligibility_note = models.TextField(_("资格核验结果"), blank=True)
    defaulted_on = models.DateField(_("违约日期"), null=True, blank=True)
    loss_yuan = models.DecimalField(_("本金损失（元）"), null=True, blank=True, **MONEY)
    compensation_yuan = models.DecimalField(_("补偿金额（元）"), null=True, blank=True, **MONEY)
    compensated_on = models.DateField(_("补偿日期"), null=True, blank=True)
    refunded_yuan = models.DecimalField(_("追偿返还（元）"), default=0, **MONEY)
    status = FSMField(_("状态"), max_length=16, choices=Status.choices, default=Status.FILED, protected=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_on", "-pk"]
        verbose_name = _("备案贷款")
        verbose_name_plural = _("备案贷款")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_no"], name="loan_contract_once"),
            models.CheckConstraint(condition=Q(loss_yuan__lte=F("amount_yuan")), name="loan_loss_le_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.contract_no}"

    @transition(field=status, source=Status.FILED, target=Status.REPAID)
    def repay(self) -> None:
        pass

    @transition(field=status, source=Status.FILED, target=Status.DEFAULTED)
    def default(self) -> None:
        pass

    @transition(field=status, source=Status.DEFAULTED, target=Status.COMPENSATED)
    def compensate(self) -> None:
        pass


class Recovery(models.Model):
    """An amount the bank recovered after compensation; the fund's share is returned to it."""

    loan = models.ForeignKey(
        Loan, verbose_name=_("贷款"), on_delete=models.PROTECT, related_name="recoveries"
    )
    amount_yuan = models.DecimalField(_("追回金额（元）"), **MONEY)
    refund_yuan = models.DecimalField(_("返还风险补偿资金（元）"), **MONEY)
    recovered_on = models.DateField(_("追回日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["recovered_on", "pk"]
        verbose_name = _("追偿记录")
        verbose_name_plural = _("追偿记录")

    def __str__(self) -> str:
        return f"{self.loan} {self.recovered_on}"


class InterestSubsidy(models.Model):
    """A subsidy on one period's interest of a loan behind an award of the interest-subsidy type,
    paid as one of the award's tranches."""

    award = models.ForeignKey(
        "programs.Award",
        verbose_name=_("立项项目"),
        on_delete=models.PROTECT,
        related_name="interest_subsidies",
    )
    lender = models.CharField(_("贷款银行"), max_length=100)
    principal_yuan = models.DecimalField(_("贷款本金（元）"), **MONEY)
    loan_rate = models.DecimalField(_("贷款年利率"), **FRACTION)
    rate_cap = models.DecimalField(_("贴息利率上限"), **FRACTION)
    share = models.DecimalField(_("贴息比例"), **FRACTION)
    period_start = models.DateField(_("计息期起"))
    period_end = models.DateField(_("计息期止"))
    interest_paid_yuan = models.DecimalField(_("实付利息（元）"), **MONEY)
    amount_yuan = models.DecimalField(_("贴息金额（元）"), **MONEY)
    limited_by = models.CharField(_("计算依据"), max_length=16)
    tranche = models.OneToOneField(
        "programs.Tranche",
        verbose_name=_("拨付批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interest_subsidy",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["award_id", "period_start"]
        verbose_name = _("贷款贴息")
        verbose_name_plural = _("贷款贴息")

    def __str__(self) -> str:
        return f"{self.award} {self.period_start}—{self.period_end}"
