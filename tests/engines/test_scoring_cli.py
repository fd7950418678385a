"""``kechuang scoring rank``: any matrix from CSV, no database, weights printed, bad input refused."""

import csv
import subprocess
import sys

import pytest

from kechuang.cli import main, offline_module

MATRIX = "id,rd,patents,cost\na,3,10,5\nb,1,2,9\nc,2,,1\nd,3,10,5\n"


def _run(tmp_path, *args, matrix=MATRIX):
    m = tmp_path / "m.csv"
    m.write_text(matrix, encoding="utf-8")
    out = tmp_path / "out.csv"
    main(["scoring", "rank", "--matrix", str(m), "--out", str(out), *args])
    with open(out, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("method", ["topsis", "weighted_sum", "grey"])
@pytest.mark.parametrize(
    "weights",
    [
        ["--weights", "2,1,1"],
        ["--weight-method", "entropy"],
        ["--weight-method", "critic"],
        ["--weight-method", "equal"],
    ],
)
def test_ranks_any_matrix(tmp_path, capsys, method, weights):
    rows = _run(tmp_path, "--directions", "+,+,-", *weights, "--method", method, "--normalise", "minmax")
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    ranks = {r["id"]: int(r["rank"]) for r in rows}
    assert ranks["a"] == ranks["d"]  # identical rows tie
    assert ranks["b"] == 4  # worst on every criterion
    assert all(0 <= float(r["score"]) <= 1 for r in rows)
    printed = capsys.readouterr().out
    assert "weights:" in printed and "rd" in printed and "cost" in printed


def test_explicit_weights_are_printed_rescaled(tmp_path, capsys):
    _run(
        tmp_path, "--directions", "+,+,-", "--weights", "2,1,1", "--method", "topsis", "--normalise", "vector"
    )
    assert "0.500000" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "matrix", "message"),
    [
        (
            ["--directions", "+,+", "--weight-method", "equal"],
            MATRIX,
            "3 criteria in the matrix, 2 directions",
        ),
        (["--directions", "+,+,x", "--weight-method", "equal"], MATRIX, "must be + (benefit) or - (cost)"),
        (["--directions", "+,+,-", "--weights", "1,1"], MATRIX, "2 weights given"),
        (["--directions", "+,+,-", "--weights", "1,-1,1"], MATRIX, "non-negative"),
        (
            ["--directions", "+", "--weight-method", "equal"],
            "id,x\na,abc\n",
            "line 2, column x: 'abc' is not a number",
        ),
        (["--directions", "+", "--weight-method", "equal"], "name,x\na,1\n", "first line must be id"),
        (["--directions", "+", "--weight-method", "equal"], "id,x\na,1\na,2\n", "ids must be unique"),
        (["--directions", "+", "--weight-method", "equal"], "id,x\na,inf\n", "finite"),
        (["--directions", "+", "--weight-method", "equal"], "id,x\n", "no alternatives"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(tmp_path, capsys, args, matrix, message):
    m = tmp_path / "m.csv"
    m.write_text(matrix, encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as exc:
        main(["scoring", "rank", "--matrix", str(m), "--out", str(out), *args])
    assert exc.value.code == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_rank_is_an_offline_command_that_loads_no_app():
    assert offline_module(["scoring", "rank"]) is not None
    script = (
        "import sys\nfrom django.apps import apps\nfrom kechuang import cli\n"
        "try:\n    cli.main(['scoring', 'rank', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('loaded:', apps.ready, 'numpy' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "usage: kechuang scoring rank" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "loaded: False False"
