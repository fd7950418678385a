"""科技成果转化贷款风险补偿: partner banks file loans to qualifying enterprises (checked live by the
policy engine), report defaults with the principal loss; staff compensate by the scheme's share within
the per-loan and per-bank-per-year caps; recoveries return the fund's share."""

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.money import show_wan
from kechuang.core.permissions import role_of
from kechuang.core.registry import IndicatorValue
from kechuang.engines.finance import loan_compensation, recovery_netting
from kechuang.programs import workflow

from ..models import Bank, Loan, LoanScheme, Recovery
from . import org_of, require_staff, scope

logger = logging.getLogger(__name__)
L = Loan
LIMITS = {"share": _("补偿比例"), "loan_cap": _("单笔补偿上限"), "bank_year": _("银行年度补偿上限")}
LOAN_FIELDS = ("contract_no", "amount_yuan", "rate", "term_months", "purpose", "granted_on")


def visible(user):
    q = scope(user, district="borrower__district_id", own=("bank__organisation_id", "borrower_id"))
    return L.objects.filter(q).select_related("bank", "borrower", "borrower__district", "scheme")


def get_loan(user, pk: int) -> Loan:
    loan = visible(user).filter(pk=pk).first()
    if loan is None:
        raise PermissionDenied(_("只能查看本行或本区县的贷款"))
    return loan


def bank_of(user) -> Bank | None:
    org = org_of(user)
    return Bank.objects.filter(organisation_id=org).first() if org else None


def eligibility(borrower, scheme: LoanScheme, on: dt.date | None = None) -> tuple[bool, str]:
    """Whether ``borrower`` qualifies, in words: an enterprise of the registry, and, when the scheme
    names a policy, eligible under that policy's current version on the enterprise's facts (evaluated
    live by the policy engine, every unmet condition named)."""
    from kechuang.enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(organisation=borrower).first()
    if enterprise is None:
        return False, _("借款人不在企业库中")
    if not scheme.policy_code:
        return True, _("借款人为企业库在册企业")
    from kechuang.engines import rules as engine
    from kechuang.policies import declarations
    from kechuang.policies.models import Policy, PolicyVersion
    from kechuang.policies.services import facts_records

    policy = (
        Policy.objects.filter(code=scheme.policy_code, current_version__status=PolicyVersion.Status.PUBLISHED)
        .select_related("current_version")
        .first()
    )
    if policy is None:
        return False, _("方案要求的政策“%(c)s”尚未发布，无法核验") % {"c": scheme.policy_code}
    on = on or timezone.localdate()
    compiled = declarations.compile_text(policy.current_version.yaml_text)
    result = engine.evaluate(compiled, facts_records([enterprise.pk], on), on, trace=True)
    if result.status == "eligible":
        return True, _("符合“%(p)s”（%(y)s年度数据）") % {"p": policy.name, "y": result.fiscal_year}
    unmet = [r.text_zh for r in result.conditions if r.status != "met"][:5]
    label = _("不符合") if result.status == "ineligible" else _("数据不全，无法判定")
    return False, _("%(s)s“%(p)s”：%(why)s") % {"s": label, "p": policy.name, "why": "；".join(unmet)}


def loan_errors(scheme: LoanScheme, values: dict) -> dict[str, str]:
    errors = {}
    amount, rate, term = values.get("amount_yuan"), values.get("rate"), values.get("term_months")
    if amount is None or amount <= 0:
        errors["amount_yuan"] = _("贷款金额应大于0元")
    elif amount > scheme.max_loan_yuan:
        errors["amount_yuan"] = _("贷款金额超过方案的单笔上限%(w)s万元") % {
            "w": show_wan(scheme.max_loan_yuan)
        }
    if rate is None or not (0 < rate < Decimal("0.24")):
        errors["rate"] = _("年利率应大于0且低于24%")
    if not term or term > 120:
        errors["term_months"] = _("期限应为1至120个月")
    if not (values.get("contract_no") or "").strip():
        errors["contract_no"] = _("请填写借款合同编号")
    if not (values.get("purpose") or "").strip():
        errors["purpose"] = _("请填写贷款用途")
    granted = values.get("granted_on")
    if granted is None:
        errors["granted_on"] = _("请填写放款日期")
    elif granted > timezone.localdate():
        errors["granted_on"] = _("放款日期不能晚于今天")
    elif granted.year != scheme.year:
        errors["granted_on"] = _("放款日期应在方案年度%(y)s年内") % {"y": scheme.year}
    return errors


@transaction.atomic
def file_loan(user, scheme: LoanScheme, borrower, values: dict, *, bank: Bank | None = None) -> Loan:
    """A bank files a loan; staff may file for a bank (the import). Refused unless the borrower
    qualifies; the check's words are kept on the loan."""
    bank = bank if bank is not None and role_of(user) in ("admin", "bureau_staff") else bank_of(user)
    if bank is None:
        raise PermissionDenied(_("贷款由合作银行备案"))
    errors = loan_errors(scheme, values)
    if errors:
        raise ValidationError(errors)
    ok, note = eligibility(borrower, scheme)
    if not ok:
        raise ValidationError({"borrower": note})
    try:
        with transaction.atomic():
            loan = L.objects.create(
                scheme=scheme, bank=bank, borrower=borrower, eligible=True, eligibility_note=note,
                **{f: values[f] for f in LOAN_FIELDS},
            )  # fmt: skip
    except IntegrityError as e:
        raise ValidationError({"contract_no": _("本行已备案过该借款合同")}) from e
    workflow.log(loan, "file", "", user, note)
    return loan


def _require_bank(user, loan: Loan) -> None:
    if org_of(user) != loan.bank.organisation_id:
        raise PermissionDenied(_("只有放款银行可以办理此事项"))


@transaction.atomic
def report_default(user, loan: Loan, *, loss_yuan: Decimal, on: dt.date) -> Loan:
    _require_bank(user, loan)
    errors = {}
    if loss_yuan is None or loss_yuan <= 0:
        errors["loss_yuan"] = _("本金损失应大于0元")
    elif loss_yuan > loan.amount_yuan:
        errors["loss_yuan"] = _("本金损失不能超过贷款金额")
    if on is None or on > timezone.localdate() or on < loan.granted_on:
        errors["defaulted_on"] = _("违约日期应在放款日期和今天之间")
    if errors:
        raise ValidationError(errors)
    return workflow.step(
        user, loan, "default", _("报告违约"), reason=_("本金损失%(w)s万元") % {"w": show_wan(loss_yuan)},
        loss_yuan=loss_yuan, defaulted_on=on,
    )  # fmt: skip


@transaction.atomic
def repay(user, loan: Loan) -> Loan:
    _require_bank(user, loan)
    return workflow.step(user, loan, "repay", _("结清"))


def compensated_this_year(bank_id: int, year: int) -> Decimal:
    qs = L.objects.filter(bank_id=bank_id, status=L.Status.COMPENSATED, compensated_on__year=year)
    return qs.aggregate(s=Sum("compensation_yuan"))["s"] or Decimal(0)


@transaction.atomic
def compensate(user, loan: Loan) -> Loan:
    """The fund pays its share of the loss within the caps; the bank row is locked so that two
    compensations for the same bank never pass its yearly cap together."""
    require_staff(user)
    Bank.objects.select_for_update().get(pk=loan.bank_id)
    fresh = L.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=loan.pk)
    workflow.guard(fresh, "compensate", _("补偿"))
    today = timezone.localdate()
    left = fresh.scheme.bank_year_cap_yuan - compensated_this_year(fresh.bank_id, today.year)
    award = loan_compensation(
        fresh.loss_yuan,
        fresh.scheme.share,
        loan_cap=fresh.scheme.loan_cap_yuan,
        bank_year_remaining=max(left, 0),
    )
    if award.amount <= 0:
        raise ValidationError(
            {"compensation_yuan": _("%(l)s已用完，不能补偿") % {"l": LIMITS[award.limited_by]}}
        )
    return workflow.step(
        user, fresh, "compensate", _("补偿"),
        reason=_("补偿%(w)s万元（按%(l)s）") % {"w": show_wan(award.amount), "l": LIMITS[award.limited_by]},
        compensation_yuan=award.amount, compensated_on=today,
    )  # fmt: skip


@transaction.atomic
def record_recovery(user, loan: Loan, *, amount_yuan: Decimal, on: dt.date) -> Recovery:
    """A recovery after compensation: the fund's share of the running total comes back to it."""
    _require_bank(user, loan)
    fresh = L.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=loan.pk)
    if fresh.status != L.Status.COMPENSATED:
        raise ValidationError({"status": _("只有已补偿的贷款需要登记追偿")})
    if amount_yuan is None or amount_yuan <= 0:
        raise ValidationError({"amount_yuan": _("追回金额应大于0元")})
    if on is None or on > timezone.localdate() or on < fresh.compensated_on:
        raise ValidationError({"recovered_on": _("追回日期应在补偿日期和今天之间")})
    previous = list(fresh.recoveries.values_list("amount_yuan", flat=True))
    refunds = recovery_netting(fresh.compensation_yuan, [*previous, amount_yuan], fresh.scheme.share)
    recovery = Recovery.objects.create(
        loan=fresh, amount_yuan=amount_yuan, refund_yuan=refunds[-1], recovered_on=on, recorded_by=user
    )
    fresh.refunded_yuan = sum(refunds, Decimal(0))
    fresh.save(update_fields=["refunded_yuan"])
    return recovery


def totals(user=None, year: int | None = None) -> dict:
    qs = L.objects.all() if user is None else visible(user)
    if year:
        qs = qs.filter(granted_on__year=year)
    agg = qs.aggregate(
        n=Count("pk"), filed=Sum("amount_yuan"), comp=Sum("compensation_yuan"), refunded=Sum("refunded_yuan")
    )
    outstanding = qs.filter(status=L.Status.FILED).aggregate(s=Sum("amount_yuan"))["s"] or Decimal(0)
    defaulted = qs.filter(status__in=(L.Status.DEFAULTED, L.Status.COMPENSATED)).aggregate(
        n=Count("pk"), loss=Sum("loss_yuan")
    )
    return {
        "count": agg["n"],
        "filed": agg["filed"] or Decimal(0),
        "outstanding": outstanding,
        "defaulted": defaulted["n"],
        "loss": defaulted["loss"] or Decimal(0),
        "compensated": agg["comp"] or Decimal(0),
        "refunded": agg["refunded"] or Decimal(0),
        "net": (agg["comp"] or Decimal(0)) - (agg["refunded"] or Decimal(0)),
    }


def compute_transfer_loans(year: int) -> dict:
    """``transfer_loans``: the amount of loans filed under the risk-compensation scheme in ``year``
    (科技成果转化贷款), by the borrower's district and for the whole city (yuan)."""
    qs = L.objects.filter(granted_on__year=year)
    out = {
        row["borrower__district_id"]: IndicatorValue(row["s"], numerator=row["n"])
        for row in qs.values("borrower__district_id").annotate(s=Sum("amount_yuan"), n=Count("pk"))
    }
    city = qs.aggregate(s=Sum("amount_yuan"), n=Count("pk"))
    out[None] = IndicatorValue(city["s"] or Decimal(0), numerator=city["n"])
    return out
