"""Interest subsidies on an award of the interest-subsidy type: computed by the engine, attached to
the award's next planned tranche, never above the tranche or the award's ceiling, refused otherwise."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.finance.models import InterestSubsidy
from kechuang.finance.services import subsidies
from kechuang.programs.models import ProgrammeType
from kechuang.programs.services import awards as award_svc
from tests.programs.test_awards_support import approved, contract

pytestmark = pytest.mark.django_db


def _signed_award(city, support):
    call, _apps = approved(city)
    ProgrammeType.objects.filter(pk=call.programme_type_id).update(support=support)
    award = call.awards.order_by("rank").first()
    return award_svc.sign(city["users"]["staff"], award, **contract(award))


def _args(**over):
    args = {
        "lender": "齐鲁银行", "principal_yuan": Decimal("10000000"), "loan_rate": Decimal("0.06"),
        "rate_cap": Decimal("0.04"), "share": Decimal("0.5"), "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 6, 30), "interest_paid_yuan": Decimal("300000"),
    }  # fmt: skip
    args.update(over)
    return args


def test_subsidy_by_rate_cap_on_the_next_tranche(city):
    award = _signed_award(city, ProgrammeType.Support.INTEREST_SUBSIDY)
    s = subsidies.compute(city["users"]["staff"], award, **_args())
    # 300,000 paid at 6 % with a 4 % cap: 200,000 counts, half subsidised.
    assert s.amount_yuan == Decimal("100000.00") and s.limited_by == "rate_cap"
    assert s.tranche.seq == 1
    second = subsidies.compute(
        city["users"]["staff"],
        award,
        **_args(period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31)),
    )
    assert second.tranche.seq == 2
    with pytest.raises(ValidationError):
        subsidies.compute(city["users"]["staff"], award, **_args())  # the period overlaps
    for s in InterestSubsidy.objects.filter(award=award):
        assert s.amount_yuan <= s.tranche.amount_yuan
    assert subsidies.ceiling_left(award) >= 0


def test_refused_for_other_types_and_roles(city):
    award = _signed_award(city, ProgrammeType.Support.GRANT)
    with pytest.raises(ValidationError):
        subsidies.compute(city["users"]["staff"], award, **_args())
    with pytest.raises(PermissionDenied):
        subsidies.compute(city["users"]["enterprise"], award, **_args())
    assert InterestSubsidy.objects.count() == 0
