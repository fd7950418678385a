"""Batch CLI `kechuang experts assign|replay`: openreview-matcher files in, OUT.csv out, nothing on error."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from kechuang.engines.assignment import AssignmentError
from kechuang.engines.assignment.batch import AssignOptions, read_scores, run_assign, run_replay


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    rows = [
        [f"P{i}", f"R{j}", f"{rng.random():.4f}"] for i in range(10) for j in range(12) if rng.random() < 0.8
    ]
    scores = write_csv(tmp_path / "scores.csv", rows)
    conflicts = write_csv(tmp_path / "conflicts.csv", [["P0", "R1"], ["P2", "R3", "-1"], ["PX", "R1"]])
    return tmp_path, scores, conflicts, rows


def read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_optimal_out_csv(files):
    tmp, scores, conflicts, rows = files
    out = tmp / "out.csv"
    summary = run_assign(
        AssignOptions(scores=scores, conflicts=conflicts, per_item=3, min_load=1, max_load=4, out=str(out))
    )
    got = read(out)
    assert got[0] == ["item", "expert"]
    pairs = {tuple(r) for r in got[1:]}
    assert ("P0", "R1") not in pairs and ("P2", "R3") not in pairs
    eligible = {(r[0], r[1]) for r in rows}
    assert pairs <= eligible
    assert summary["assigned"] == 30 == len(pairs)
    loads = np.unique([e for _, e in pairs], return_counts=True)[1]
    assert loads.min() >= 1 and loads.max() <= 4


def test_randomised_out_record_and_replay(files):
    tmp, _, conflicts, _ = files
    rng = np.random.default_rng(1)
    dense = [[f"P{i}", f"R{j}", f"{rng.random():.4f}"] for i in range(10) for j in range(12)]
    scores = write_csv(tmp / "scores.csv", dense)
    out = tmp / "draw.csv"
    opts = AssignOptions(
        scores=scores,
        conflicts=conflicts,
        per_item=2,
        min_load=0,
        max_load=3,
        max_probability="0.5",
        seed=7,
        reserves=1,
        out=str(out),
    )
    summary = run_assign(opts)
    got = read(out)
    assert got[0] == ["item", "expert", "probability"]
    assert all(0 < float(r[2]) <= 0.5 for r in got[1:])
    record = json.loads((tmp / "draw.csv.draw.json").read_text(encoding="utf-8"))
    assert record["seed"] == 7 and record["max_probability"] == "1/2"
    assert read(tmp / "draw.csv.reserves.csv")[0] == ["item", "expert", "rank"]
    # same seed, same draw
    run_assign(AssignOptions(**{**opts.__dict__, "out": str(tmp / "again.csv")}))
    assert read(tmp / "again.csv") == got
    # replay from the record alone
    info = run_replay(str(tmp / "draw.csv.draw.json"), out=str(tmp / "replayed.csv"))
    assert read(tmp / "replayed.csv") == got
    assert info["seed"] == 7 and summary["seed"] == 7
    # a changed score file no longer matches the record
    lines = (tmp / "scores.csv").read_text().splitlines()
    (tmp / "scores2.csv").write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(AssignmentError, match="digest"):
        run_replay(str(tmp / "draw.csv.draw.json"), scores=str(tmp / "scores2.csv"))


def test_infeasible_writes_nothing_and_says_why(tmp_path):
    scores = write_csv(
        tmp_path / "s.csv", [["item", "expert", "score"], ["X", "a", "0.5"], ["X", "b", "0.4"]]
    )
    out = tmp_path / "out.csv"
    with pytest.raises(AssignmentError) as err:
        run_assign(AssignOptions(scores=scores, per_item=3, min_load=0, max_load=2, out=str(out)))
    assert "item X has 2 eligible experts, 3 needed" in str(err.value)
    assert err.value.issue.text() == "申报项目 X 只有 2 位可选专家，需要 3 位"
    assert list(tmp_path.iterdir()) == [tmp_path / "s.csv"]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([["A", "a", "0.1"], ["A", "a", "0.2"]], "line 2: duplicate pair A,a"),
        ([["A", "a", "0.1"], ["A", "b", "high"]], "line 2: score is not a number"),
        ([["A", "a"]], "line 1: expected 3 columns"),
        ([["A", "a", "inf"]], "score must be finite"),
    ],
)
def test_bad_rows_are_named(tmp_path, rows, fragment):
    path = write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(AssignmentError, match=fragment):
        read_scores(path)


def test_management_command(files, capsys):
    from django.core.management import CommandError, call_command

    tmp, scores, conflicts, _ = files
    out = tmp / "cmd.csv"
    args = ["assign", "--scores", scores, "--conflicts", conflicts, "--per-item", "2", "--max-load", "3"]
    call_command("experts", *args, "--out", str(out))
    assert read(out)[0] == ["item", "expert"]
    assert "assigned: 20" in capsys.readouterr().out
    bad = tmp / "bad.csv"
    with pytest.raises(CommandError) as err:
        call_command("experts", *args[:-4], "--per-item", "13", "--max-load", "3", "--out", str(bad))
    assert "只有" in str(err.value) and "13 needed" in str(err.value)
    assert not bad.exists()


def test_assign_writes_parquet_with_the_rows_of_the_csv(tmp_path):
    import polars as pl

    from kechuang.engines.assignment.batch import AssignOptions, run_assign

    scores = tmp_path / "scores.csv"
    scores.write_text("".join(f"p{i},r{j},{(i * 7 + j * 3) % 10 / 10}\n" for i in range(6) for j in range(5)))
    common = {"scores": str(scores), "per_item": 2, "min_load": 0, "max_load": 3}
    run_assign(AssignOptions(**common, out=str(tmp_path / "a.csv")))
    run_assign(AssignOptions(**common, out=str(tmp_path / "a.parquet")))
    from_csv = pl.read_csv(tmp_path / "a.csv", infer_schema=False)
    assert from_csv.height == 12
    assert pl.read_parquet(tmp_path / "a.parquet").equals(from_csv)
