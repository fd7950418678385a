from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kechuang.core.models import Organisation

MONEY = {"max_digits": 18, "decimal_places": 2, "null": True, "blank": True}


class Enterprise(models.Model):
    """An enterprise of the registry (企业库). Its name, code and district are its organisation's."""

    organisation = models.OneToOneField(
        Organisation, primary_key=True, on_delete=models.PROTECT, related_name="enterprise"
    )
    registered_on = models.DateField(_("成立日期"), null=True, blank=True)
    industry_code = models.CharField(_("国民经济行业代码"), max_length=8, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def uscc(self) -> str:
        return self.organisation.uscc

    @property
    def district(self):
        return self.organisation.district


class YearlyFacts(models.Model):
    """One enterprise's facts for one fiscal year. A blank (NULL) means unknown, never zero or false."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="facts")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    employees = models.PositiveIntegerField(_("从业人员数"), null=True, blank=True)
    st_staff = models.PositiveIntegerField(_("科技人员数"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("研发人员数"), null=True, blank=True)
    revenue = models.DecimalField(_("营业收入（元）"), **MONEY)
    total_assets = models.DecimalField(_("资产总额（元）"), **MONEY)
    net_assets = models.DecimalField(_("净资产（元）"), **MONEY)
    total_costs = models.DecimalField(_("成本费用总额（元）"), **MONEY)
    net_profit = models.DecimalField(_("净利润（元）"), **MONEY)
    rd_expense = models.DecimalField(_("研发费用（元）"), **MONEY)
    domestic_rd_expense = models.DecimalField(_("境内研发费用（元）"), **MONEY)
    high_tech_revenue = models.DecimalField(_("高新技术产品（服务）收入（元）"), **MONEY)
    invention_patents = models.PositiveIntegerField(_("发明专利数"), null=True, blank=True)
    class1_ip = models.PositiveIntegerField(_("Ⅰ类知识产权数"), null=True, blank=True)
    class2_ip = models.PositiveIntegerField(_("Ⅱ类知识产权数"), null=True, blank=True)
    transfers = models.PositiveIntegerField(_("科技成果转化数"), null=True, blank=True)
    in_key_field = models.BooleanField(_("属于国家重点支持的高新技术领域"), null=True, blank=True)
    innovation_score = models.DecimalField(
        _("创新能力评价得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    major_incident = models.BooleanField(_("发生重大安全、质量事故或环境违法行为"), null=True, blank=True)
    dishonest = models.BooleanField(_("列入失信名单"), null=True, blank=True)
    high_tech_cert_valid = models.BooleanField(_("高新技术企业证书在有效期内"), null=True, blank=True)
    listed = models.BooleanField(_("已上市"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度数据")
        verbose_name_plural = _("年度数据")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="facts_one_per_year")]
        ordering = ["enterprise_id", "year"]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.year}"


class DerivedLabel(models.Model):
    """A label computed from one year's facts by an engine rule, with the rule's version.

    ``status`` is three-valued: a label whose inputs are blank is unknown, not false.
    """

    class Status(models.TextChoices):
        YES = "yes", _("是")
        NO = "no", _("否")
        UNKNOWN = "unknown", _("未知")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="labels")
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("标签"), max_length=32, db_index=True)
    status = models.CharField(_("结果"), max_length=8, choices=Status.choices, db_index=True)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=32)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("衍生标签")
        verbose_name_plural = _("衍生标签")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "code"], name="label_one_per_year_code")
        ]
        # Serves the list page's EXISTS filter (code, year, status → enterprise) from the index alone.
        indexes = [models.Index(fields=["code", "year", "status", "enterprise"], name="label_filter_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}·{self.year}·{self.code}={self.status}"
