"""The talent API (read): 科技副总 appointments and 科技特派员, scoped as the pages are."""

import datetime as dt

from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from kechuang.core.api_schemas import ERRORS

from . import services

router = Router(tags=["talent"])


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


class AppointmentOut(Schema):
    id: int
    person: str = Field(description="姓名")
    institute: str = Field(description="派出单位")
    enterprise: str = Field(description="聘任企业")
    district: str = Field(description="企业所在区县")
    tech_field: str
    starts_on: dt.date
    ends_on: dt.date
    status: str = Field(description="serving 在任 · assessed 已考核 · renewed 已续聘 · ended 已期满")
    grade: str = Field(
        description="企业考核等级：excellent 优秀 · good 良好 · pass 合格 · fail 不合格；空为未考核"
    )

    @staticmethod
    def resolve_institute(obj) -> str:
        return obj.institute.name

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.enterprise.organisation.name

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.enterprise.organisation.district.name


class CommissionerOut(Schema):
    id: int
    name: str
    kind: str = Field(description="individual 个人 · team 团队 · legal_person 法人")
    members: int = Field(description="人数")
    district: str = Field(description="服务区县")
    served_kind: str = Field(description="village 村（社区） · cooperative 合作社 · enterprise 企业")
    served_name: str
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS}, summary="查询科技副总")
@paginate(Page)
def list_appointments(request):
    return services.visible_appointments(request.user).order_by("pk")


@router.get("/commissioners", response={200: list[CommissionerOut], **ERRORS}, summary="查询科技特派员")
@paginate(Page)
def list_commissioners(request):
    return services.visible_commissioners(request.user).order_by("pk")
