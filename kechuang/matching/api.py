"""The matching API: demands and achievements (list, search, read, post), a record's matches, and
recording a brokering outcome. Scoping and validation are the pages' own (services.py).

A record the caller may not read answers **404**, exactly as a missing one, so private ids cannot
be probed. Matches are staff business: a readable record's matches answer **403** to anyone else.
Money is sent and returned as decimal strings in yuan (``"3000000.00"``), never as floats.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict

from kechuang.core.api_schemas import ERRORS, WRITE_ERRORS, decimal_text
from kechuang.core.models import Organisation

from . import services
from .models import Achievement, Match, TechField, Visibility

router = Router(tags=["matching"])
MAX_ID = 2**63 - 1
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


# The models' DecimalFields (16 digits, 2 of them after the point) and their MinValueValidator(0).
Money = decimal_text(digits=14, example="3000000.00") | None


class OrgOut(Schema):
    id: int
    name: str
    district: str

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


class DemandOut(Schema):
    id: int
    title: str = Field(description="需求名称")
    problem: str = Field(description="技术难题描述")
    field: str = Field(
        description="技术领域代码：" + "、".join(f"{v} {label}" for v, label in TechField.choices)
    )
    industry_code: str
    budget: Decimal | None = Field(description="预算（元）；null 为面议")
    deadline: dt.date | None
    contact_name: str
    contact_phone: str
    visibility: str = Field(description="public 公开 · private 不公开")
    status: str = Field(description="open 征集中 · solved 已解决 · closed 已关闭")
    organisation: OrgOut
    created_at: dt.datetime


class AchievementOut(Schema):
    id: int
    title: str
    abstract: str
    field: str
    leader: str
    maturity: str = Field(description="、".join(f"{v} {label}" for v, label in Achievement.Maturity.choices))
    ip_kind: str
    ip_detail: str
    transfer_mode: str = Field(
        description="、".join(f"{v} {label}" for v, label in Achievement.TransferMode.choices)
    )
    asking_price: Decimal | None = Field(description="意向价格（元）；null 为面议")
    contact_name: str
    contact_phone: str
    visibility: str
    status: str
    organisation: OrgOut
    created_at: dt.datetime


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class DemandIn(_Strict):
    title: str = Field(max_length=100)
    problem: str = Field(max_length=4000)
    field: str = Field(description="技术领域代码")
    industry_code: str = Field("", max_length=8)
    budget: Money = Field(None, description='预算（元），十进制字符串（例如 "3000000.00"）或整数')
    deadline: dt.date | None = None
    contact_name: str = Field(max_length=32)
    contact_phone: str = Field(max_length=32)
    visibility: str = Field(Visibility.PUBLIC, description="public / private")
    enterprise: int | None = Field(
        None, ge=1, le=MAX_ID, description="代企业发布时：企业机构编号（工作人员必填）"
    )


class AchievementIn(_Strict):
    title: str = Field(max_length=100)
    abstract: str = Field(max_length=4000)
    field: str
    leader: str = Field("", max_length=64)
    maturity: str
    ip_kind: str = Achievement.IpKind.NONE
    ip_detail: str = Field("", max_length=200)
    transfer_mode: str
    asking_price: Money = Field(None, description="意向价格（元）；null 为面议")
    contact_name: str = Field(max_length=32)
    contact_phone: str = Field(max_length=32)
    visibility: str = Visibility.PUBLIC
    institute: int | None = Field(
        None, ge=1, le=MAX_ID, description="代高校院所发布时：机构编号（工作人员必填）"
    )


class MatchOut(Schema):
    id: int
    kind: str = Field(description="demand_achievement · demand_expert · achievement_enterprise")
    demand_id: int | None
    achievement_id: int | None
    expert_id: int | None = Field(description="专家画像编号（IndexedExpert）")
    enterprise_id: int | None = Field(description="企业机构编号")
    target_name: str
    district: str
    rank: int | None
    score: float = Field(description="匹配度（无量纲，越高越相关）")
    reasons: dict = Field(description="shared 共同词、related 相关词、snippet 片段及 snippet_spans 高亮位置")
    status: str = Field(
        description="recommended 推荐 · contacted 已联系 · intention 有意向 · signed 已签约 · invalid 无效"
    )
    status_reason: str
    event_id: int | None
    agreement_amount: Decimal | None

    @staticmethod
    def resolve_target_name(obj) -> str:
        return services._target(obj)["title"]

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


class TransitionIn(_Strict):
    action: Literal[tuple(services.ACTIONS)] = Field(  # type: ignore[valid-type]
        description="contact 已联系 · express_intention 有意向 · sign 已签约 · invalidate 无效"
    )
    reason: str = Field("", max_length=1000, description="说明；标记无效时必填")
    event: int | None = Field(None, ge=1, le=MAX_ID, description="对接活动编号")
    amount: Money = Field(None, description="签约金额（元），仅签约时填写")


class PostingFilters(Schema):
    q: str = Field("", max_length=100, description="关键词，空格分隔")
    field: str = Field("", max_length=32)
    district: int | None = Field(None, ge=1, le=MAX_ID)
    status: str = Field("", max_length=16)
    mine: bool = Field(False, description="只看本单位")


RECORD_ID = Path(..., ge=1, le=MAX_ID)


def _org(pk: int | None, kind: str) -> Organisation | None:
    if pk is None:
        return None
    return Organisation.objects.filter(pk=pk, kind=kind).select_related("district").first()


# ------------------------------------------------------------------------------------ demands


@router.get("/demands", response={200: list[DemandOut], **ERRORS}, summary="查询技术需求")
@paginate(Page)
def list_demands(request, filters: Query[PostingFilters]):
    return services.search_demands(request.user, **filters.model_dump())


@router.post("/demands", response={201: DemandOut, **WRITE_ERRORS}, summary="发布技术需求")
def create_demand(request, payload: DemandIn):
    data = payload.model_dump(exclude={"enterprise"})
    enterprise = _org(payload.enterprise, Organisation.Kind.ENTERPRISE)
    if payload.enterprise is not None and enterprise is None:
        raise ValidationError({"enterprise": _("未找到该企业")})
    return Status(201, services.post_demand(request.user, data, enterprise=enterprise))


@router.get("/demands/{demand_id}", response={200: DemandOut, **ERRORS}, summary="技术需求详情")
def get_demand(request, demand_id: int = RECORD_ID):
    return services.get_demand(request.user, demand_id)


@router.get(
    "/demands/{demand_id}/matches", response={200: list[MatchOut], **ERRORS}, summary="技术需求的匹配结果"
)
def demand_matches(request, demand_id: int = RECORD_ID):
    demand = services.get_demand(request.user, demand_id)
    if not services.can_see_matches(request.user, demand):
        raise PermissionDenied(_("对接匹配仅限科技部门工作人员查看"))
    return list(
        demand.matches.select_related("achievement", "expert", "district").order_by(
            "kind", *Match._meta.ordering
        )
    )


# ------------------------------------------------------------------------------------ achievements


@router.get("/achievements", response={200: list[AchievementOut], **ERRORS}, summary="查询科技成果")
@paginate(Page)
def list_achievements(request, filters: Query[PostingFilters]):
    return services.search_achievements(request.user, **filters.model_dump())


@router.post("/achievements", response={201: AchievementOut, **WRITE_ERRORS}, summary="发布科技成果")
def create_achievement(request, payload: AchievementIn):
    data = payload.model_dump(exclude={"institute"})
    institute = _org(payload.institute, Organisation.Kind.INSTITUTE)
    return Status(201, services.post_achievement(request.user, data, institute=institute))


@router.get(
    "/achievements/{achievement_id}", response={200: AchievementOut, **ERRORS}, summary="科技成果详情"
)
def get_achievement(request, achievement_id: int = RECORD_ID):
    return services.get_achievement(request.user, achievement_id)


@router.get(
    "/achievements/{achievement_id}/matches",
    response={200: list[MatchOut], **ERRORS},
    summary="可能需要该成果的企业",
)
def achievement_matches(request, achievement_id: int = RECORD_ID):
    achievement = services.get_achievement(request.user, achievement_id)
    if not services.is_staff(request.user):
        raise PermissionDenied(_("对接匹配仅限科技部门工作人员查看"))
    qs = services.visible_matches(request.user).filter(
        achievement=achievement, kind=Match.Kind.ACHIEVEMENT_ENTERPRISE
    )
    return list(qs.order_by(*Match._meta.ordering))


class MatchFilters(Schema):
    status: str = Field("", max_length=16, description="对接状态")
    kind: str = Field("", max_length=24, description="匹配类型")
    district: int | None = Field(None, ge=1, le=MAX_ID, description="区县编号")
    event: int | None = Field(None, ge=1, le=MAX_ID, description="对接活动编号")


@router.get("/matches", response={200: list[MatchOut], **ERRORS}, summary="查询对接匹配（工作人员）")
@paginate(Page)
def list_matches(request, filters: Query[MatchFilters]):
    """The brokering cases in the caller's scope, most recently changed first: the outcome data."""
    if not services.is_staff(request.user):
        raise PermissionDenied(_("对接匹配仅限科技部门工作人员查看"))
    return services.search_matches(request.user, **filters.model_dump())


@router.post(
    "/matches/{match_id}/transitions",
    response={200: MatchOut, **WRITE_ERRORS},
    summary="记录对接情况（状态变更）",
)
def transition_match(request, payload: TransitionIn, match_id: int = RECORD_ID):
    event = None
    if payload.event is not None:
        event = services.visible_events(request.user).filter(pk=payload.event).first()
        if event is None:
            raise ValidationError({"event": _("未找到该对接活动")})
    return services.advance_match(
        request.user, match_id, payload.action, reason=payload.reason, event=event, amount=payload.amount
    )
