"""Import of risk-compensation loans from an .xlsx or .csv (read only through core.reading): every row
is checked and the file is written all or nothing; the ImportRun keeps the report of rejected rows."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.imports import read_headed_table
from kechuang.core.models import ImportRun, Organisation

from .models import Bank, LoanScheme
from .services import is_staff, loans

KIND = "finance_loans"
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = (
    "合作银行",
    "借款合同编号",
    "借款企业统一社会信用代码",
    "贷款金额（元）",
    "年利率（%）",
    "期限（月）",
    "贷款用途",
    "放款日期",
)

FIELD_COLUMNS = {
    "contract_no": COLUMNS[1], "borrower": COLUMNS[2], "amount_yuan": COLUMNS[3], "rate": COLUMNS[4],
    "term_months": COLUMNS[5], "purpose": COLUMNS[6], "granted_on": COLUMNS[7],
}  # fmt: skip


def can_import(user) -> bool:
    return is_staff(user)


class _RowError(Exception):
    def __init__(self, column: str, value: str, rule: str):
        self.column, self.value, self.rule = column, value, rule


def _money(text: str, column: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _RowError(column, text, _("应为金额（元）")) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise _RowError(column, text, _("金额最多精确到分"))
    return value


def _date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _RowError(column, text, _("应为日期，如2026-03-15")) from None


def _run(user, upload, data: bytes, status, rows: int, errors: list, counts: dict) -> ImportRun:
    return ImportRun.objects.create(
        kind=KIND, user=user, filename=upload.name[:255], sha256=hashlib.sha256(data).hexdigest(), status=status,
        rows=rows, errors=errors[:500], counts=counts, finished_at=timezone.now(),
    )  # fmt: skip


def import_loans(user, upload) -> ImportRun:
    if not can_import(user):
        raise PermissionDenied(_("只有市科技局工作人员可以导入贷款"))
    data = upload.read(MAX_BYTES + 1)
    errors: list[dict] = []
    if len(data) > MAX_BYTES:
        errors.append({"row": 0, "column": "", "value": "", "rule": _("文件超过10 MB")})
        return _run(user, upload, b"", ImportRun.Status.REFUSED, 0, errors, {})
    scheme = LoanScheme.objects.order_by("-year").first()
    body, refusal = read_headed_table(data, upload.name, COLUMNS)
    if refusal:
        return _run(user, upload, data, ImportRun.Status.REFUSED, 0, [refusal], {})
    banks = {b.short_name: b for b in Bank.objects.all()}
    if scheme is None:
        errors.append({"row": 0, "column": "", "value": "", "rule": _("尚未设立风险补偿方案")})
    created = 0
    try:
        with transaction.atomic():
            for n, r in enumerate(body, start=2):
                r = (r + [""] * len(COLUMNS))[: len(COLUMNS)]
                try:
                    bank = banks.get(r[0])
                    if bank is None:
                        raise _RowError(COLUMNS[0], r[0], _("不是合作银行"))
                    borrower = Organisation.objects.filter(uscc=r[2].upper()).first()
                    if borrower is None:
                        raise _RowError(COLUMNS[2], r[2], _("企业库中没有这个统一社会信用代码"))
                    try:
                        term = int(r[5])
                    except ValueError:
                        raise _RowError(COLUMNS[5], r[5], _("应为整数月数")) from None
                    values = {
                        "contract_no": r[1], "amount_yuan": _money(r[3], COLUMNS[3]),
                        "rate": _money(r[4], COLUMNS[4]) / 100, "term_months": term, "purpose": r[6],
                        "granted_on": _date(r[7], COLUMNS[7]),
                    }  # fmt: skip
                    if scheme is not None:
                        loans.file_loan(user, scheme, borrower, values, bank=bank)
                        created += 1
                except _RowError as e:
                    errors.append({"row": n, "column": e.column, "value": e.value, "rule": e.rule})
                except ValidationError as e:
                    for field, msgs in e.message_dict.items():
                        column = FIELD_COLUMNS.get(field, "")
                        errors.append({"row": n, "column": column, "value": "", "rule": "；".join(msgs)})
            if errors:
                raise _Abort
    except _Abort:
        return _run(user, upload, data, ImportRun.Status.REFUSED, len(body), errors, {})
    return _run(user, upload, data, ImportRun.Status.ACCEPTED, len(body), [], {"loans": created})


class _Abort(Exception):
    """Rolls the whole file back when any row was refused."""
