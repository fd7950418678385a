"""Result tables of the offline command lines (.csv or .parquet), written chunk by chunk.

A command that evaluates a million enterprises or assigns thousands of experts hands its result to
``TableWriter`` a chunk at a time, so that what it holds is one chunk, not the whole table:

- .csv: each chunk is appended to a temporary file beside the target (the header once);
- .parquet: each chunk becomes one part file in a temporary directory beside the target, and
  ``close`` streams the parts into one file (polars' streaming sink, row groups of ``ROW_GROUP``
  rows), so a reader can later stream the result a group at a time too.

The target appears only when ``close`` succeeds (one rename); on an error nothing is left behind.
Text that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at
the start) is written behind a single quote in .csv, as ``spreadsheets`` does for downloads; the
Parquet file keeps the values as they are (no spreadsheet opens it).

Pages and downloads use ``spreadsheets``; this module serves the command lines and imports no Django.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ROW_GROUP = 100_000
FORMULA_START = r"^[=+\-@\t\r]"


class TableWriter:
    """``with TableWriter(path) as w: w.write(frame) …``: frames with the same columns, in order."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() == ".parquet"
        self.rows = 0
        self._header_done = False
        self._parts: list[Path] = []
        parent = self.path.parent if str(self.path.parent) else Path(".")
        if self.parquet:
            self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=parent))
        else:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=parent)
            self._tmp = Path(tmp)
            self._fh = os.fdopen(fd, "wb")

    def write(self, frame) -> None:
        if self.parquet:
            part = self._dir / f"{len(self._parts):06d}.parquet"
            frame.write_parquet(part, row_group_size=ROW_GROUP)
            self._parts.append(part)
        else:
            _formula_safe(frame).write_csv(self._fh, include_header=not self._header_done)
            self._header_done = True
        self.rows += frame.height

    def close(self) -> None:
        """Put the finished table in place (an empty table still gets its file)."""
        if self.parquet:
            import polars as pl

            tmp = self._dir / "all.parquet"
            if len(self._parts) == 1:
                self._parts[0].rename(tmp)
            else:
                pl.scan_parquet(self._parts).sink_parquet(tmp, row_group_size=ROW_GROUP)
            os.replace(tmp, self.path)
            shutil.rmtree(self._dir, ignore_errors=True)
        else:
            self._fh.close()
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if self.parquet:
            shutil.rmtree(self._dir, ignore_errors=True)
        else:
            self._fh.close()
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                self.close()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


def _formula_safe(frame):
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
