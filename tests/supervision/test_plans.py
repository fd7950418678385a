"""The seed plan loads as it is; a bad plan (YAML or the .xlsx template) is refused whole with every
problem named, and changes nothing."""

import datetime as dt
import io
import json

import pytest
import yaml
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from kechuang.core.models import ImportRun, Section
from kechuang.supervision.models import KeyProject, Milestone, Obstacle, Plan, Task, TaskForce
from kechuang.supervision.services import plans

from .conftest import SEED, SHARED_SEED, seed_text

pytestmark = pytest.mark.django_db


def test_the_packaged_seed_is_the_shared_one():
    if SHARED_SEED.exists():
        assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_the_seed_plan_loads_as_it_is(sections):
    plan = plans.load_plan(plans.parse_yaml(seed_text()))
    data = yaml.safe_load(seed_text())
    assert plan.year == 2022 and plan.issued == dt.date(2022, 3, 11) and plan.report_due_day == 27
    assert plan.office == sections["policy"]
    forces = list(plan.task_forces.order_by("order"))
    assert [tf.name for tf in forces] == [tf["name"] for tf in data["task_forces"]]
    for tf, src in zip(forces, data["task_forces"], strict=True):
        assert tf.lead_leader == src["lead_leader"] and tf.assisting_leaders == src["assisting_leaders"]
        assert [m.text for m in tf.milestones.order_by("order")] == [m["text"] for m in src["milestones"]]
        assert [m.due for m in tf.milestones.order_by("order")] == [m["due"] for m in src["milestones"]]
        assert [t.text for t in tf.tasks.all()] == src["tasks"]
        assert [t.text for t in tf.obstacles.all()] == src["obstacles"]
        assert [t.text for t in tf.key_projects.all()] == src["key_projects"]
    assert forces[0].lead_section == sections["talent"]
    assert forces[4].lead_section == sections["personnel"]  # 人事科副科长
    assert sections["party"] in forces[2].support_sections.all()  # 机关党委专职副书记
    assert Milestone.objects.count() == sum(len(t["milestones"]) for t in data["task_forces"]) == 17
    assert Section.objects.count() == len(sections)  # no section invented when the bureau has them all
    assert plan.history.count() == 1 and forces[0].history.exists()


def test_missing_sections_are_created_from_the_posts(db):
    plan = plans.load_plan(plans.parse_yaml(seed_text()))
    names = set(Section.objects.values_list("name", flat=True))
    assert {"人才与成果科", "人事科", "机关党委", "办公室", "政策法规与创新促进科"} <= names
    assert plan.office.name == "政策法规与创新促进科"


def test_loading_twice_is_refused_and_changes_nothing(sections):
    plans.load_plan(plans.parse_yaml(seed_text()))
    with pytest.raises(plans.PlanError) as refused:
        plans.load_plan(plans.parse_yaml(seed_text()))
    assert "同名实施方案" in str(refused.value)
    assert Plan.objects.count() == 1 and TaskForce.objects.count() == 5


def test_a_bad_plan_is_refused_whole_naming_each_problem(sections):
    data = yaml.safe_load(seed_text())
    data["task_forces"][1]["milestones"][2]["due"] = "2022-13-40"
    data["task_forces"][3]["name"] = data["task_forces"][0]["name"]
    del data["task_forces"][2]["goal"]
    with pytest.raises(plans.PlanError) as refused:
        plans.load_plan(data)
    where = [w for w, _rule in refused.value.errors]
    assert "task_forces[2].milestones[3].due" in where
    assert "task_forces[4].name" in where
    assert "task_forces[3].goal" in where
    assert not Plan.objects.exists() and not Task.objects.exists() and not Obstacle.objects.exists()
    assert not KeyProject.objects.exists() and Section.objects.count() == len(sections)


def test_the_command_loads_and_refuses(sections, tmp_path):
    out = io.StringIO()
    call_command("supervision", "load", str(SEED), stdout=out)
    assert "工作专班5个" in out.getvalue() and "推进节点17个" in out.getvalue()
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: [unclosed", encoding="utf-8")
    with pytest.raises(CommandError, match="YAML"):
        call_command("supervision", "load", str(bad))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("supervision", "load", str(tmp_path / "none.yaml"))


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    headers, _example = plans.template_rows()
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEAD = {
    "title": "测试区实施方案",
    "year": 2023,
    "issued": dt.date(2023, 3, 1),
    "office": "政策法规与创新促进科",
    "district": "",
}


def test_the_xlsx_template_imports(sections):
    _headers, example = plans.template_rows()
    outcome = plans.import_xlsx(
        _xlsx([[c.replace("2022", "2023") for c in r] for r in example]), "方案.xlsx", HEAD, None
    )
    assert outcome.ok, outcome.errors
    tf = outcome.plan.task_forces.get()
    assert tf.lead_section == sections["planning"] and tf.tasks.count() == 1
    m = tf.milestones.get()
    assert m.indicator_code == "platforms" and m.target_value == 10 and m.due == dt.date(2023, 12, 31)
    assert outcome.run.status == ImportRun.Status.ACCEPTED


def test_a_bad_xlsx_row_refuses_the_file_with_a_row_report(sections):
    _headers, example = plans.template_rows()
    rows = [list(r) for r in example]
    rows[4][7] = "明年"  # the milestone's due date
    rows.append(["推进节点", "不存在的专班", "内容", "", "", "", "", "2022-06-30", "", "", ""])
    rows.append(["会议", "科技服务产业工作专班", "内容", "", "", "", "", "", "", "", ""])
    outcome = plans.import_xlsx(_xlsx(rows), "方案.xlsx", HEAD, None)
    assert not outcome.ok
    found = {(e["row"], e["column"]) for e in outcome.errors}
    assert (6, "完成时限") in found and (7, "专班名称") in found and (8, "类型") in found
    assert not Plan.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED


def test_a_file_that_is_not_a_spreadsheet_is_refused(sections):
    outcome = plans.import_xlsx(b"PK\x03\x04 broken", "方案.xlsx", HEAD, None)
    assert not outcome.ok and outcome.errors[0]["row"] == 0
    assert not Plan.objects.exists()


def test_status_json_on_2022_07_01_agrees_with_the_due_dates(sections):
    plans.load_plan(plans.parse_yaml(seed_text()))
    out = io.StringIO()
    call_command("supervision", "status", "--on", "2022-07-01", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    data = yaml.safe_load(seed_text())
    assert [r["task_force"] for r in rows] == [t["name"] for t in data["task_forces"]]
    on = dt.date(2022, 7, 1)
    for row, src in zip(rows, data["task_forces"], strict=True):
        dues = [m["due"] for m in src["milestones"]]
        assert row["milestones"]["overdue"] == sum(d < on for d in dues)
        assert row["milestones"]["on_track"] == sum(
            dt.date(2022, 7, 1) <= d <= dt.date(2022, 9, 30) for d in dues
        )
        assert row["milestones"]["not_due"] == sum(d > dt.date(2022, 9, 30) for d in dues)
        assert row["milestones"]["done_on_time"] == row["milestones"]["done_late"] == 0
        assert row["reports"] == {"due": 1, "submitted": 0, "accepted": 0, "late": 0}
    assert set(rows[0]) == {"task_force", "milestones", "reports"}
    assert set(rows[0]["milestones"]) == {"not_due", "on_track", "overdue", "done_on_time", "done_late"}
    assert set(rows[0]["reports"]) == {"due", "submitted", "accepted", "late"}


def test_status_refuses_a_bad_date(sections):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("supervision", "status", "--on", "2022-02-30")
