"""Import of technology contracts from an .xlsx or .csv (read only through core.reading), filed for
their sellers by the registration office: every row is checked with the same rules as the form, and
the file is written all or nothing; the ImportRun keeps the report of rejected rows. Imported
contracts wait for the office's check like any other (their contract documents are added later)."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.imports import read_headed_table
from kechuang.core.models import ImportRun, Organisation
from kechuang.matching.models import TechField

from . import services
from .models import TechContract

C = TechContract
KIND = "techmarket_contracts"
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = (
    "卖方统一社会信用代码", "合同名称", "合同类型", "技术领域", "买方名称", "买方统一社会信用代码", "买方所在地区",
    "买方所在地", "签订日期", "履行期限起", "履行期限止", "合同总金额（元）", "技术交易额（元）", "支付方式与进度", "技术内容",
)  # fmt: skip
FIELDS = {"title": 1, "kind": 2, "field": 3, "buyer_name": 4, "buyer_uscc": 5, "buyer_region": 6, "buyer_place": 7,
          "signed_on": 8, "starts_on": 9, "ends_on": 10, "total_yuan": 11, "transaction_yuan": 12,
          "payment_schedule": 13, "content": 14}  # fmt: skip


class _RowError(Exception):
    def __init__(self, column: str, value: str, rule: str):
        self.column, self.value, self.rule = column, value, rule


def _choice(text: str, choices, column: str) -> str:
    by_label = {str(label): value for value, label in choices}
    if text in by_label:
        return by_label[text]
    raise _RowError(column, text, _("应为以下之一：%(c)s") % {"c": "、".join(by_label)})


def _money(text: str, column: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _RowError(column, text, _("应为金额（元）")) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise _RowError(column, text, _("金额应不小于0且最多精确到分"))
    return value


def _date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _RowError(column, text, _("应为日期，如2026-03-15")) from None


def _parse(r: list[str]) -> dict:
    return {
        "title": r[1], "kind": _choice(r[2], C.Kind.choices, COLUMNS[2]),
        "field": _choice(r[3], TechField.choices, COLUMNS[3]), "buyer_name": r[4], "buyer_uscc": r[5],
        "buyer_region": _choice(r[6], C.Region.choices, COLUMNS[6]), "buyer_place": r[7],
        "signed_on": _date(r[8], COLUMNS[8]), "starts_on": _date(r[9], COLUMNS[9]), "ends_on": _date(r[10], COLUMNS[10]),
        "total_yuan": _money(r[11], COLUMNS[11]), "transaction_yuan": _money(r[12], COLUMNS[12]),
        "payment_schedule": r[13], "content": r[14],
    }  # fmt: skip


class _Abort(Exception):
    pass


def _run(user, upload, data: bytes, status, rows: int, errors: list, counts: dict) -> ImportRun:
    return ImportRun.objects.create(
        kind=KIND, user=user, filename=upload.name[:255], sha256=hashlib.sha256(data).hexdigest(), status=status,
        rows=rows, errors=errors[:500], counts=counts, finished_at=timezone.now(),
    )  # fmt: skip


def import_contracts(user, upload) -> ImportRun:
    if not services.is_office(user):
        raise PermissionDenied(_("只有技术合同登记机构可以导入技术合同"))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _run(user, upload, b"", ImportRun.Status.REFUSED, 0,
                    [{"row": 0, "column": "", "value": "", "rule": _("文件超过10 MB")}], {})  # fmt: skip
    body, refusal = read_headed_table(data, upload.name, COLUMNS)
    if refusal:
        return _run(user, upload, data, ImportRun.Status.REFUSED, 0, [refusal], {})
    errors: list[dict] = []
    try:
        with transaction.atomic():
            for n, r in enumerate(body, start=2):
                r = (r + [""] * len(COLUMNS))[: len(COLUMNS)]
                try:
                    seller = Organisation.objects.filter(uscc=r[0].upper()).first()
                    if seller is None:
                        raise _RowError(COLUMNS[0], r[0], _("机构库中没有这个统一社会信用代码"))
                    services.file_contract(user, _parse(r), seller=seller)
                except _RowError as e:
                    errors.append({"row": n, "column": e.column, "value": e.value, "rule": e.rule})
                except ValidationError as e:
                    for field, msgs in e.message_dict.items():
                        column = COLUMNS[FIELDS[field]] if field in FIELDS else ""
                        errors.append({"row": n, "column": column, "value": "", "rule": "；".join(msgs)})
            if errors:
                raise _Abort
    except _Abort:
        return _run(user, upload, data, ImportRun.Status.REFUSED, len(body), errors, {})
    return _run(user, upload, data, ImportRun.Status.ACCEPTED, len(body), [], {"contracts": len(body)})
