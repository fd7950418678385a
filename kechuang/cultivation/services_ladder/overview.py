"""The years the pages offer, counts per rung, and the staff's own rung decisions."""

from django.db.models import Count
from django.utils import timezone

from kechuang.enterprises.models import YearlyFacts

from ..models.ladder import Candidate, Rung, RungMembership, RungSource
from .access import pool_scope, require_city_writer
from .rungs import grant_rung


def facts_years() -> list[int]:
    return sorted(YearlyFacts.objects.values_list("year", flat=True).distinct(), reverse=True)


def default_facts_year() -> int:
    years = facts_years()
    return years[0] if years else timezone.localdate().year - 1


def pool_years() -> list[int]:
    years = set(Candidate.objects.values_list("year", flat=True).distinct())
    years.add(default_facts_year())
    return sorted(years, reverse=True)


def default_pool_year() -> int:
    return max(Candidate.objects.values_list("year", flat=True).distinct(), default=default_facts_year())


def rung_years() -> list[int]:
    years = set(RungMembership.objects.values_list("year", flat=True).distinct())
    years.add(default_facts_year())
    return sorted(years, reverse=True)


def default_rung_year() -> int:
    return max(RungMembership.objects.values_list("year", flat=True).distinct(), default=default_facts_year())


def rung_counts(user, year: int) -> list[dict]:
    """Members per rung in ``year`` within ``user``'s scope, with last year's and the flagged."""

    def counts(y):
        return dict(
            RungMembership.objects.filter(pool_scope(user), year=y)
            .values_list("rung")
            .annotate(n=Count("pk"))
        )

    now, before = counts(year), counts(year - 1)
    flagged = dict(
        RungMembership.objects.filter(pool_scope(user), year=year)
        .exclude(flag="")
        .values_list("rung")
        .annotate(n=Count("pk"))
    )
    return [
        {"code": r.value, "label": r.label, "count": now.get(r.value, 0), "last": before.get(r.value, 0),
         "flagged": flagged.get(r.value, 0)}
        for r in Rung
    ]  # fmt: skip


def staff_grant(user, enterprise, year: int, rung: str, *, reason: str, approver) -> RungMembership:
    """A staff decision (with its approver) putting ``enterprise`` on ``rung``: city staff only."""
    require_city_writer(user)
    return grant_rung(
        enterprise, year, rung, source=RungSource.STAFF, actor=user, reason=reason, approver=approver
    )
