"""The contract import: rows checked with the form's rules, all or nothing, a report of rejected rows."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from kechuang.core.models import ImportRun
from kechuang.techmarket import importing
from kechuang.techmarket.models import TechContract
from tests import factories as f

pytestmark = pytest.mark.django_db


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(list(importing.COLUMNS))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("合同.xlsx", buf.getvalue())


def _row(seller_uscc, **over):
    day = timezone.localdate().isoformat()
    r = [seller_uscc, "余热回收技术开发", "技术开发（委托）", "新能源与节能", "淄博戊陶瓷有限公司", f.make_uscc(), "本市", "",
         day, day, f"{timezone.localdate().year + 1}-01-31", "500000", "400000", "分两期支付", "余热梯级回收"]  # fmt: skip
    for k, v in over.items():
        r[importing.COLUMNS.index(k)] = v
    return r


def test_all_or_nothing(city):
    staff = city["users"]["staff"]
    seller = city["e1"].organisation.uscc
    run = importing.import_contracts(
        staff, _xlsx([_row(seller), _row(seller, **{"技术交易额（元）": "900000"})])
    )
    assert run.status == ImportRun.Status.REFUSED
    assert run.errors[0]["row"] == 3 and run.errors[0]["column"] == "技术交易额（元）"
    assert TechContract.objects.count() == 0
    run = importing.import_contracts(staff, _xlsx([_row(seller), _row(seller, **{"合同类型": "技术服务"})]))
    assert run.status == ImportRun.Status.ACCEPTED
    assert TechContract.objects.filter(seller=city["e1"].organisation, status="submitted").count() == 2


def test_unknown_values_named(city):
    run = importing.import_contracts(
        city["users"]["staff"], _xlsx([_row("91370303MA0000001X", **{"合同类型": "买卖"})])
    )
    assert run.status == ImportRun.Status.REFUSED
    assert {e["column"] for e in run.errors} == {"卖方统一社会信用代码"}


def test_only_the_office_imports(city):
    with pytest.raises(PermissionDenied):
        importing.import_contracts(city["users"]["institute"], _xlsx([]))
