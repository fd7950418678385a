"""The statistical year (统计年度) the city and district pages report on.

The bureau closes a year once its yearly facts are complete; pages then use the latest closed year.
Until one is closed, the app that keeps yearly facts proposes the year that covers most enterprises,
never simply the highest year present (one enterprise filing next year early must not move the city).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ClosedYear, Role
from .permissions import Decision, role_of

FIRST_YEAR = 2000


def latest_closed() -> int | None:
    return ClosedYear.objects.order_by("-year").values_list("year", flat=True).first()


def closed_years() -> set[int]:
    return set(ClosedYear.objects.values_list("year", flat=True))


def can_close(user) -> Decision:
    if role_of(user) in (Role.ADMIN, Role.BUREAU_STAFF):
        return Decision(True)
    return Decision(False, _("仅市局工作人员可以关闭统计年度"))


@transaction.atomic
def close_year(user, year) -> ClosedYear:
    """Close ``year``: from now on city and district pages report on it (unless a later one is closed)."""
    can_close(user).enforce()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("年度须为四位数字，例如 2025")}) from None
    last = timezone.localdate().year - 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationError(
            {
                "year": _("年度须在 %(first)s 至 %(last)s 之间（只能关闭已结束的年度）")
                % {"first": FIRST_YEAR, "last": last}
            }
        )
    if ClosedYear.objects.filter(year=year).exists():
        raise ValidationError({"year": _("%(y)s年度已经关闭") % {"y": year}})
    return ClosedYear.objects.create(year=year, closed_by=user)
