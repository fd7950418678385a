"""The one columnar reader: a .csv or .xlsx as a polars frame of text columns, for the imports and
command lines that take a province's data (millions of rows) and check it column by column.

``read_columns(data, filename)`` returns a frame whose columns ``c0, c1, …`` hold every cell as the
text a person typed (``reading.cell_text``: trimmed, 2024.0 → "2024", a date → "2024-05-20", a blank
→ ""), one frame row per spreadsheet row, the header included: frame row ``i`` is spreadsheet row
``i + 1``, blank rows kept so that row numbers stay those of the file. What comes out is exactly what
``reading.read_rows`` gives row by row (property-tested), and every hostile-file limit of
``reading`` applies unchanged:

- an .xlsx goes through ``reading.check_xlsx`` (zip bombs, declared and actual dimensions, sparse
  sheets) before a cell is parsed, then its rows are streamed into column lists;
- a .csv that is plain (UTF-8 or GB18030, no quote character, no NUL, no lone carriage return, no
  line over the limit, no more columns than allowed) is parsed by polars in one pass; anything else
  is read by ``reading.read_rows``, which refuses what it must with the same message as before and
  otherwise yields the same cells. The quick check is conservative: it sends a file to the careful
  path whenever the two parsers might disagree.

No Django import at module level: the offline command lines use this module too.
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .reading import (
    Limits,
    Refused,
    _column_limit,
    _row_limit,
    cell_text,
    csv_encoding,
    file_too_big,
    read_rows,
)

# Exactly the characters Python's str.strip() removes, so polars trims as ``cell_text`` does.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read_columns(data: bytes, filename: str, limits: Limits | None = None):
    """The file's cells as a polars DataFrame of String columns (no nulls); raises ``Refused``."""
    limits = limits or Limits.current()
    if len(data) > limits.max_file_bytes:
        raise Refused(file_too_big(len(data), limits))
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv" and _plain_csv(data, limits):
        # UTF-8 (polars checks it while parsing) or else GB18030, which is what Excel and WPS in China
        # save as "CSV" unless told otherwise and which decodes any byte string.
        text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        frame = _polars_csv(text, limits)
        if frame is None and csv_encoding(data) == "gb18030":
            frame = _polars_csv(data.decode("gb18030", errors="strict").encode("utf-8"), limits)
        if frame is not None:
            return frame
    return from_rows(read_rows(data, filename, limits))


CHUNK_BYTES = 64 * 1024 * 1024


def iter_columns(source: bytes | str | Path, filename: str | None = None, limits: Limits | None = None,
                 chunk_bytes: int = CHUNK_BYTES) -> Iterator:  # fmt: skip
    """``read_columns`` a chunk of rows at a time, from bytes or from a file path (streamed from disk):
    frames whose rows follow one another, the first holding the header. A chunk may be narrower than
    another (the cells it lacks are blank). What a caller holds is one chunk of text, not the file.

    A plain UTF-8 .csv is cut at line ends into chunks of about ``chunk_bytes``; any other file is
    read whole by ``read_columns`` and comes as one chunk. The checks and refusals are those of
    ``read_columns``, made before the first chunk is returned (the row limit as the rows are counted).
    """
    limits = limits or Limits.current()
    path = None if isinstance(source, bytes | bytearray | memoryview) else Path(source)
    filename = filename or (path.name if path is not None else "")
    size = path.stat().st_size if path is not None else len(source)
    if size > limits.max_file_bytes:
        raise Refused(file_too_big(size, limits))

    def blocks() -> Iterator[bytes]:
        if path is None:
            for start in range(0, len(source), chunk_bytes):
                yield bytes(source[start : start + chunk_bytes])
            return
        with path.open("rb") as fh:
            while block := fh.read(chunk_bytes):
                yield block

    if Path(filename).suffix.lower() == ".csv" and _plain_utf8(blocks(), limits):
        yield from _plain_chunks(blocks(), limits)
        return
    yield read_columns(source if path is None else path.read_bytes(), filename, limits)


def _plain_utf8(blocks: Iterable[bytes], limits: Limits) -> bool:
    """``_plain_csv`` and valid UTF-8, checked block by block (a line may span two blocks)."""
    import numpy as np

    decoder = codecs.getincrementaldecoder("utf-8")()
    line, last, content = 0, b"", False  # length of the line so far; the previous block's last byte
    returns = pairs = 0  # carriage returns, and those followed by a line feed
    for block in blocks:
        if b'"' in block or b"\x00" in block:
            return False
        returns += block.count(b"\r")
        pairs += (last + block).count(b"\r\n")
        try:
            decoder.decode(block)
        except UnicodeDecodeError:
            return False
        content = content or bool(block.strip(b"\r\n\xef\xbb\xbf"))
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        if len(ends):
            longest = max(line + int(ends[0]) + 1, int(np.diff(ends).max(initial=0)))
            line = len(block) - int(ends[-1]) - 1
        else:
            longest, line = 0, line + len(block)
        if max(longest, line) > limits.max_line_bytes:
            return False
        last = block[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return content and returns == pairs


def _plain_chunks(blocks: Iterable[bytes], limits: Limits) -> Iterator:
    """Polars frames of the complete lines of each block (the rest carried to the next)."""
    carry, rows, first = b"", 0, True
    for block in blocks:
        if first and block.startswith(b"\xef\xbb\xbf"):
            block = block[3:]
        first = False
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        carry = data[cut:]
        rows = yield from _one_chunk(data[:cut], rows, limits)
    if carry:
        yield from _one_chunk(carry, rows, limits)


def _one_chunk(segment: bytes, rows: int, limits: Limits):
    frame = _polars_csv(segment, Limits(**{**limits.__dict__, "max_rows": 2**62}))
    if frame is not None and rows + frame.height > limits.max_rows:
        raise Refused(_row_limit(limits))
    if frame is None:  # too wide, or ragged in a way polars will not take: the csv module, as read_rows
        frame = _csv_module_chunk(segment, rows, limits)
    yield frame
    return rows + frame.height


def _csv_module_chunk(segment: bytes, rows: int, limits: Limits):
    import csv

    out = []
    lines = io.StringIO(segment.decode("utf-8"), newline="")
    for number, row in enumerate(csv.reader(lines), start=rows + 1):
        if number > limits.max_rows:
            raise Refused(_row_limit(limits))
        if len(row) > limits.max_columns:
            raise Refused(_column_limit(number, len(row), limits))
        out.append(row)
    return from_rows(out)


def from_rows(rows) -> object:
    """Rows of cells (as ``read_rows`` yields them) into a frame of text columns."""
    import polars as pl

    columns: list[list[str]] = []
    height = 0
    for row in rows:
        width = len(row)
        while len(columns) < width:
            columns.append([""] * height)
        for i, cell in enumerate(row):
            columns[i].append(cell_text(cell))
        for i in range(width, len(columns)):
            columns[i].append("")
        height += 1
    if not columns:
        columns = [[""] * height]
    names = column_names(len(columns))
    return pl.DataFrame(dict(zip(names, columns, strict=True)), schema=dict.fromkeys(names, pl.String))


def _plain_csv(data: bytes, limits: Limits) -> bool:
    """Whether polars may parse the file: no quote, NUL or lone carriage return, no line too long.

    The bytes are checked as they are, in UTF-8 or GB18030 alike: neither encodes a character with
    the bytes of a quote, a NUL or a line break, and a line's bytes bound its characters.
    """
    if b'"' in data or b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return False
    if not data.strip(b"\r\n\xef\xbb\xbf"):
        return False  # empty, or only line breaks: read_rows says which rows it sees
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if len(ends):
        longest = int(max(ends[0] + 1, np.diff(ends).max(initial=0), len(data) - ends[-1] - 1))
    else:
        longest = len(data)
    return longest <= limits.max_line_bytes


def _polars_csv(text: bytes, limits: Limits):
    import polars as pl

    try:
        frame = pl.read_csv(
            text,
            has_header=False,
            infer_schema=False,
            quote_char=None,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None  # ragged beyond the first row, or anything else polars cannot take: the careful path
    # Python's csv module yields no row for the final line break, polars neither; a trailing blank
    # line (two line breaks) is one blank row to both. Row and column limits, as read_rows states them.
    if frame.height > limits.max_rows:
        raise Refused(_row_limit(limits))
    if frame.width > limits.max_columns:
        return None  # read_rows names the first row that is too wide
    frame.columns = column_names(frame.width)
    return frame.with_columns(pl.all().fill_null("").str.strip_chars(WHITESPACE))


__all__ = ["WHITESPACE", "Refused", "column_names", "from_rows", "iter_columns", "read_columns"]
