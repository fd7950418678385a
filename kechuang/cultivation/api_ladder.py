"""The ladder's API (read-only): an enterprise's rungs, a year's cultivation pool and its funnel.

Scoping is the pages' own: city staff see everything, district staff their district, an enterprise its
own rungs; a record outside the caller's scope answers 404 exactly like one that does not exist.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from kechuang.core.api_schemas import ERRORS
from kechuang.enterprises import services as enterprise_services

from .models.ladder import Candidate, RungMembership
from .services_ladder import access, funnel, pool

router = Router(tags=["cultivation"])
MAX_ID = 2**63 - 1


class RungOut(Schema):
    year: int = Field(description="年度")
    rung: str = Field(description="梯次代码：tech_sme、high_tech、gazelle、unicorn、leading、listing_reserve")
    rung_label: str = Field(description="梯次名称")
    source: str = Field(description="认定方式代码：rule、provincial、staff、selection")
    source_label: str = Field(description="认定方式")
    rule_version: str = Field(description="规则版本（规则判定时）")
    certificate_no: str = Field(description="证书编号（高企）")
    certified_on: dt.date | None = Field(None, description="发证日期")
    expires_on: dt.date | None = Field(None, description="有效期至")
    register_no: str = Field(description="入库登记编号（科小）")
    flag: str = Field(description="与年度数据不一致、待核实的问题；空为无")

    @staticmethod
    def resolve_rung_label(obj: RungMembership) -> str:
        return str(obj.get_rung_display())

    @staticmethod
    def resolve_source_label(obj: RungMembership) -> str:
        return str(obj.get_source_display())


class CandidateOut(Schema):
    id: int
    year: int = Field(description="培育年度")
    enterprise_id: int = Field(description="企业编号")
    enterprise_name: str = Field(description="企业名称")
    district: str = Field(description="所属区县")
    origin: str = Field(description="来源代码：near_miss、district、staff")
    status: str = Field(description="状态代码")
    status_label: str = Field(description="状态")
    owner: str = Field(description="培育责任单位")
    gaps: list[str] = Field(description="未满足的高企认定条件")

    @staticmethod
    def resolve_enterprise_name(obj: Candidate) -> str:
        return obj.enterprise.organisation.name

    @staticmethod
    def resolve_district(obj: Candidate) -> str:
        return obj.enterprise.organisation.district.name

    @staticmethod
    def resolve_status_label(obj: Candidate) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_owner(obj: Candidate) -> str:
        return obj.owner_label

    @staticmethod
    def resolve_gaps(obj: Candidate) -> list[str]:
        return [str(g.get("label", "")) for g in obj.gaps if isinstance(g, dict)]


class StageOut(Schema):
    code: str = Field(description="阶段代码：reserve、cultivate、apply、certified")
    label: str = Field(description="阶段名称")
    value: int = Field(description="企业数（家）")


class FunnelRowOut(Schema):
    name: str = Field(description="区县")
    counts: list[int] = Field(description="储备、培育、申报、认定企业数（家）")
    rates: dict[str, float | None] = Field(description="转化率（小数）：cultivate、apply、certified、overall")
    rates_last: dict[str, float | None] = Field(description="上年同口径转化率（小数）")


class FunnelOut(Schema):
    year: int
    stages: list[StageOut]
    rows: list[FunnelRowOut]
    total: FunnelRowOut


class PoolFilters(Schema):
    year: int = Field(..., ge=2000, le=2100, description="培育年度")
    status: str = Field("", max_length=16, description="状态代码，留空为全部")


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


ENTERPRISE_ID = Path(..., ge=1, le=MAX_ID, description="企业编号")
YEAR = Path(..., ge=2000, le=2100, description="培育年度")


@router.get(
    "/enterprises/{enterprise_id}/rungs", response={200: list[RungOut], **ERRORS}, summary="企业各年度梯次"
)
def enterprise_rungs(request, enterprise_id: int = ENTERPRISE_ID):
    if not enterprise_services.can_use_registry(request.user):
        raise PermissionDenied(_("当前角色无权查看企业梯次"))
    enterprise = enterprise_services.visible_enterprises(request.user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise HttpError(404, _("未找到该企业"))
    return list(RungMembership.objects.filter(enterprise=enterprise).order_by("year", "rung"))


@router.get("/pool", response={200: list[CandidateOut], **ERRORS}, summary="高企培育库")
@paginate(Page)
def pool_list(request, filters: Query[PoolFilters]):
    access.can_view_pool(request.user).enforce()
    qs = pool.visible_candidates(request.user).filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("pk")


@router.get("/funnel/{year}", response={200: FunnelOut, **ERRORS}, summary="培育漏斗")
def pool_funnel(request, year: int = YEAR):
    access.can_view_pool(request.user).enforce()
    return funnel.funnel(request.user, year)
