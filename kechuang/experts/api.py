"""The expert app's API: expert search (staff), a round's panels (city staff), an expert's own
assignments (experts only; nobody else's are ever listed)."""

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from kechuang.core.api_schemas import ERRORS
from kechuang.core.models import Role

from . import services

router = Router(tags=["experts"])


class ExpertOut(Schema):
    id: int
    name: str
    organisation: str = Field(description="工作单位")
    district: str | None = Field(None, description="所在区县")
    title: str = Field(description="职称代码：senior/associate/intermediate/other")
    keywords: str
    fields: list[str] = Field(description="学科（GB/T 13745）和行业（GB/T 4754）代码")
    status: str = Field(description="入库状态：pending/approved/rejected")
    available: bool


class ExpertFilters(Schema):
    q: str = Field("", max_length=100, description="姓名、单位或关键词")
    field: str = Field("", max_length=32, description="学科或行业代码前缀")
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    title: str = Field("", max_length=16)
    status: str = Field("", max_length=16)


def _expert_out(e) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "organisation": e.organisation.name,
        "district": e.district.name if e.district else None,
        "title": e.title,
        "keywords": e.keywords,
        "fields": [f.code for f in e.fields.all()],
        "status": e.status,
        "available": e.available,
    }


@router.get("/", response={200: list[ExpertOut], **ERRORS}, summary="检索专家")
@paginate(PageNumberPagination, page_size=50)
def search(request, filters: Query[ExpertFilters]):
    services.can_view_experts(request.user).enforce()
    qs = services.search_experts(request.user, **filters.dict()).prefetch_related("fields")
    return [_expert_out(e) for e in qs]


class PanelExpertOut(Schema):
    expert_id: int
    name: str
    organisation: str
    affinity: float = Field(description="匹配度，0至1")
    probability: float | None = Field(None, description="入选概率（随机抽取时）")
    reserve_rank: int | None = Field(None, description="候补顺序；正式评审专家为 null")
    declaration: str


class ConflictOut(Schema):
    expert_id: int
    name: str
    codes: list[str]
    text: str


class PanelOut(Schema):
    item_id: int
    code: str
    title: str
    applicant: str
    panel: list[PanelExpertOut]
    reserves: list[PanelExpertOut]
    conflicts: list[ConflictOut]


class RoundPanelsOut(Schema):
    id: int
    name: str
    rule: str
    status: str
    seed: int | None
    panels: list[PanelOut]


def _seat(a) -> dict:
    return {
        "expert_id": a.expert_id,
        "name": a.expert.name,
        "organisation": a.expert.organisation.name,
        "affinity": a.affinity,
        "probability": a.probability,
        "reserve_rank": a.reserve_rank,
        "declaration": a.declaration,
    }


@router.get("/rounds/{int:pk}/panels", response={200: RoundPanelsOut, **ERRORS}, summary="遴选批次的专家名单")
def round_panels(request, pk: int):
    rnd = services.get_round(request.user, pk)
    return {
        "id": rnd.pk,
        "name": rnd.name,
        "rule": rnd.rule,
        "status": rnd.status,
        "seed": rnd.seed,
        "panels": [
            {
                "item_id": row["item"].pk,
                "code": row["item"].code,
                "title": row["item"].title,
                "applicant": row["item"].applicant_name,
                "panel": [_seat(a) for a in row["panel"]],
                "reserves": [_seat(a) for a in row["reserves"]],
                "conflicts": [
                    {
                        "expert_id": c.expert_id,
                        "name": c.expert.name,
                        "codes": [d["code"] for d in c.codes],
                        "text": c.text,
                    }
                    for c in row["conflicts"]
                ],
            }
            for row in services.panels(rnd)
        ],
    }


class MyAssignmentOut(Schema):
    id: int
    round: str
    item_id: int
    title: str
    applicant: str
    declaration: str = Field(description="pending：打开项目前须先声明；no_conflict；conflict")


@router.get("/me/assignments", response={200: list[MyAssignmentOut], **ERRORS}, summary="本人的评审任务")
def my_assignments(request):
    if request.user.role != Role.EXPERT:
        raise HttpError(403, _("此接口仅供评审专家使用"))
    return [
        {
            "id": a.pk,
            "round": a.round.name,
            "item_id": a.item_id,
            "title": a.item.title,
            "applicant": a.item.applicant_name,
            "declaration": a.declaration,
        }
        for a in services.my_assignments(request.user)
    ]
