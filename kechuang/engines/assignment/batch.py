"""Batch assignment from files, compatible with openreview-matcher's CSV formats.

SCORES.csv: rows ``item,expert,score`` (no header, or a header whose third field is not a number);
a pair that is absent is not eligible. CONFLICTS.csv: rows ``item,expert`` (openreview's constraint
rows ``item,expert,-1`` are accepted; other constraint values are rejected). ORGS.csv: ``expert,org``.
OUT.csv: header ``item,expert`` plus ``probability`` (the marginal) for a randomised draw, written in
chunks; OUT.parquet holds the same columns in row groups.

Everything is read and solved before anything is written; outputs are written to temporary files and
renamed into place, so a failure leaves no partial output.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .messages import AssignmentError, Issue
from .optimal import solve_optimal
from .problem import AssignmentProblem, make_problem
from .randomised import draw, replay


def _bad(file: Path, line: int, problem_zh: str, problem: str) -> AssignmentError:
    return AssignmentError(
        [
            Issue(
                "csv_bad_row", {"file": file.name, "line": line, "problem_zh": problem_zh, "problem": problem}
            )
        ]
    )


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            if not row or all(not c.strip() for c in row):
                continue
            yield line, [c.strip() for c in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class ScoreTable:
    items: list[str]
    experts: list[str]
    item: np.ndarray
    expert: np.ndarray
    score: np.ndarray


def read_scores(path: Path) -> ScoreTable:
    """SCORES.csv as a table. Columnar (polars) with every rule checked on whole columns; a file that
    breaks any rule is read again row by row, only to word the message for its first bad line."""
    path = Path(path)
    table = _read_scores_columnar(path)
    return table if table is not None else _read_scores_rows(path)


def _read_scores_columnar(path: Path) -> ScoreTable | None:
    """The table, or None when the file breaks a rule (or polars cannot parse it) anywhere."""
    import polars as pl

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        frame = pl.read_csv(
            data, has_header=False, new_columns=["item", "expert", "score"], schema_overrides=[pl.String] * 3
        )
    except Exception:  # ragged rows, bad quoting, not UTF-8: the row-by-row reader says where
        return None
    if frame.width != 3:
        return None
    frame = frame.with_columns(pl.all().str.strip_chars().fill_null(""))
    frame = frame.filter((pl.col("item") != "") | (pl.col("expert") != "") | (pl.col("score") != ""))
    if frame.height and not _is_number(frame["score"][0]):
        frame = frame.slice(1)  # a header line, by the row-by-row reader's own test
    score = frame["score"].cast(pl.Float64, strict=False)
    bad = (
        (frame["item"] == "")
        | (frame["expert"] == "")
        | score.is_null()
        | score.is_infinite()
        | score.is_nan()
        | frame.select(pl.struct("item", "expert").is_duplicated()).to_series()
    )
    if frame.height == 0 or bad.any():
        return None
    items = frame["item"].unique(maintain_order=True)
    experts = frame["expert"].unique(maintain_order=True)
    ii = frame["item"].cast(pl.Enum(items)).to_physical().cast(pl.Int64).to_numpy()
    jj = frame["expert"].cast(pl.Enum(experts)).to_physical().cast(pl.Int64).to_numpy()
    return ScoreTable(items.to_list(), experts.to_list(), ii, jj, score.to_numpy())


def _read_scores_rows(path: Path) -> ScoreTable:
    items: dict[str, int] = {}
    experts: dict[str, int] = {}
    ii: list[int] = []
    jj: list[int] = []
    ss: list[float] = []
    seen: set[tuple[int, int]] = set()
    first = True
    for line, row in _rows(path):
        if len(row) != 3:
            raise _bad(
                path,
                line,
                f"应为 3 列 item,expert,score，实为 {len(row)} 列",
                f"expected 3 columns, got {len(row)}",
            )
        if first and not _is_number(row[2]):
            first = False
            continue  # header
        first = False
        if not row[0] or not row[1]:
            raise _bad(path, line, "item 或 expert 为空", "empty item or expert")
        try:
            s = float(row[2])
        except ValueError:
            raise _bad(
                path, line, f"score 不是数字：{row[2]!r}", f"score is not a number: {row[2]!r}"
            ) from None
        if not np.isfinite(s):
            raise _bad(path, line, "score 必须是有限数", "score must be finite")
        i = items.setdefault(row[0], len(items))
        j = experts.setdefault(row[1], len(experts))
        if (i, j) in seen:
            raise _bad(path, line, f"重复的配对 {row[0]},{row[1]}", f"duplicate pair {row[0]},{row[1]}")
        seen.add((i, j))
        ii.append(i)
        jj.append(j)
        ss.append(s)
    if not ii:
        raise AssignmentError([Issue("csv_empty", {"file": path.name})])
    return ScoreTable(
        list(items), list(experts), np.array(ii, np.int64), np.array(jj, np.int64), np.array(ss)
    )


def read_conflicts(path: Path | None, table: ScoreTable) -> tuple[np.ndarray, np.ndarray]:
    """Conflicted pairs as indices; names absent from SCORES.csv cannot be assigned anyway, so skipped."""
    if path is None:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    path = Path(path)
    items = {name: k for k, name in enumerate(table.items)}
    experts = {name: k for k, name in enumerate(table.experts)}
    ci: list[int] = []
    cj: list[int] = []
    for line, row in _rows(path):
        if len(row) not in (2, 3):
            raise _bad(
                path,
                line,
                f"应为 2 列 item,expert，实为 {len(row)} 列",
                f"expected 2 columns, got {len(row)}",
            )
        if len(row) == 3 and row[2] not in ("-1", "-1.0"):
            if line == 1 and not _is_number(row[2]):
                continue
            raise _bad(
                path,
                line,
                f"只支持回避（-1），不支持约束值 {row[2]}",
                f"only conflicts (-1) are supported, not constraint value {row[2]}",
            )
        if row[0] in items and row[1] in experts:
            ci.append(items[row[0]])
            cj.append(experts[row[1]])
    return np.array(ci, np.int64), np.array(cj, np.int64)


def read_orgs(path: Path | None, table: ScoreTable) -> np.ndarray | None:
    if path is None:
        return None
    path = Path(path)
    experts = {name: k for k, name in enumerate(table.experts)}
    org_ids: dict[str, int] = {}
    out = np.full(len(table.experts), -1, np.int64)
    for line, row in _rows(path):
        if len(row) != 2:
            raise _bad(
                path, line, f"应为 2 列 expert,org，实为 {len(row)} 列", f"expected 2 columns, got {len(row)}"
            )
        if row[0] in experts and row[1]:
            out[experts[row[0]]] = org_ids.setdefault(row[1], len(org_ids))
    return out


@dataclass
class AssignOptions:
    scores: str
    per_item: int
    min_load: int
    max_load: int
    out: str
    conflicts: str | None = None
    max_probability: str | None = None
    seed: int | None = None
    orgs: str | None = None
    max_per_org: int | None = None
    reserves: int = 0
    record: str | None = None


def build_problem(opts: AssignOptions) -> tuple[AssignmentProblem, ScoreTable]:
    table = read_scores(Path(opts.scores))
    conflicts = read_conflicts(Path(opts.conflicts) if opts.conflicts else None, table)
    orgs = read_orgs(Path(opts.orgs) if opts.orgs else None, table)
    if opts.max_per_org is not None and orgs is None:
        raise AssignmentError(
            [Issue("invalid_input", {"field": "--orgs", "rule": "is required with --max-per-org"})]
        )
    problem = make_problem(
        table.item,
        table.expert,
        table.score,
        n_items=len(table.items),
        n_experts=len(table.experts),
        per_item=opts.per_item,
        min_load=opts.min_load,
        max_load=opts.max_load,
        conflicts=conflicts,
        expert_org=orgs,
        max_per_org=opts.max_per_org,
        item_labels=table.items,
        expert_labels=table.experts,
    )
    return problem, table


def _write_atomic(path: Path, write) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CHUNK_ROWS = 100_000  # rows per CSV chunk and per Parquet row group


def _panel_frame(problem: AssignmentProblem, item, expert, prob=None):
    """The panel as a frame (item, expert[, probability]) sorted by item then expert, labels gathered
    column-wise, without a Python loop over them."""
    import polars as pl

    order = np.lexsort((expert, item))
    item, expert = np.asarray(item)[order], np.asarray(expert)[order]

    def labels(idx, names):
        if names is None:
            return pl.Series(idx.astype(np.int64)).cast(pl.String)
        return pl.Series(list(names), dtype=pl.String).gather(idx.astype(np.int64))

    columns = {
        "item": labels(item, problem.item_labels),
        "expert": labels(expert, problem.expert_labels),
    }
    if prob is not None:
        columns["probability"] = pl.Series([f"{p:.6g}" for p in np.asarray(prob)[order]], dtype=pl.String)
    return pl.DataFrame(columns)


def _write_panel(path: Path, frame) -> None:
    """OUT.csv in chunks of ``CHUNK_ROWS`` rows, or OUT.parquet in row groups of that size."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            frame.write_parquet(tmp, row_group_size=CHUNK_ROWS)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return

    def write(fh) -> None:
        fh.write(",".join(frame.columns) + "\r\n")
        for start in range(0, max(frame.height, 1), CHUNK_ROWS):
            # the csv module's quoting and line ends, as the file had before (labels may hold commas)
            csv.writer(fh).writerows(frame.slice(start, CHUNK_ROWS).iter_rows())

    _write_atomic(path, write)


def run_assign(opts: AssignOptions) -> dict[str, Any]:
    """Solve and write OUT (and, for a draw, the record and reserves). Returns a summary for printing."""
    problem, table = build_problem(opts)
    outputs: list[tuple[Path, Any]] = []
    summary: dict[str, Any] = {
        "items": problem.n_items,
        "experts": problem.n_experts,
        "pairs": problem.n_pairs,
    }
    if opts.max_probability is None:
        if opts.reserves:
            raise AssignmentError(
                [
                    Issue(
                        "invalid_input",
                        {"field": "--reserves", "rule": "needs --max-probability (a random draw)"},
                    )
                ]
            )
        result = solve_optimal(problem)
        panel = _panel_frame(problem, result.item, result.expert)
        summary["total_affinity"] = result.total_affinity
    else:
        seed = opts.seed if opts.seed is not None else secrets.randbits(63)
        d = draw(problem, opts.max_probability, seed, reserves=opts.reserves)
        a = d.assignment
        prob = d.marginals.probability[problem.pair_index(a.item, a.expert)]
        panel = _panel_frame(problem, a.item, a.expert, prob)
        record = dict(d.record)
        record["labels"] = {"items": table.items, "experts": table.experts}
        record["cli"] = {k: v for k, v in asdict(opts).items() if k not in ("out", "record", "seed")}
        record_path = Path(opts.record) if opts.record else Path(str(opts.out) + ".draw.json")
        outputs.append((record_path, lambda fh: json.dump(record, fh, ensure_ascii=False, indent=1)))
        if opts.reserves:
            res_rows = [
                [problem.item_label(int(i)), problem.expert_label(int(j)), str(int(k))]
                for i, j, k in zip(d.reserve_item, d.reserve_expert, d.reserve_rank, strict=True)
            ]
            res_path = Path(str(opts.out) + ".reserves.csv")
            outputs.append(
                (res_path, lambda fh: csv.writer(fh).writerows([["item", "expert", "rank"], *res_rows]))
            )
            summary["reserves_file"] = str(res_path)
        summary.update(
            seed=seed,
            max_probability=record["max_probability"],
            expected_affinity=d.marginals.expected_affinity,
            total_affinity=a.total_affinity,
            record_file=str(record_path),
        )
    _write_panel(Path(opts.out), panel)
    for path, write in outputs:
        _write_atomic(path, write)
    summary["assigned"] = panel.height
    summary["out"] = str(opts.out)
    return summary


def run_replay(
    record_path: str, scores: str | None = None, conflicts: str | None = None, out: str | None = None
):
    """Re-run a stored CLI draw from its record and the same files; raise if the panel differs."""
    with open(record_path, encoding="utf-8") as fh:
        record = json.load(fh)
    cli = record.get("cli")
    if not cli:
        raise AssignmentError([Issue("record_mismatch", {"what": "the record has no CLI parameters"})])
    params = {**cli, "out": out or "-", "seed": record["seed"]}
    if scores:
        params["scores"] = scores
    if conflicts:
        params["conflicts"] = conflicts
    opts = AssignOptions(**params)
    problem, _ = build_problem(opts)
    d = replay(problem, record)
    if out:
        a = d.assignment
        prob = d.marginals.probability[problem.pair_index(a.item, a.expert)]
        _write_panel(Path(out), _panel_frame(problem, a.item, a.expert, prob))
    return {
        "assigned": len(d.assignment.item),
        "seed": record["seed"],
        "input_digest": record["input_digest"],
    }
