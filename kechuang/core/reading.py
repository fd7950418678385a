"""The one spreadsheet reader: every import (yearly facts, experts, review items, the command lines)
reads its .xlsx or .csv through ``read_rows``, which refuses a file that could hurt the server before
parsing it.

Why each check exists:

- An .xlsx is a zip archive, and a few kilobytes can unpack to gigabytes (a zip bomb), so the entry
  count, the declared sizes and each entry's compression ratio are checked first, and then every entry
  is streamed through and counted, because the sizes in the zip headers can lie.
- A sheet can declare, or actually hold, one cell at XFD1048576 in a 1.5 KB file; a reader that
  allocates the rectangle up to the last cell (calamine does, openpyxl's read-only mode trusts the
  declared dimension) then asks for hundreds of gigabytes and the process dies. So the declared
  ``<dimension>`` and every cell reference are checked against the row and column limits, and a sheet
  whose last row lies far beyond the cells it actually holds is refused as too sparse: what the parser
  allocates stays proportional to the data present.
- A .csv is checked for size, line length and field size while it is streamed, never decoded whole.

Limits come from settings (``KECHUANG_IMPORT_*``), with the defaults below when Django is not
configured (offline commands, property tests). Every refusal is a ``Refused`` whose message names the
limit in words a civil servant can act on. No Django import at module level: the offline engines'
command lines use this module too.
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


def _(text: str) -> str:
    """Django's gettext when settings are configured (pages, services), the Chinese source otherwise."""
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            return gettext(text)
    except ImportError:  # pragma: no cover - Django is always installed with the project
        pass
    return text


@dataclass(frozen=True)
class Limits:
    max_rows: int = 1_048_576  # Excel's own row limit
    max_columns: int = 64  # the widest template has fewer than 40 columns
    max_file_bytes: int = 200 * MB  # the uploaded file as it arrives
    max_unpacked_bytes: int = 200 * MB  # an .xlsx's entries once decompressed, all together
    max_entries: int = 1000  # zip members; a workbook from Excel or WPS has a few dozen
    max_ratio: int = 200  # decompressed / compressed size of any one entry; real sheets stay under 100
    max_line_bytes: int = 64 * 1024  # one CSV line
    # A sheet may hold no more than this many rows per cell actually present before it counts as
    # sparse; ``sparse_floor_rows`` rows are always allowed so that small hand-made sheets never trip it.
    sparse_rows_per_cell: int = 4
    sparse_floor_rows: int = 20_000

    @classmethod
    def current(cls) -> "Limits":
        """The limits from settings, or the defaults when Django is not configured."""
        try:
            from django.conf import settings

            if not settings.configured:
                return cls()
            configured = getattr(settings, "KECHUANG_IMPORT_LIMITS", {}) or {}
        except ImportError:  # pragma: no cover
            return cls()
        return cls(**configured)


class Refused(ValueError):
    """The file is not read; ``message`` says which limit or rule, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _damaged() -> str:
    return _("无法读取 .xlsx 文件，请确认文件未损坏且为 Excel 2007 及以上格式")


def _mb(n: int) -> str:
    return f"{n / MB:,.0f}"


def file_too_big(size: int, limits: Limits) -> str:
    return _("文件大小为 %(size)s MB，超过了每个文件 %(limit)s MB 的上限，请拆分后分批导入") % {
        "size": _mb(size),
        "limit": _mb(limits.max_file_bytes),
    }


def read_rows(data: bytes, filename: str, limits: Limits | None = None) -> Iterator[list]:
    """Rows of a .csv (UTF-8 with or without BOM, or GB18030) or of an .xlsx's first sheet.

    An .xlsx is checked whole before its first row is returned (``Refused`` is raised by this call);
    a .csv is checked as it is streamed (``Refused`` may come from the iterator). Cells are as the
    file holds them: text for a .csv; text, numbers, dates, booleans or None for an .xlsx.
    """
    limits = limits or Limits.current()
    if len(data) > limits.max_file_bytes:
        raise Refused(file_too_big(len(data), limits))
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(data, limits)
    if suffix == ".xlsx":
        check_xlsx(data, limits)
        return _xlsx_rows(data)
    raise Refused(_("只支持 .xlsx 和 .csv 文件"))


# ------------------------------------------------------------------------------------------ .csv


def csv_encoding(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) when the bytes decode as such, else GB18030, which is what Excel and
    WPS in China save as 'CSV' unless told otherwise and which decodes any byte string."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(data: bytes, limits: Limits) -> Iterator[list]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding=csv_encoding(data), newline="")
    # A Chinese character is three bytes in UTF-8; the limit is stated in bytes, checked in characters.
    max_chars = limits.max_line_bytes

    def lines() -> Iterator[str]:
        for number, line in enumerate(text, start=1):
            if len(line) > max_chars:
                raise Refused(
                    _("第%(line)s行过长（%(length)s个字符），超过了每行 %(limit)s 个字符的上限")
                    % {"line": number, "length": f"{len(line):,}", "limit": f"{max_chars:,}"}
                )
            yield line

    reader = csv.reader(lines())
    try:
        for row in reader:
            if reader.line_num > limits.max_rows:
                raise Refused(_row_limit(limits))
            if len(row) > limits.max_columns:
                raise Refused(_column_limit(reader.line_num, len(row), limits))
            yield row
    except csv.Error as exc:
        # An unclosed quote makes one field swallow the rest of the file; the csv module stops it at
        # its field size limit.
        raise Refused(
            _("第%(line)s行附近的引号不成对或单元格过长，无法解析（%(detail)s）")
            % {"line": reader.line_num, "detail": exc}
        ) from None


def _row_limit(limits: Limits) -> str:
    return _("数据超过了每个文件 %(limit)s 行的上限，请拆分后分批导入") % {"limit": f"{limits.max_rows:,}"}


def _column_limit(row: int, columns: int, limits: Limits) -> str:
    return _("第%(row)s行有 %(columns)s 列，超过了 %(limit)s 列的上限") % {
        "row": row,
        "columns": f"{columns:,}",
        "limit": limits.max_columns,
    }


# ----------------------------------------------------------------------------------------- .xlsx

_CHUNK = 4 * MB
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?"')
# Cells and rows both carry r="…" (cells "A1", rows "1"); XML allows any prefix, so key on the attribute.
_CELLS = (b"<c ", b"<c>", b":c ", b":c>")


def column_number(letters: str) -> int:
    """A=1, Z=26, AA=27, XFD=16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def check_xlsx(data: bytes, limits: Limits | None = None) -> None:
    """Refuse (``Refused``) an .xlsx whose archive or sheets exceed the limits; parse nothing."""
    limits = limits or Limits.current()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused(_damaged()) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_entries:
            raise Refused(
                _("压缩包内有 %(count)s 个文件，超过了 %(limit)s 个的上限，不是正常的 Excel 文件")
                % {"count": f"{len(members):,}", "limit": f"{limits.max_entries:,}"}
            )
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unpacked_bytes:
            raise Refused(_unpacked(declared, limits))
        for m in members:
            if m.file_size > 1 * MB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
                raise Refused(_ratio(m.file_size / max(m.compress_size, 1), limits))
        total = 0
        for m in members:
            sheet = m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
            total = _stream(archive, m, total, limits, sheet)


def _stream(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, total: int, limits: Limits, sheet: bool
) -> int:
    """Decompress one entry chunk by chunk, counting what it really unpacks to; scan a sheet's cells."""
    cells, head, tail, read = 0, b"", b"", 0
    try:
        with archive.open(member) as fh:
            while chunk := fh.read(_CHUNK):
                read += len(chunk)
                total += len(chunk)
                if total > limits.max_unpacked_bytes:
                    raise Refused(_unpacked(total, limits))
                if read > 1 * MB and read > limits.max_ratio * max(member.compress_size, 1):
                    raise Refused(_ratio(read / max(member.compress_size, 1), limits))
                if sheet:
                    if len(head) < 4096:
                        head = (head + chunk)[:4096]
                        _check_dimension(head, limits)
                    # Carry the end of the last chunk so a reference cut in two is still seen whole.
                    window = tail + chunk
                    cells += sum(window.count(c) for c in _CELLS) - sum(tail.count(c) for c in _CELLS)
                    _scan_references(window, limits)
                    tail = window[-64:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        # CRC mismatch (sizes that lie), an encrypted entry, an unknown compression method.
        raise Refused(_damaged()) from None
    if sheet:
        _check_sparse(archive, member, cells, limits)
    return total


def _check_dimension(head: bytes, limits: Limits) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    first_col, first_row, last_col, last_row = found.groups()
    letters, row = (last_col, last_row) if last_col or last_row else (first_col, first_row)
    ref = (letters + row).decode()
    if row and int(row) > limits.max_rows:
        raise Refused(
            _("工作表声明的范围到 %(ref)s，超过了 %(limit)s 行的上限")
            % {"ref": ref, "limit": f"{limits.max_rows:,}"}
        )
    if letters and column_number(letters.decode()) > limits.max_columns:
        raise Refused(
            _("工作表声明的范围到 %(ref)s，超过了 %(limit)s 列（到 %(last)s 列）的上限")
            % {"ref": ref, "limit": limits.max_columns, "last": column_letters(limits.max_columns)}
        )


def _references(min_letters: int, min_digits: int) -> re.Pattern:
    # Only references long enough to possibly break a limit are matched, so a normal sheet costs one
    # quick pass with almost no matches.
    return re.compile(rb'r="(?:([A-Z]{%d,})\d|[A-Z]{0,3}(\d{%d,})")' % (min_letters, min_digits))


def _scan_references(window: bytes, limits: Limits) -> None:
    pattern = _references(len(column_letters(limits.max_columns)), len(str(limits.max_rows)))
    for letters, digits in pattern.findall(window):
        if letters and column_number(letters.decode()) > limits.max_columns:
            raise Refused(
                _("工作表在 %(col)s 列有内容，超过了 %(limit)s 列（到 %(last)s 列）的上限")
                % {
                    "col": letters.decode(),
                    "limit": limits.max_columns,
                    "last": column_letters(limits.max_columns),
                }
            )
        if digits and int(digits) > limits.max_rows:
            raise Refused(
                _("工作表第 %(row)s 行有内容，超过了 %(limit)s 行的上限")
                % {"row": f"{int(digits):,}", "limit": f"{limits.max_rows:,}"}
            )


def _check_sparse(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cells: int, limits: Limits) -> None:
    """Refuse a sheet whose last row lies far beyond the cells it holds (what a parser would allocate)."""
    allowed = max(limits.sparse_floor_rows, limits.sparse_rows_per_cell * cells)
    if allowed >= limits.max_rows:
        return  # the row limit, already checked, is the tighter bound
    # Second pass, now that the cell count is known: only row numbers longer than ``allowed`` match.
    pattern = re.compile(rb'r="[A-Z]{0,3}(\d{%d,})"' % len(str(allowed)))
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            for digits in pattern.findall(window):
                if int(digits) > allowed:
                    raise Refused(
                        _(
                            "工作表第 %(row)s 行有内容，但整张表只有 %(cells)s 个单元格，"
                            "空行过多；请删除数据下方的空行和零散内容后重新上传"
                        )
                        % {"row": f"{int(digits):,}", "cells": f"{cells:,}"}
                    )
            tail = window[-64:]


def _unpacked(size: int, limits: Limits) -> str:
    return _("文件解压后为 %(size)s MB，超过了 %(limit)s MB 的上限（可能是压缩炸弹）") % {
        "size": _mb(size),
        "limit": _mb(limits.max_unpacked_bytes),
    }


def _ratio(ratio: float, limits: Limits) -> str:
    return _("文件的压缩比为 %(ratio)s 倍，超过了 %(limit)s 倍的上限（可能是压缩炸弹）") % {
        "ratio": f"{ratio:,.0f}",
        "limit": limits.max_ratio,
    }


def _xlsx_rows(data: bytes) -> Iterator[list]:
    # calamine (Rust) reads a 100,000-row sheet in ~3 s where openpyxl takes ~22 s. It allocates the
    # rectangle up to the last cell, which ``check_xlsx`` has bounded by the cells present.
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises several unrelated types (zip, xml, password)
        raise Refused(_damaged()) from exc
    yield from rows


def cell_text(value) -> str:
    """A cell as the text a person typed: 2024.0 → "2024", a date → "2024-05-20", None → ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Excel keeps 15 significant digits; beyond them a float is binary noise (0.1+0.2 → 0.3).
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
