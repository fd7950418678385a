"""The platforms API: platforms, incubators and the yearly reports, scoped as the pages are (a district
its own, a host its own platforms, city staff all). A record outside the caller's scope answers 404,
as one that does not exist. A host files its report through PUT (a new version) and POST …/submit.

Money is returned as decimal strings in yuan; report figures are decimal strings in the unit the
evaluation system names.
"""

import datetime as dt
from decimal import Decimal
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict

from kechuang.core.api_schemas import ERRORS, WRITE_ERRORS

from . import reports, services
from .models import AnnualReport, CarrierStatus, Incubator, Level, Platform

router = Router(tags=["platforms"])

MAX_ID = 2**63 - 1
ID = Path(..., ge=1, le=MAX_ID, description="编号")


def _require(user) -> None:
    if not services.can_view_registry(user):
        raise PermissionDenied(_("当前角色无权查看创新平台"))


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


class OrgOut(Schema):
    id: int
    name: str
    district: str

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


class PlatformOut(Schema):
    id: int
    name: str
    kind: str = Field(
        description="平台类型代码：" + "、".join(f"{v} {label}" for v, label in Platform.Kind.choices)
    )
    level: str = Field(description="national 国家级 · provincial 省级 · city 市级")
    host: OrgOut = Field(description="依托单位")
    tech_field: str = Field(description="技术领域")
    recognised_on: dt.date | None = Field(description="认定日期")
    document: str = Field(description="认定文件")
    staff: int | None = Field(description="固定人员（人）")
    senior_staff: int | None = Field(description="高级职称人员（人）")
    equipment_yuan: Decimal | None = Field(description="仪器设备原值（元）")
    status: str = Field(
        description="pending 待认定 · active 运行中 · under_evaluation 评估中 · warned 限期整改 · withdrawn 已撤销"
    )


class IncubatorOut(Schema):
    id: int
    name: str
    kind: str = Field(
        description="makerspace 众创空间 · incubator 孵化器 · accelerator 加速器 · agri_makerspace 星创天地"
    )
    level: str
    operator: OrgOut = Field(description="运营机构")
    recognised_on: dt.date | None
    area_m2: Decimal | None = Field(description="场地面积（平方米）")
    investment_yuan: Decimal | None = Field(description="在孵企业获得投融资（元）")
    tenants: int = Field(description="在孵企业（家）")
    graduated: int = Field(description="已毕业企业（家）")
    status: str

    @staticmethod
    def resolve_tenants(obj) -> int:
        return obj.tenants.filter(graduated_on__isnull=True).count()

    @staticmethod
    def resolve_graduated(obj) -> int:
        return obj.tenants.filter(graduated_on__isnull=False).count()


class ReportOut(Schema):
    id: int
    year: int
    platform: int | None = Field(description="创新平台编号")
    incubator: int | None = Field(description="孵化载体编号")
    due_on: dt.date
    status: str = Field(
        description="draft 填报中 · submitted 已提交 · returned 退回修改 · accepted 审核通过 · graded 已评价 · decided 已处理"
    )
    version: int
    figures: dict[str, str] = Field(description="年度数据：指标代码 → 数值（十进制字符串）")
    summary: str
    score: Decimal | None = Field(description="评价得分（0至100）")
    grade: str = Field(description="评价等级")
    decision: str = Field(description="support 继续支持 · warning 警示整改 · withdrawal 撤销资格")

    @staticmethod
    def resolve_platform(obj) -> int | None:
        return obj.platform_id

    @staticmethod
    def resolve_incubator(obj) -> int | None:
        return obj.incubator_id


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")
    figures: dict[str, str] = Field(description="年度数据：指标代码 → 不小于0的数值（十进制字符串）")
    summary: str = Field("", max_length=4000, description="年度工作总结")


class Filters(Schema):
    q: str = Field("", max_length=100, description="名称、依托单位或技术领域关键词")
    district: int | None = Field(None, ge=1, le=MAX_ID, description="区县编号")
    kind: str = Field("", max_length=32, description="类型代码")
    level: Level | None = Field(None, description="级别")
    status: CarrierStatus | None = Field(None, description="状态")


# The OpenAPI components are named after the enum class: ``AnnualReport.Status`` would share the name
# "Status" with other apps' enums and the document would list their values for this filter.
AnnualReportStatus = Enum("AnnualReportStatus", {m.name: m.value for m in AnnualReport.Status}, type=str)


class ReportFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度")
    status: AnnualReportStatus | None = Field(None, description="状态")


def _printable(text: str) -> str:
    return "".join(c for c in text if c.isprintable())


def _filters(f: Filters) -> dict:
    return {
        "q": _printable(f.q), "district": f.district, "kind": _printable(f.kind),
        "level": f.level.value if f.level else "", "status": f.status.value if f.status else "",
    }  # fmt: skip


@router.get("/", response={200: list[PlatformOut], **ERRORS}, summary="查询创新平台")
@paginate(Page)
def list_platforms(request, filters: Query[Filters]):
    _require(request.user)
    return services.search_platforms(request.user, **_filters(filters)).order_by("pk")


@router.get("/incubators", response={200: list[IncubatorOut], **ERRORS}, summary="查询孵化载体")
@paginate(Page)
def list_incubators(request, filters: Query[Filters]):
    _require(request.user)
    return services.search_incubators(request.user, **_filters(filters)).order_by("pk")


@router.get("/incubators/{incubator_id}", response={200: IncubatorOut, **ERRORS}, summary="孵化载体详情")
def get_incubator(request, incubator_id: int = ID) -> Incubator:
    _require(request.user)
    return services.get_incubator(request.user, incubator_id)


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="查询年度报告")
@paginate(Page)
def list_reports(request, filters: Query[ReportFilters]):
    _require(request.user)
    qs = reports.visible_reports(request.user)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    return qs.order_by("pk")


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="年度报告详情")
def get_report(request, report_id: int = ID) -> AnnualReport:
    _require(request.user)
    return reports.get_report(request.user, report_id)


@router.put(
    "/reports/{report_id}", response={200: ReportOut, **WRITE_ERRORS}, summary="保存年度报告（新版本）"
)
def save_report(request, body: ReportIn, report_id: int = ID) -> AnnualReport:
    _require(request.user)
    report = reports.get_report(request.user, report_id)
    return reports.save_report(request.user, report, body.figures, body.summary)


@router.post("/reports/{report_id}/submit", response={200: ReportOut, **WRITE_ERRORS}, summary="提交年度报告")
def submit_report(request, report_id: int = ID) -> AnnualReport:
    _require(request.user)
    report = reports.get_report(request.user, report_id)
    return reports.submit_report(request.user, report)


@router.get("/{platform_id}", response={200: PlatformOut, **ERRORS}, summary="创新平台详情")
def get_platform(request, platform_id: int = ID) -> Platform:
    _require(request.user)
    return services.get_platform(request.user, platform_id)
