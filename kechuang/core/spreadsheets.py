"""The one export writer: every .xlsx and .csv a person downloads is written here.

A list is a sequence of columns (``Column``: title, kind, width; a plain string is a text column) and an
iterable of rows. The writer:

- writes user text that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return so that no
  spreadsheet evaluates it (OWASP's CSV-injection rule): in .xlsx as a string cell with Excel's quote
  prefix, in .csv behind a single quote. Numbers, dates and booleans are never touched, so a negative
  amount stays a number;
- gives each kind its number format: money with thousands separators, ratios (fractions) as
  percentages, dates and times as real dates;
- sizes the columns from the title and the first rows, counting a CJK character as two.
"""

import csv
import datetime as dt
import io
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# OWASP CSV injection: a cell starting with one of these may be read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# kind → Excel number format (text has none: a number in a text column keeps Excel's General).
FORMATS = {
    "text": None,
    "money_yuan": "#,##0.00",
    "wan_yuan": "#,##0.00",  # the value is already in 万元 (core.money.wan)
    "ratio": "0.00%",
    "int": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
MIN_WIDTH, MAX_WIDTH = 8, 60
SAMPLE_ROWS = 200  # rows read ahead to size the columns; the rest stream through


@dataclass(frozen=True)
class Column:
    """One column of an export. ``width`` in Excel character units; None sizes it from the data."""

    title: str
    kind: str = "text"
    width: float | None = None

    def __post_init__(self):
        if self.kind not in FORMATS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {', '.join(FORMATS)}")


def as_columns(columns: Sequence["Column | str"]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(str(c)) for c in columns]


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def display_width(text: str) -> int:
    """Width in Excel character units: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _plain(value, kind: str):
    """The cell value: lazy translations to str, aware datetimes to local naive ones (Excel has no
    time zones), Decimals of a date column left alone."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        return value
    return str(value)


def _shown(value, kind: str) -> str:
    """Roughly what Excel shows, to size the column."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, dt.date):
        return "0000-00-00"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if kind == "ratio":
            return f"{float(value) * 100:.2f}%"
        if FORMATS.get(kind) and "," in FORMATS[kind]:
            return f"{float(value):,.2f}"
        return str(value)
    # A long text wraps rather than widening the sheet; its first line decides.
    return str(value).split("\n", 1)[0]


def _widths(columns: list[Column], sample: list[list]) -> list[float]:
    widths = []
    for i, col in enumerate(columns):
        if col.width is not None:
            widths.append(col.width)
            continue
        longest = display_width(col.title)
        for row in sample:
            if i < len(row):
                longest = max(longest, display_width(_shown(_plain(row[i], col.kind), col.kind)))
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))))
    return widths


def xlsx_bytes(
    columns: Sequence["Column | str"], rows: Iterable[Sequence], sheet_title: str = "Sheet1"
) -> bytes:
    """A one-sheet workbook; write-only mode keeps memory flat for 100k-row lists."""
    cols = as_columns(columns)
    rows = iter(rows)
    sample = [list(r) for r in itertools.islice(rows, SAMPLE_ROWS)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31])
    # Write-only sheets take column widths only before the first row is appended.
    for n, width in enumerate(_widths(cols, sample), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_cells = []
    for col in cols:
        cell = WriteOnlyCell(sheet, value=str(col.title))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
        if is_formula_like(col.title):
            cell.data_type, cell.quotePrefix = "s", True
        header_cells.append(cell)
    sheet.append(header_cells)
    sheet.freeze_panes = "A2"
    formats = [FORMATS[c.kind] for c in cols]
    kinds = [c.kind for c in cols]
    for row in itertools.chain(sample, rows):
        out = []
        for i, raw in enumerate(row):
            kind = kinds[i] if i < len(kinds) else "text"
            value = _plain(raw, kind)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                if is_formula_like(value):
                    # openpyxl makes any str starting with "=" a formula; force a string cell, and the
                    # quote prefix keeps Excel from re-evaluating it when someone edits the cell.
                    cell.data_type, cell.quotePrefix = "s", True
            elif value is not None and i < len(formats) and formats[i] and not isinstance(value, bool):
                cell.number_format = formats[i]
            out.append(cell)
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_bytes(columns: Sequence["Column | str"], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_text(c.title) for c in as_columns(columns)])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    # RFC 6266 filename* so Chinese file names survive every browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(str(filename))}"
    return response


def xlsx_response(
    filename: str, columns: Sequence["Column | str"], rows: Iterable[Sequence], sheet_title: str = "Sheet1"
) -> HttpResponse:
    return _attachment(HttpResponse(xlsx_bytes(columns, rows, sheet_title), content_type=XLSX_TYPE), filename)


def csv_response(filename: str, columns: Sequence["Column | str"], rows: Iterable[Sequence]) -> HttpResponse:
    return _attachment(HttpResponse(csv_bytes(columns, rows), content_type=CSV_TYPE), filename)
