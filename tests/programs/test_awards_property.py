"""Property tests of the award stage: the approval list never exceeds the budget and keeps the waiting
list in rank order; random sequences of actions on an award never reach an illegal state, a refused
action changes nothing, and every status change is audited."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.programs.models import Application, Award, ProgrammeType, Transition
from kechuang.programs.services import awards as svc
from tests.programs.test_awards import state
from tests.programs.test_awards_support import WAN, contract, end_notice, in_notice, reviewed_call

pytestmark = pytest.mark.django_db
YEARS = itertools.count(3000)

SPECS = st.lists(
    st.tuples(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=100)), max_size=8
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=SPECS, budget=st.integers(min_value=1, max_value=2000), limit=st.none() | st.integers(1, 5))
def test_awarded_total_within_budget_and_waitlist_in_rank_order(city, specs, budget, limit):
    call, _apps = reviewed_call(city, specs, budget_wan=budget, max_awards=limit)
    ProgrammeType.objects.filter(pk=call.programme_type_id).update(per_year=None)
    call.programme_type.refresh_from_db()
    if not specs:
        with pytest.raises(ValidationError):
            svc.propose_awards(city["users"]["staff"], call)
        return
    plan = svc.propose_awards(city["users"]["staff"], call)
    awards = list(call.awards.all())
    assert sum(a.amount_yuan for a in awards) <= Decimal(budget) * WAN
    assert limit is None or len(awards) <= limit
    by_rank = sorted(plan, key=lambda p: p["rank"])
    status = {a.pk: a.status for a in Application.objects.filter(call=call)}
    waitlisted = [p["application"].pk for p in by_rank if status[p["application"].pk] == "waitlisted"]
    ranks = dict(Application.objects.filter(pk__in=waitlisted).values_list("pk", "waitlist_rank"))
    assert [ranks[pk] for pk in waitlisted] == list(range(1, len(waitlisted) + 1))
    for p in by_rank:
        s = status[p["application"].pk]
        assert s in ("awarded", "waitlisted", "rejected")
        assert (s == "rejected") == (Decimal(p["score"]) < svc.PASSING_SCORE)
    # No lower-ranked project is awarded ahead of a higher-ranked waitlisted one.
    awarded_ranks = [p["rank"] for p in by_rank if status[p["application"].pk] == "awarded"]
    waitlist_ranks = [p["rank"] for p in by_rank if status[p["application"].pk] == "waitlisted"]
    assert not awarded_ranks or not waitlist_ranks or max(awarded_ranks) < min(waitlist_ranks)
    # The first passing project is always awarded when it fits on its own.
    passing = [p for p in by_rank if Decimal(p["score"]) >= svc.PASSING_SCORE]
    if passing and passing[0]["amount"] <= Decimal(budget) * WAN:
        assert status[passing[0]["application"].pk] == "awarded"


# ------------------------------------------------------------------------------- state machine

# action → statuses it may run from (a necessary condition; some need more, e.g. a done milestone).
SOURCES = {
    "end_notice": None,  # moves time, not an action of the service
    "object": {"in_notice"},
    "dismiss": {"in_notice"},
    "uphold": {"in_notice"},
    "approve": {"in_notice"},
    "sign": {"approved"},
    "milestones": {"contracted", "rectifying", "midterm_passed"},
    "pay": {"contracted", "midterm_passed", "accepted"},
    "rectify": {"contracted"},
    "midterm_pass": {"contracted", "rectifying"},
    "accept": {"midterm_passed"},
    "fail": {"midterm_passed"},
    "evaluate": {"accepted", "failed"},
    "exit": {"approved", "contracted", "rectifying", "midterm_passed"},
}
EDGES = {
    ("", "proposed"), ("proposed", "in_notice"), ("in_notice", "approved"), ("in_notice", "cancelled"), ("approved", "contracted"),
    ("contracted", "rectifying"), ("contracted", "midterm_passed"), ("rectifying", "midterm_passed"),
    ("midterm_passed", "accepted"), ("midterm_passed", "failed"), ("accepted", "evaluated"),
    ("failed", "evaluated"), ("approved", "exited"), ("contracted", "exited"), ("rectifying", "exited"),
    ("midterm_passed", "exited"),
}  # fmt: skip


def _do(city, award, action, who):
    user = city["users"][who]
    if action == "end_notice":
        end_notice(award.call)
    elif action == "object":
        svc.submit_objection(user, award, "张三", "13800000000", "对该项目的真实性有疑问")
    elif action in ("dismiss", "uphold"):
        objection = award.objections.filter(status="open").first()
        if objection is None:
            raise ValidationError({"objection": "none open"})
        svc.handle_objection(user, objection, "dismissed" if action == "dismiss" else "upheld", "已核实")
    elif action == "approve":
        svc.approve(user, award)
    elif action == "sign":
        svc.sign(user, award, **contract(award))
    elif action == "milestones":
        for m in award.milestones.filter(status="pending"):
            svc.mark_milestone(user, m, "done")
        if not award.milestones.exists():
            raise ValidationError({"milestones": "none"})
    elif action == "pay":
        tranche = award.tranches.filter(status="planned").first()
        if tranche is None:
            raise ValidationError({"tranche": "none"})
        svc.pay_tranche(user, tranche)
    elif action == "rectify":
        import datetime as dt

        from django.utils import timezone

        svc.midterm(user, award, "rectify", "进度滞后", None, timezone.localdate() + dt.timedelta(days=30))
    elif action == "midterm_pass":
        svc.midterm(user, award, "pass", "按计划推进")
    elif action in ("accept", "fail"):
        svc.acceptance(user, award, action == "accept", "验收意见")
    elif action == "evaluate":
        svc.evaluate(user, award, 75, "评价意见")
    elif action == "exit":
        svc.exit_award(user, award, "主动退出")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(SOURCES)), st.sampled_from(["staff", "staff", "enterprise", "leader"])
        ),
        max_size=14,
    )
)
def test_random_award_action_sequences(city, steps):
    # A year of its own per example: the examples share the database, and the programme type's
    # yearly limit would otherwise fill up.
    year = next(YEARS)
    _call, apps = in_notice(city, specs=((300, 90), (200, 85), (250, 80)), budget_wan=600, year=year)
    award = apps[0].award_record
    for action, who in steps:
        award.refresh_from_db()
        before_status = award.status
        before_rows = Transition.objects.filter(object_id=award.pk, content_type__model="award").count()
        before = state()
        try:
            _do(city, award, action, who)
        except (ValidationError, PermissionDenied):
            assert state() == before, (action, who, before_status)
            continue
        if SOURCES[action] is not None:
            assert before_status in SOURCES[action], (action, before_status)
            if action != "object":
                assert who == "staff", (action, who)
        award.refresh_from_db()
        assert award.status in Award.Status.values
        rows = list(award.transitions.all())
        if award.status != before_status:
            assert (before_status, award.status) in EDGES
            changes = [r for r in rows[before_rows:] if r.from_status != r.to_status]
            assert [(r.from_status, r.to_status) for r in changes] == [(before_status, award.status)]
            assert changes[0].actor == city["users"][who]
    # The whole history is a chain of legal edges, starting from the proposal.
    rows = [r for r in award.transitions.all() if r.from_status != r.to_status]
    assert rows[0].action == "propose" and rows[0].from_status == ""
    for prev, row in itertools.pairwise(rows):
        assert prev.to_status == row.from_status and (row.from_status, row.to_status) in EDGES
    # Money: paid never exceeds the award; withheld only after exit.
    paid = sum(t.amount_yuan for t in award.tranches.filter(status="paid"))
    assert paid <= award.amount_yuan
    assert award.status == "exited" or not award.tranches.filter(status="withheld").exists()
