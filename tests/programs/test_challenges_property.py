"""Random sequences of actions on a challenge and its bids (by the right or a wrong person, with
sensible or silly values, with time passing the deadline and the gate): the state is always legal,
a horse race never keeps more than ``gate_keep`` teams after its gate, what is paid never exceeds the
bounty (nor any team's request), every status change leaves exactly one audit row, and a refused
action changes nothing."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kechuang.programs.models import Bid, BountyPayment, Challenge, Transition
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

BIDDERS = ["e1", "e2", "e3", "uni"]
S = Challenge.Status
B = Bid.Status
# The bid statuses each challenge status admits.
ALLOWED = {
    S.DRAFT: set(),
    S.POSTED: {B.SUBMITTED, B.WITHDRAWN},
    S.SELECTING: {B.SUBMITTED, B.SELECTED, B.NOT_SELECTED, B.WITHDRAWN},
    S.RUNNING: {B.SELECTED, B.NOT_SELECTED, B.WITHDRAWN, B.DELIVERED, B.FAILED},
    S.GATED: {B.CONTINUING, B.STOPPED, B.NOT_SELECTED, B.WITHDRAWN, B.DELIVERED, B.FAILED},
    S.COMPLETED: {B.NOT_SELECTED, B.WITHDRAWN, B.STOPPED, B.DELIVERED, B.FAILED},
    S.FAILED: {B.NOT_SELECTED, B.WITHDRAWN, B.STOPPED, B.FAILED},
    S.CANCELLED: {B.NOT_SELECTED, B.WITHDRAWN},
}

ACTIONS = [
    "post", "bid", "bid", "bid", "withdraw", "deadline", "close", "score", "score", "score", "select",
    "start", "gate_time", "gate_score", "gate_score", "pass_gate", "pay", "pay", "pay", "deliver", "fail",
    "conclude", "cancel", "pass_gate", "pass_gate", "deliver", "pay", "pay", "conclude",
]  # fmt: skip


@pytest.fixture
def chal(city):
    return make_chal(city)


def _bid_of(c, k, chal):
    org = chal["bidders"][k].organisation_id
    return c.bids.filter(organisation_id=org).order_by("-pk").first()


def _do(chal, c, action, k, value, wrong):
    staff = chal["users"]["leader"] if wrong else chal["staff"]
    bidder = chal["bidders"][k]
    bid = _bid_of(c, k, chal)
    if bid is None and action in ("withdraw", "score", "gate_score", "deliver", "fail"):
        raise ValidationError({"bid": "no bid of this organisation"})
    if action == "post":
        return svc.post_challenge(staff, c)
    if action == "bid":
        return svc.submit_bid(staff if wrong else bidder, c, bid_data(requested_yuan=value * 5 * WAN))
    if action == "withdraw":
        return svc.withdraw_bid(
            chal["bidders"][BIDDERS[(BIDDERS.index(k) + 1) % 4]] if wrong else bidder, bid
        )
    if action == "close":
        return svc.close_bids(staff, c)
    if action == "score":
        return svc.score_bid(staff, bid, value, "意见")
    if action == "select":
        ids = [b.pk for i, b in enumerate(c.bids.order_by("pk")) if (value >> i) & 1]
        return svc.select_bids(staff, c, ids)
    if action == "start":
        plans = {}
        for b in c.bids.filter(status=B.SELECTED):
            rows = [{"milestone": "一", "due_on": today() + dt.timedelta(days=5), "amount_yuan": value * WAN}]
            if c.gate_on:
                rows.append(
                    {"milestone": "二", "due_on": c.gate_on + dt.timedelta(days=5), "amount_yuan": 50 * WAN}
                )
            plans[b.pk] = rows
        return svc.start(staff, c, plans)
    if action == "gate_score":
        return svc.record_gate_score(staff, bid, value % 4 * 10 + 50, "节点意见")
    if action == "pass_gate":
        keep = (
            [b.pk for i, b in enumerate(c.bids.order_by("pk")) if (value >> i) & 1]
            if value % 3 == 0
            else None
        )
        return svc.pass_gate(staff, c, keep, "理由")
    if action == "pay":
        payment = BountyPayment.objects.filter(bid__challenge=c).order_by("pk")[value % 8 :].first()
        if payment is None:
            raise ValidationError({"payment": "none"})
        return svc.pay(staff, payment)
    if action in ("deliver", "fail"):
        return svc.finish_bid(staff, bid, action, "原因")
    if action == "conclude":
        return svc.conclude(staff, c, "结项说明")
    if action == "cancel":
        return svc.cancel_challenge(staff, c, "撤榜原因")
    raise AssertionError(action)


def _statuses():
    out = {}
    for model in (Challenge, Bid, BountyPayment):
        for pk, status in model.objects.values_list("pk", "status"):
            out[(model.__name__, pk)] = status
    return out


def _check(c: Challenge) -> None:
    c.refresh_from_db()
    bids = list(c.bids.all())
    statuses = Counter(b.status for b in bids)
    assert c.status in S.values
    assert set(statuses) <= ALLOWED[c.status], (c.status, statuses)
    live = [b.organisation_id for b in bids if b.status != B.WITHDRAWN]
    assert len(live) == len(set(live))
    team = sum(statuses[s] for s in (B.SELECTED, B.CONTINUING, B.STOPPED, B.DELIVERED, B.FAILED))
    if c.status not in (S.DRAFT, S.POSTED, S.SELECTING, S.CANCELLED):
        assert 1 <= team <= c.max_teams
        if c.mode != Challenge.Mode.SINGLE:
            assert team >= 2
    if c.mode == Challenge.Mode.HORSE_RACE and c.status in (S.GATED, S.COMPLETED, S.FAILED):
        kept = statuses[B.CONTINUING] + statuses[B.DELIVERED] + statuses[B.FAILED]
        assert kept <= c.gate_keep
    if c.status == S.COMPLETED:
        assert statuses[B.DELIVERED] >= 1
    if c.status == S.FAILED:
        assert statuses[B.DELIVERED] == 0
    assert svc.paid_total(c) <= c.bounty_yuan
    for b in bids:
        paid = [p for p in b.payments.all() if p.status == BountyPayment.Status.PAID]
        assert sum(p.amount_yuan for p in paid) <= b.requested_yuan
        if paid:
            assert b.status in svc.TEAM_STATUSES
        if b.status in (B.DELIVERED,):
            assert not b.payments.filter(status=BountyPayment.Status.PLANNED).exists()
        if b.status in (B.STOPPED, B.FAILED, B.NOT_SELECTED, B.WITHDRAWN):
            assert not b.payments.filter(status=BountyPayment.Status.PLANNED).exists()


def _audited(before: dict, after: dict, transitions_before: int) -> None:
    new_rows = list(Transition.objects.order_by("pk")[transitions_before:])
    changed = {
        key: status
        for key, status in after.items()
        if before.get(key, "") != status and not (key[0] == "BountyPayment" and key not in before)
    }
    seen = Counter()
    for row in new_rows:
        key = (ContentType.objects.get_for_id(row.content_type_id).model_class().__name__, row.object_id)
        seen[key] += 1
        assert changed.get(key) == row.to_status, (key, row.action)
        assert row.from_status == before.get(key, "")
    assert set(seen) == set(changed) and all(n == 1 for n in seen.values()), (seen, changed)


def _prepare(chal, start: str) -> Challenge:
    """Start each example at some stage, so that short random sequences still reach the deep ones."""
    staff = chal["staff"]
    if start == "draft":
        return svc.save_challenge(staff, terms("horse_race"))
    if start == "posted":
        c = svc.post_challenge(staff, svc.save_challenge(staff, terms("several")))
        for k in ("e2", "e3", "uni"):
            svc.submit_bid(chal["bidders"][k], c, bid_data())
        return c
    if start == "several":
        return running(chal, "several", teams=("e2", "e3"))
    c = running(chal, "horse_race", teams=("e2", "e3", "uni"), gate_keep=2 if start == "gate_tie" else 1)
    if start == "horse_race":
        return c
    c = gate_reached(c)
    for b, score in zip(c.bids.order_by("pk"), (90, 80, 80), strict=True):
        svc.record_gate_score(staff, b, score, "节点意见")
    return c


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    start=st.sampled_from(["draft", "posted", "several", "horse_race", "gate_due", "gate_tie"]),
    steps=st.lists(
        st.tuples(
            st.sampled_from(ACTIONS),
            st.sampled_from(BIDDERS),
            st.integers(min_value=0, max_value=100),
            st.sampled_from([False, False, False, False, True]),
        ),
        min_size=8,
        max_size=30,
    ),
)
def test_random_action_sequences(chal, start, steps):
    Transition.objects.all().delete()
    BountyPayment.objects.all().delete()
    Bid.objects.all().delete()
    Challenge.objects.all().delete()
    c = _prepare(chal, start)
    _check(c)
    event(f"start {start}")
    for action, k, value, wrong in steps:
        c.refresh_from_db()
        if action == "deadline":
            past_deadline(c)
            continue
        if action == "gate_time":
            if c.gate_on:
                gate_reached(c)
            continue
        before_statuses, before_rows, before = _statuses(), Transition.objects.count(), snapshot()
        try:
            _do(chal, c, action, k, value, wrong)
        except (ValidationError, PermissionDenied) as exc:
            assert snapshot() == before, action
            event(f"refused {action}: {getattr(exc, 'message_dict', {'': [str(exc)]})}"[:60])
            continue
        assert not wrong, action  # a wrong person is always refused
        _audited(before_statuses, _statuses(), before_rows)
        _check(c)
        event(f"{action} → {c.status}")
