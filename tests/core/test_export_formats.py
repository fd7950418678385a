"""List exports give their number, money, date and time columns real cells with number formats
(issue 11, gap c): an amount is a number with thousands separators, a time a date, never text."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core.models import ImportRun
from kechuang.core.spreadsheets import FORMATS, Column, xlsx_bytes
from kechuang.matching import services as matching
from kechuang.matching.models import Event
from kechuang.programs.services import ideas, review

pytestmark = pytest.mark.django_db


def _kinds(headers) -> dict[str, str]:
    return {str(c.title): c.kind for c in headers if isinstance(c, Column)}


def test_the_import_log_export_has_times_and_counts(client, city):
    user = city["users"]["staff"]
    ImportRun.objects.create(
        kind="yearly_facts", user=user, filename="a.xlsx", sha256="x", status="accepted", rows=1200,
        counts={"enterprises_created": 1000, "facts_created": 1200},
    )  # fmt: skip
    client.force_login(user)
    response = client.get(reverse("facts_import"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert (
        isinstance(row["导入时间"].value, dt.datetime)
        and row["导入时间"].number_format == FORMATS["datetime"]
    )
    assert row["数据行数"].value == 1200 and row["数据行数"].number_format == "#,##0"
    assert row["新增企业"].value == 1000 and row["新增企业"].number_format == "#,##0"


def test_match_and_event_exports_format_their_figures():
    headers, _rows = matching.match_export([])
    kinds = _kinds(headers)
    assert kinds["签约金额（万元）"] == "wan_yuan" and kinds["匹配度"] == "number"
    assert kinds["排名"] == "int" and kinds["更新时间"] == "datetime"
    headers, _rows = matching.event_export([])
    kinds = _kinds(headers)
    assert kinds["举办日期"] == "date" and kinds["签约金额（万元）"] == "wan_yuan"
    assert all(kinds[str(Event._meta.get_field(n).verbose_name)] == "int" for n in Event.FIGURES)


def test_idea_and_review_exports_declare_their_kinds():
    assert dict(ideas.EXPORT_HEADERS)["建议支持金额（万元）"] == "wan_yuan"
    assert dict(ideas.EXPORT_HEADERS)["提交时间"] == "datetime"
    kinds = dict(review.EXPORT_HEADERS)
    assert kinds["平均分"] == kinds["校正后得分"] == "number" and kinds["有效评分数"] == "int"


def test_an_aware_time_is_written_as_a_local_date_cell():
    when = timezone.make_aware(dt.datetime(2026, 3, 1, 8, 30))
    data = xlsx_bytes([Column("提交时间", "datetime")], [[when]])
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == dt.datetime(2026, 3, 1, 8, 30) and cell.number_format == FORMATS["datetime"]
