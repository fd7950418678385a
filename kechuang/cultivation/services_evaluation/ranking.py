"""What the evaluation pages list: systems with their runs, a system's indicators and weights, and the
ranking of one run scoped to what the user may read."""

from django.db.models import Max, Q

from kechuang.core.models import District
from kechuang.core.permissions import scope_q
from kechuang.enterprises.models import YearlyFacts

from ..models.evaluation import EnterpriseScore, EvaluationRun, IndicatorSystem, WeightMethod
from .formulas import FORMULAS


def default_year() -> int | None:
    return YearlyFacts.objects.aggregate(y=Max("year"))["y"]


def system_rows() -> list[dict]:
    out = []
    for system in (
        IndicatorSystem.objects.filter(is_current=True)
        .prefetch_related("indicators")
        .order_by("-builtin", "code")
    ):
        runs = list(
            EvaluationRun.objects.filter(system__code=system.code).select_related("system").order_by("-year")
        )
        out.append({"system": system, "runs": runs, "n": len(system.indicators.all())})
    return out


def indicator_rows(system: IndicatorSystem) -> list[dict]:
    run = system.runs.order_by("-year").first()
    weights = run.weights if run else []
    rows = []
    total = sum(float(i.weight) for i in system.indicators.all()) or 1.0
    for k, ind in enumerate(system.indicators.all()):
        formula = FORMULAS.get(ind.formula)
        rows.append(
            {
                "indicator": ind,
                "formula": formula.label if formula else ind.formula,
                "expert_share": float(ind.weight) / total,
                "weight": weights[k] if k < len(weights) else None,
                "uses_expert": system.weight_method in (WeightMethod.EXPERT, WeightMethod.COMBINED),
            }
        )
    return rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def listing(user, params) -> dict | None:
    """The ranking of one run (``system`` = a system version's pk, ``year``), scoped to the user; filtered by
    district and by a name. None when nothing has been scored yet."""
    runs = EvaluationRun.objects.select_related("system").filter(scored__gt=0)
    run = None
    system_id, year = _int(params.get("system")), _int(params.get("year"))
    if ":" in (params.get("run") or ""):
        system_id, year = (_int(p) for p in params["run"].split(":", 1))
    if system_id:
        run = (
            runs.filter(system_id=system_id)
            .filter(**({"year": year} if year else {}))
            .order_by("-year")
            .first()
        )
    if run is None:
        current = runs.filter(system__is_current=True).order_by("-year", "-system__builtin", "system__code")
        # The innovation-capability system is what people mean by "the evaluation"; others on request.
        latest = current.first()
        run = current.filter(system__code="innovation", year=latest.year).first() if latest else None
        run = run or latest
    if run is None:
        return None
    rows = EnterpriseScore.objects.filter(run=run).filter(
        scope_q(
            user, district_field="enterprise__organisation__district_id", organisation_field="enterprise_id"
        )
    )
    district = _int(params.get("district"))
    if district:
        rows = rows.filter(enterprise__organisation__district_id=district)
    q = (params.get("q") or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(enterprise__organisation__name__icontains=q) | Q(enterprise__organisation__uscc=q)
        )
    rows = rows.select_related("enterprise__organisation__district").order_by("rank_city", "enterprise_id")
    return {
        "run": run,
        "rows": rows,
        "runs": runs.order_by("-year", "system__code"),
        "districts": District.objects.all(),
        "district": district,
        "q": q,
    }
