"""Hostile uploads through the real imports (issue 10, point 4): each is refused with the reader's
message, the upload is kept as a refused ImportRun, and nothing in the database changes."""

import pytest

from kechuang.core.models import ImportRun
from kechuang.enterprises import importing
from kechuang.enterprises.models import Enterprise, YearlyFacts
from kechuang.experts import importing as expert_importing
from kechuang.experts.models import Expert
from tests.core.test_reading import HEADER, cell, workbook

BOMBS = {
    "far_cell.xlsx": (
        workbook({**HEADER, 1048576: cell("XFD1048576", "boom")}),
        "工作表在 XFD 列有内容，超过了 64 列（到 BL 列）的上限",
    ),
    "declared.xlsx": (
        workbook(HEADER, dimension="A1:XFD1048576"),
        "工作表声明的范围到 XFD1048576，超过了 64 列（到 BL 列）的上限",
    ),
    "long_line.csv": (
        b"uscc,name,district,year\n" + b"a" * 70_000 + b"\n",
        "第2行过长（70,001个字符），超过了每行 65,536 个字符的上限",
    ),
}


@pytest.mark.parametrize("filename", sorted(BOMBS))
def test_facts_import_refuses_hostile_files_and_changes_nothing(city, filename):
    data, message = BOMBS[filename]
    before = (Enterprise.objects.count(), YearlyFacts.objects.count())
    outcome = importing.import_facts(data, filename, city["users"]["staff"])
    assert [importing.error_message(e) for e in outcome.errors] == [f"文件：{message}"]
    run = ImportRun.objects.get(pk=outcome.run.pk)
    assert run.status == ImportRun.Status.REFUSED and run.finished_at is not None
    assert (Enterprise.objects.count(), YearlyFacts.objects.count()) == before


def test_facts_import_refuses_a_zip_bomb(city):
    bomb = workbook(HEADER, extra={"xl/media/bomb.bin": b"\0" * (50 * 1024 * 1024)})
    outcome = importing.import_facts(bomb, "bomb.xlsx", city["users"]["staff"])
    assert "（可能是压缩炸弹）" in outcome.errors[0].rule
    assert outcome.run.status == ImportRun.Status.REFUSED
    assert YearlyFacts.objects.count() == 0


@pytest.mark.parametrize("filename", sorted(BOMBS))
def test_expert_import_refuses_hostile_files_and_changes_nothing(city, filename):
    data, message = BOMBS[filename]
    outcome = expert_importing.import_experts(data, filename, city["users"]["staff"])
    assert [e.rule for e in outcome.errors] == [message]
    assert outcome.run.status == ImportRun.Status.REFUSED
    assert Expert.objects.count() == 0
