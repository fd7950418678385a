"""``kechuang facts import`` and ``kechuang facts template``: exit codes, report, progress."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from kechuang.core.models import ImportRun, Organisation
from kechuang.enterprises.importing import template_headings
from kechuang.enterprises.models import YearlyFacts
from tests import factories as f

from .test_import import csv_of, row


def run_cli(*args) -> str:
    out = io.StringIO()
    call_command("facts", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_import_success_then_unchanged(city, tmp_path, capsys):
    path = tmp_path / "facts.csv"
    uscc = f.make_uscc(920001)
    path.write_bytes(csv_of([row(uscc), row(uscc, 2022)]))
    out = run_cli("import", str(path), "--user", "district_u")
    assert "导入成功" in out and "新增 2 行" in out
    assert "读取并校验文件" in capsys.readouterr().err  # progress on stderr
    org = Organisation.objects.get(uscc=uscc)
    assert YearlyFacts.history.filter(enterprise_id=org.pk).first().history_user.username == "district_u"
    again = run_cli("import", str(path), "--user", "district_u")
    assert "未变化 2 行" in again


def test_cli_refusal_exits_non_zero_and_prints_report(city, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_of([row(f.make_uscc(920002), rd_expense="-1")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="文件未导入：发现 1 个问题"):
        call_command("facts", "import", str(path), stdout=out, stderr=io.StringIO())
    assert "第2行「研发费用（元）」：金额不能为负数" in out.getvalue()
    assert not YearlyFacts.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED


def test_cli_scope_and_user_errors(city, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_of([row(city["e2"].organisation.uscc, name="乙", district="淄川区")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("facts", "import", str(path), "--user", "district_u", stdout=out, stderr=io.StringIO())
    assert "区县工作人员只能导入本区县（张店区）的企业" in out.getvalue()
    with pytest.raises(CommandError, match="无权导入"):
        run_cli("import", str(path), "--user", "leader_u")
    with pytest.raises(CommandError, match="没有用户名"):
        run_cli("import", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="无法读取文件"):
        run_cli("import", str(tmp_path / "missing.csv"))


def test_cli_exit_code_is_non_zero(city, tmp_path):
    """Through the real console entry point, as an operator's script would see it."""
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "facts", "template", "--out", str(tmp_path / "t.pdf")],
        capture_output=True,
        text=True,
        env={**os.environ, "KECHUANG_DATA_DIR": str(tmp_path / "var")},
        check=False,
    )
    assert result.returncode != 0 and ".xlsx 或 .csv" in result.stderr


def test_cli_template(tmp_path, db):
    run_cli("template", "--out", str(tmp_path / "t.xlsx"))
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    assert tuple(c.value for c in sheet[1]) == tuple(template_headings())
    run_cli("template", "--out", str(tmp_path / "t.csv"))
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip() == ",".join(template_headings())
