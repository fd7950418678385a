"""Random sequences of actions on review rounds: the round status is always a defined one, every
legal change is audited once, a refused action raises and changes nothing, submitted scores never
change, and a closed round's entries are ranked 1..n with the applications where they should be."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.experts.models import Assignment, SelectionRound
from kechuang.programs.models import Application, Review, ReviewRound, Transition
from kechuang.programs.services import review

from .test_review_fixtures import make_call, make_experts
from .test_review_services import snapshot

pytestmark = pytest.mark.django_db
ACTIONS = ["new_round", "draw", "lock", "open", "close", "close_reason", "draft", "submit", "declare"]
ACTORS = ["staff", "leader", "expert"]


def _lock(rnd, experts):
    """A panel of two per item, locked (the draw itself is the experts app's, tested there)."""
    sel = SelectionRound.objects.get(pk=rnd.selection_id)
    for k, item in enumerate(sel.items.order_by("pk")):
        for e in (experts[k % len(experts)], experts[(k + 1) % len(experts)]):
            Assignment.objects.create(round=sel, item=item, expert=e, affinity=1.0)
    SelectionRound.objects.filter(pk=sel.pk).update(status=SelectionRound.Status.LOCKED)


def _do(ctx, action, who, pick):
    users = ctx["users"]
    staff = users["staff"] if who == "staff" else users["leader"] if who == "leader" else None
    rnd = ReviewRound.objects.filter(call=ctx["call"]).order_by("-seq").first()
    today = timezone.localdate()
    if action == "new_round":
        return review.create_round(
            staff,
            ctx["call"],
            f"第{pick}轮",
            "online",
            today,
            today + dt.timedelta(days=5),
            advance=pick % 3 or None,
        )
    if rnd is None:
        raise ValidationError({"round": "none"})
    if action == "draw":
        return review.draw_panel(staff, rnd, per_item=2, max_load=4)
    if action == "lock":
        if staff is None or who != "staff" or not rnd.selection_id or rnd.selection.status != "draft":
            raise PermissionDenied("test: only staff lock a fresh selection")
        return _lock(rnd, ctx["experts"])
    if action == "open":
        return review.open_round(staff, rnd)
    if action in ("close", "close_reason"):
        return review.close_round(staff, rnd, "到期结束" if action == "close_reason" else "")
    seats = list(review.seats(rnd).select_related("expert__user").order_by("pk"))
    if not seats:
        raise ValidationError({"seat": "none"})
    seat = seats[pick % len(seats)]
    user = seat.expert.user if who == "expert" else staff
    if action == "declare":
        return review.declare(user, seat, conflict=False)
    scores = {"innovation": pick % 11, "feasibility": 7, "team": 8, "benefit": 9}
    return review.save_review(user, seat, scores, "意见", submit=action == "submit")


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS), st.integers(1, 9)), max_size=14))
def test_random_round_actions(city, steps):
    staff = city["users"]["staff"]
    if "experts" not in city:  # the fixture is shared by the examples: experts once
        city["experts"] = make_experts(city["zc"], 4)
    ctx = {**city, "call": make_call(staff, n_apps=3), "experts": city["experts"]}
    submitted: dict[int, tuple] = {}
    for action, who, pick in steps:
        before = snapshot()
        statuses = dict(ReviewRound.objects.values_list("pk", "status"))
        logs = Transition.objects.count()
        try:
            _do(ctx, action, who, pick)
        except (ValidationError, PermissionDenied):
            assert snapshot() == before, (action, who)
            continue
        assert who != "leader", action
        for rnd in ReviewRound.objects.filter(call=ctx["call"]):
            assert rnd.status in ReviewRound.Status.values
            if statuses.get(rnd.pk) != rnd.status:
                last = rnd.transitions.last()
                assert (last.from_status, last.to_status) == (statuses.get(rnd.pk, ""), rnd.status)
        assert Transition.objects.count() >= logs
        for r in Review.objects.filter(status="submitted"):
            assert submitted.setdefault(r.pk, (r.scores, r.total, r.comment)) == (
                r.scores,
                r.total,
                r.comment,
            )
    for rnd in ReviewRound.objects.filter(call=ctx["call"], status="closed"):
        entries = list(rnd.entries.select_related("application"))
        assert sorted(e.rank for e in entries) == list(range(1, len(entries) + 1))
        for e in entries:
            if rnd.advance is None or not e.advanced:
                assert e.application.status == Application.Status.REVIEWED
            assert len(e.application.transitions.filter(action="finish_review")) <= 1
    # Every application the call reviewed is on the final ranking exactly once.
    ranking = review.final_ranking(ctx["call"])
    reviewed = set(
        Application.objects.filter(call=ctx["call"], status="reviewed").values_list("pk", flat=True)
    )
    assert {r["application"].pk for r in ranking} == reviewed
    assert [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))
