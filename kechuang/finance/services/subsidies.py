"""贷款贴息: for an award of a programme type whose support is the interest subsidy, each period's
subsidy is computed by the engine from the interest actually paid, the rate cap and what is left of
the award's amount (its ceiling), and attached to the award's next planned tranche, which the
programme's own award machinery pays (``programs.services.awards.pay_tranche``). A subsidy is capped
at that tranche's planned amount and the subsidies of an award never exceed the award. Known gap: a
subsidy below its tranche's planned amount is not yet reconciled (the tranche would pay its planned
amount); the page and the reconciliation are still to be built."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kechuang.engines.finance import FinanceError, interest_subsidy
from kechuang.programs.models import Award, ProgrammeType, Tranche

from ..models import InterestSubsidy
from . import require_staff


def ceiling_left(award: Award) -> Decimal:
    used = InterestSubsidy.objects.filter(award=award).aggregate(s=Sum("amount_yuan"))["s"] or Decimal(0)
    return award.amount_yuan - used


@transaction.atomic
def compute(
    user, award: Award, *, lender: str, principal_yuan: Decimal, loan_rate: Decimal, rate_cap: Decimal,
    share: Decimal, period_start: dt.date, period_end: dt.date, interest_paid_yuan: Decimal,
) -> InterestSubsidy:  # fmt: skip
    require_staff(user)
    award = (
        Award.objects.select_for_update(of=("self",)).select_related("call__programme_type").get(pk=award.pk)
    )
    if award.call.programme_type.support != ProgrammeType.Support.INTEREST_SUBSIDY:
        raise ValidationError({"award": _("该项目不属于贷款贴息类计划")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("计息期止不能早于计息期起")})
    if InterestSubsidy.objects.filter(
        award=award, period_start__lte=period_end, period_end__gte=period_start
    ).exists():
        raise ValidationError({"period_start": _("该计息期与已计算的贴息重叠")})
    tranche = (
        Tranche.objects.select_for_update(of=("self",))
        .filter(award=award, status=Tranche.Status.PLANNED, interest_subsidy__isnull=True)
        .order_by("seq")
        .first()
    )
    if tranche is None:
        raise ValidationError({"award": _("该项目没有待拨付的批次，请先签订合同并约定拨付批次")})
    ceiling = min(ceiling_left(award), tranche.amount_yuan)
    try:
        result = interest_subsidy(
            interest_paid_yuan,
            loan_rate=loan_rate,
            rate_cap=rate_cap,
            share=share,
            ceiling_remaining=max(ceiling, 0),
        )
    except FinanceError as e:
        raise ValidationError(
            {e.field if e.field != "ceiling_remaining" else "award": _("贴息参数有误")}
        ) from e
    if result.amount <= 0:
        raise ValidationError({"award": _("该项目的贴息额度已用完")})
    return InterestSubsidy.objects.create(
        award=award, lender=lender, principal_yuan=principal_yuan, loan_rate=loan_rate, rate_cap=rate_cap,
        share=share, period_start=period_start, period_end=period_end, interest_paid_yuan=interest_paid_yuan,
        amount_yuan=result.amount, limited_by=result.limited_by, tranche=tranche,
    )  # fmt: skip
