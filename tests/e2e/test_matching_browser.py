"""An enterprise posts a demand; a bureau officer sees its matches with highlighted reasons and
records the outcome of the brokering."""

import pytest

from kechuang.matching import engine, services
from kechuang.matching.models import Match, MatchTransition, TechField
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _bm25_only(settings):
    settings.KECHUANG_MATCH_ENCODER = "none"
    yield
    engine.reset()


def test_post_a_demand_see_matches_and_record_an_outcome(page, city):
    services.post_achievement(
        city["users"]["institute"],
        {
            "title": "陶瓷窑炉烟气余热梯级回收利用系统",
            "abstract": "针对陶瓷辊道窑，集成烟气换热和冷却带热风回用技术，回收余热用于坯体干燥，窑炉综合能耗降低12%。",
            "field": TechField.NEW_ENERGY, "maturity": "industrial", "ip_kind": "utility",
            "ip_detail": "ZL202220567812.3", "transfer_mode": "service", "contact_name": "刘洋",
            "contact_phone": "13905330002", "leader": "刘洋",
        },
    )  # fmt: skip
    services.post_achievement(
        city["users"]["institute"],
        {
            "title": "原料药晶型筛选与结晶过程控制技术",
            "abstract": "建立高通量晶型筛选平台和结晶过程在线监测方法，可稳定获得目标晶型、控制粒度分布。",
            "field": TechField.BIOMEDICINE, "maturity": "pilot", "transfer_mode": "service",
            "contact_name": "周敏", "contact_phone": "13905330003",
        },
    )  # fmt: skip

    # The enterprise posts its demand.
    sign_in(page, "ent_u", f.PASSWORD)
    page.click("nav >> text=技术需求")
    page.click("[data-testid=post-demand]")
    page.fill("#id_title", "陶瓷辊道窑余热回收")
    page.fill(
        "#id_problem",
        "我公司辊道窑排烟温度高，天然气单耗偏高，希望对窑炉烟气和冷却带余热进行回收，用于坯体干燥。",
    )
    page.select_option("#id_field", TechField.NEW_ENERGY)
    page.fill("#id_budget_wan", "80")
    page.fill("#id_contact_name", "王经理")
    page.fill("#id_contact_phone", "0533-2781234")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=demand-title]")
    assert "陶瓷辊道窑余热回收" in page.inner_text("[data-testid=demand-title]")
    assert page.locator("[data-testid=match-table]").count() == 0  # brokering is the bureau's
    page.click("button:has-text('退出')")

    # A bureau officer opens it, sees the matching achievement first with its reasons highlighted.
    sign_in(page, "staff_u", f.PASSWORD)
    page.click("nav >> text=技术需求")
    page.click("text=陶瓷辊道窑余热回收")
    first = page.locator("[data-testid=match-row]").first
    assert "陶瓷窑炉烟气余热梯级回收利用系统" in first.inner_text()
    marks = first.locator("mark.kc-shared")
    assert marks.count() >= 1
    assert any("余热" in t for t in marks.all_inner_texts())

    # Record the outcome: contacted, with a note.
    form = first.locator("[data-testid=transition-form]")
    form.locator("select").first.select_option("contact")
    form.locator("input[name$=reason]").fill("已电话联系双方")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    row = page.locator("[data-testid=match-row]").first
    assert "已联系" in row.locator("[data-testid=match-status]").inner_text()
    assert "已电话联系双方" in row.inner_text()
    match = Match.objects.get(status=Match.Status.CONTACTED)
    log = MatchTransition.objects.get(match=match)
    assert (log.actor.username, log.to_status, log.reason) == ("staff_u", "contacted", "已电话联系双方")
