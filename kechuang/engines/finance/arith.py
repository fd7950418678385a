"""The arithmetic behind ``kechuang.engines.finance`` (see the package docstring)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class FinanceError(ValueError):
    """A bad input: ``code`` names the rule (for tests), ``field`` the input."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


@dataclass(frozen=True)
class Award:
    """An amount and the limit that decided it.

    ``limited_by`` is one of "share" (the share of the base was the smallest), or the name of the cap
    that bound it ("voucher_cap", "firm_year", "budget", "loan_cap", "bank_year", "ceiling",
    "rate_cap"). ``base`` is the amount the share was applied to."""

    amount: Decimal
    limited_by: str
    base: Decimal


def cents(x) -> Decimal:
    """``x`` cut down (toward zero) to the cent."""
    return Decimal(x).quantize(CENT, rounding=ROUND_DOWN)


def _money(name: str, value) -> Decimal:
    if value is None:
        raise FinanceError(name, "missing", f"{name} is required")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise FinanceError(name, "negative", f"{name} must be a finite amount >= 0")
    if value != value.quantize(CENT, rounding=ROUND_DOWN):
        raise FinanceError(name, "cents", f"{name} has more than two decimal places")
    return value.quantize(CENT)


def _fraction(name: str, value) -> Decimal:
    value = Decimal(value)
    if not value.is_finite() or value < 0 or value > 1:
        raise FinanceError(name, "fraction", f"{name} must be a fraction between 0 and 1")
    return value


def _cap(name: str, value) -> Decimal | None:
    """A cap: None means "no cap"."""
    return None if value is None else _money(name, value)


def _bounded(base: Decimal, share: Decimal, caps: Sequence[tuple[str, Decimal | None]]) -> Award:
    amount, limited_by = cents(base * share), "share"
    for name, cap in caps:
        if cap is not None and cap < amount:
            amount, limited_by = cap, name
    return Award(max(amount, ZERO), limited_by, base)


def voucher_award(fee, share, *, voucher_cap=None, firm_year_remaining=None, budget_remaining=None) -> Award:
    """What an innovation voucher pays on a service fee: ``share`` of ``fee``, no more than the
    voucher's face value, the firm's remaining allowance this year, and the scheme's remaining budget."""
    fee, share = _money("fee", fee), _fraction("share", share)
    return _bounded(
        fee,
        share,
        [
            ("voucher_cap", _cap("voucher_cap", voucher_cap)),
            ("firm_year", _cap("firm_year_remaining", firm_year_remaining)),
            ("budget", _cap("budget_remaining", budget_remaining)),
        ],
    )


def loan_compensation(principal_loss, share, *, loan_cap=None, bank_year_remaining=None) -> Award:
    """The fund's compensation of a defaulted loan: ``share`` of the principal loss, no more than the
    per-loan cap and the bank's remaining allowance this year."""
    loss, share = _money("principal_loss", principal_loss), _fraction("share", share)
    return _bounded(
        loss,
        share,
        [
            ("loan_cap", _cap("loan_cap", loan_cap)),
            ("bank_year", _cap("bank_year_remaining", bank_year_remaining)),
        ],
    )


def recovery_netting(compensated, recoveries: Sequence, share) -> list[Decimal]:
    """What the bank returns to the fund from each recovery after a compensated default.

    The fund bore ``share`` of the loss, so it takes ``share`` of everything recovered, never more
    than it paid (``compensated``). Computed on the running total so that the refunds always sum to
    exactly ``min(compensated, cents(share × total recovered))``: no cent is lost between
    recoveries."""
    compensated, share = _money("compensated", compensated), _fraction("share", share)
    out, total, refunded = [], ZERO, ZERO
    for i, r in enumerate(recoveries):
        total += _money(f"recoveries[{i}]", r)
        due = min(compensated, cents(total * share))
        out.append(due - refunded)
        refunded = due
    return out


def interest_subsidy(
    interest_paid, *, loan_rate, rate_cap=None, share=Decimal(1), ceiling_remaining=None
) -> Award:
    """A loan interest subsidy (贴息): ``share`` of the interest actually paid, counting only the part
    charged at no more than ``rate_cap`` (a loan at 6 % with a 4 % cap counts two thirds of its
    interest), and no more than what is left of the award's ceiling."""
    paid = _money("interest_paid", interest_paid)
    rate = Decimal(loan_rate)
    if not rate.is_finite() or rate <= 0 or rate > 1:
        raise FinanceError("loan_rate", "rate", "loan_rate must be a fraction above 0 and at most 1")
    share = _fraction("share", share)
    base, limited_by = paid, "share"
    if rate_cap is not None:
        cap = _fraction("rate_cap", rate_cap)
        if rate > cap:
            base, limited_by = cents(paid * cap / rate), "rate_cap"
    award = _bounded(base, share, [("ceiling", _cap("ceiling_remaining", ceiling_remaining))])
    if award.limited_by == "share" and limited_by == "rate_cap":
        return Award(award.amount, "rate_cap", base)
    return award


def split_tranches(total, weights: Sequence) -> list[Decimal]:
    """``total`` split by ``weights`` into cents, largest remainders first, summing exactly to total."""
    total = _money("total", total)
    ws = [Decimal(w) for w in weights]
    if not ws or any(not w.is_finite() or w < 0 for w in ws) or sum(ws) == 0:
        raise FinanceError("weights", "weights", "weights must be non-negative with a positive sum")
    units = int(total / CENT)
    whole = sum(ws)
    raw = [Decimal(units) * w / whole for w in ws]
    floors = [int(r) for r in raw]
    left = units - sum(floors)
    order = sorted(range(len(ws)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]
