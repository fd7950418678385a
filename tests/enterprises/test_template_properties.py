"""Property tests of the yearly-facts parser (pure Python, no database).

- a valid row written to .csv or .xlsx reads back as the same typed record;
- corrupting any single cell of a valid row yields errors on exactly that row and column;
- a blank cell never becomes 0 or False.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.core.spreadsheets import xlsx_bytes
from kechuang.core.uscc import ALPHABET, check_character
from kechuang.enterprises.template import (
    BOOL_COLUMNS,
    COLUMNS,
    INT_COLUMNS,
    MONEY_COLUMNS,
    REQUIRED,
    SIGNED_MONEY,
    parse_rows,
    read_facts_bytes,
)
from tests.factories import make_uscc

THIS_YEAR = dt.date.today().year


@st.composite
def usccs(draw) -> str:
    head = draw(st.text(alphabet=ALPHABET, min_size=2, max_size=2))
    area = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    body = draw(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
    first17 = head + area + body
    return first17 + check_character(first17)


money = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def valid_records(draw) -> dict:
    """A typed record that satisfies every rule, including the cross-column ones."""
    employees = draw(st.integers(0, 100_000))
    revenue = draw(money)
    costs = draw(money)
    assets = draw(money)
    rd = draw(st.decimals(min_value=0, max_value=costs, places=2))
    rec = {
        "uscc": draw(usccs()),
        "name": draw(st.text(alphabet="淄博科技材料有限公司甲乙丙ABC123", min_size=1, max_size=40)),
        "district": draw(st.sampled_from(["张店区", "淄川区", "370303"])),
        "registered_on": draw(st.dates(dt.date(1950, 1, 1), dt.date(2020, 12, 31))),
        "industry_code": draw(st.sampled_from(["C3976", "C26", "I6513", "M7320", "A0111", "C"])),
        "year": draw(st.integers(1990, THIS_YEAR)),
        "employees": employees,
        "st_staff": draw(st.integers(0, employees)),
        "rd_staff": draw(st.integers(0, employees)),
        "revenue": revenue,
        "total_assets": assets,
        "net_assets": draw(st.decimals(min_value=Decimal("-1e9"), max_value=assets, places=2)),
        "total_costs": costs,
        "net_profit": draw(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2)),
        "rd_expense": rd,
        "domestic_rd_expense": draw(st.decimals(min_value=0, max_value=rd, places=2)),
        "high_tech_revenue": draw(st.decimals(min_value=0, max_value=revenue, places=2)),
        "innovation_score": draw(st.decimals(min_value=0, max_value=100, places=2)),
    }
    for col in ("invention_patents", "class1_ip", "class2_ip", "transfers"):
        rec[col] = draw(st.integers(0, 10_000))
    for col in BOOL_COLUMNS:
        rec[col] = draw(st.booleans())
    # Any optional cell may be blank (unknown).
    blanks = draw(st.sets(st.sampled_from([c for c in COLUMNS if c not in REQUIRED])))
    for col in blanks:
        rec[col] = None
    return rec


BOOL_SPELLINGS = {True: ["true", "1", "是", "TRUE"], False: ["false", "0", "否", "False"]}


def cell_text(col: str, value, variant: int = 0) -> str:
    if value is None:
        return ""
    if col in BOOL_COLUMNS:
        spellings = BOOL_SPELLINGS[value]
        return spellings[variant % len(spellings)]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def expected(rec: dict) -> dict:
    """What the parser should give back: money at two decimals (equal in value to what was written)."""
    out = dict(rec)
    for col in MONEY_COLUMNS:
        if out[col] is not None:
            out[col] = out[col].quantize(Decimal("0.01"))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(valid_records(), min_size=1, max_size=5, unique_by=lambda r: (r["uscc"], r["year"])),
    st.integers(0, 3),
)
def test_valid_rows_round_trip_through_csv(records, variant):
    result = read_facts_bytes(
        to_csv([[cell_text(c, r[c], variant) for c in COLUMNS] for r in records]), "f.csv"
    )
    assert result.errors == []
    assert result.records == [expected(r) for r in records]
    assert result.record_rows == list(range(2, 2 + len(records)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(valid_records(), min_size=1, max_size=3, unique_by=lambda r: (r["uscc"], r["year"])))
def test_valid_rows_round_trip_through_xlsx_with_native_cells(records):
    """Excel cells hold numbers, dates and text; the parser must read them as the typed cells they are."""

    def native(col, value):
        if value is None:
            return None
        if col in MONEY_COLUMNS or col == "innovation_score":
            return float(value) if abs(value) < Decimal("1e13") else str(value)
        if col in BOOL_COLUMNS:
            return "是" if value else "否"
        return value

    data = xlsx_bytes(COLUMNS, [[native(c, r[c]) for c in COLUMNS] for r in records])
    result = read_facts_bytes(data, "f.xlsx")
    assert result.errors == []
    assert result.records == [expected(r) for r in records]


# One way to break each column's rule, whatever the rest of the row holds.
CORRUPTIONS = {
    "uscc": ["91370303MA0000001", "91370303MA0000001I", "ABC"],
    "name": ["名" * 201],
    "district": [""],  # required
    "registered_on": ["2019/05/20", "20190520", "1899-12-31", "2999-01-01"],
    "industry_code": ["Z99", "C01", "99", "3976C"],
    "year": ["1989", str(THIS_YEAR + 1), "二〇二三", "2023.5"],
    "innovation_score": ["101", "-1", "80.123", "优"],
}
for _col in INT_COLUMNS:
    CORRUPTIONS[_col] = ["-1", "1.5", "十", "10000000000"]
for _col in MONEY_COLUMNS:
    CORRUPTIONS[_col] = ["12万", "1.234", "1e16", "NaN"] + ([] if _col in SIGNED_MONEY else ["-0.01"])
for _col in BOOL_COLUMNS:
    CORRUPTIONS[_col] = ["对", "2", "yes please"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(valid_records(), min_size=1, max_size=4, unique_by=lambda r: (r["uscc"], r["year"])),
    st.data(),
)
def test_any_single_corrupted_cell_is_reported_at_its_row_and_column(records, data):
    rows = [[cell_text(c, r[c]) for c in COLUMNS] for r in records]
    target = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(sorted(CORRUPTIONS)))
    bad = data.draw(st.sampled_from(CORRUPTIONS[column]))
    rows[target][COLUMNS.index(column)] = bad

    result = read_facts_bytes(to_csv(rows), "f.csv")

    assert {(e.row, e.column) for e in result.errors} == {(target + 2, column)}
    error = result.errors[0]
    assert error.value == bad and error.rule
    assert len(result.records) == len(rows) - 1  # the other rows still parse


@settings(max_examples=60, deadline=None)
@given(valid_records(), st.sets(st.sampled_from([c for c in COLUMNS if c not in REQUIRED]), min_size=1))
def test_blank_never_becomes_zero_or_false(record, blanks):
    cells = [cell_text(c, record[c]) for c in COLUMNS]
    for col in blanks:
        cells[COLUMNS.index(col)] = "   " if col in INT_COLUMNS else ""
    result = read_facts_bytes(to_csv([cells]), "f.csv")
    assert result.errors == []
    for col in blanks:
        assert result.records[0][col] is None, col


def test_zero_and_false_are_kept_distinct_from_blank():
    rec = dict.fromkeys(COLUMNS)
    rec.update(uscc="91370303MA0000001M", name="甲", district="张店区", year=2023, employees=0, listed=False)
    result = read_facts_bytes(to_csv([[cell_text(c, rec[c]) for c in COLUMNS]]), "f.csv")
    assert result.records[0]["employees"] == 0 and result.records[0]["listed"] is False
    assert result.records[0]["revenue"] is None and result.records[0]["dishonest"] is None


def test_gbk_csv_and_chinese_headers_are_read():
    header = "统一社会信用代码,企业名称,所属区县,年度,营业收入（元）\n"
    body = '91370303MA0000001M,淄博甲科技有限公司,张店区,2023,"1,250,000.50"\n'
    result = read_facts_bytes((header + body).encode("gb18030"), "f.csv")
    assert result.errors == [] and result.records[0]["revenue"] == Decimal("1250000.50")


def test_float_noise_from_excel_formulas_is_rounded_to_what_excel_shows():
    data = xlsx_bytes(["uscc", "name", "district", "year", "revenue"], [
        ["91370303MA0000001M", "甲", "张店区", 2023, 0.1 + 0.2],
    ])  # fmt: skip
    result = read_facts_bytes(data, "f.xlsx")
    assert result.errors == [] and result.records[0]["revenue"] == Decimal("0.30")


@pytest.mark.parametrize("column", ["innovation_score", "employees", "revenue"])
@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-inf"])
def test_non_finite_numbers_are_row_errors_not_crashes(column, text):
    header = ["uscc", "name", "district", "year", column]
    result = parse_rows([header, [make_uscc(77), "甲公司", "张店区", "2024", text]])
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
