"""The 通报 and the 督导 report as readable Word files kept for re-download; meetings whose decisions
become follow-up items tracked to closure; the assessment with weights as data and its .xlsx."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from openpyxl import load_workbook

from kechuang.programs.workflow import history
from kechuang.supervision import tasks
from kechuang.supervision.models import Bulletin, FollowUp, QuarterlyReview, ReportItem, SupervisionReport
from kechuang.supervision.services import assessment, documents, meetings, reminders, reports

from .conftest import at

pytestmark = pytest.mark.django_db

CITY = "建设国家创新型城市工作专班"


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _file(u, tf, month, day, lagging=False):
    with at(dt.date(2022, month, day)):
        report = reports.open_report(u, tf, 2022, month)
        items = {
            i.pk: (
                ReportItem.Progress.LAGGING if lagging and i.milestone_id else ReportItem.Progress.ON_PLAN,
                "推进中。",
            )
            for i in report.items.all()
        }
        report = reports.save_report(
            u, report, items=items, problems="经费未到位。", next_steps="召开动员大会。"
        )
        return reports.submit(u, report)


def test_the_bulletin_names_progress_lagging_items_late_reporters_and_focus(sup):
    u, f = sup["users"], sup["forces"]
    report = _file(u["talent"], f[CITY], 7, 20, lagging=True)
    with at(dt.date(2022, 7, 21)):
        reports.accept(u["office"], report)
    with at(dt.date(2022, 7, 28)):
        bulletin = documents.compile_bulletin(u["office"], sup["plan"], 2022, 7)
    text = _text(bytes(bulletin.content))
    assert "2022年7月工作专班推进情况通报" in text
    assert "一、总体情况" in text and "三、滞后事项" in text and "五、下月工作重点" in text
    assert "召开动员大会" in text  # next steps of the report
    assert "人才与成果科" in text  # the section responsible for the lagging items
    assert "实验室建设工作专班" in text.split("四、报送情况")[1]  # did not report
    assert bulletin.summary["lights"][CITY] == "red"  # its first milestone (March) is overdue
    with at(dt.date(2022, 7, 29)):
        again = documents.compile_bulletin(u["office"], sup["plan"], 2022, 7)
    assert Bulletin.objects.count() == 2 and again.pk != bulletin.pk  # every version kept


def test_only_the_office_compiles(sup):
    u = sup["users"]
    for who in ("talent", "leader", "district"):
        with pytest.raises(PermissionDenied):
            documents.compile_bulletin(u[who], sup["plan"], 2022, 7)
    with pytest.raises(ValidationError):
        documents.compile_bulletin(u["office"], sup["plan"], 2023, 1)
    assert not Bulletin.objects.exists()


def test_the_28th_task_compiles_each_plan_once(sup):
    with at(dt.date(2022, 8, 28), hour=9):
        assert tasks.monthly_bulletins.call_local(dt.date(2022, 8, 28)) == 1
        assert tasks.monthly_bulletins.call_local(dt.date(2022, 8, 28)) == 0
    assert Bulletin.objects.get().issued_by is None


def test_the_supervision_report_in_june_and_december_only(sup):
    u = sup["users"]
    with at(dt.date(2022, 6, 30)):
        doc = documents.compile_supervision_report(u["office"], sup["plan"], 2022, 6)
        with pytest.raises(ValidationError, match="6月和12月"):
            documents.compile_supervision_report(u["office"], sup["plan"], 2022, 5)
    text = _text(bytes(doc.content))
    assert "督导报告" in text and "工作目标" in text and CITY in text
    assert SupervisionReport.objects.count() == 1


def test_a_meeting_turns_decisions_into_follow_ups_tracked_to_closure(sup):
    u, s = sup["users"], sup["sections"]
    _file(u["talent"], sup["forces"][CITY], 9, 20, lagging=True)
    with at(dt.date(2022, 9, 25)):
        review = meetings.schedule(u["office"], sup["plan"], 2022, 3, dt.date(2022, 9, 29))
        with pytest.raises(ValidationError):
            meetings.schedule(u["office"], sup["plan"], 2022, 3, dt.date(2022, 9, 29))
        with pytest.raises(ValidationError, match="季度末月"):
            meetings.schedule(u["office"], sup["plan"], 2022, 2, dt.date(2022, 5, 20))
    point = next(p for p in review.agenda if p["task_force"] == CITY)
    assert point["overdue"] and point["lagging"]
    decisions = [
        {"text": "加快进度", "section": s["talent"].pk, "deadline": "2022-10-20"},
        {"text": "形成清单", "section": s["planning"].pk, "deadline": "2022-10-15"},
        {"text": "", "section": "", "deadline": ""},
    ]
    with at(dt.date(2022, 9, 29)):
        with pytest.raises(ValidationError):
            meetings.record_minutes(u["office"], review, "", decisions)
        with pytest.raises(ValidationError):
            meetings.record_minutes(
                u["office"], review, "纪要", [{"text": "无科室", "section": "", "deadline": "2022-10-01"}]
            )
        assert not FollowUp.objects.exists()
        review = meetings.record_minutes(u["office"], review, "会议纪要", decisions)
    assert review.status == QuarterlyReview.Status.HELD and FollowUp.objects.count() == 2
    item = FollowUp.objects.get(text="加快进度")
    # Reminded seven days before, the day before and after the deadline, each once.
    for day in (13, 13, 19, 21):
        with at(dt.date(2022, 10, day), hour=8):
            reminders.send_reminders(dt.date(2022, 10, day))
    assert u["talent"].notifications.filter(body="加快进度").count() == 3
    with pytest.raises(PermissionDenied):
        meetings.close_follow_up(u["planning"], item, "已办")
    with pytest.raises(ValidationError):
        meetings.close_follow_up(u["talent"], item, "")
    with at(dt.date(2022, 10, 19)):
        item = meetings.close_follow_up(u["talent"], item, "已专题汇报")
    assert item.status == FollowUp.Status.CLOSED and item.evidence == "已专题汇报"
    assert [t.action for t in history(item)] == ["create", "close"]


def test_the_assessment_scores_with_weights_as_data_and_exports_its_evidence(sup):
    u = sup["users"]
    _file(u["talent"], sup["forces"][CITY], 1, 20)
    _file(u["talent"], sup["forces"][CITY], 2, 28)  # late
    rows = assessment.assess(sup["plan"], dt.date(2022, 3, 1))
    city = next(r for r in rows if r.name == CITY)
    assert city.reporting.possible == 2 and city.reporting.earned == 1
    assert any("2月报告逾期报送" in e for e in city.reporting.evidence)
    forces = [r for r in rows if r.kind == "task_force"]
    assert all(a.rank == b.rank for a in forces for b in forces if a.score == b.score)  # ties share a rank
    assert min(r.rank for r in forces) == 1
    assert city.score == 85  # 0.3 × 50% + 0.5 × 100% (nothing due) + 0.2 × 100%
    with pytest.raises(ValidationError):
        assessment.set_weights(u["office"], sup["plan"], "0.5", "0.5", "0.5")
    with pytest.raises(PermissionDenied):
        assessment.set_weights(u["leader"], sup["plan"], "1", "0", "0")
    assessment.set_weights(u["office"], sup["plan"], "1", "0", "0")
    city = next(r for r in assessment.assess(sup["plan"], dt.date(2022, 3, 1)) if r.name == CITY)
    assert city.score == 50
    response = assessment.export(sup["plan"], dt.date(2022, 3, 1))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["类别", "名次", "名称", "总分"]
    assert any(r[2] == CITY and "逾期报送" in r[7] for r in values[1:])
