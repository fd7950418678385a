"""Regression tests for bugs found in review of the award and open-challenge stages (each fails
without its fix)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.experts.models import Assignment, Expert, ReviewItem, SelectionRound
from kechuang.programs import services, tasks
from kechuang.programs.models import (
    Bid,
    BountyPayment,
    Review,
    ReviewRound,
    RoundEntry,
    Transition,
)
from kechuang.programs.services import awards as award_svc
from kechuang.programs.services import challenges as svc
from tests import factories as f
from tests.programs.conftest import GOOD
from tests.programs.test_awards_support import approved, contract, in_notice, reviewed_call
from tests.programs.test_challenges_helpers import (
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


# ------------------------------------------------------------------------------------ awards


def test_propose_with_an_absurd_budget_is_refused_not_a_500(client, city):
    call, _apps = reviewed_call(city, [(100, 90)])
    client.force_login(city["users"]["staff"])
    url = reverse("programme_call_award_action", args=[call.pk, "propose"])
    r = client.post(url, {"budget_wan": "1e30"}, follow=True)
    assert r.status_code == 200
    call.refresh_from_db()
    assert call.status == "reviewing" and call.total_budget_yuan is None
    # Above what the money columns hold (16 digits) is refused as well, before anything is written.
    r = client.post(url, {"budget_wan": "1e12"}, follow=True)
    assert r.status_code == 200
    call.refresh_from_db()
    assert call.status == "reviewing" and call.total_budget_yuan is None


def test_award_actions_with_a_malformed_id_are_refused_not_a_500(client, city):
    _call, apps = approved(city, specs=((100, 90),), budget_wan=100)
    award = apps[0].award_record
    award_svc.sign(city["users"]["staff"], award, **contract(award))
    client.force_login(city["users"]["staff"])
    for action, field in (
        ("milestone", "milestone"),
        ("pay", "tranche"),
        ("objection", "objection"),
        ("respond", "finding"),
    ):
        r = client.post(reverse("programme_award_action", args=[award.pk, action]), {field: "abc"})
        assert r.status_code in (302, 404), (action, r.status_code)


def test_objector_identity_is_not_shown_to_the_applicant(client, city):
    _call, apps = in_notice(city)
    award = apps[0].award_record  # the enterprise user's own award
    objector = f.user(f.Role.ENTERPRISE, "rival_u", organisation=city["e2"].organisation)
    award_svc.submit_objection(objector, award, "李四举报人", "13900000000", "该项目申报材料存在虚报情况")
    client.force_login(city["users"]["enterprise"])
    html = client.get(reverse("programme_award_detail", args=[award.pk])).content.decode()
    assert "李四举报人" not in html and "rival_u" not in html
    row = Transition.objects.get(action="objection")
    assert row.actor is None and "李四举报人" not in row.reason
    # Staff still see who objected, on the objection itself.
    client.force_login(city["users"]["staff"])
    html = client.get(reverse("programme_award_detail", args=[award.pk])).content.decode()
    assert "李四举报人" in html


def test_award_news_goes_to_the_applicants_own_users_not_an_expert_of_it(city):
    expert_user = f.user(f.Role.EXPERT, "expert_of_e1", organisation=city["e1"].organisation)
    in_notice(city)
    assert not Notification.objects.filter(user=expert_user).exists()
    assert Notification.objects.filter(user=city["users"]["enterprise"]).exists()


# -------------------------------------------------------------------------------- challenges


def _start_post(chal, c, amount_wan: str):
    selected = list(c.bids.filter(status=Bid.Status.SELECTED).order_by("pk"))
    data = {}
    for b in selected:
        data[f"p-{b.pk}-0-milestone"] = "验收"
        data[f"p-{b.pk}-0-due"] = (today() + dt.timedelta(days=30)).isoformat()
        data[f"p-{b.pk}-0-amount"] = amount_wan
    return data


def _selected_single(chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms("single")))
    b = svc.submit_bid(chal["bidders"]["e2"], c, bid_data())
    c = svc.close_bids(staff, past_deadline(c))
    svc.score_bid(staff, b, 90, "可行")
    svc.select_bids(staff, c, [b.pk])
    c.refresh_from_db()
    return c, b


def test_start_with_an_absurd_amount_is_refused_not_a_500(client, chal):
    c, _b = _selected_single(chal)
    client.force_login(chal["staff"])
    for amount in ("1e30", "1e999999"):
        r = client.post(reverse("challenge_action", args=[c.pk, "start"]), _start_post(chal, c, amount))
        assert r.status_code == 400, amount
    c.refresh_from_db()
    assert c.status == "selecting" and not BountyPayment.objects.exists()


def test_select_and_gate_with_malformed_ids_are_refused_not_a_500(client, chal):
    staff = chal["staff"]
    c = svc.post_challenge(staff, svc.save_challenge(staff, terms("several")))
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in ("e2", "e3")]
    c = svc.close_bids(staff, past_deadline(c))
    for b in bids:
        svc.score_bid(staff, b, 80, "可行")
    client.force_login(staff)
    r = client.post(reverse("challenge_action", args=[c.pk, "select"]), {"bid": ["abc"]})
    assert r.status_code == 302
    assert not Bid.objects.filter(status=Bid.Status.SELECTED).exists()
    with pytest.raises(ValidationError):
        svc.select_bids(staff, c, ["x"])

    race = gate_reached(running(chal, gate_keep=1))
    for b, s in zip(race.bids.order_by("pk"), (90, 80, 70), strict=True):
        svc.record_gate_score(staff, b, s, "节点")
    r = client.post(reverse("challenge_action", args=[race.pk, "gate"]), {"keep": ["abc"]})
    assert r.status_code == 302
    race.refresh_from_db()
    assert race.status == "running"


def test_cancel_after_teams_are_selected_is_refused(chal):
    c, b = _selected_single(chal)
    before = snapshot()
    with pytest.raises(ValidationError):
        svc.cancel_challenge(chal["staff"], c, "资金调整")
    assert snapshot() == before
    c.refresh_from_db()
    b.refresh_from_db()
    assert c.status == "selecting" and b.status == "selected"


def test_gate_result_notice_carries_the_gate_opinion(chal):
    staff = chal["staff"]
    race = gate_reached(running(chal, gate_keep=1))
    for b, s in zip(race.bids.order_by("pk"), (90, 80, 70), strict=True):
        svc.record_gate_score(staff, b, s, f"节点考核意见{s}")
    svc.pass_gate(staff, race, reason="按得分")
    user = chal["bidders"]["e2"]
    note = Notification.objects.filter(user=user, title__contains="赛马节点").latest("pk")
    assert "节点考核意见90" in note.body


def test_challenge_news_goes_to_the_bidders_own_users_not_an_expert_of_it(chal):
    expert_user = f.user(f.Role.EXPERT, "expert_of_e2", organisation=chal["e2"].organisation)
    running(chal, "single", teams=("e2",))
    assert not Notification.objects.filter(user=expert_user).exists()
    assert Notification.objects.filter(user=chal["bidders"]["e2"]).exists()


# --------------------------------------------------------------------------------- reminders


def test_no_review_reminder_for_an_expert_whose_seat_was_withdrawn(prog):
    ent = prog["ent_user"]
    app = services.submit(ent, services.save_draft(ent, prog["call"], GOOD))
    day = timezone.localdate()
    rnd = ReviewRound.objects.create(
        call=prog["call"], seq=1, name="网络评审", opens_on=day, closes_on=day + dt.timedelta(days=1),
        status=ReviewRound.Status.SCORING,
    )  # fmt: skip
    sel = SelectionRound.objects.create(name="遴选")
    item = ReviewItem.objects.create(round=sel, title=app.title, applicant_name="x")
    entry = RoundEntry.objects.create(round=rnd, application=app, item=item)
    user = f.user(f.Role.EXPERT, "withdrawn_expert")
    expert = Expert.objects.create(user=user, name="退出专家", organisation=prog["uni"], status="approved")
    seat = Assignment.objects.create(
        round=sel, item=item, expert=expert, affinity=0.5, declaration="no_conflict", withdrawn=True
    )
    Review.objects.create(entry=entry, expert=expert, assignment=seat, scores={}, total=None)
    assert tasks.send_reminders(today=day)["review_due"] == 0
    assert not Notification.objects.filter(user=user).exists()
