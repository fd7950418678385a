"""The row report every all-or-nothing import gives, and the exception its cell converters raise: one
shape for every app, so report pages and .xlsx error reports read the same everywhere.

No Django import here: the offline commands (``policies evaluate`` reads the facts template) use it
before, or without, ``django.setup()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ImportRun


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row; the header is row 1, 0 means the whole file
    column: str
    value: str
    rule: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "rule": self.rule}


@dataclass
class Outcome:
    run: ImportRun
    errors: list[RowError] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class BadCell(Exception):
    """A cell that breaks its column's rule; ``rule`` is the message the row report shows."""

    def __init__(self, rule: str):
        self.rule = rule
