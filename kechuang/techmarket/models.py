"""技术市场: technology contracts filed by sellers and registered by the registration office (技术合同
认定登记), registered results (科技成果登记), and the brokers and transfer agencies behind them.

A contract's status is a django-fsm field changed only through ``kechuang.programs.workflow.step``,
which writes the one audit table (``programs.Transition``). Money in yuan (Decimal), shown in 万元.
Turnover (成交额) is the technology transaction amount (技术交易额) of registered contracts, counted
by their registration date.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from kechuang.core.models import District, Organisation
from kechuang.matching.models import TechField

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class TransferAgency(models.Model):
    """技术转移机构: an agency that brokers transfers, optionally an organisation of the registry."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        MUNICIPAL = "municipal", _("市级")
        OTHER = "other", _("其他")

    name = models.CharField(_("机构名称"), max_length=200, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("登记机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        District, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices, default=Level.MUNICIPAL)
    recognised_on = models.DateField(_("认定日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("技术转移机构")
        verbose_name_plural = _("技术转移机构")

    def __str__(self) -> str:
        return self.name


class Broker(models.Model):
    """技术经纪人, with the contracts (``contracts``) and matches (``matches``) they brokered."""

    name = models.CharField(_("姓名"), max_length=64)
    certificate_no = models.CharField(_("证书编号"), max_length=40, unique=True)
    agency = models.ForeignKey(
        TransferAgency,
        verbose_name=_("所在机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brokers",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    matches = models.ManyToManyField(
        "matching.Match", verbose_name=_("促成的供需对接"), blank=True, related_name="brokers"
    )
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("技术经纪人")
        verbose_name_plural = _("技术经纪人")

    def __str__(self) -> str:
        return self.name


class TechContract(models.Model):
    class Kind(models.TextChoices):
        DEV_COMMISSIONED = "dev_commissioned", _("技术开发（委托）")
        DEV_COOPERATIVE = "dev_cooperative", _("技术开发（合作）")
        TRANSFER = "transfer", _("技术转让")
        LICENCE = "licence", _("技术许可")
        CONSULTING = "consulting", _("技术咨询")
        SERVICE = "service", _("技术服务")

    class Region(models.TextChoices):
        CITY = "city", _("本市")
        PROVINCE = "province", _("省内其他市")
        DOMESTIC = "domestic", _("省外")
        ABROAD = "abroad", _("境外")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待登记审核")
        RETURNED = "returned", _("已退回修改")
        REGISTERED = "registered", _("已登记")
        CANCELLED = "cancelled", _("已注销")

    number = models.CharField(_("登记编号"), max_length=20, unique=True, null=True, blank=True)
    title = models.CharField(_("合同名称"), max_length=200)
    kind = models.CharField(_("合同类型"), max_length=20, choices=Kind.choices)
    field = models.CharField(_("技术领域"), max_length=32, choices=TechField.choices)
    seller = models.ForeignKey(
        Organisation,
        verbose_name=_("卖方（技术输出方）"),
        on_delete=models.PROTECT,
        related_name="tech_contracts_sold",
    )
    buyer_name = models.CharField(_("买方名称"), max_length=200)
    buyer_uscc = models.CharField(_("买方统一社会信用代码"), max_length=18, blank=True)
    buyer_region = models.CharField(_("买方所在地区"), max_length=16, choices=Region.choices)
    buyer_place = models.CharField(
        _("买方所在地"), max_length=100, blank=True, help_text=_("省市或国家（地区）")
    )
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("履行期限起"))
    ends_on = models.DateField(_("履行期限止"))
    total_yuan = models.DecimalField(_("合同总金额（元）"), **MONEY)
    transaction_yuan = models.DecimalField(_("技术交易额（元）"), **MONEY)
    payment_schedule = models.TextField(_("支付方式与进度"))
    content = models.TextField(_("技术内容"))
    contract_file = models.FileField(_("合同文本"), upload_to="techmarket/contracts/%Y/%m/", blank=True)
    file_name = models.CharField(_("合同文本文件名"), max_length=200, blank=True)
    broker = models.ForeignKey(
        Broker,
        verbose_name=_("技术经纪人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    agency = models.ForeignKey(
        TransferAgency,
        verbose_name=_("技术转移机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    registered_on = models.DateField(_("登记日期"), null=True, blank=True, db_index=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    status = FSMField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, protected=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        indexes = [models.Index(fields=["status", "registered_on"], name="contract_status_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transaction_yuan__lte=models.F("total_yuan")),
                name="contract_transaction_le_total",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.RETURNED, target=Status.SUBMITTED)
    def resubmit(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def send_back(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.REGISTERED)
    def register(self) -> None:
        pass

    @transition(field=status, source=Status.REGISTERED, target=Status.REGISTERED)
    def amend(self) -> None:
        pass

    @transition(field=status, source=Status.REGISTERED, target=Status.CANCELLED)
    def cancel(self) -> None:
        pass


class RegisteredResult(models.Model):
    """科技成果登记: a result registered with its evaluation or acceptance evidence, linked to the
    programme award or the matching achievement it came from."""

    class Evidence(models.TextChoices):
        ACCEPTANCE = "acceptance", _("项目验收")
        EVALUATION = "evaluation", _("第三方评价")
        APPRAISAL = "appraisal", _("成果鉴定")
        IP = "ip", _("知识产权证明")

    number = models.CharField(_("登记号"), max_length=20, unique=True)
    title = models.CharField(_("成果名称"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("完成单位"), on_delete=models.PROTECT, related_name="registered_results"
    )
    field = models.CharField(_("技术领域"), max_length=32, choices=TechField.choices)
    evidence = models.CharField(_("评价或验收方式"), max_length=16, choices=Evidence.choices)
    evidence_note = models.CharField(_("评价或验收结论"), max_length=300)
    evidence_file = models.FileField(_("证明材料"), upload_to="techmarket/results/%Y/", blank=True)
    award = models.ForeignKey(
        "programs.Award",
        verbose_name=_("来源项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_results",
    )
    achievement = models.ForeignKey(
        "matching.Achievement",
        verbose_name=_("来源成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_results",
    )
    level = models.CharField(
        _("登记级别"),
        max_length=16,
        default="municipal",
        choices=[("provincial", _("省级")), ("municipal", _("市级"))],
    )
    registered_on = models.DateField(_("登记日期"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-registered_on", "-pk"]
        verbose_name = _("登记科技成果")
        verbose_name_plural = _("登记科技成果")

    def __str__(self) -> str:
        return self.title
