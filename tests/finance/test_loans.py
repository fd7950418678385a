"""Loan risk compensation: eligibility, the caps per loan and per bank-year, recoveries netted to the
cent, scoping per role, the all-or-nothing import, and the transfer_loans indicator."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from kechuang.core.models import ImportRun
from kechuang.finance import importing
from kechuang.finance.models import Loan
from kechuang.finance.services import loans as svc
from tests import factories as f

from .helpers import loan_values, loan_world

pytestmark = pytest.mark.django_db


def test_default_compensation_and_recoveries(db):
    w = loan_world()
    loan = svc.file_loan(w["banker"], w["scheme"], w["firm"].organisation, loan_values())
    assert loan.eligible and "企业库" in loan.eligibility_note
    with pytest.raises(ValidationError) as e:
        svc.report_default(w["banker"], loan, loss_yuan=Decimal("6000000"), on=timezone.localdate())
    assert "loss_yuan" in e.value.message_dict
    loan = svc.report_default(w["banker"], loan, loss_yuan=Decimal("4000000"), on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        svc.compensate(w["banker"], loan)
    loan = svc.compensate(w["staff"], loan)
    # 40 % of 4,000,000 is 1,600,000, under the per-loan cap of 2,000,000.
    assert loan.compensation_yuan == Decimal("1600000.00") and loan.status == Loan.Status.COMPENSATED
    r1 = svc.record_recovery(w["banker"], loan, amount_yuan=Decimal("1000000.01"), on=timezone.localdate())
    r2 = svc.record_recovery(w["banker"], loan, amount_yuan=Decimal("0.02"), on=timezone.localdate())
    loan.refresh_from_db()
    assert r1.refund_yuan + r2.refund_yuan == loan.refunded_yuan == Decimal("400000.01")
    t = svc.totals()
    assert t["compensated"] == Decimal("1600000.00") and t["net"] == Decimal("1199999.99")


def test_bank_year_cap(db):
    w = loan_world()
    comp = []
    for i in range(3):
        loan = svc.file_loan(
            w["banker"], w["scheme"], w["firm"].organisation, loan_values(contract_no=f"C{i}")
        )
        loan = svc.report_default(w["banker"], loan, loss_yuan=Decimal("5000000"), on=timezone.localdate())
        try:
            comp.append(svc.compensate(w["staff"], loan).compensation_yuan)
        except ValidationError:
            comp.append(None)
    # 2,000,000 (loan cap), then 1,000,000 left of the bank's 3,000,000, then nothing.
    assert comp == [Decimal("2000000.00"), Decimal("1000000.00"), None]


def test_refusals_change_nothing(db):
    w = loan_world()
    cases = [
        loan_values(amount_yuan=Decimal("20000000")),
        loan_values(rate=Decimal("0.3")),
        loan_values(granted_on=timezone.localdate() + dt.timedelta(days=3)),
        loan_values(contract_no=""),
    ]
    for v in cases:
        with pytest.raises(ValidationError):
            svc.file_loan(w["banker"], w["scheme"], w["firm"].organisation, v)
    not_in_registry = f.institute(w["zd"], "某大学")
    with pytest.raises(ValidationError) as e:
        svc.file_loan(w["banker"], w["scheme"], not_in_registry, loan_values())
    assert "borrower" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.file_loan(w["firm_user"], w["scheme"], w["firm"].organisation, loan_values())
    assert Loan.objects.count() == 0


def test_scoping(db):
    w = loan_world()
    loan = svc.file_loan(w["banker"], w["scheme"], w["firm"].organisation, loan_values())
    assert svc.visible(w["banker"]).filter(pk=loan.pk).exists()
    assert svc.visible(w["firm_user"]).filter(pk=loan.pk).exists()
    assert not svc.visible(w["other_district"]).exists()
    assert not svc.visible(f.user(f.Role.EXPERT)).exists()


def test_indicator(db):
    w = loan_world()
    svc.file_loan(w["banker"], w["scheme"], w["firm"].organisation, loan_values())
    out = svc.compute_transfer_loans(timezone.localdate().year)
    assert out[None].value == Decimal("5000000") and out[w["zd"].pk].numerator == 1


def _xlsx(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(importing.COLUMNS))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("贷款.xlsx", buf.getvalue())


def test_import_all_or_nothing(db):
    w = loan_world()
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    uscc = w["firm"].organisation.uscc
    good = ["齐鲁银行", "A-1", uscc, "1000000", "4.5", "12", "技术改造", day]
    bad = ["齐鲁银行", "A-2", uscc, "abc", "4.5", "12", "技术改造", day]
    run = importing.import_loans(w["staff"], _xlsx([good, bad]))
    assert run.status == ImportRun.Status.REFUSED and run.errors[0]["row"] == 3
    assert Loan.objects.count() == 0
    run = importing.import_loans(
        w["staff"], _xlsx([good, ["齐鲁银行", "A-2", uscc, "2000000", "4", "24", "购置设备", day]])
    )
    assert run.status == ImportRun.Status.ACCEPTED and Loan.objects.count() == 2
    with pytest.raises(PermissionDenied):
        importing.import_loans(w["banker"], _xlsx([good]))
