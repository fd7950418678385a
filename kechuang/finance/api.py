"""S&T finance API (read): the vouchers and the loans the caller may see (a firm its own, a bank its
loans, a provider its claims, a district its firms'), and the loan totals. Money as decimal strings
in yuan."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from kechuang.core.api_schemas import ERRORS
from kechuang.core.permissions import role_of

from .services import loans, vouchers

router = Router(tags=["finance"])


def _require(user) -> None:
    if role_of(user) in (None, "expert"):
        raise PermissionDenied(_("当前角色无权查看科技金融业务"))


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)


class VoucherOut(Schema):
    id: int
    number: str = Field(description="券号")
    scheme_id: int
    enterprise_id: int
    service_kind: str
    face_yuan: Decimal | None = Field(description="券面额（元）")
    claim_yuan: Decimal | None
    settled_yuan: Decimal | None
    status: str


class LoanOut(Schema):
    id: int
    bank_id: int
    contract_no: str
    borrower_id: int
    amount_yuan: Decimal
    rate: Decimal = Field(description="年利率（小数）")
    term_months: int
    granted_on: dt.date
    status: str
    loss_yuan: Decimal | None
    compensation_yuan: Decimal | None
    refunded_yuan: Decimal


class LoanTotalsOut(Schema):
    count: int
    filed: Decimal
    outstanding: Decimal
    defaulted: int
    loss: Decimal
    compensated: Decimal
    refunded: Decimal
    net: Decimal


@router.get("/vouchers", response={200: list[VoucherOut], **ERRORS}, summary="创新券")
@paginate(Page)
def list_vouchers(request):
    _require(request.user)
    return vouchers.visible(request.user).order_by("pk")


@router.get("/loans", response={200: list[LoanOut], **ERRORS}, summary="风险补偿贷款")
@paginate(Page)
def list_loans(request):
    _require(request.user)
    return loans.visible(request.user).order_by("pk")


@router.get("/loans/totals", response={200: LoanTotalsOut, **ERRORS}, summary="风险补偿贷款汇总")
def loan_totals(request):
    _require(request.user)
    return loans.totals(request.user)
