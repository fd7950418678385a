"""The column-by-column template checks (``template_columns``) against the row-by-row ones (``parse_rows``).

Property tests over generated files holding every kind of bad cell the contract names — blanks in
required columns, malformed and out-of-range numbers, money finer than a cent or negative, thousands
separators, full-width digits, wrong USCC check characters and lengths, impossible dates, dates in the
future, unknown industry codes, yes/no words that are neither, scores out of range, rows that break a
cross-column rule, duplicated (USCC, year) pairs, blank and short rows, cells padded with any kind of
white space — must give the same records, the same errors in the same order, and the same row numbers,
whether the file is a plain CSV (read by polars), a quoted CSV (read by the csv module) or an .xlsx.

A file with one bad row among 200,000 is refused whole, with that row and only that row reported.
"""

import csv
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.core.columnar import iter_columns, read_columns
from kechuang.core.reading import Refused, cell_text, read_rows
from kechuang.core.spreadsheets import xlsx_bytes
from kechuang.core.uscc import check_character
from kechuang.enterprises.template import (
    BOOL_COLUMNS,
    COLUMNS,
    INT_COLUMNS,
    LABELS_ZH,
    MONEY_COLUMNS,
    REQUIRED,
    parse_rows,
    read_facts_bytes,
)
from kechuang.enterprises.template_columns import parse_column_chunks, parse_columns


def _uscc(n: int) -> str:
    body = f"91370303MA{n:07d}"
    return body + check_character(body)


GOOD_USCC = [_uscc(n) for n in range(4)]
WRONG_CHECK = GOOD_USCC[0][:17] + ("0" if GOOD_USCC[0][17] != "0" else "1")

CELLS: dict[str, list[str]] = {
    "uscc": [
        *GOOD_USCC,
        GOOD_USCC[1].lower(),
        GOOD_USCC[2][:8] + " " + GOOD_USCC[2][8:],
        WRONG_CHECK,
        GOOD_USCC[0][:17],
        "91370303MA0000001I",
        "913703O3MA00000010",
        "",
    ],
    "name": ["淄博甲科技有限公司", "乙", "名" * 201, "名" * 200, ""],
    "district": ["张店区", "370303", "不存在区", ""],
    "registered_on": [
        "2019-05-20",
        "2019-5-20",
        "2019-05-20 10:00:00",
        "2019-05-20T10:00",
        "1899-12-31",
        "1900-01-01",
        "2999-01-01",
        "20190520",
        "2019-02-30",
        "２０１９-05-20",
        "2019-W20-1",
        "",
    ],
    "industry_code": ["C3976", "c3976", "C", "C26", "A3976", "C99", "Z12", "3976", "C39761", ""],
    "year": [
        "2022",
        "2023",
        "2024",
        "1989",
        "0002023",
        "２０２３",
        "2023.0",
        "2,023",
        "abc",
        "99999999999",
        "",
    ],
    "int": [
        "0",
        "5",
        "120",
        "1,000",
        "5.0",
        "5.5",
        "-1",
        "1e3",
        "１２",
        "1000000000",
        "1000000001",
        "12345678901",
        "NaN",
        "",
    ],
    "money": [
        "0",
        "1",
        "1500000",
        "1500000.5",
        "1500000.55",
        "1,234.5",
        "12，000",
        "1.234",
        "-5",
        "-0",
        "007",
        "1e3",
        "NaN",
        "Infinity",
        "999999999999999.99",
        "1000000000000000",
        "１２３",
        ".5",
        "5.",
        "",
    ],
    "bool": ["是", "否", "true", "false", "1", "0", "YES", "True", "y", "N", "maybe", ""],
    "innovation_score": ["78.5", "0", "100", "100.00", "100.01", "101", "-1", "55.555", "NaN", "sNaN", ""],
}
PADDING = ["", " ", "\t", "\u3000", "\xa0", "\x1c", "\u2028"]


def _kind(col: str) -> str:
    if col in INT_COLUMNS:
        return "int"
    if col in MONEY_COLUMNS:
        return "money"
    if col in BOOL_COLUMNS:
        return "bool"
    return col


@st.composite
def cells(draw, col: str) -> str:
    value = draw(st.sampled_from(CELLS[_kind(col)]))
    if draw(st.integers(0, 5)) == 0:
        value = draw(st.sampled_from(PADDING)) + value + draw(st.sampled_from(PADDING))
    return value


@st.composite
def sheets(draw) -> list[list[str]]:
    """A header (some columns left out, any order, Chinese or English names) and up to 25 rows."""
    optional = [c for c in COLUMNS if c not in REQUIRED]
    columns = [*REQUIRED, *draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))]
    columns = draw(st.permutations(columns))
    header = [LABELS_ZH[c] if draw(st.booleans()) else c for c in columns]
    rows = [header]
    for _ in range(draw(st.integers(0, 25))):
        shape = draw(st.integers(0, 9))
        if shape == 0:
            rows.append([])  # a blank row
        elif shape == 1:
            rows.append([""] * len(columns))  # a row of empty cells
        else:
            row = [draw(cells(c)) for c in columns]
            if shape == 2:
                row = row[: draw(st.integers(1, len(row)))]  # a short row
            rows.append(row)
    return rows


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _plain(rows: list[list[str]]) -> bytes:
    """Unquoted CSV (what polars reads), with any comma-bearing cell written without its commas."""
    return "\n".join(",".join(cell.replace(",", "") for cell in row) for row in rows).encode() + b"\n"


def _outcome(result) -> tuple:
    return ([e.as_dict() for e in result.errors], result.rows, result.records, result.record_rows)


def _both(data: bytes, filename: str, chunk_bytes: int | None = None) -> tuple:
    try:
        by_rows = _outcome(parse_rows(read_rows(data, filename)))
    except Refused as refused:
        by_rows = ("refused", refused.message)
    try:
        if chunk_bytes is None:
            by_columns = _outcome(parse_columns(read_columns(data, filename)))
        else:
            by_columns = _outcome(parse_column_chunks(iter_columns(data, filename, chunk_bytes=chunk_bytes)))
    except Refused as refused:
        by_columns = ("refused", refused.message)
    return by_rows, by_columns


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(sheets())
def test_columns_agree_with_rows_on_plain_csv(rows):
    by_rows, by_columns = _both(_plain(rows), "f.csv")
    assert by_columns == by_rows


@PROPERTY
@given(sheets(), st.integers(1, 300), st.booleans())
def test_chunks_agree_with_rows_wherever_the_file_is_cut(rows, chunk_bytes, bom):
    """A plain file read in chunks of any size (a chunk may end inside a line, or hold none)."""
    data = (b"\xef\xbb\xbf" if bom else b"") + _plain(rows)
    by_rows, by_columns = _both(data, "f.csv", chunk_bytes)
    assert by_columns == by_rows


@PROPERTY
@given(sheets(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_columns_agree_with_rows_on_quoted_csv(rows, encoding):
    by_rows, by_columns = _both(_csv(rows, encoding), "f.csv")
    assert by_columns == by_rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_columns_agree_with_rows_on_xlsx(rows):
    # A worksheet cannot hold control characters such as \x1c (openpyxl refuses to write them).
    rows = [[cell.replace("\x1c", "") for cell in row] for row in rows]
    data = xlsx_bytes(rows[0], rows[1:])
    by_rows, by_columns = _both(data, "f.xlsx")
    assert by_columns == by_rows


# --- the reader alone: the same cells as read_rows, or the same refusal -------------------------

csv_text = st.text(alphabet=st.sampled_from(list('ab,"\r\n \t是否\u3000\x1c')), max_size=60)


@settings(max_examples=300, deadline=None)
@given(csv_text, st.sampled_from(["utf-8", "gb18030"]))
def test_reader_gives_the_cells_read_rows_gives(text, encoding):
    data = text.encode(encoding)
    try:
        expected = [[cell_text(c) for c in row] for row in read_rows(data, "f.csv")]
    except Refused as refused:
        with pytest.raises(Refused) as raised:
            read_columns(data, "f.csv")
        assert raised.value.message == refused.message
        with pytest.raises(Refused) as raised:
            list(iter_columns(data, "f.csv", chunk_bytes=7))
        assert raised.value.message == refused.message
        return
    frame = read_columns(data, "f.csv")
    got = [list(row) for row in frame.rows()]
    chunked = [list(row) for chunk in iter_columns(data, "f.csv", chunk_bytes=7) for row in chunk.rows()]
    width = max([len(r) for r in expected] + [frame.width if frame.height else 0, 1])
    padded = [r + [""] * (width - len(r)) for r in expected]
    assert [r + [""] * (width - len(r)) for r in got] == padded
    width = max([width] + [len(r) for r in chunked])
    padded = [r + [""] * (width - len(r)) for r in expected]
    assert [r + [""] * (width - len(r)) for r in chunked] == padded


def test_reader_keeps_the_row_and_line_limits():
    from kechuang.core.reading import Limits

    rows = b"a,b\n" + b"1,2\n" * 20
    with pytest.raises(Refused) as raised:
        read_columns(rows, "f.csv", Limits(max_rows=10))
    assert "10" in raised.value.message
    with pytest.raises(Refused) as raised:
        read_columns(b"a,b\n" + b"x" * 200 + b"\n", "f.csv", Limits(max_line_bytes=100))
    assert "第2行过长" in raised.value.message
    with pytest.raises(Refused):
        read_columns(b"a" * 2000, "f.csv", Limits(max_file_bytes=1000))
    # streamed in chunks, the rows are counted across chunks and a long line across two blocks
    with pytest.raises(Refused) as raised:
        list(iter_columns(rows, "f.csv", Limits(max_rows=10), chunk_bytes=16))
    assert raised.value.message == read_rows_refusal(rows, Limits(max_rows=10))
    long_line = b"a,b\n" + b"x" * 200 + b"\n"
    with pytest.raises(Refused) as raised:
        list(iter_columns(long_line, "f.csv", Limits(max_line_bytes=100), chunk_bytes=50))
    assert "第2行过长" in raised.value.message
    wide = b"a,b\n" + b"1,2\n" * 30 + b"1," * 70 + b"1\n"
    with pytest.raises(Refused) as raised:
        list(iter_columns(wide, "f.csv", chunk_bytes=40))
    assert raised.value.message == read_rows_refusal(wide, Limits())


def read_rows_refusal(data: bytes, limits) -> str:
    with pytest.raises(Refused) as raised:
        list(read_rows(data, "f.csv", limits))
    return raised.value.message


# --- one bad row among many ----------------------------------------------------------------------


def _big_file(n_rows: int, bad_row: int) -> bytes:
    """``n_rows`` valid rows (n_rows // 2 enterprises × 2 years) with one bad cell on spreadsheet row
    ``bad_row``; built with polars so that it costs well under a second."""
    n = n_rows // 2
    body = pl.Series([f"91370303MA{i:07d}" for i in range(n)])
    codes = [b + check_character(b) for b in body.to_list()]
    frame = pl.DataFrame(
        {
            "uscc": pl.Series(codes).repeat_by(2).explode(),
            "name": pl.Series([f"淄博{i}号科技有限公司" for i in range(n)]).repeat_by(2).explode(),
            "year": pl.Series([2023, 2024] * n).cast(pl.String),
            "revenue": pl.Series([str(1_000_000 + i) for i in range(2 * n)]),
        }
    ).with_columns(
        district=pl.lit("张店区"),
        employees=pl.lit("120"),
        rd_staff=pl.lit("20"),
        rd_expense=pl.lit("150000.50"),
        total_costs=pl.lit("900000"),
        listed=pl.lit("否"),
    )
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == bad_row - 2)
        .then(pl.lit("12.345"))
        .otherwise(pl.col("revenue"))
        .alias("revenue")
    )
    buffer = io.BytesIO()
    frame.write_csv(buffer, quote_style="never")
    return buffer.getvalue()


def test_one_bad_row_among_200000_refuses_the_whole_file():
    data = _big_file(200_000, bad_row=123_457)
    result = read_facts_bytes(data, "big.csv")
    assert result.rows == 200_000
    assert [e.as_dict() for e in result.errors] == [
        {"row": 123_457, "column": "revenue", "value": "12.345", "rule": "金额最多保留两位小数（单位：元）"}
    ]
    assert not result.ok
    assert result.frame.height == 199_999  # the good rows are still checked against the database


def test_the_same_200000_rows_without_the_bad_cell_are_accepted():
    data = _big_file(200_000, bad_row=0)
    result = read_facts_bytes(data, "big.csv")
    assert result.errors == []
    assert result.frame.height == 200_000
    assert result.frame["row"][-1] == 200_001


def test_the_typed_frame_feeds_the_rules_engine_as_the_records_do():
    """policies evaluate builds its facts table from the frame; the records path gives the same result."""
    import datetime as dt
    from pathlib import Path

    from kechuang.engines.rules import FactsTable, evaluate_bulk, load_policies_dir, required_facts

    builtin = Path(__file__).resolve().parents[2] / "kechuang" / "policies" / "builtin"
    on = dt.date(2025, 6, 30)
    policies = [p for p in load_policies_dir(builtin) if p.in_force(on)]
    result = read_facts_bytes(_big_file(2_000, bad_row=0), "f.csv")
    facts = required_facts(policies)
    by_frame = evaluate_bulk(policies, FactsTable.from_frame(result.frame, on, depth=3, facts=facts))
    by_records = evaluate_bulk(policies, FactsTable.from_records(result.records, on, depth=3, facts=facts))
    assert by_frame.to_frame().equals(by_records.to_frame())
