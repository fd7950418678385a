"""S&T finance arithmetic (科技金融): innovation-voucher caps, loan risk-compensation shares with
recoveries netted, interest subsidies and tranche splits. Pure Python with exact ``Decimal``
arithmetic; no Django.

Every amount is yuan as a ``Decimal`` with at most two places (分); every share or rate is a fraction
(0.3 for 30 %). Amounts are cut down to the cent, never rounded up, so that a result can never pass a
cap by half a cent; every result says which limit bound it (``limited_by``), so a page can explain
the figure.

Public API:
    voucher_award(fee, share, *, voucher_cap, firm_year_remaining, budget_remaining) -> Award
    loan_compensation(principal_loss, share, *, loan_cap, bank_year_remaining) -> Award
    recovery_netting(compensated, recoveries, share) -> list[Decimal]  (refund to the fund per recovery)
    interest_subsidy(interest_paid, *, loan_rate, rate_cap, share, ceiling_remaining) -> Award
    split_tranches(total, weights) -> list[Decimal]  (sums to ``total`` exactly)
    cents(x) -> Decimal  (cut down to the cent)
    FinanceError  (a bad input: negative amount, share outside 0..1)
"""

from .arith import (
    CENT,
    Award,
    FinanceError,
    cents,
    interest_subsidy,
    loan_compensation,
    recovery_netting,
    split_tranches,
    voucher_award,
)

__all__ = [
    "CENT",
    "Award",
    "FinanceError",
    "cents",
    "interest_subsidy",
    "loan_compensation",
    "recovery_netting",
    "split_tranches",
    "voucher_award",
]
