"""``kechuang policies evaluate``: batch CLI over a yearly-facts file, no database."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kechuang.enterprises.template import COLUMNS

HEADER = ",".join(COLUMNS)


def _valid_uscc(seed: str) -> str:
    from kechuang.core.uscc import uscc_error

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for ch in alphabet:
        code = seed[:17] + ch
        if not uscc_error(code):
            return code
    raise AssertionError("no check digit fits")


U1 = _valid_uscc("91370303MA3C00001")
U2 = _valid_uscc("91370303MA3C00002")


def _row(uscc, year, **kw):
    base = dict.fromkeys(COLUMNS, "")
    base.update(
        uscc=uscc,
        name="淄博甲科技有限公司" if uscc == U1 else "淄博乙商贸有限公司",
        district="张店区",
        registered_on="2015-03-01",
        industry_code="C3976" if uscc == U1 else "F5123",
        year=str(year),
        employees="100",
        st_staff="20",
        rd_staff="15",
        revenue="40000000",
        total_assets="80000000",
        net_assets="30000000",
        total_costs="35000000",
        net_profit="2000000",
        rd_expense="2500000",
        domestic_rd_expense="2500000",
        high_tech_revenue="30000000",
        invention_patents="1",
        class1_ip="1",
        class2_ip="2",
        transfers="0",
        in_key_field="是",
        innovation_score="80",
        major_incident="否",
        dishonest="否",
        high_tech_cert_valid="否",
        listed="否",
    )
    base.update({k: str(v) for k, v in kw.items()})
    return ",".join(base[c] for c in COLUMNS)


def facts_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "facts.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def good_rows() -> list[str]:
    return [
        *(_row(U1, y) for y in (2022, 2023, 2024)),
        *(_row(U2, y, innovation_score="") for y in (2023, 2024)),
    ]


def test_evaluate_writes_one_row_per_enterprise_and_policy(tmp_path):
    out = tmp_path / "result.csv"
    call_command(
        "policies", "evaluate", str(facts_csv(tmp_path, good_rows())), "--on", "2025-06-30", "--out", str(out)
    )
    rows = read(out)
    assert list(rows[0]) == ["uscc", "policy", "status", "score", "failed", "missing"]
    got = {(r["uscc"], r["policy"]): r for r in rows}
    assert len(rows) == 8
    assert got[(U1, "high_tech")]["status"] == "eligible"
    assert got[(U1, "tech_sme")]["score"] == "92"  # S&T 20 % → 12, R&D 6.25 % → 50, class-I IP → 30
    assert got[(U1, "rd_super_deduction")]["score"] == ""  # no score for this policy
    sd = got[(U2, "rd_super_deduction")]
    assert (sd["status"], sd["failed"]) == ("ineligible", "rd_super_deduction.industry")  # wholesale
    ht = got[(U2, "high_tech")]
    assert ht["status"] == "unknown"
    assert ht["missing"] == "domestic_rd_expense;innovation_score;rd_expense;revenue"  # 2022 row absent


def test_policy_filter_and_order(tmp_path):
    out = tmp_path / "r.csv"
    facts = str(facts_csv(tmp_path, good_rows()))
    call_command(
        "policies", "evaluate", facts, "--on", "2025-06-30", "--out", str(out),
        "--policy", "tech_sme", "--policy", "high_tech",
    )  # fmt: skip
    assert {r["policy"] for r in read(out)} == {"tech_sme", "high_tech"}


def test_bad_file_reports_rows_and_writes_nothing(tmp_path, capsys):
    rows = good_rows()
    rows[1] = _row(U1, 2023, revenue="十万")
    rows.append(_row(U1, 2024))  # duplicate year
    out = tmp_path / "result.csv"
    with pytest.raises(CommandError) as err:
        call_command(
            "policies", "evaluate", str(facts_csv(tmp_path, rows)), "--on", "2025-06-30", "--out", str(out)
        )
    assert err.value.returncode == 2
    report = capsys.readouterr().err
    assert "第3行 revenue（营业收入（元））“十万”" in report
    assert "第7行 year" in report and "重复" in report
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "facts.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "2025-13-01"], "YYYY-MM-DD"),
        (["--on", "2025-06-30", "--policy", "nope"], "没有此政策"),
        (["--on", "2023-06-30", "--policy", "gazelle"], "不在该政策的有效期内"),
    ],
)
def test_bad_arguments_exit_non_zero(tmp_path, args, message):
    out = tmp_path / "r.csv"
    with pytest.raises(CommandError, match=message):
        call_command("policies", "evaluate", str(facts_csv(tmp_path, good_rows())), "--out", str(out), *args)
    assert not out.exists()


def test_console_command_end_to_end(tmp_path):
    """Through ``python -m kechuang.cli`` as an operator runs it: exit codes and the CSV."""
    facts = facts_csv(tmp_path, good_rows())
    out = tmp_path / "r.csv"
    ok = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "policies", "evaluate", str(facts), "--on", "2025-06-30",
         "--out", str(out)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "2 家企业 × 4 项政策" in ok.stdout and len(read(out)) == 8
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + _row("123", 2024) + "\n", encoding="utf-8")
    fail = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "policies", "evaluate", str(bad), "--on", "2025-06-30",
         "--out", str(tmp_path / "x.csv")],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False,
    )  # fmt: skip
    assert fail.returncode != 0 and "第2行 uscc" in fail.stderr and not (tmp_path / "x.csv").exists()


def test_xlsx_input_gives_the_same_result_as_csv(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for line in good_rows():
        ws.append(line.split(","))
    xlsx = tmp_path / "facts.xlsx"
    wb.save(xlsx)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command("policies", "evaluate", str(xlsx), "--on", "2025-06-30", "--out", str(a))
    call_command(
        "policies", "evaluate", str(facts_csv(tmp_path, good_rows())), "--on", "2025-06-30", "--out", str(b)
    )
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")


def test_parquet_output_holds_the_same_rows_as_csv(tmp_path):
    import polars as pl

    facts = str(facts_csv(tmp_path, good_rows()))
    for name in ("result.csv", "result.parquet"):
        call_command("policies", "evaluate", facts, "--on", "2025-06-30", "--out", str(tmp_path / name))
    as_csv = pl.read_csv(tmp_path / "result.csv", infer_schema=False)
    as_parquet = pl.read_parquet(tmp_path / "result.parquet").cast(pl.String)
    assert as_parquet.columns == as_csv.columns and len(as_parquet) == 8
    assert as_parquet.sort("uscc", "policy").rows() == as_csv.sort("uscc", "policy").rows()
