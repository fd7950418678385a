"""The enterprise portrait (企业画像): the latest scores of the current systems, a radar of the enterprise's
normalised indicators against its industry's median, score and ranks over the years, and strengths and
weaknesses in plain words."""

from django.utils.translation import gettext as _

from kechuang.core.permissions import can_read

from ..models.evaluation import EnterpriseScore, IndicatorSystem
from .formulas import FORMULAS, display
from .scoring import CITY, division_of

GAP = 0.1  # a difference of a tenth of the city's range is worth mentioning


def can_see(user, enterprise):
    return can_read(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk)


def _system_for_portrait(enterprise) -> IndicatorSystem | None:
    """The system the portrait shows: the built-in innovation system when it has scored this enterprise,
    else any current system that has."""
    scored = (
        EnterpriseScore.objects.filter(enterprise=enterprise, run__system__is_current=True)
        .order_by("-run__system__builtin", "run__system__code")
        .values_list("run__system_id", "run__system__code")
    )
    choice = None
    for system_id, code in scored:
        if code == "innovation":
            choice = system_id
            break
        choice = choice or system_id
    return IndicatorSystem.objects.filter(pk=choice).first() if choice else None


def portrait(enterprise) -> dict | None:
    system = _system_for_portrait(enterprise)
    if system is None:
        return None
    indicators = list(system.indicators.all())
    scores = list(
        EnterpriseScore.objects.filter(enterprise=enterprise, run__system=system)
        .select_related("run")
        .order_by("year")
    )
    latest = scores[-1]
    run = latest.run
    division = division_of(enterprise.industry_code)
    medians = run.medians.get(division) or run.medians.get(CITY) or {"norm": [], "raw": []}
    names = [i.name for i in indicators]
    sizes = run.group_sizes or {}
    items = []
    for k, ind in enumerate(indicators):
        formula = FORMULAS.get(ind.formula)
        unit = formula.unit if formula else "count"
        own_n = latest.normalised[k] if k < len(latest.normalised) else None
        med_n = medians["norm"][k] if k < len(medians["norm"]) else None
        own_raw = latest.values[k] if k < len(latest.values) else None
        med_raw = medians["raw"][k] if k < len(medians["raw"]) else None
        items.append(
            {
                "name": ind.name,
                "own": own_n,
                "median": med_n,
                "own_text": display(own_raw, unit),
                "median_text": display(med_raw, unit),
                "gap": None if own_n is None or med_n is None else own_n - med_n,
            }
        )
    return {
        "system": system,
        "latest": latest,
        "city_total": run.scored,
        "district_total": sizes.get("district", {}).get(str(enterprise.organisation.district_id)),
        "industry_total": sizes.get("division", {}).get(division),
        "history": scores,
        "radar": {
            "indicators": names,
            "own": [None if i["own"] is None else round(i["own"] * 100, 1) for i in items],
            "median": [None if i["median"] is None else round(i["median"] * 100, 1) for i in items],
            "own_label": _("本企业"),
            "median_label": _("同行业中位水平"),
            "years": [s.year for s in scores],
            "scores": [round(s.score, 1) for s in scores],
            "ranks": [s.rank_city for s in scores],
            "score_label": _("综合得分"),
            "rank_label": _("全市排名"),
        },
        "strengths": _strengths(items),
        "weaknesses": _weaknesses(items),
    }


def _strengths(items) -> list[str]:
    good = sorted((i for i in items if i["gap"] is not None and i["gap"] >= GAP), key=lambda i: -i["gap"])[:3]
    return [
        _("%(name)s为%(own)s，高于同行业中位水平（%(median)s）")
        % {"name": i["name"], "own": i["own_text"], "median": i["median_text"]}
        for i in good
    ]


def _weaknesses(items) -> list[str]:
    out = []
    weak = sorted((i for i in items if i["gap"] is not None and i["gap"] <= -GAP), key=lambda i: i["gap"])[:3]
    for i in weak:
        out.append(
            _("%(name)s为%(own)s，低于同行业中位水平（%(median)s），建议重点补强")
            % {"name": i["name"], "own": i["own_text"], "median": i["median_text"]}
        )
    missing = [i["name"] for i in items if i["own"] is None]
    if missing:
        out.append(_("%(names)s缺少年度数据，按最低水平计分，请及时补报") % {"names": "、".join(missing)})
    return out
