"""The indicators' API: indicators, computed actuals and targets, read-only, scoped like the cockpit.

Leaders and city staff read every area (district ``null`` is the whole city); district staff read their
own district's rows only; enterprises, institutes and experts get 403. Values are decimal strings:
money in yuan, ratios as fractions (``"0.452300"``), counts as whole numbers.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kechuang.core.api_schemas import ERRORS
from kechuang.core.models import Role
from kechuang.core.permissions import role_of

from .models import Actual, Indicator, Target
from .services import cockpit

router = Router(tags=["indicators"])
MAX_ID = 2**63 - 1


def _text(value) -> str | None:
    if value is None:
        return None
    value = Decimal(value)
    return format(
        value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize(), "f"
    )


class IndicatorOut(Schema):
    code: str = Field(description="指标代码")
    name: str = Field(description="指标名称")
    unit: str = Field(description="单位：count 家（个）、yuan 元、ratio 比例、persons 人")
    direction: str = Field(description="higher 越高越好，lower 越低越好")
    period: str = Field(description="统计周期")
    source: str = Field(description="computed 平台计算、entered 统计数据、both 两者并列")
    rule: str = Field(description="计算规则代码（平台计算时）")


class ActualOut(Schema):
    indicator: str = Field(description="指标代码")
    year: int
    district: int | None = Field(description="区县编号，空为全市")
    district_name: str
    value: str | None = Field(description="数值（金额为元，比例为小数）；无法计算时为空")
    numerator: str | None
    denominator: str | None
    unknown: int = Field(description="因数据缺失未计入的企业数")
    note: str
    rule_version: str
    data_date: str

    @staticmethod
    def resolve_indicator(obj):
        return obj.indicator.code

    @staticmethod
    def resolve_district(obj):
        return obj.district_id

    @staticmethod
    def resolve_district_name(obj):
        return obj.district.name if obj.district_id else _("全市")

    @staticmethod
    def resolve_value(obj):
        return _text(obj.value)

    @staticmethod
    def resolve_numerator(obj):
        return _text(obj.numerator)

    @staticmethod
    def resolve_denominator(obj):
        return _text(obj.denominator)

    @staticmethod
    def resolve_data_date(obj):
        return obj.data_date.isoformat()


class TargetOut(Schema):
    indicator: str = Field(description="指标代码")
    year: int
    district: int | None = Field(description="区县编号，空为全市")
    district_name: str
    kind: str = Field(description="target 目标、min_target 不低于、stretch 力争")
    value: str
    document: str

    @staticmethod
    def resolve_indicator(obj):
        return obj.indicator.code

    @staticmethod
    def resolve_district(obj):
        return obj.district_id

    @staticmethod
    def resolve_district_name(obj):
        return obj.district.name if obj.district_id else _("全市")

    @staticmethod
    def resolve_value(obj):
        return _text(obj.value)


class Filters(Schema):
    year: int | None = Field(None, ge=1990, le=2100, description="年度")
    district: int | None = Field(None, ge=1, le=MAX_ID, description="区县编号；不填为全部可见区域")
    city: bool = Field(False, description="只要全市合计")
    indicator: str = Field("", max_length=48, description="指标代码")


def _scoped(request, qs, filters: Filters):
    if not cockpit.can_view(request.user):
        raise PermissionDenied(_("指标数据仅向局领导、市局工作人员和区县科技局开放"))
    if role_of(request.user) == Role.DISTRICT_STAFF:
        if filters.city or (filters.district and filters.district != request.user.district_id):
            raise PermissionDenied(_("只能查看本区县的指标"))
        qs = qs.filter(district_id=request.user.district_id)
    if filters.city:
        qs = qs.filter(district__isnull=True)
    elif filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.indicator:
        qs = qs.filter(indicator__code=filters.indicator)
    return qs.select_related("indicator", "district")


@router.get("/", response={200: list[IndicatorOut], **ERRORS}, summary="指标列表")
def list_indicators(request):
    if not cockpit.can_view(request.user):
        raise PermissionDenied(_("指标数据仅向局领导、市局工作人员和区县科技局开放"))
    return list(Indicator.objects.all())


@router.get("/actuals", response={200: list[ActualOut], **ERRORS}, summary="指标计算值")
def list_actuals(request, filters: Query[Filters]):
    qs = _scoped(request, Actual.objects.all(), filters)
    return list(qs.order_by("indicator__order", "year", F("district__order").asc(nulls_first=True)))


@router.get("/targets", response={200: list[TargetOut], **ERRORS}, summary="指标目标")
def list_targets(request, filters: Query[Filters]):
    qs = _scoped(request, Target.objects.all(), filters)
    return list(qs.order_by("indicator__order", "year", F("district__order").asc(nulls_first=True), "kind"))
