"""Open-challenge pages through the Django client: the public board, who sees which bids, and the
whole path of a challenge driven through the pages' forms."""

import datetime as dt

import pytest
from django.urls import reverse

from kechuang.programs.models import Bid, BountyPayment, Challenge
from kechuang.programs.services import challenges as svc
from tests import factories as f
from tests.programs.test_challenges_helpers import (
    WAN,
    bid_data,
    gate_reached,
    make_chal,
    past_deadline,
    running,
    terms,
    today,
)

pytestmark = pytest.mark.django_db
PLAN_E2 = "乙公司独有的烧结助剂配方方案"
PLAN_E3 = "丙公司的气压烧结装备改造方案"


@pytest.fixture
def chal(city):
    return make_chal(city)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def posted(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(chal["users"]["enterprise"], terms("several")))
    svc.submit_bid(chal["bidders"]["e2"], c, bid_data(plan=PLAN_E2))
    svc.submit_bid(chal["bidders"]["e3"], c, bid_data(plan=PLAN_E3))
    return c


def test_anonymous_board_and_detail_show_no_plans(client, chal, posted):
    draft = svc.save_challenge(chal["staff"], terms(title="尚未发布的内部草稿"))
    r = client.get(reverse("challenge_board"))
    html = r.content.decode()
    assert r.status_code == 200
    assert posted.title in html and "300" in html and draft.title not in html
    assert '<td data-testid="bid-count">2</td>' in html
    r = client.get(reverse("challenge_detail", args=[posted.pk]))
    html = r.content.decode()
    assert r.status_code == 200 and posted.problem in html
    assert PLAN_E2 not in html and PLAN_E3 not in html and "bid-table" not in html
    assert client.get(reverse("challenge_detail", args=[draft.pk])).status_code == 404


def test_board_filters_by_field_and_lists_teams_under_way(client, chal, posted):
    r = running(chal, "several", teams=("e2", "e3"), field="节能环保", title="余热回收攻关")
    html = client.get(reverse("challenge_board"), {"field": "节能环保"}).content.decode()
    assert r.title in html and posted.title not in html
    teams = html.split('data-testid="under-way-table"')[1]
    assert "淄博乙材料有限公司" in teams and "淄博丙装备有限公司" in teams
    assert PLAN_E2 not in html
    html = client.get(reverse("challenge_board"), {"status": "posted"}).content.decode()
    assert posted.title in html and r.title not in html


def test_bidder_sees_only_its_own_bid(client, chal, posted):
    html = (
        login(client, chal["bidders"]["e2"])
        .get(reverse("challenge_detail", args=[posted.pk]))
        .content.decode()
    )
    assert PLAN_E2 in html and PLAN_E3 not in html
    assert 'data-testid="withdraw-bid"' in html and 'data-testid="bid-form"' not in html


def test_poster_sees_bids_only_after_the_deadline(client, chal, posted):
    c = login(client, chal["users"]["enterprise"])
    html = c.get(reverse("challenge_detail", args=[posted.pk])).content.decode()
    assert "poster-waits" in html and PLAN_E2 not in html
    past_deadline(posted)
    html = c.get(reverse("challenge_detail", args=[posted.pk])).content.decode()
    assert PLAN_E2 in html and PLAN_E3 in html


def test_staff_sees_all_bids(client, chal, posted):
    html = login(client, chal["staff"]).get(reverse("challenge_detail", args=[posted.pk])).content.decode()
    assert PLAN_E2 in html and PLAN_E3 in html


def test_enterprise_drafts_and_staff_approve_through_pages(client, chal):
    ent = chal["users"]["enterprise"]
    login(client, ent)
    data = {
        "title": "页面发布的榜单", "field": "新材料", "problem": "问题", "requirements": "指标",
        "bounty_wan": "120", "deadline": (today() + dt.timedelta(days=20)).isoformat(), "months": "12",
        "mode": "single", "max_teams": "1", "gate_on": "2030-01-01", "gate_keep": "",
    }  # fmt: skip
    r = client.post(reverse("challenge_new"), {**data, "bounty_wan": "900"})
    assert r.status_code == 200 and "榜额不能超过" in r.content.decode()
    assert not Challenge.objects.exists()
    r = client.post(reverse("challenge_new"), data)
    c = Challenge.objects.get()
    assert r.status_code == 302 and c.poster_id == ent.organisation_id and c.bounty_yuan == 120 * WAN
    assert c.gate_on is None  # the gate belongs to horse races only
    r = client.post(reverse("challenge_action", args=[c.pk, "post"]))
    c.refresh_from_db()
    assert c.status == "draft"
    html = login(client, chal["staff"]).get(reverse("challenge_board")).content.decode()
    assert "待审核发布" in html and c.title in html
    client.post(reverse("challenge_action", args=[c.pk, "post"]))
    c.refresh_from_db()
    assert c.status == "posted"


def test_bid_through_the_page(client, chal, posted):
    login(client, chal["bidders"]["uni"])
    url = reverse("challenge_bid", args=[posted.pk])
    form = {
        "leader": "钱教授", "requested_wan": "500", "months": "12", "plan": "高校方案",
        "team_name_0": "孙博士", "team_title_0": "副教授",
    }  # fmt: skip
    r = client.post(url, form)
    assert r.status_code == 400 and "申请榜额不能超过榜额300万元" in r.content.decode()
    assert not Bid.objects.filter(organisation=chal["uni"]).exists()
    r = client.post(url, {**form, "requested_wan": "80"})
    assert r.status_code == 302
    bid = Bid.objects.get(organisation=chal["uni"])
    assert bid.requested_yuan == 80 * WAN and bid.team == [{"name": "孙博士", "title": "副教授"}]
    # An expert cannot bid.
    assert login(client, chal["users"]["expert"]).post(url, form).status_code == 403


def test_withdraw_through_the_page_and_others_cannot(client, chal, posted):
    bid = Bid.objects.get(organisation=chal["e2"].organisation)
    r = login(client, chal["bidders"]["e3"]).post(reverse("challenge_bid_action", args=[bid.pk, "withdraw"]))
    assert r.status_code == 403
    login(client, chal["bidders"]["e2"]).post(reverse("challenge_bid_action", args=[bid.pk, "withdraw"]))
    bid.refresh_from_db()
    assert bid.status == "withdrawn"


def test_staff_drive_a_horse_race_through_the_pages(client, chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms("horse_race")))
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in ("e2", "e3", "uni")]
    past_deadline(c)
    login(client, staff)
    act = lambda a, **d: client.post(reverse("challenge_action", args=[c.pk, a]), d)  # noqa: E731
    act("close")
    for b, s in zip(bids, ("91", "85", "78"), strict=True):
        client.post(reverse("challenge_bid_action", args=[b.pk, "score"]), {"score": s, "opinion": "可行"})
    act("select", bid=[b.pk for b in bids])
    html = client.get(reverse("challenge_detail", args=[c.pk])).content.decode()
    assert 'data-testid="start-form"' in html
    c.refresh_from_db()
    plan = {}
    for b in bids:
        plan[f"p-{b.pk}-0-milestone"] = "方案评审"
        plan[f"p-{b.pk}-0-due"] = (today() + dt.timedelta(days=30)).isoformat()
        plan[f"p-{b.pk}-0-amount"] = "20"
        plan[f"p-{b.pk}-1-milestone"] = "验收"
        plan[f"p-{b.pk}-1-due"] = (c.gate_on + dt.timedelta(days=30)).isoformat()
        plan[f"p-{b.pk}-1-amount"] = "60"
    r = client.post(
        reverse("challenge_action", args=[c.pk, "start"]), {**plan, f"p-{bids[0].pk}-0-amount": "abc"}
    )
    assert r.status_code == 400 and "金额须为数字" in r.content.decode()
    assert 'value="方案评审"' in r.content.decode()  # what was typed is kept
    act("start", **plan)
    c.refresh_from_db()
    assert c.status == "running" and BountyPayment.objects.count() == 6
    gate_reached(c)
    for b, s in zip(bids, ("70", "88", "65"), strict=True):
        client.post(
            reverse("challenge_bid_action", args=[b.pk, "gate_score"]), {"score": s, "opinion": "节点"}
        )
    act("gate", reason="按得分")
    c.refresh_from_db()
    assert c.status == "gated"
    assert [Bid.objects.get(pk=b.pk).status for b in bids] == ["stopped", "continuing", "stopped"]
    html = client.get(reverse("challenge_board")).content.decode()
    assert "通过赛马节点" in html.split('data-testid="under-way-table"')[1]


def test_gate_tie_on_the_page_asks_for_a_choice(client, chal):
    staff = chal["staff"]
    c = gate_reached(running(chal, gate_keep=2))
    bids = list(c.bids.order_by("pk"))
    for b, s in zip(bids, (90, 80, 80), strict=True):
        svc.record_gate_score(staff, b, s, "节点")
    login(client, staff)
    html = client.get(reverse("challenge_detail", args=[c.pk])).content.decode()
    assert html.count('data-testid="keep"') == 2
    r = client.post(reverse("challenge_action", args=[c.pk, "gate"]), follow=True)
    assert "得分相同" in r.content.decode()
    c.refresh_from_db()
    assert c.status == "running"
    client.post(
        reverse("challenge_action", args=[c.pk, "gate"]),
        {"keep": [bids[0].pk, bids[2].pk], "reason": "样品更稳定"},
    )
    c.refresh_from_db()
    assert c.status == "gated" and Bid.objects.get(pk=bids[2].pk).status == "continuing"


def test_pay_through_the_page_and_the_leader_cannot(client, chal):
    c = running(chal, "single", teams=("e2",))
    p = BountyPayment.objects.get(bid__challenge=c)
    login(client, chal["users"]["leader"]).post(reverse("challenge_payment_pay", args=[p.pk]))
    p.refresh_from_db()
    assert p.status == "planned"
    login(client, chal["staff"]).post(reverse("challenge_payment_pay", args=[p.pk]))
    p.refresh_from_db()
    assert p.status == "paid"


def test_district_staff_and_experts_see_the_board_but_no_bids(client, chal, posted):
    for who in ("district", "expert"):
        html = (
            login(client, chal["users"][who])
            .get(reverse("challenge_detail", args=[posted.pk]))
            .content.decode()
        )
        assert PLAN_E2 not in html and "bid-form" not in html


def test_new_challenge_page_refuses_institutes(client, chal):
    assert (
        login(client, f.user(f.Role.INSTITUTE, "inst2", organisation=chal["uni"]))
        .get(reverse("challenge_new"))
        .status_code
        == 403
    )
