"""Open challenges: each rule and each refusal (a refusal writes nothing), the gate, payments,
completion and who sees which bids."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import Notification
from kechuang.programs import workflow
from kechuang.programs.models import Bid, BountyPayment, ProgrammeType
from kechuang.programs.services import challenges as svc
from tests.programs.test_challenges_helpers import (
    WAN,
    bid_data,
    gate_reached,
    make_chal,
    past_deadline,
    running,
    snapshot,
    terms,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chal(city):
    return make_chal(city)


def refused(fn, *args, field=None, exc=ValidationError, **kwargs):
    """Call ``fn`` expecting a refusal (naming ``field``) that writes nothing."""
    before = snapshot()
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert snapshot() == before
    if field is not None:
        assert field in info.value.message_dict, info.value.message_dict
    return info.value


# ------------------------------------------------------------------------------------------ posting


def test_staff_drafts_and_posts_a_bureau_challenge(chal):
    staff = chal["staff"]
    c = svc.save_challenge(staff, terms())
    assert c.poster_id is None and c.status == "draft"
    assert c.programme_type.code == "open_challenge"
    c = svc.post_challenge(staff, c)
    assert c.status == "posted"
    assert [(t.action, t.from_status, t.to_status) for t in workflow.history(c)] == [
        ("post", "draft", "posted")
    ]


def test_enterprise_draft_waits_for_staff_approval(chal):
    ent = chal["users"]["enterprise"]
    c = svc.save_challenge(ent, terms())
    assert c.poster_id == ent.organisation_id and c.status == "draft"
    assert Notification.objects.filter(user=chal["staff"], title__contains="待审核").exists()
    refused(svc.post_challenge, ent, c, exc=PermissionDenied)
    c = svc.post_challenge(chal["staff"], c, "经审核同意发榜")
    assert c.status == "posted"
    assert workflow.history(c).get().action == "approve_post"
    assert Notification.objects.filter(user=ent, title__contains="已审核发布").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bounty_yuan": Decimal(0)}, "bounty_yuan"),
        ({"bounty_yuan": Decimal(5_000_001)}, "bounty_yuan"),
        ({"deadline": dt.date(2000, 1, 1)}, "deadline"),
        ({"months": 25}, "months"),
        ({"months": 0}, "months"),
        ({"max_teams": 2}, "max_teams"),
        ({"mode": "several", "max_teams": 1}, "max_teams"),
        ({"gate_on": dt.date(2030, 1, 1), "gate_keep": 1}, "gate_on"),
        ({"title": " "}, "title"),
    ],
)
def test_draft_rules(chal, change, field):
    refused(svc.save_challenge, chal["staff"], terms(**change), field=field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_teams": 1}, "max_teams"),
        ({"gate_on": None}, "gate_on"),
        ({"gate_keep": 3}, "gate_keep"),
        ({"gate_keep": 0}, "gate_keep"),
    ],
)
def test_horse_race_rules(chal, change, field):
    refused(svc.save_challenge, chal["staff"], terms("horse_race", **change), field=field)


def test_gate_must_fall_between_deadline_and_term_end(chal):
    t = terms("horse_race")
    refused(svc.save_challenge, chal["staff"], {**t, "gate_on": t["deadline"]}, field="gate_on")
    end = svc.add_months(t["deadline"], t["months"])
    refused(svc.save_challenge, chal["staff"], {**t, "gate_on": end}, field="gate_on")
    assert svc.save_challenge(chal["staff"], {**t, "gate_on": end - dt.timedelta(days=1)}).pk


def test_cap_follows_the_programme_type(chal):
    ProgrammeType.objects.filter(code="open_challenge").update(max_grant_yuan=200 * WAN)
    refused(svc.save_challenge, chal["staff"], terms(), field="bounty_yuan")


def test_only_enterprises_and_staff_draft(chal):
    for who in ("institute", "expert", "leader", "district"):
        refused(svc.save_challenge, chal["users"][who], terms(), exc=PermissionDenied)


def test_posting_rechecks_the_deadline(chal):
    c = svc.save_challenge(chal["staff"], terms())
    past_deadline(c, days=0)
    refused(svc.post_challenge, chal["staff"], c, field="deadline")


def test_enterprise_edits_only_its_own_draft(chal):
    c = svc.save_challenge(chal["users"]["enterprise"], terms())
    refused(svc.save_challenge, chal["bidders"]["e2"], {"title": "改"}, c, exc=PermissionDenied)
    c = svc.save_challenge(chal["users"]["enterprise"], {"title": "改过的榜单"}, c)
    assert c.title == "改过的榜单"
    c = svc.post_challenge(chal["staff"], c)
    refused(svc.save_challenge, chal["staff"], {"title": "发榜后"}, c, exc=PermissionDenied)


def test_cancel_needs_a_reason_and_ends_pending_bids(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms()))
    b = svc.submit_bid(chal["bidders"]["e2"], c, bid_data())
    refused(svc.cancel_challenge, staff, c, "  ", field="reason")
    refused(svc.cancel_challenge, chal["bidders"]["e2"], c, "不想要了", exc=PermissionDenied)
    c = svc.cancel_challenge(staff, c, "需求方技术路线调整")
    b.refresh_from_db()
    assert c.status == "cancelled" and b.status == "not_selected"
    assert Notification.objects.filter(user=chal["bidders"]["e2"], title__contains="撤销").exists()


def test_cannot_cancel_once_running(chal):
    c = running(chal, "single", teams=("e2",))
    refused(svc.cancel_challenge, chal["staff"], c, "理由", field="status")


# --------------------------------------------------------------------------------------------- bids


@pytest.fixture
def posted(chal):
    staff = chal["staff"]
    return svc.post_challenge(staff, svc.save_challenge(staff, terms("several")))


def test_bid_rules(chal, posted):
    e2 = chal["bidders"]["e2"]
    refused(svc.submit_bid, e2, posted, bid_data(requested_yuan=301 * WAN), field="requested_yuan")
    refused(svc.submit_bid, e2, posted, bid_data(requested_yuan=0), field="requested_yuan")
    refused(svc.submit_bid, e2, posted, bid_data(months=19), field="months")
    refused(svc.submit_bid, e2, posted, bid_data(plan=" "), field="plan")
    refused(svc.submit_bid, e2, posted, bid_data(team=[{"name": "", "title": "教授"}]), field="team")
    refused(svc.submit_bid, chal["users"]["staff"], posted, bid_data(), exc=PermissionDenied)
    refused(svc.submit_bid, chal["users"]["expert"], posted, bid_data(), exc=PermissionDenied)
    b = svc.submit_bid(e2, posted, bid_data(team=[{"name": "李娜", "title": ""}, {"name": "", "title": ""}]))
    assert b.status == "submitted" and b.team == [{"name": "李娜", "title": ""}]
    assert workflow.history(b).get().action == "submit"
    refused(svc.submit_bid, e2, posted, bid_data(), field="organisation")
    # Institutes bid too.
    assert svc.submit_bid(chal["bidders"]["uni"], posted, bid_data()).pk


def test_poster_cannot_bid_on_its_own_challenge(chal):
    ent = chal["users"]["enterprise"]
    c = svc.post_challenge(chal["staff"], svc.save_challenge(ent, terms()))
    refused(svc.submit_bid, ent, c, bid_data(), exc=PermissionDenied)


def test_no_bid_after_deadline_or_before_posting(chal, posted):
    draft = svc.save_challenge(chal["staff"], terms())
    refused(svc.submit_bid, chal["bidders"]["e2"], draft, bid_data(), field="challenge")
    past_deadline(posted)
    refused(svc.submit_bid, chal["bidders"]["e2"], posted, bid_data(), field="challenge")


def test_withdraw_and_bid_again(chal, posted):
    e2 = chal["bidders"]["e2"]
    b = svc.submit_bid(e2, posted, bid_data())
    refused(svc.withdraw_bid, chal["bidders"]["e3"], b, exc=PermissionDenied)
    b = svc.withdraw_bid(e2, b)
    assert b.status == "withdrawn"
    again = svc.submit_bid(e2, posted, bid_data(leader="新负责人"))
    past_deadline(posted)
    refused(svc.withdraw_bid, e2, again, field="challenge")


def test_who_sees_which_bids(chal):
    ent = chal["users"]["enterprise"]
    c = svc.post_challenge(chal["staff"], svc.save_challenge(ent, terms("several")))
    b2 = svc.submit_bid(chal["bidders"]["e2"], c, bid_data())
    b3 = svc.submit_bid(chal["bidders"]["e3"], c, bid_data())
    assert list(svc.visible_bids(chal["bidders"]["e2"], c)) == [b2]
    assert list(svc.visible_bids(chal["bidders"]["e3"], c)) == [b3]
    assert set(svc.visible_bids(chal["staff"], c)) == {b2, b3}
    assert set(svc.visible_bids(chal["users"]["leader"], c)) == {b2, b3}
    # The posting enterprise waits for the deadline; the public never sees bids.
    assert not svc.visible_bids(ent, c).exists()
    past_deadline(c)
    assert set(svc.visible_bids(ent, c)) == {b2, b3}
    from django.contrib.auth.models import AnonymousUser

    assert not svc.visible_bids(AnonymousUser(), c).exists()
    assert not svc.visible_bids(chal["users"]["expert"], c).exists()
    assert not svc.visible_bids(chal["users"]["district"], c).exists()


def test_drafts_visible_to_staff_and_own_enterprise_only(chal):
    from django.contrib.auth.models import AnonymousUser

    c = svc.save_challenge(chal["users"]["enterprise"], terms())
    assert c in svc.visible_challenges(chal["staff"])
    assert c in svc.visible_challenges(chal["users"]["enterprise"])
    assert c not in svc.visible_challenges(chal["bidders"]["e2"])
    assert c not in svc.visible_challenges(AnonymousUser())


# ---------------------------------------------------------------------------------------- selection


def test_close_only_after_the_deadline(chal, posted):
    refused(svc.close_bids, chal["staff"], posted, field="deadline")
    past_deadline(posted)
    refused(svc.close_bids, chal["users"]["leader"], posted, exc=PermissionDenied)
    assert svc.close_bids(chal["staff"], posted).status == "selecting"


def test_scoring_and_selection_rules(chal, posted):
    staff = chal["staff"]
    bids = [svc.submit_bid(chal["bidders"][k], posted, bid_data()) for k in ("e1", "e2", "e3", "uni")]
    refused(svc.score_bid, staff, bids[0], 80, "好", field="score")  # still posted
    c = svc.close_bids(staff, past_deadline(posted))
    refused(svc.score_bid, staff, bids[0], 101, "好", field="score")
    refused(svc.score_bid, staff, bids[0], "abc", "好", field="score")
    refused(svc.score_bid, staff, bids[0], "80.55", "好", field="score")
    refused(svc.score_bid, staff, bids[0], 80, " ", field="opinion")
    refused(svc.score_bid, chal["bidders"]["e1"], bids[0], 80, "好", exc=PermissionDenied)
    for i, b in enumerate(bids):
        if i < 3:
            svc.score_bid(staff, b, 90 - i, "方案可行")
    refused(svc.select_bids, staff, c, [bids[0].pk, bids[1].pk], field="score")  # uni unscored
    svc.score_bid(staff, bids[3], 60, "基础薄弱")
    refused(svc.select_bids, staff, c, [bids[0].pk], field="bids")  # several: at least 2
    refused(svc.select_bids, staff, c, [b.pk for b in bids], field="bids")  # max 3
    other = svc.post_challenge(staff, svc.save_challenge(staff, terms()))
    stranger = svc.submit_bid(chal["bidders"]["e2"], other, bid_data())
    refused(svc.select_bids, staff, c, [bids[0].pk, stranger.pk], field="bids")
    svc.select_bids(staff, c, [bids[0].pk, bids[1].pk])
    assert [Bid.objects.get(pk=b.pk).status for b in bids] == [
        "selected",
        "selected",
        "not_selected",
        "not_selected",
    ]
    assert Notification.objects.filter(user=chal["bidders"]["e1"], title__contains="入选").exists()
    refused(svc.select_bids, staff, c, [bids[2].pk, bids[3].pk], field="bids")


def test_single_mode_selects_exactly_one(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms()))
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in ("e2", "e3")]
    c = svc.close_bids(staff, past_deadline(c))
    for b in bids:
        svc.score_bid(staff, b, 80, "可行")
    refused(svc.select_bids, staff, c, [b.pk for b in bids], field="bids")
    refused(svc.start, staff, c, {}, field="bids")
    svc.select_bids(staff, c, [bids[0].pk])


def test_horse_race_selects_more_than_gate_keep(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms("horse_race", gate_keep=2)))
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in ("e2", "e3", "uni")]
    c = svc.close_bids(staff, past_deadline(c))
    for b in bids:
        svc.score_bid(staff, b, 80, "可行")
    refused(svc.select_bids, staff, c, [bids[0].pk, bids[1].pk], field="bids")
    svc.select_bids(staff, c, [b.pk for b in bids])


# ------------------------------------------------------------------------------------------- start


def _selected(chal, mode="several", teams=("e2", "e3"), **extra):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms(mode, **extra)))
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in teams]
    c = svc.close_bids(staff, past_deadline(c))
    for b in bids:
        svc.score_bid(staff, b, 80, "可行")
    svc.select_bids(staff, c, [b.pk for b in bids])
    c.refresh_from_db()
    return c, bids


def row(amount_wan, days=30, milestone="节点"):
    return {
        "milestone": milestone,
        "due_on": today() + dt.timedelta(days=days),
        "amount_yuan": amount_wan * WAN,
    }


def test_start_payment_rules(chal):
    staff = chal["staff"]
    c, (b1, b2) = _selected(chal, bounty_yuan=150 * WAN)
    refused(svc.start, staff, c, {b1.pk: [row(50)]}, field="payments")  # b2 has no rows
    refused(svc.start, staff, c, {b1.pk: [row(101)], b2.pk: [row(10)]}, field="payments")  # > requested
    refused(svc.start, staff, c, {b1.pk: [row(80)], b2.pk: [row(80)]}, field="payments")  # > bounty
    refused(svc.start, staff, c, {b1.pk: [row(10, days=-1)], b2.pk: [row(10)]}, field="due_on")
    refused(svc.start, staff, c, {b1.pk: [row(10, days=19 * 31)], b2.pk: [row(10)]}, field="due_on")
    refused(svc.start, staff, c, {b1.pk: [row(0)], b2.pk: [row(10)]}, field="amount_yuan")
    refused(svc.start, staff, c, {b1.pk: [row(10, milestone="")], b2.pk: [row(10)]}, field="milestone")
    refused(svc.start, staff, c, {b1.pk: [row(10)], b2.pk: [row(10)], 999999: [row(1)]}, field="payments")
    c = svc.start(staff, c, {b1.pk: [row(30), row(45, days=90)], b2.pk: [row(75)]})
    assert c.status == "running"
    assert [(p.seq, p.amount_yuan) for p in b1.payments.all()] == [(1, 30 * WAN), (2, 45 * WAN)]


def test_horse_race_budget_rule(chal):
    """Pre-gate rows of all teams plus the largest gate_keep post-gate totals must fit the bounty."""
    staff = chal["staff"]
    c, bids = _selected(chal, "horse_race", teams=("e2", "e3", "uni"), bounty_yuan=200 * WAN)
    after = (c.gate_on - today()).days + 10

    def plan(post):
        return {b.pk: [row(30), row(p, days=after)] for b, p in zip(bids, post, strict=True)}

    # 3×30 pre-gate + the largest post-gate (gate_keep=1) 70 = 160 ≤ 200 even though 3×(30+70) > 200.
    refused(svc.start, staff, c, plan([70, 70, 111]), field="payments")  # 90 + 111 > 200
    c = svc.start(staff, c, plan([70, 70, 70]))
    assert c.status == "running"


# ---------------------------------------------------------------------------------------- the gate


def test_gate_keeps_the_best_and_stops_the_rest(chal):
    staff = chal["staff"]
    c = running(chal)
    bids = list(c.bids.order_by("pk"))
    refused(svc.record_gate_score, staff, bids[0], 70, "进展良好", field="gate_on")
    refused(svc.pass_gate, staff, c, field="gate_on")
    c = gate_reached(c)
    refused(svc.pass_gate, staff, c, field="gate_score")
    for b, s in zip(bids, (75, 88, 60), strict=True):
        svc.record_gate_score(staff, b, s, "中试数据")
    refused(svc.pass_gate, staff, c, [bids[0].pk], field="keep")  # not the best
    c = svc.pass_gate(staff, c, reason="按节点得分")
    assert c.status == "gated"
    assert [Bid.objects.get(pk=b.pk).status for b in bids] == ["stopped", "continuing", "stopped"]
    stopped = BountyPayment.objects.filter(bid__status="stopped")
    assert stopped.exists() and all(p.status == "cancelled" for p in stopped)
    assert all(p.status == "planned" for p in BountyPayment.objects.filter(bid=bids[1]))
    assert Notification.objects.filter(user=chal["bidders"]["e3"], title__contains="通过赛马节点").exists()
    assert Notification.objects.filter(user=chal["bidders"]["e2"], title__contains="未通过").exists()


def test_tie_at_the_cut_needs_an_explicit_choice(chal):
    staff = chal["staff"]
    c = gate_reached(running(chal, gate_keep=2))
    bids = list(c.bids.order_by("pk"))
    for b, s in zip(bids, (90, 80, 80), strict=True):
        svc.record_gate_score(staff, b, s, "中试数据")
    err = refused(svc.pass_gate, staff, c, field="keep")
    assert "得分相同" in err.message_dict["keep"][0]
    refused(svc.pass_gate, staff, c, [bids[1].pk, bids[2].pk], "理由", field="keep")  # drops the best
    refused(svc.pass_gate, staff, c, [bids[0].pk, bids[2].pk], "", field="reason")
    c = svc.pass_gate(staff, c, [bids[0].pk, bids[2].pk], "第三家中试样品一致性更好")
    assert [Bid.objects.get(pk=b.pk).status for b in bids] == ["continuing", "stopped", "continuing"]


def test_gate_only_for_horse_races(chal):
    c = running(chal, "several", teams=("e2", "e3"))
    refused(svc.pass_gate, chal["staff"], c, field="status")


# ----------------------------------------------------------------------------------- payments, end


def test_payments_in_order_and_post_gate_only_after_the_gate(chal):
    staff = chal["staff"]
    c = running(chal)
    bids = list(c.bids.order_by("pk"))
    first, second = bids[0].payments.order_by("seq")
    refused(svc.pay, staff, second, field="seq")
    refused(svc.pay, chal["users"]["leader"], first, exc=PermissionDenied)
    svc.pay(staff, first)
    refused(svc.pay, staff, first, field="status")
    refused(svc.pay, staff, second, field="due_on")  # post-gate before the gate
    c = gate_reached(c)
    for b, s in zip(bids, (90, 70, 60), strict=True):
        svc.record_gate_score(staff, b, s, "中试数据")
    svc.pass_gate(staff, c)
    svc.pay(staff, second)
    stopped_first = bids[1].payments.get(seq=1)
    assert stopped_first.status == "cancelled"
    refused(svc.pay, staff, stopped_first, field="status")
    assert [t.action for t in workflow.history(second)] == ["pay"]


def test_deliver_fail_and_conclude(chal):
    staff = chal["staff"]
    c = running(chal, "several", teams=("e2", "e3"))
    b1, b2 = c.bids.filter(status="selected").order_by("pk")
    refused(svc.finish_bid, staff, b1, "deliver", field="payments")  # unpaid rows
    refused(svc.finish_bid, staff, b2, "fail", "", field="reason")
    refused(svc.conclude, staff, c, field="bids")
    svc.pay(staff, b1.payments.get())
    svc.finish_bid(staff, b1, "deliver")
    svc.finish_bid(staff, b2, "fail", "关键指标未达到")
    assert b2.payments.get().status == "cancelled"
    refused(svc.pay, staff, b2.payments.get(), field="status")
    c = svc.conclude(staff, c)
    assert c.status == "completed"


def test_conclude_fails_when_nobody_delivered(chal):
    staff = chal["staff"]
    c = running(chal, "single", teams=("e2",))
    b = c.bids.get(status="selected")
    svc.finish_bid(staff, b, "fail", "未通过验收")
    refused(svc.conclude, staff, c, "", field="reason")
    assert svc.conclude(staff, c, "唯一团队攻关失败").status == "failed"


def test_horse_race_results_only_after_the_gate(chal):
    c = running(chal)
    b = c.bids.filter(status="selected").first()
    refused(svc.finish_bid, chal["staff"], b, "fail", "原因", field="status")


def test_board_sections_and_public_teams(chal):
    from django.contrib.auth.models import AnonymousUser

    staff = chal["staff"]
    posted = svc.post_challenge(staff, svc.save_challenge(staff, terms(field="生物医药")))
    svc.submit_bid(chal["bidders"]["e2"], posted, bid_data())
    r = running(chal, "several", teams=("e2", "e3"))
    data = svc.board(AnonymousUser())
    assert [c.pk for c in data["open"]] == [posted.pk]
    assert data["open"][0].bid_count == 1 and data["open"][0].days_left == 30
    assert [c.pk for c in data["under_way"]] == [r.pk]
    assert {t["organisation"] for t in data["under_way"][0].teams} == {
        "淄博乙材料有限公司",
        "淄博丙装备有限公司",
    }
    assert data["drafts"] == []
    assert [c.pk for c in svc.board(AnonymousUser(), field="生物医药")["open"]] == [posted.pk]
    assert svc.board(AnonymousUser(), status="running")["open"] == []
    assert set(data["fields"]) == {"生物医药", "新材料"}
