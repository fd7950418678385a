"""Evaluation pages: who may open them, the row editor, running an evaluation, the ranking and its export,
a selection round through the pages, the portrait on the enterprise profile."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.cultivation.models.evaluation import IndicatorSystem, SelectionEntry, SelectionRound

from .test_evaluation_data import Y, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(city):
    return build(city)


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("leader", 200), ("district", 200), ("enterprise", 403), ("expert", 403)],
)
def test_home_and_ranking_by_role(scored, client, role, status):
    c = _client(client, scored["users"][role])
    assert c.get(reverse("cultivation_eval_home")).status_code == status
    assert c.get(reverse("cultivation_eval_scores")).status_code == status


def test_district_ranking_lists_only_its_enterprises(scored, client):
    page = _client(client, scored["users"]["district"]).get(reverse("cultivation_eval_scores"))
    body = page.content.decode()
    assert scored["e1"].name in body and scored["e2"].name not in body


def test_ranking_export_is_a_workbook(scored, client):
    resp = _client(client, scored["users"]["staff"]).get(reverse("cultivation_eval_scores_export"))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")


def test_run_from_the_page(scored, client):
    c = _client(client, scored["users"]["staff"])
    resp = c.post(reverse("cultivation_eval_run"), {"system": scored["high_growth"].pk, "year": Y})
    assert resp.status_code == 302 and "scores" in resp["Location"]
    assert scored["high_growth"].runs.get(year=Y).scored == len(scored["ents"])
    resp = c.post(
        reverse("cultivation_eval_run"), {"system": scored["high_growth"].pk, "year": "abc"}, follow=True
    )
    assert "年度" in resp.content.decode()


def test_leader_cannot_run_or_edit(scored, client):
    c = _client(client, scored["users"]["leader"])
    assert (
        c.post(reverse("cultivation_eval_run"), {"system": scored["system"].pk, "year": Y}).status_code == 403
    )
    assert c.get(reverse("cultivation_eval_system_new")).status_code == 403


def _editor_post(**rows):
    data = {
        "code": "mine",
        "name": "我的体系",
        "description": "",
        "weight_method": "expert",
        "composite_method": "topsis",
        "normalisation": "vector",
        "subjective_share": "0.5",
    }
    for i, (formula, weight) in enumerate(rows.items()):
        data.update(
            {
                f"row-{i}-formula": formula,
                f"row-{i}-weight": weight,
                f"row-{i}-benefit": "1",
                f"row-{i}-name": "",
            }
        )
    data.update({"row-9-formula": "", "row-9-weight": "", "row-9-name": ""})  # a blank row is left out
    return data


def test_row_editor_saves_a_system_and_then_a_new_version(scored, client):
    c = _client(client, scored["users"]["staff"])
    page = c.get(reverse("cultivation_eval_system_new"))
    assert (
        "研发投入强度" in page.content.decode()
        and "{" not in page.content.decode().split("indicator-rows")[1][:200]
    )
    resp = c.post(reverse("cultivation_eval_system_new"), _editor_post(rd_intensity="2", patents_per_100="1"))
    assert resp.status_code == 302
    mine = IndicatorSystem.objects.get(code="mine")
    assert [i.formula for i in mine.indicators.all()] == ["rd_intensity", "patents_per_100"]
    resp = c.post(reverse("cultivation_eval_system_edit", args=[mine.pk]), _editor_post(rd_intensity="1"))
    assert resp.status_code == 302
    assert IndicatorSystem.objects.filter(code="mine").count() == 2
    assert IndicatorSystem.objects.get(code="mine", is_current=True).version == 2


def test_row_editor_refusal_names_the_row_and_saves_nothing(scored, client):
    c = _client(client, scored["users"]["staff"])
    resp = c.post(reverse("cultivation_eval_system_new"), _editor_post(rd_intensity="-5"))
    assert resp.status_code == 200
    assert "第1项指标的专家权重须在0至1000之间" in resp.content.decode()
    assert not IndicatorSystem.objects.filter(code="mine").exists()
    resp = c.post(
        reverse("cultivation_eval_system_new"), {**_editor_post(rd_intensity="1"), "code": "innovation"}
    )
    assert "已被使用" in resp.content.decode()


def test_selection_round_through_the_pages(scored, client):
    c = _client(client, scored["users"]["staff"])
    resp = c.post(
        reverse("cultivation_eval_selections"),
        {
            "kind": "leading",
            "system": scored["system"].pk,
            "year": Y,
            "top_n": 3,
            "require_high_tech": "on",
            "min_rd_intensity": "3",
        },
    )
    assert resp.status_code == 302
    rnd = SelectionRound.objects.get()
    assert rnd.min_rd_intensity == Decimal("0.03")
    alternate = rnd.entries.filter(proposed=False).first()
    url = reverse("cultivation_eval_selection_decide", args=[rnd.pk, alternate.pk])
    page = c.post(url, {"decision": "include", "reason": ""}, follow=True).content.decode()
    assert "调整系统建议名单须填写理由" in page
    c.post(url, {"decision": "include", "reason": "填补空缺"})
    c.post(reverse("cultivation_eval_selection_confirm", args=[rnd.pk]))
    c.post(reverse("cultivation_eval_selection_publish", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == "published"
    assert rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).count() == 4
    leader_page = _client(client, scored["users"]["leader"]).get(
        reverse("cultivation_eval_selection", args=[rnd.pk])
    )
    assert "填补空缺" in leader_page.content.decode()


def test_selection_form_refuses_bad_input(scored, client):
    c = _client(client, scored["users"]["staff"])
    resp = c.post(
        reverse("cultivation_eval_selections"),
        {"kind": "leading", "system": scored["system"].pk, "year": Y, "top_n": 0},
    )
    assert resp.status_code == 200 and not SelectionRound.objects.exists()
    resp = c.post(
        reverse("cultivation_eval_selections"),
        {"kind": "leading", "system": scored["system"].pk, "year": 2001, "top_n": 3},
    )
    assert "尚无2001年度的评价结果" in resp.content.decode()


@pytest.mark.parametrize(("role", "sees"), [("enterprise", True), ("district", True), ("staff", True)])
def test_portrait_on_the_profile(scored, client, role, sees):
    resp = _client(client, scored["users"][role]).get(reverse("enterprise_profile", args=[scored["e1"].pk]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert ('data-testid="portrait"' in body) is sees
    assert "企业画像" in body and "全市排名" in body and "portrait.js" in body


def test_other_district_cannot_open_the_profile_with_its_portrait(scored, client):
    resp = _client(client, scored["users"]["other_district"]).get(
        reverse("enterprise_profile", args=[scored["e1"].pk])
    )
    assert resp.status_code in (403, 404)


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [("enterprise", 200, 404), ("district", 200, 404), ("leader", 200, 200), ("expert", 404, 404)],
)
def test_api_scores_are_scoped(scored, role, own, other):
    from django.test import Client

    from kechuang.core.api_auth import issue_token

    c = Client(headers={"authorization": f"Bearer {issue_token(scored['users'][role], 'test')}"})
    resp = c.get(f"/api/cultivation/evaluation/enterprises/{scored['e1'].pk}/scores")
    assert resp.status_code == own
    if own == 200:
        assert resp.json()[0] == {**resp.json()[0], "system": "innovation", "year": Y, "rank_city": 1}
    assert c.get(f"/api/cultivation/evaluation/enterprises/{scored['e2'].pk}/scores").status_code == other
    systems_status = c.get("/api/cultivation/evaluation/systems").status_code
    assert systems_status == (200 if role in ("district", "leader") else 403)
