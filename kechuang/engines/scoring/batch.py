"""Ranking any matrix from CSV: ``kechuang scoring rank`` (no database).

M.csv: a header ``id,<criterion>,<criterion>,…`` then one row per alternative; a blank cell is a missing
value (the package's missing-value rule applies). OUT.csv: ``id,score,rank`` in the input's order.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np

from . import composite, weights
from .normalise import normalise

MAX_ROWS = 2_000_000
MAX_COLS = 200


class BatchError(ValueError):
    """Bad input: the message names the file, row or option and the rule."""


@dataclass(frozen=True)
class RankOptions:
    matrix: str
    directions: str
    out: str
    weights: str | None = None
    weight_method: str | None = None
    method: str = "topsis"
    normalise: str = "vector"


def parse_directions(text: str, n: int) -> np.ndarray:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != n:
        raise BatchError(f"--directions: {n} criteria in the matrix, {len(parts)} directions given")
    bad = [p for p in parts if p not in ("+", "-")]
    if bad:
        raise BatchError(f"--directions: each direction must be + (benefit) or - (cost), not {bad[0]!r}")
    return np.array([p == "+" for p in parts])


def parse_weights(text: str, n: int) -> np.ndarray:
    try:
        w = np.array([float(p) for p in text.split(",")])
    except ValueError:
        raise BatchError("--weights: comma-separated numbers expected") from None
    if w.size != n:
        raise BatchError(f"--weights: {n} criteria in the matrix, {w.size} weights given")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise BatchError("--weights: weights must be finite, non-negative and not all zero")
    return w / w.sum()


def read_matrix(path: str) -> tuple[list[str], list[str], np.ndarray]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or header[0].strip().lower() != "id" or len(header) < 2:
                raise BatchError(
                    f"{path}: the first line must be id,<criterion>,… with at least one criterion"
                )
            names = [h.strip() for h in header[1:]]
            if len(names) > MAX_COLS:
                raise BatchError(f"{path}: at most {MAX_COLS} criteria")
            ids, rows = [], []
            for line, row in enumerate(reader, start=2):
                if not any(c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise BatchError(f"{path} line {line}: {len(header)} columns expected, {len(row)} found")
                values = []
                for name, cell in zip(names, row[1:], strict=True):
                    cell = cell.strip()
                    if cell == "":
                        values.append(math.nan)
                        continue
                    try:
                        v = float(cell)
                    except ValueError:
                        raise BatchError(
                            f"{path} line {line}, column {name}: {cell!r} is not a number"
                        ) from None
                    if not math.isfinite(v):
                        raise BatchError(f"{path} line {line}, column {name}: the value must be finite")
                    values.append(v)
                ids.append(row[0].strip())
                rows.append(values)
                if len(rows) > MAX_ROWS:
                    raise BatchError(f"{path}: at most {MAX_ROWS} rows")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: cannot read the file ({exc})") from None
    if not rows:
        raise BatchError(f"{path}: no alternatives (rows) found")
    if len(set(ids)) != len(ids):
        raise BatchError(f"{path}: ids must be unique")
    return ids, names, np.array(rows, dtype=float)


def run_rank(opts: RankOptions) -> tuple[list[str], np.ndarray]:
    """Rank the matrix and write OUT.csv; returns the criterion names and the weights used."""
    if (opts.weights is None) == (opts.weight_method is None):
        raise BatchError("give either --weights or --weight-method")
    if opts.method not in ("topsis", "weighted_sum", "grey"):
        raise BatchError("--method: topsis, weighted_sum or grey")
    if opts.normalise not in ("vector", "minmax"):
        raise BatchError("--normalise: vector or minmax")
    ids, names, m = read_matrix(opts.matrix)
    benefit = parse_directions(opts.directions, len(names))
    if opts.weights is not None:
        w = parse_weights(opts.weights, len(names))
    elif opts.weight_method == "entropy":
        w = weights.entropy_weights(normalise(m, benefit, "minmax"))
    elif opts.weight_method == "critic":
        w = weights.critic_weights(m, benefit)
    elif opts.weight_method == "equal":
        w = weights.equal_weights(len(names))
    else:
        raise BatchError("--weight-method: entropy, critic or equal")
    if opts.method == "topsis":
        s = composite.topsis(m, w, benefit, opts.normalise)
    elif opts.method == "grey":
        s = composite.grey_relational(m, w, benefit, normalisation=opts.normalise)
    else:
        s = composite.weighted_sum(normalise(m, benefit, opts.normalise), w)
    r = composite.rank(s)
    try:
        with open(opts.out, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["id", "score", "rank"])
            out.writerows((i, f"{v:.6f}", int(k)) for i, v, k in zip(ids, s, r, strict=True))
    except OSError as exc:
        raise BatchError(f"{opts.out}: cannot write ({exc})") from None
    return names, w
