"""Pages per role: who sees the board, who files, who reviews, who comments; district staff see only
their district's plan."""

import datetime as dt

import pytest
from django.urls import reverse

from kechuang.core.registry import todos_for
from kechuang.supervision.models import Bulletin, MonthlyReport
from kechuang.supervision.services import plans, reports

from .conftest import at, seed_text

pytestmark = pytest.mark.django_db

CITY = "建设国家创新型城市工作专班"


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    "who, status", [("leader", 200), ("talent", 200), ("office", 200), ("admin", 200), ("district", 200),
                    ("enterprise", 403), ("expert", 403)],
)  # fmt: skip
def test_board_per_role(client, sup, who, status):
    response = get(client, sup["users"][who], reverse("supervision_board"))
    assert response.status_code == status
    if who == "district":
        assert CITY not in response.content.decode()  # the city plan is not theirs


def test_district_staff_see_their_district_plan_only(client, sup):
    data = plans.parse_yaml(seed_text())
    data["plan"]["district"] = "张店区"
    data["plan"]["title"] = "张店区科技创新专班实施方案"
    district_plan = plans.load_plan(data)
    tf = district_plan.task_forces.first()
    client.force_login(sup["users"]["district"])
    assert client.get(reverse("supervision_task_force", args=[tf.pk])).status_code == 200
    city_tf = sup["forces"][CITY]
    assert client.get(reverse("supervision_task_force", args=[city_tf.pk])).status_code == 403
    client.force_login(sup["users"]["other_district"])
    assert client.get(reverse("supervision_task_force", args=[tf.pk])).status_code == 403
    assert "张店区" not in client.get(reverse("supervision_board")).content.decode()


def test_task_force_page_and_office_page(client, sup):
    u, tf = sup["users"], sup["forces"][CITY]
    page = get(client, u["leader"], reverse("supervision_task_force", args=[tf.pk])).content.decode()
    assert "milestone-timeline" in page and "批示意见" in page and "open-report" not in page
    page = get(client, u["talent"], reverse("supervision_task_force", args=[tf.pk])).content.decode()
    assert "open-report" in page and "批示意见" not in page
    assert get(client, u["office"], reverse("supervision_office")).status_code == 200
    assert get(client, u["talent"], reverse("supervision_office")).status_code == 403
    assert get(client, u["leader"], reverse("supervision_office")).status_code == 403


def test_filing_through_the_pages_and_the_office_returning(client, sup):
    u, tf = sup["users"], sup["forces"][CITY]
    year = sup["plan"].year
    with at(dt.date(year, 4, 20)):
        client.force_login(u["talent"])
        response = client.post(reverse("supervision_open_report", args=[tf.pk, year, 4]))
        report = MonthlyReport.objects.get()
        assert response.url == reverse("supervision_report", args=[report.pk])
        data = {"action": "submit", "next_steps": "继续推进", "problems": "", "help_needed": ""}
        for item in report.items.all():
            data[f"status_{item.pk}"] = "on_plan"
            data[f"progress_{item.pk}"] = "进展顺利"
        client.post(reverse("supervision_report", args=[report.pk]), data)
        report.refresh_from_db()
        assert report.status == MonthlyReport.Status.SUBMITTED
        client.force_login(u["planning"])  # not the lead section: may read, may not act
        client.post(reverse("supervision_report", args=[report.pk]), {"action": "accept"})
        report.refresh_from_db()
        assert report.status == MonthlyReport.Status.SUBMITTED
        client.force_login(u["office"])
        client.post(reverse("supervision_report", args=[report.pk]), {"action": "return", "reason": ""})
        report.refresh_from_db()
        assert report.status == MonthlyReport.Status.SUBMITTED  # a return needs its reason
        client.post(reverse("supervision_report", args=[report.pk]), {"action": "return", "reason": "请补充"})
        report.refresh_from_db()
        assert report.status == MonthlyReport.Status.RETURNED
        client.force_login(u["enterprise"])
        assert client.get(reverse("supervision_report", args=[report.pk])).status_code == 403


def test_my_reports_due_on_the_workbench(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 6, 10)):
        labels = [str(t.label) for t in todos_for(u["talent"])]
        assert "本月专班工作进展待报送" in labels
        assert not [t for t in todos_for(u["leader"]) if "专班" in str(t.label)]
        report = reports.open_report(u["talent"], tf, 2022, 6)
        items = {i.pk: ("on_plan", "进展") for i in report.items.all()}
        reports.submit(u["talent"], reports.save_report(u["talent"], report, items=items, next_steps="继续"))
        assert "本月专班工作进展待报送" not in [str(t.label) for t in todos_for(u["talent"])]
        assert "待审核的专班月报" in [str(t.label) for t in todos_for(u["office"])]


def test_bulletin_download_and_the_import_pages(client, sup):
    u = sup["users"]
    with at(dt.date(2022, 7, 28)):
        client.force_login(u["office"])
        client.post(
            reverse("supervision_office"),
            {"action": "bulletin", "plan": sup["plan"].pk, "year": 2022, "month": 7},
        )
    bulletin = Bulletin.objects.get()
    response = get(client, u["leader"], reverse("supervision_bulletin", args=[bulletin.pk]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert get(client, u["district"], reverse("supervision_bulletin", args=[bulletin.pk])).status_code == 403
    assert get(client, u["office"], reverse("supervision_import")).status_code == 200
    assert get(client, u["office"], reverse("supervision_import_template")).content[:2] == b"PK"
    assert get(client, u["leader"], reverse("supervision_import")).status_code == 403
    assert (
        get(client, u["leader"], reverse("supervision_assessment", args=[sup["plan"].pk])).status_code == 200
    )


def test_the_office_edits_a_task_force_with_history_and_others_may_not(client, sup):
    u, tf = sup["users"], sup["forces"][CITY]
    url = reverse("supervision_task_force_edit", args=[tf.pk])
    assert get(client, u["leader"], url).status_code == 403
    assert get(client, u["talent"], url).status_code == 403
    client.force_login(u["office"])
    data = {"name": tf.name, "lead_leader": "副局长乙", "lead_section": tf.lead_section_id, "goal": "新的目标",
            "due": "2022-12-31", "assisting": "调研员丙、调研员丁", "support_sections": []}  # fmt: skip
    assert client.post(url, {**data, "goal": ""}).status_code == 200  # refused: the goal is required
    tf.refresh_from_db()
    assert tf.lead_leader == "副局长甲"
    response = client.post(url, data)
    assert response.status_code == 302
    tf.refresh_from_db()
    assert (
        tf.lead_leader == "副局长乙"
        and tf.assisting_leaders == ["调研员丙", "调研员丁"]
        and tf.goal == "新的目标"
    )
    assert tf.history.first().history_change_reason == "领导小组办公室修改专班信息"
