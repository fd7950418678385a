"""The technology market's API (read): registered contracts the caller may see, one contract, and
the monthly turnover table. Scoping is the pages' own (``services.visible``); a contract outside
the caller's scope answers 404 like one that does not exist. Money as decimal strings in yuan."""

import datetime as dt
from decimal import Decimal
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from kechuang.core.api_schemas import ERRORS
from kechuang.core.permissions import role_of

from . import services
from .models import TechContract

router = Router(tags=["techmarket"])
MAX_ID = 2**63 - 1


def _require(user) -> None:
    if role_of(user) in (None, "expert"):
        raise PermissionDenied(_("当前角色无权查看技术合同"))


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)


class ContractOut(Schema):
    id: int
    number: str | None = Field(description="登记编号")
    title: str = Field(description="合同名称")
    kind: str = Field(description="合同类型代码")
    field: str = Field(description="技术领域代码")
    seller_id: int = Field(description="卖方机构编号")
    seller: str = Field(description="卖方名称")
    buyer_name: str
    buyer_region: str
    signed_on: dt.date
    total_yuan: Decimal = Field(description="合同总金额（元）")
    transaction_yuan: Decimal = Field(description="技术交易额（元）")
    registered_on: dt.date | None
    status: str

    @staticmethod
    def resolve_seller(obj) -> str:
        return obj.seller.name


# Named for its own component in the OpenAPI document (a bare "Status" would collide with other apps').
ContractStatus = Enum("ContractStatus", {m.name: m.value for m in TechContract.Status}, type=str)


class ContractFilters(Schema):
    status: ContractStatus | None = Field(None, description="状态")
    year: int | None = Field(None, ge=2000, le=2100, description="登记年度")


class MonthOut(Schema):
    month: int | None = Field(description="月份；合计行为空")
    count: int = Field(description="登记合同数")
    total_yuan: Decimal
    transaction_yuan: Decimal = Field(description="技术交易额（元）")


@router.get("/contracts", response={200: list[ContractOut], **ERRORS}, summary="技术合同")
@paginate(Page)
def list_contracts(request, filters: Query[ContractFilters]):
    _require(request.user)
    qs = services.visible(request.user).order_by("pk")
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    if filters.year:
        qs = qs.filter(registered_on__year=filters.year)
    return qs


@router.get("/contracts/{contract_id}", response={200: ContractOut, **ERRORS}, summary="技术合同详情")
def get_contract(request, contract_id: int = Path(..., ge=1, le=MAX_ID)):
    _require(request.user)
    contract = services.visible(request.user).filter(pk=contract_id).first()
    if contract is None:
        raise HttpError(404, _("未找到该合同"))
    return contract


@router.get("/turnover/{year}", response={200: list[MonthOut], **ERRORS}, summary="技术合同月度成交额")
def turnover(request, year: int = Path(..., ge=2000, le=2100, description="登记年度")):
    _require(request.user)
    return [
        {
            "month": r["month"],
            "count": r["count"],
            "total_yuan": r["total"],
            "transaction_yuan": r["transaction"],
        }
        for r in services.monthly_table(year, request.user)
    ]
