"""Evaluation systems as data: the built-in ones, and new versions saved by staff from the row editor."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, role_of

from ..models.evaluation import CompositeMethod, IndicatorSystem, Normalisation, SystemIndicator, WeightMethod
from .formulas import FORMULAS

# 创新积分制 in pattern: technology innovation, growth and investment groups (weights of the national
# pilot's enterprise-innovation-points indicators, simplified to what the yearly facts carry).
BUILTIN = {
    "innovation": {
        "name": gettext_noop("企业创新能力评价（创新积分制）"),
        "description": gettext_noop(
            "参照创新积分制，从技术创新、成长经营、研发投入三个方面评价企业创新能力。"
        ),
        "weight_method": WeightMethod.COMBINED,
        "composite_method": CompositeMethod.TOPSIS,
        "normalisation": Normalisation.VECTOR,
        "indicators": [
            (gettext_noop("技术创新"), "patents_per_100", True, "15"),
            (gettext_noop("技术创新"), "class1_ip", True, "10"),
            (gettext_noop("技术创新"), "high_tech_share", True, "15"),
            (gettext_noop("技术创新"), "transfers", True, "5"),
            (gettext_noop("成长经营"), "revenue_growth", True, "15"),
            (gettext_noop("成长经营"), "profit_margin", True, "5"),
            (gettext_noop("研发投入"), "rd_intensity", True, "20"),
            (gettext_noop("研发投入"), "rd_staff_share", True, "15"),
        ],
    },
    "high_growth": {
        "name": gettext_noop("高成长型科技企业筛选"),
        "description": gettext_noop("以营业收入、研发费用和从业人员增长为主，筛选高成长型科技驱动企业。"),
        "weight_method": WeightMethod.EXPERT,
        "composite_method": CompositeMethod.WEIGHTED_SUM,
        "normalisation": Normalisation.MINMAX,
        "indicators": [
            (gettext_noop("成长性"), "revenue_growth", True, "40"),
            (gettext_noop("成长性"), "rd_growth", True, "20"),
            (gettext_noop("成长性"), "employee_growth", True, "10"),
            (gettext_noop("创新投入"), "rd_intensity", True, "30"),
        ],
    },
}


def can_manage(user) -> bool:
    return role_of(user) in CITY_WRITERS


def can_view(user) -> bool:
    return role_of(user) in CITY_READERS | {Role.DISTRICT_STAFF}


def require_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("只有市局工作人员可以维护评价体系和发起评价"))


def current_systems():
    return (
        IndicatorSystem.objects.filter(is_current=True)
        .prefetch_related("indicators")
        .order_by("-builtin", "code")
    )


def ensure_builtin() -> list[IndicatorSystem]:
    """Create the built-in systems (version 1) if they are missing; returns their current versions."""
    out = []
    for code, spec in BUILTIN.items():
        system = IndicatorSystem.objects.filter(code=code, is_current=True).first()
        if system is None:
            rows = [
                {"group": g, "formula": f, "name": str(FORMULAS[f].label), "benefit": b, "weight": w}
                for g, f, b, w in spec["indicators"]
            ]
            system = save_version(
                None,
                code=code,
                name=spec["name"],
                description=spec["description"],
                weight_method=spec["weight_method"],
                composite_method=spec["composite_method"],
                normalisation=spec["normalisation"],
                subjective_share=Decimal("0.5"),
                rows=rows,
                builtin=True,
            )
        out.append(system)
    return out


def check_rows(rows: list[dict]) -> list[dict]:
    """Validate the indicator rows of the editor; raise ValidationError({"indicators": message}) naming the
    row and the rule."""
    clean = []
    if not rows:
        raise ValidationError({"indicators": _("评价体系至少需要一项指标")})
    if len(rows) > 40:
        raise ValidationError({"indicators": _("评价体系最多40项指标")})
    for i, row in enumerate(rows, start=1):
        formula = (row.get("formula") or "").strip()
        if formula not in FORMULAS:
            raise ValidationError({"indicators": _("第%(i)s项指标须从列表中选择计算公式") % {"i": i}})
        name = (row.get("name") or "").strip() or str(FORMULAS[formula].label)
        if len(name) > 64:
            raise ValidationError({"indicators": _("第%(i)s项指标名称不超过64字") % {"i": i}})
        group = (row.get("group") or "").strip()
        if len(group) > 32:
            raise ValidationError({"indicators": _("第%(i)s项指标类别不超过32字") % {"i": i}})
        try:
            weight = Decimal(str(row.get("weight", "")).strip() or "0")
        except InvalidOperation:
            raise ValidationError({"indicators": _("第%(i)s项指标的专家权重须为数字") % {"i": i}}) from None
        if not weight.is_finite() or weight < 0 or weight > 1000:
            raise ValidationError({"indicators": _("第%(i)s项指标的专家权重须在0至1000之间") % {"i": i}})
        clean.append(
            {
                "group": group,
                "formula": formula,
                "name": name,
                "benefit": bool(row.get("benefit")),
                "weight": weight,
            }
        )
    return clean


@transaction.atomic
def save_version(user, *, code: str, rows: list[dict], builtin: bool = False, **fields) -> IndicatorSystem:
    """Save a system as the next version of ``code`` (the first when new) and make it the current one.
    Earlier versions stay, with the scores they produced."""
    rows = check_rows(rows)
    weight_method = fields.get("weight_method")
    if weight_method in (WeightMethod.EXPERT, WeightMethod.COMBINED) and sum(r["weight"] for r in rows) <= 0:
        raise ValidationError({"indicators": _("专家赋权时至少一项指标的专家权重须大于0")})
    previous = IndicatorSystem.objects.select_for_update().filter(code=code).order_by("-version").first()
    version = previous.version + 1 if previous else 1
    IndicatorSystem.objects.filter(code=code, is_current=True).update(is_current=False)
    system = IndicatorSystem(
        code=code,
        version=version,
        builtin=builtin or bool(previous and previous.builtin),
        is_current=True,
        created_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
        **fields,
    )
    system.full_clean(exclude=["created_by"])
    system.save()
    bulk_create_with_history(
        [SystemIndicator(system=system, order=i, **r) for i, r in enumerate(rows, start=1)],
        SystemIndicator,
        default_user=system.created_by,
    )
    return system
