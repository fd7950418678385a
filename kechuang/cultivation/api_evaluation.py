"""The evaluation's API: the current systems, and an enterprise's yearly scores with their ranks (read only;
scoring runs from the pages or ``kechuang evaluate run``)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from kechuang.core.api_schemas import ERRORS

from .models.evaluation import EnterpriseScore, IndicatorSystem
from .services_evaluation import portrait, systems

router = Router(tags=["cultivation"])

MAX_ID = 2**63 - 1
ENTERPRISE_ID = Path(..., ge=1, le=MAX_ID, description="企业编号")


# Not "IndicatorOut": OpenAPI components are named after the class, and the indicators app has one.
class SystemIndicatorOut(Schema):
    name: str
    group: str
    formula: str = Field(description="计算公式代码")
    benefit: bool = Field(description="越大越好")
    weight: float = Field(description="专家权重")


class SystemOut(Schema):
    id: int
    code: str
    version: int
    name: str
    weight_method: str
    composite_method: str
    normalisation: str
    indicators: list[SystemIndicatorOut]


class ScoreOut(Schema):
    system: str = Field(description="评价体系代码")
    version: int
    year: int
    score: float = Field(description="综合得分（满分100）")
    rank_city: int
    rank_district: int
    rank_industry: int


@router.get("/systems", response={200: list[SystemOut], **ERRORS}, summary="评价指标体系（现行版本）")
def list_systems(request):
    if not systems.can_view(request.user):
        raise PermissionDenied(_("当前角色无权查看企业评价"))
    return [
        {
            "id": s.pk,
            "code": s.code,
            "version": s.version,
            "name": s.name,
            "weight_method": s.weight_method,
            "composite_method": s.composite_method,
            "normalisation": s.normalisation,
            "indicators": [
                {
                    "name": i.name,
                    "group": i.group,
                    "formula": i.formula,
                    "benefit": i.benefit,
                    "weight": float(i.weight),
                }
                for i in s.indicators.all()
            ],
        }
        for s in IndicatorSystem.objects.filter(is_current=True)
        .prefetch_related("indicators")
        .order_by("code")
    ]


@router.get(
    "/enterprises/{enterprise_id}/scores",
    response={200: list[ScoreOut], **ERRORS},
    summary="企业历年评价得分",
)
def enterprise_scores(request, enterprise_id: int = ENTERPRISE_ID):
    """An enterprise's scores by every system version, oldest year first: the enterprise itself, its
    district and the city may read them (404 otherwise)."""
    from kechuang.enterprises.models import Enterprise

    enterprise = Enterprise.objects.select_related("organisation").filter(pk=enterprise_id).first()
    if enterprise is None or not portrait.can_see(request.user, enterprise):
        raise HttpError(404, _("未找到该企业"))
    rows = (
        EnterpriseScore.objects.filter(enterprise=enterprise)
        .select_related("run__system")
        .order_by("year", "run__system__code")
    )
    return [
        {
            "system": s.run.system.code,
            "version": s.run.system.version,
            "year": s.year,
            "score": s.score,
            "rank_city": s.rank_city,
            "rank_district": s.rank_district,
            "rank_industry": s.rank_industry,
        }
        for s in rows
    ]
