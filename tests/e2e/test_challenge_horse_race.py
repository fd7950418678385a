"""A horse-race challenge through its gate, in the browser: staff post it, three enterprises bid
(each signed in as itself), staff close bidding, score and select the three, start with payment plans,
record the gate scores and pass the gate; the public board then shows the continuing team.

Two dates cannot be waited for in a test: the bidding deadline and the gate date are moved into the
past through the database (``past_deadline`` / ``gate_reached``), exactly as the calendar would."""

import datetime as dt

import pytest

from kechuang.programs.models import Bid, Challenge
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.test_challenges_helpers import gate_reached, make_chal, past_deadline, today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "氢燃料电池膜电极批量制备技术赛马"
TEAMS = [("ent_u", "淄博甲科技有限公司"), ("ent_b", "淄博乙材料有限公司"), ("ent_c", "淄博丙装备有限公司")]


def sign_out(page):
    page.click("button:has-text('退出')")


def test_horse_race_through_the_gate(page, city):
    make_chal(city)
    t = today()

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/programs/challenges/")
    page.click("[data-testid=new-challenge]")
    page.fill("#id_title", TITLE)
    page.fill("#id_field", "新能源")
    page.fill("#id_problem", "膜电极一致性差、铂载量高。")
    page.fill("#id_requirements", "铂载量≤0.3mg/cm²，功率密度≥1.2W/cm²。")
    page.fill("#id_bounty_wan", "450")
    page.fill("#id_deadline", (t + dt.timedelta(days=30)).isoformat())
    page.fill("#id_months", "24")
    page.select_option("#id_mode", "horse_race")
    page.fill("#id_max_teams", "3")
    page.fill("#id_gate_on", (t + dt.timedelta(days=200)).isoformat())
    page.fill("#id_gate_keep", "1")
    page.click("[data-testid=save-challenge]")
    click_confirmed(page, "post-challenge")
    assert page.inner_text("[data-testid=challenge-status]") == "揭榜中"
    url = page.url
    sign_out(page)

    for i, (username, _org) in enumerate(TEAMS):
        sign_in(page, username, f.PASSWORD)
        page.goto(url)
        page.fill("#id_leader", f"负责人{i}")
        page.fill("#id_requested_wan", "200")
        page.fill("#id_months", "20")
        page.fill("#id_plan", f"第{i}号团队的攻关方案")
        page.fill("#id_team_name_0", "李娜")
        page.fill("#id_team_title_0", "高级工程师")
        click_confirmed(page, "submit-bid")
        assert page.inner_text("[data-testid=own-bid-status]") == "已揭榜"
        if i:  # each bidder sees its own plan only
            assert "第0号团队的攻关方案" not in page.content()
        sign_out(page)

    page.goto("/programs/challenges/")
    row = page.locator("[data-testid=open-row]", has_text=TITLE)
    assert row.locator("[data-testid=bid-count]").inner_text() == "3"

    challenge = past_deadline(Challenge.objects.get(title=TITLE))
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(url)
    page.click("[data-testid=close-bids]")
    assert page.inner_text("[data-testid=challenge-status]") == "遴选中"
    for (_user, org), score in zip(TEAMS, ("92", "85", "80"), strict=True):
        form = page.locator(f"[data-testid=bid-actions][data-org='{org}']")
        form.locator("[data-testid=score-input]").fill(score)
        form.locator("[data-testid=opinion-input]").fill("方案可行，团队基础好")
        form.locator("[data-testid=score-bid]").click()
    assert sorted(page.locator("[data-testid=bid-score]").all_inner_texts()) == ["80.0", "85.0", "92.0"]
    for box in page.locator("[data-testid=select-bid]").all():
        box.check()
    click_confirmed(page, "select-bids")
    assert page.locator("[data-testid=bid-status]", has_text="入选").count() == 3

    gate_on = challenge.gate_on
    milestones = page.locator("[data-testid=plan-milestone]")
    dues = page.locator("[data-testid=plan-due]")
    amounts = page.locator("[data-testid=plan-amount]")
    for team in range(3):
        first, second = team * 4, team * 4 + 1
        milestones.nth(first).fill("签订任务书")
        dues.nth(first).fill((t + dt.timedelta(days=10)).isoformat())
        amounts.nth(first).fill("50")
        milestones.nth(second).fill("通过验收")
        dues.nth(second).fill((gate_on + dt.timedelta(days=100)).isoformat())
        amounts.nth(second).fill("150")
    page.click("[data-testid=start]")
    assert page.inner_text("[data-testid=challenge-status]") == "攻关中"
    page.locator("[data-testid=pay]").first.click()
    page.click("[data-testid=confirm-ok]")
    assert page.inner_text("[data-testid=paid-total]") == "50 万元"

    gate_reached(challenge)
    page.goto(url)
    for (_user, org), score in zip(TEAMS, ("70", "88", "64"), strict=True):
        form = page.locator(f"[data-testid=bid-actions][data-org='{org}']")
        form.locator("[data-testid=gate-score-input]").fill(score)
        form.locator("[data-testid=gate-opinion-input]").fill("中试数据")
        form.locator("[data-testid=record-gate-score]").click()
    page.fill("[data-testid=gate-reason]", "按节点考核得分保留第一名")
    click_confirmed(page, "pass-gate")
    assert page.inner_text("[data-testid=challenge-status]") == "赛马已过节点"
    sign_out(page)

    page.goto("/programs/challenges/")
    teams = (
        page.locator("[data-testid=under-way-row]", has_text=TITLE)
        .locator("[data-testid=teams]")
        .inner_text()
    )
    assert Bid.objects.get(status="continuing").organisation.name == "淄博乙材料有限公司"
    assert "淄博乙材料有限公司 通过赛马节点" in teams
    assert "淄博甲科技有限公司 赛马节点淘汰" in teams and "淄博丙装备有限公司 赛马节点淘汰" in teams
    assert "号团队的攻关方案" not in page.content()
