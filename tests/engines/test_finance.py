"""engines/finance: exact Decimal arithmetic, never over a cap, sums reconcile to the cent."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engines.finance import (
    CENT,
    FinanceError,
    interest_subsidy,
    loan_compensation,
    recovery_netting,
    split_tranches,
    voucher_award,
)

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
cap = st.none() | money
fraction = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


def test_voucher_share_of_fee():
    a = voucher_award(Decimal("100000"), Decimal("0.5"), voucher_cap=Decimal("200000"))
    assert a.amount == Decimal("50000.00") and a.limited_by == "share"


def test_voucher_caps_bind_in_order():
    a = voucher_award(
        Decimal("100000"), Decimal("0.5"), voucher_cap=Decimal("30000"), firm_year_remaining=Decimal("20000")
    )
    assert a.amount == Decimal("20000.00") and a.limited_by == "firm_year"
    b = voucher_award(Decimal("100000"), Decimal("0.5"), budget_remaining=Decimal("0"))
    assert b.amount == 0 and b.limited_by == "budget"


def test_share_is_cut_down_to_the_cent():
    assert voucher_award(Decimal("0.03"), Decimal("0.5")).amount == Decimal("0.01")


def test_refuses_bad_inputs():
    with pytest.raises(FinanceError) as e:
        voucher_award(Decimal("-1"), Decimal("0.5"))
    assert e.value.field == "fee"
    with pytest.raises(FinanceError):
        voucher_award(Decimal("1"), Decimal("1.5"))
    with pytest.raises(FinanceError):
        voucher_award(Decimal("1.001"), Decimal("0.5"))
    with pytest.raises(FinanceError):
        interest_subsidy(Decimal("1"), loan_rate=Decimal("0"))


def test_loan_compensation_example():
    # 40 % of a 5,000,000 loss is 2,000,000; the per-loan cap of 1,500,000 binds.
    a = loan_compensation(Decimal("5000000"), Decimal("0.4"), loan_cap=Decimal("1500000"))
    assert a.amount == Decimal("1500000.00") and a.limited_by == "loan_cap"


def test_recoveries_netted():
    # The fund paid 400,000 (40 % of a 1,000,000 loss); 300,000 and then 800,000 are recovered.
    refunds = recovery_netting(Decimal("400000"), [Decimal("300000"), Decimal("800000")], Decimal("0.4"))
    assert refunds == [Decimal("120000.00"), Decimal("280000.00")]


def test_interest_subsidy_rate_cap():
    # 60,000 paid at 6 % with a 4 % cap: 40,000 counts; half of it is subsidised.
    a = interest_subsidy(
        Decimal("60000"), loan_rate=Decimal("0.06"), rate_cap=Decimal("0.04"), share=Decimal("0.5")
    )
    assert a.amount == Decimal("20000.00") and a.limited_by == "rate_cap"
    b = interest_subsidy(
        Decimal("60000"),
        loan_rate=Decimal("0.03"),
        rate_cap=Decimal("0.04"),
        ceiling_remaining=Decimal("10000"),
    )
    assert b.amount == Decimal("10000.00") and b.limited_by == "ceiling"


def test_tranches_split_exactly():
    assert split_tranches(Decimal("100.00"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


@given(money, fraction, cap, cap, cap)
def test_voucher_never_over_any_cap(fee, share, vcap, firm, budget):
    a = voucher_award(fee, share, voucher_cap=vcap, firm_year_remaining=firm, budget_remaining=budget)
    assert 0 <= a.amount <= fee * share
    for c in (vcap, firm, budget):
        assert c is None or a.amount <= c
    assert a.amount == a.amount.quantize(CENT)
    # Only a binding limit is named; the share binds only when no cap is below it.
    if a.limited_by == "share":
        assert a.amount == (fee * share).quantize(CENT, rounding="ROUND_DOWN")


@given(money, fraction, cap, cap)
def test_compensation_never_over_cap(loss, share, loan_cap, bank_year):
    a = loan_compensation(loss, share, loan_cap=loan_cap, bank_year_remaining=bank_year)
    assert 0 <= a.amount <= loss * share
    assert loan_cap is None or a.amount <= loan_cap
    assert bank_year is None or a.amount <= bank_year


@given(money, st.lists(money, max_size=8), fraction)
def test_recovery_refunds_reconcile_to_the_cent(compensated, recoveries, share):
    refunds = recovery_netting(compensated, recoveries, share)
    assert len(refunds) == len(recoveries)
    assert all(r >= 0 for r in refunds)
    assert sum(refunds, Decimal(0)) == min(
        compensated, (sum(recoveries, Decimal(0)) * share).quantize(CENT, rounding="ROUND_DOWN")
    )
    assert sum(refunds, Decimal(0)) <= compensated


@given(
    money,
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.3"), places=4),
    st.none() | st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.3"), places=4),
    fraction,
    cap,
)
def test_interest_subsidy_never_over_interest_or_ceiling(paid, rate, rate_cap, share, ceiling):
    a = interest_subsidy(paid, loan_rate=rate, rate_cap=rate_cap, share=share, ceiling_remaining=ceiling)
    assert 0 <= a.amount <= paid
    assert ceiling is None or a.amount <= ceiling
    if rate_cap is not None and rate > rate_cap:
        assert a.amount <= paid * rate_cap / rate


@settings(max_examples=200)
@given(
    money,
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=10).filter(lambda w: sum(w) > 0),
)
def test_tranches_sum_to_total(total, weights):
    parts = split_tranches(total, weights)
    assert sum(parts, Decimal(0)) == total
    assert all(p >= 0 and p == p.quantize(CENT) for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
