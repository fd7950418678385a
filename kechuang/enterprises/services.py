"""Use-cases of the enterprise registry: what pages, the API, commands and tasks call."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kechuang.core.permissions import can_read, can_write, scope_q
from kechuang.engines import labels as label_engine

from .models import DerivedLabel, Enterprise, YearlyFacts

FACT_FIELDS = [
    f.name
    for f in YearlyFacts._meta.concrete_fields
    if f.name not in ("id", "enterprise", "year", "updated_at")
]


def visible_enterprises(user) -> QuerySet[Enterprise]:
    """Every enterprise ``user`` may read (row-level scope of DESIGN.md)."""
    return Enterprise.objects.filter(
        scope_q(user, district_field="organisation__district_id", organisation_field="organisation_id")
    )


def get_enterprise(user, pk: int, *, write: bool = False) -> Enterprise:
    """The enterprise, or 404 when it does not exist, or PermissionDenied with the reason."""
    enterprise = get_object_or_404(Enterprise.objects.select_related("organisation__district"), pk=pk)
    check = can_write if write else can_read
    check(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk).enforce()
    return enterprise


def search_enterprises(
    user,
    *,
    q: str = "",
    district: int | None = None,
    industry: str = "",
    label: str = "",
    year: int | None = None,
) -> QuerySet[Enterprise]:
    """The list page's and the API's search: name or USCC, district, industry prefix, label, year."""
    qs = visible_enterprises(user).select_related("organisation__district")
    q = q.strip()
    if q:
        qs = qs.filter(Q(organisation__uscc=q.upper()) if len(q) == 18 else Q(organisation__name__contains=q))
    if district:
        qs = qs.filter(organisation__district_id=district)
    if industry:
        qs = qs.filter(industry_code__startswith=industry.upper())
    if year:
        qs = qs.filter(facts__year=year)
    if label:
        label_filter = {"labels__code": label, "labels__status": DerivedLabel.Status.YES}
        if year:
            label_filter["labels__year"] = year
        qs = qs.filter(**label_filter)
    return qs.distinct() if (label and not year) else qs


def _status(value: bool | None) -> str:
    if value is None:
        return DerivedLabel.Status.UNKNOWN
    return DerivedLabel.Status.YES if value else DerivedLabel.Status.NO


@transaction.atomic
def recompute_labels(enterprise_ids: Iterable[int] | None = None, *, batch_size: int = 5000) -> int:
    """Recompute the derived labels of the given enterprises (all when None) from their facts.

    Returns the number of label rows written. Labels are replaced per (enterprise, year, code) so a
    rule-version change or a corrected fact never leaves a stale label behind.
    """
    facts = YearlyFacts.objects.select_related("enterprise")
    ids = None if enterprise_ids is None else list(set(enterprise_ids))
    if ids is not None:
        if not ids:
            return 0
        facts = facts.filter(enterprise_id__in=ids)
    rows = []
    for f in facts.only(
        "enterprise_id", "year", "revenue", "rd_expense", "enterprise__industry_code"
    ).iterator(chunk_size=batch_size):
        for lab in label_engine.derive(
            {"revenue": f.revenue, "rd_expense": f.rd_expense}, f.enterprise.industry_code
        ):
            rows.append(
                DerivedLabel(
                    enterprise_id=f.enterprise_id,
                    year=f.year,
                    code=lab.code,
                    status=_status(lab.status),
                    value=lab.value,
                    rule_version=label_engine.RULE_VERSION,
                )
            )
    old = DerivedLabel.objects.filter(code__in=("above_scale", "rd_active", "rd_intensity"))
    if ids is not None:
        for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
            old.filter(enterprise_id__in=ids[start : start + 900]).delete()
    else:
        old.delete()
    DerivedLabel.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def facts_by_year(enterprise: Enterprise) -> list[YearlyFacts]:
    return list(enterprise.facts.order_by("year"))


def labels_by_year(enterprise: Enterprise) -> dict[int, dict[str, DerivedLabel]]:
    out: dict[int, dict[str, DerivedLabel]] = {}
    for lab in enterprise.labels.all():
        out.setdefault(lab.year, {})[lab.code] = lab
    return out


def require_city_staff(user) -> None:
    if not (user.is_authenticated and user.is_city_staff):
        raise PermissionDenied(_("仅限市局工作人员"))
