"""The enterprise registry's API: enterprises, their yearly facts and derived labels.

Scoping is the pages' own (``services.visible_enterprises``, ``permissions.can_write``) and every
write goes through ``facts_service``, which checks values with the yearly-facts template's rules.

Not found versus forbidden: a record outside the caller's read scope answers **404**, exactly as
a record that does not exist, on every route (list, detail, facts read, facts write), so that ids
of other districts' enterprises cannot be probed. A record the caller may read but not change
(a leader's write, say) answers **403** with the reason. Institute users and experts have no
business with the registry at all and get 403 on every route.

Money is sent and returned as decimal strings in yuan (``"12500000.50"``), never as floats;
ratios are decimal fractions (``"0.050000"``); a ``null`` boolean or number means unknown.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict, StrictBool, StrictInt, create_model

from kechuang.core.api_schemas import ERRORS, WRITE_ERRORS, decimal_text, whole_number
from kechuang.core.permissions import can_write

from . import facts_service, services, template
from .models import DerivedLabel, Enterprise, YearlyFacts
from .template import BOOL_COLUMNS, CONVERTERS, FACT_COLUMNS, INT_COLUMNS, LABELS_ZH, MONEY_COLUMNS
from .template import _Bad as RuleBroken  # the converters' error: carries the broken rule's text

router = Router(tags=["enterprises"])

MAX_ID = 2**63 - 1
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def _require_registry(user) -> None:
    if not services.can_use_registry(user):
        raise PermissionDenied(_("当前角色无权使用企业库"))


def _enterprise(request, pk: int, *, write: bool = False) -> Enterprise:
    """The enterprise if the caller may read it (404 otherwise, see the module docstring); for a
    write, PermissionDenied with the reason when the caller may read but not change it."""
    _require_registry(request.user)
    enterprise = (
        services.visible_enterprises(request.user)
        .select_related("organisation__district")
        .filter(pk=pk)
        .first()
    )
    if enterprise is None:
        raise HttpError(404, _("未找到该企业"))
    if write:
        can_write(
            request.user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk
        ).enforce()
    return enterprise


def _printable(text: str) -> str:
    # PostgreSQL refuses NUL in a query parameter; no search term needs control characters.
    return "".join(c for c in text if c.isprintable())


# ----------------------------------------------------------------------------------------- schemas


class DistrictOut(Schema):
    id: int
    code: str
    name: str


class EnterpriseOut(Schema):
    id: int
    uscc: str | None = Field(description="统一社会信用代码")
    name: str = Field(description="企业名称")
    district: DistrictOut
    registered_on: dt.date | None = Field(description="成立日期")
    industry_code: str = Field(description="国民经济行业代码（GB/T 4754-2017）")

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.pk


class LabelOut(Schema):
    year: int
    code: str = Field(description="above_scale 规上 · rd_active 有研发 · rd_intensity 研发投入强度")
    status: str = Field(description="yes / no / unknown（输入数据缺失时为 unknown）")
    value: Decimal | None = Field(description="数值，比例为小数（0.05 即 5%）")
    rule_version: str


def _fact_type(column: str):
    if column in INT_COLUMNS:
        return int | None
    if column in BOOL_COLUMNS:
        return bool | None
    return Decimal | None  # money in yuan, and the innovation score


def _explain(column: str):
    def explain(raw: str) -> str | None:
        try:
            CONVERTERS[column](raw)
        except RuleBroken as bad:
            return bad.rule
        return None  # the spreadsheet would take it ("1,000", "1e5"), the API is stricter

    return explain


def _fact_in_type(column: str):
    # The template's own limits (template._int, _money, _score), stated in the document as well.
    # Strict: JSON has real integers and booleans, and a client sending "1" or 0 for a yes/no
    # question has probably mixed up columns; refuse rather than guess.
    if column in INT_COLUMNS:
        return whole_number(minimum=0, maximum=template.MAX_COUNT, explain=_explain(column)) | None
    if column in BOOL_COLUMNS:
        return StrictBool | None
    if column == "innovation_score":
        return decimal_text(digits=3, maximum=100, example="78.5", explain=_explain(column)) | None
    signed = column in template.SIGNED_MONEY
    return (
        decimal_text(
            digits=template.MONEY_DIGITS,
            signed=signed,
            example="-350000.00" if signed else "12500000.50",
            explain=_explain(column),
        )
        | None
    )


def _fact_description(column: str) -> str:
    text = LABELS_ZH[column]
    if column in MONEY_COLUMNS:
        text += '，十进制字符串（例如 "12500000.50"）或整数'
    return text + "；null 表示未知"


FactsOut = create_model(
    "FactsOut",
    __base__=Schema,
    year=(int, Field(description="年度")),
    **{c: (_fact_type(c), Field(None, description=_fact_description(c))) for c in FACT_COLUMNS},
    updated_at=(dt.datetime, ...),
)


class _Strict(Schema):
    # An unknown field (a typo such as "revenu") is refused rather than silently dropped.
    model_config = ConfigDict(extra="forbid")


FactsIn = create_model(
    "FactsIn",
    __base__=_Strict,
    **{c: (_fact_in_type(c), Field(None, description=_fact_description(c))) for c in FACT_COLUMNS},
)


class EnterpriseDetail(EnterpriseOut):
    facts: list[FactsOut] = Field(description="各年度数据，按年度升序")
    labels: list[LabelOut] = Field(description="由年度数据计算的标签")

    @staticmethod
    def resolve_facts(obj) -> list[YearlyFacts]:
        return list(obj.facts.order_by("year"))

    @staticmethod
    def resolve_labels(obj) -> list[DerivedLabel]:
        return list(obj.labels.order_by("year", "code"))


class EnterpriseRef(Schema):
    id: int
    uscc: str | None
    name: str

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.pk


class YearFactsRow(FactsOut):
    enterprise: EnterpriseRef


class EnterpriseIn(_Strict):
    uscc: str = Field(description="统一社会信用代码（18位，GB 32100-2015 校验位）")
    name: str = Field(description="企业名称", min_length=1)
    district: StrictInt | None = Field(None, description="所属区县编号；区县工作人员可省略（默认本区县）")
    registered_on: str | None = Field(None, description="成立日期 YYYY-MM-DD", examples=["2019-05-20"])
    industry_code: str | None = Field(None, description="国民经济行业代码，例如 C3976")


class EnterpriseUpdate(_Strict):
    """Only the fields sent are changed. The USCC is the enterprise's identity and cannot change."""

    # May be left out (unchanged) but not sent as null: an enterprise always has a name and a district,
    # and the document said null was acceptable when the service refused it.
    name: str = Field(None, description="企业名称", min_length=1)
    district: StrictInt = Field(None, description="所属区县编号（仅市局工作人员可调整）")
    registered_on: str | None = Field(None, description="成立日期 YYYY-MM-DD；null 清空")
    industry_code: str | None = Field(None, description="国民经济行业代码；null 清空")


class EnterpriseFilters(Schema):
    q: str = Field("", max_length=200, description="企业名称关键词，或18位统一社会信用代码")
    district: int | None = Field(None, ge=1, le=MAX_ID, description="所属区县编号")
    industry: str = Field("", max_length=8, description="行业代码前缀，例如 C39")
    label: str = Field("", max_length=32, description="标签为“是”的企业，例如 above_scale")
    year: int | None = Field(None, ge=1900, le=2100, description="有该年度数据的企业（并限定标签年度）")


class YearFilters(Schema):
    district: int | None = Field(None, ge=1, le=MAX_ID, description="所属区县编号")


class Page(PageNumberPagination):
    """Page numbers with the page size capped at 200 in the schema itself, so clients see the cap."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


ENTERPRISE_ID = Path(..., ge=1, le=MAX_ID, description="企业编号")
# The import's rule (1990 to this year), so that the document promises no year the service refuses;
# read when the process starts, so a server running across New Year learns the new year on restart.
YEAR = Path(..., ge=1990, le=dt.date.today().year, description="年度（1990年至今）")


# ------------------------------------------------------------------------------------ enterprises


@router.get("/", response={200: list[EnterpriseOut], **ERRORS}, summary="查询企业")
@paginate(Page)
def list_enterprises(request, filters: Query[EnterpriseFilters]):
    """The enterprises the caller may see, filtered; ordered by id for stable pages."""
    _require_registry(request.user)
    return (
        services.search_enterprises(
            request.user,
            q=_printable(filters.q),
            district=filters.district,
            industry=_printable(filters.industry),
            label=_printable(filters.label),
            year=filters.year,
        )
        .select_related("organisation__district")
        .order_by("pk")
    )  # name and district: no query per row


@router.post("/", response={201: EnterpriseOut, **WRITE_ERRORS}, summary="登记企业")
def create_enterprise(request, payload: EnterpriseIn):
    """Register an enterprise. The USCC is checked (format and GB 32100-2015 check character) and
    may not be registered already."""
    data = payload.model_dump(exclude_unset=True)
    enterprise = facts_service.create_enterprise(request.user, data)
    return Status(201, enterprise)


@router.get("/{enterprise_id}", response={200: EnterpriseDetail, **ERRORS}, summary="企业详情")
def get_enterprise(request, enterprise_id: int = ENTERPRISE_ID):
    return _enterprise(request, enterprise_id)


@router.patch("/{enterprise_id}", response={200: EnterpriseOut, **WRITE_ERRORS}, summary="修改企业信息")
def update_enterprise(request, payload: EnterpriseUpdate, enterprise_id: int = ENTERPRISE_ID):
    enterprise = _enterprise(request, enterprise_id, write=True)
    return facts_service.update_enterprise(request.user, enterprise, payload.model_dump(exclude_unset=True))


# ----------------------------------------------------------------------------------- yearly facts


@router.get("/years/{year}/facts", response={200: list[YearFactsRow], **ERRORS}, summary="某年度的企业数据")
@paginate(Page)
def list_year_facts(request, filters: Query[YearFilters], year: int = YEAR):
    """One year's facts of every enterprise the caller may see, ordered by enterprise id."""
    _require_registry(request.user)
    qs = YearlyFacts.objects.filter(
        year=year, enterprise__in=services.visible_enterprises(request.user)
    ).select_related("enterprise__organisation")
    if filters.district:
        qs = qs.filter(enterprise__organisation__district_id=filters.district)
    return qs.order_by("enterprise_id")


@router.get("/{enterprise_id}/facts", response={200: list[FactsOut], **ERRORS}, summary="企业各年度数据")
def list_facts(request, enterprise_id: int = ENTERPRISE_ID):
    return list(_enterprise(request, enterprise_id).facts.order_by("year"))


@router.get("/{enterprise_id}/facts/{year}", response={200: FactsOut, **ERRORS}, summary="企业某年度数据")
def get_facts(request, enterprise_id: int = ENTERPRISE_ID, year: int = YEAR):
    facts = _enterprise(request, enterprise_id).facts.filter(year=year).first()
    if facts is None:
        raise HttpError(404, _("该企业没有这一年度的数据"))
    return facts


def _write_facts(request, enterprise_id: int, year: int, payload, *, replace: bool):
    enterprise = _enterprise(request, enterprise_id, write=True)
    existed = enterprise.facts.filter(year=year).exists()
    facts = facts_service.save_facts(
        request.user, enterprise, year, payload.model_dump(exclude_unset=True), replace=replace
    )
    return Status(200 if existed else 201, facts)


@router.put(
    "/{enterprise_id}/facts/{year}",
    response={200: FactsOut, 201: FactsOut, **WRITE_ERRORS},
    summary="写入企业某年度数据（整体替换）",
)
def put_facts(request, payload: FactsIn, enterprise_id: int = ENTERPRISE_ID, year: int = YEAR):
    """Create or replace the year's facts: a field left out becomes unknown (null)."""
    return _write_facts(request, enterprise_id, year, payload, replace=True)


@router.patch(
    "/{enterprise_id}/facts/{year}",
    response={200: FactsOut, 201: FactsOut, **WRITE_ERRORS},
    summary="修改企业某年度数据（部分字段）",
)
def patch_facts(request, payload: FactsIn, enterprise_id: int = ENTERPRISE_ID, year: int = YEAR):
    """Create or update the year's facts: only the fields sent change."""
    return _write_facts(request, enterprise_id, year, payload, replace=False)
