"""Open-amount challenges (不限定榜额): posted without a bounty, teams state what they need within the
programme type's cap, the amounts are agreed at selection and then bind the payment plan and the
payments exactly as a fixed bounty does. Services, pages and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.programs import workflow
from kechuang.programs.models import Bid, BountyPayment, Challenge, ProgrammeType
from kechuang.programs.services import challenges as svc
from tests.programs.test_challenges_helpers import (
    WAN,
    bid_data,
    make_chal,
    past_deadline,
    snapshot,
    terms,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chal(city):
    return make_chal(city)


def refused(fn, *args, field, **kwargs):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    assert snapshot() == before
    assert field in info.value.message_dict, info.value.message_dict
    return info.value


def open_terms(mode: str = "several", **extra) -> dict:
    return terms(mode, bounty_open=True, bounty_yuan=None, **extra)


def selecting(chal, mode="several", teams=("e2", "e3"), requested=(Decimal(400) * WAN, Decimal(250) * WAN)):
    """An open-amount challenge after its deadline, with ``teams`` bidding and scored."""
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, open_terms(mode)))
    bids = [
        svc.submit_bid(chal["bidders"][k], c, bid_data(requested_yuan=amount))
        for k, amount in zip(teams, requested, strict=True)
    ]
    c = svc.close_bids(staff, past_deadline(c))
    for i, b in enumerate(bids):
        svc.score_bid(staff, b, 90 - 5 * i, "方案可行")
    return c, bids


def plan(amount, days=30):
    return [{"milestone": "签订任务书", "due_on": today() + dt.timedelta(days=days), "amount_yuan": amount}]


# ------------------------------------------------------------------------------------------ posting


def test_a_challenge_is_posted_without_a_bounty(chal):
    c = svc.post_challenge(chal["staff"], svc.save_challenge(chal["staff"], open_terms()))
    assert c.status == "posted" and c.bounty_open and c.bounty_yuan is None


def test_open_and_fixed_bounty_exclude_each_other(chal):
    staff = chal["staff"]
    refused(svc.save_challenge, staff, terms(bounty_open=True), field="bounty_yuan")
    error = refused(svc.save_challenge, staff, terms(bounty_yuan=None), field="bounty_yuan")
    assert "不限定榜额" in error.message_dict["bounty_yuan"][0]


def test_the_database_refuses_a_fixed_challenge_without_a_bounty(chal):
    from django.db import IntegrityError, transaction

    c = svc.save_challenge(chal["staff"], terms())
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.filter(pk=c.pk).update(bounty_yuan=None)


def test_bids_on_an_open_challenge_are_capped_by_the_programme_type(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, open_terms()))
    e2 = chal["bidders"]["e2"]
    error = refused(
        svc.submit_bid, e2, c, bid_data(requested_yuan=Decimal(5_000_001)), field="requested_yuan"
    )
    assert "500万元" in error.message_dict["requested_yuan"][0]
    bid = svc.submit_bid(e2, c, bid_data(requested_yuan=Decimal(4_800_000)))
    assert bid.requested_yuan == Decimal(4_800_000) and bid.agreed_yuan is None


# ---------------------------------------------------------------------------------------- selection


def test_selection_agrees_each_amount_and_fixes_the_bounty(chal):
    c, (b1, b2) = selecting(chal)
    staff = chal["staff"]
    c = svc.select_bids(staff, c, [b1.pk, b2.pk], "择优", {b1.pk: 300 * WAN, str(b2.pk): 150 * WAN})
    b1.refresh_from_db()
    b2.refresh_from_db()
    assert (b1.status, b1.agreed_yuan, b2.agreed_yuan) == ("selected", 300 * WAN, 150 * WAN)
    assert c.bounty_yuan == 450 * WAN and c.bounty_open
    agreed = [t for t in workflow.history(c) if t.action == "agree_bounty"]
    assert len(agreed) == 1 and "450万元" in agreed[0].reason and agreed[0].actor == staff


@pytest.mark.parametrize(
    "agreed",
    [
        {},  # missing
        {"first": 300 * WAN},  # one team's missing
        {"first": 401 * WAN, "second": 100 * WAN},  # over what the team requested
        {"first": 0, "second": 100 * WAN},
        {"first": Decimal("100.001"), "second": 100 * WAN},
        {"first": "三百万", "second": 100 * WAN},
        {"first": 400 * WAN, "second": 250 * WAN},  # 650万 > the type's 500万 cap
    ],
)
def test_selection_refuses_bad_amounts(chal, agreed):
    c, (b1, b2) = selecting(chal)
    ids = {"first": b1.pk, "second": b2.pk}
    refused(
        svc.select_bids, chal["staff"], c, [b1.pk, b2.pk], "", {ids[k]: v for k, v in agreed.items()},
        field="agreed_yuan",
    )  # fmt: skip


def test_the_cap_of_the_agreed_total_follows_the_programme_type(chal):
    c, (b1, b2) = selecting(chal)
    ProgrammeType.objects.filter(code="open_challenge").update(max_grant_yuan=400 * WAN)
    refused(
        svc.select_bids, chal["staff"], c, [b1.pk, b2.pk], "", {b1.pk: 300 * WAN, b2.pk: 150 * WAN},
        field="agreed_yuan",
    )  # fmt: skip


def test_a_fixed_bounty_needs_no_agreement_and_keeps_the_requests(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms()))
    b = svc.submit_bid(chal["bidders"]["e2"], c, bid_data())
    c = svc.close_bids(staff, past_deadline(c))
    svc.score_bid(staff, b, 88, "可行")
    refused(svc.select_bids, staff, c, [b.pk], "", {b.pk: 50 * WAN}, field="agreed_yuan")
    c = svc.select_bids(staff, c, [b.pk])
    b.refresh_from_db()
    assert b.agreed_yuan == b.requested_yuan and c.bounty_yuan == 300 * WAN
    assert not [t for t in workflow.history(c) if t.action == "agree_bounty"]


# ------------------------------------------------------------------------------- contract and pay


def test_the_agreed_amounts_bind_the_payment_plan_and_the_payments(chal):
    c, (b1, b2) = selecting(chal)
    staff = chal["staff"]
    c = svc.select_bids(staff, c, [b1.pk, b2.pk], "", {b1.pk: 300 * WAN, b2.pk: 150 * WAN})
    # Within what b2 requested (250万) but above what was agreed with it (150万).
    error = refused(svc.start, staff, c, {b1.pk: plan(300 * WAN), b2.pk: plan(200 * WAN)}, field="payments")
    assert "商定榜额150万元" in error.message_dict["payments"][0]
    c = svc.start(staff, c, {b1.pk: plan(300 * WAN), b2.pk: plan(150 * WAN)})
    assert c.status == "running"
    for b in (b1, b2):
        svc.pay(staff, b.payments.get())
        svc.finish_bid(staff, b, "deliver", "通过验收")
    c = svc.conclude(staff, c, "攻关目标实现")
    assert c.status == "completed" and svc.paid_total(c) == c.bounty_yuan == 450 * WAN


def test_an_open_horse_race_runs_like_any_other(chal):
    c, bids = selecting(chal, "horse_race", ("e2", "e3", "uni"), (200 * WAN, 150 * WAN, 100 * WAN))
    staff = chal["staff"]
    agreed = {bids[0].pk: 200 * WAN, bids[1].pk: 150 * WAN, bids[2].pk: 100 * WAN}
    c = svc.select_bids(staff, c, [b.pk for b in bids], "", agreed)
    assert c.bounty_yuan == 450 * WAN
    plans = {b.pk: plan(agreed[b.pk] / 2) for b in bids}
    c = svc.start(staff, c, plans)
    assert c.status == "running"
    assert BountyPayment.objects.filter(bid__challenge=c).count() == 3


# -------------------------------------------------------------------------------------------- pages


def login(client, user):
    client.force_login(user)
    return client


FORM = {
    "title": "不限定榜额的攻关榜单", "field": "新材料", "problem": "问题", "requirements": "指标",
    "months": "12", "mode": "several", "max_teams": "3", "gate_on": "", "gate_keep": "",
}  # fmt: skip


def test_staff_post_an_open_challenge_through_the_form(client, chal):
    login(client, chal["staff"])
    deadline = (today() + dt.timedelta(days=20)).isoformat()
    r = client.post(reverse("challenge_new"), {**FORM, "deadline": deadline, "bounty_wan": ""})
    assert r.status_code == 200 and "不限定榜额" in r.content.decode()
    assert not Challenge.objects.exists()
    # Ticked, the amount left in the box is not taken as a bounty.
    r = client.post(
        reverse("challenge_new"), {**FORM, "deadline": deadline, "bounty_wan": "80", "bounty_open": "on"}
    )
    c = Challenge.objects.get()
    assert r.status_code == 302 and c.bounty_open and c.bounty_yuan is None
    html = client.get(reverse("challenge_edit", args=[c.pk])).content.decode()
    assert 'name="bounty_open" class="form-check-input" id="id_bounty_open" checked' in html


def test_board_detail_and_api_say_the_bounty_is_open(client, chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, open_terms(title="高温合金粉末攻关")))
    html = client.get(reverse("challenge_board")).content.decode()
    row = html.split('data-testid="open-table"')[1]
    assert 'data-testid="bounty-open">不限定榜额' in row and "None" not in row
    html = client.get(reverse("challenge_detail", args=[c.pk])).content.decode()
    assert "遴选时与入选团队商定" in html and "None" not in html
    body = client.get(f"/api/programmes/challenges/{c.pk}").json()
    assert body["bounty_open"] is True and body["bounty_yuan"] is None


def test_staff_agree_the_amounts_through_the_selection_form(client, chal):
    c, (b1, b2) = selecting(chal)
    login(client, chal["staff"])
    html = client.get(reverse("challenge_detail", args=[c.pk])).content.decode()
    assert html.count('data-testid="agreed-input"') == 2
    url = reverse("challenge_action", args=[c.pk, "select"])
    r = client.post(
        url, {"bid": [b1.pk, b2.pk], f"agreed-{b1.pk}": "300", f"agreed-{b2.pk}": "abc"}, follow=True
    )
    assert "商定榜额须为数字（万元）" in r.content.decode()
    assert Bid.objects.filter(status="selected").count() == 0
    r = client.post(
        url, {"bid": [b1.pk, b2.pk], f"agreed-{b1.pk}": "300", f"agreed-{b2.pk}": ""}, follow=True
    )
    assert "须填写与淄博丙装备有限公司商定的榜额" in r.content.decode()
    r = client.post(
        url, {"bid": [b1.pk, b2.pk], f"agreed-{b1.pk}": "300", f"agreed-{b2.pk}": "120.5"}, follow=True
    )
    c.refresh_from_db()
    assert c.bounty_yuan == Decimal("4205000.00")
    html = r.content.decode()
    assert "420.5 万元（不限定榜额，遴选时商定）" in html and "商定120.5万元" in html
    # The selected team sees the amount agreed with it.
    html = login(client, chal["bidders"]["e3"]).get(reverse("challenge_detail", args=[c.pk])).content.decode()
    assert 'data-testid="own-agreed">120.5<' in html
