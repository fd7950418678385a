"""Review services: rounds over a call, panels from the experts app, scores, results and the final
ranking. Every refusal changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.experts.models import Assignment, SelectionRound
from kechuang.programs.models import Application, Call, Review, ReviewRound, RoundEntry, Transition
from kechuang.programs.services import review
from tests import factories as f

from .test_review_fixtures import locked_round, make_call, open_round, rv_fixture, score_all  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
WEEK = TODAY + dt.timedelta(days=7)
ALL8 = {"innovation": 8, "feasibility": 8, "team": 8, "benefit": 8}


def snapshot():
    return (
        list(ReviewRound.objects.order_by("pk").values()),
        list(RoundEntry.objects.order_by("pk").values()),
        list(Review.objects.order_by("pk").values()),
        list(Transition.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values("pk", "status")),
        list(Call.objects.order_by("pk").values("pk", "status")),
        list(SelectionRound.objects.order_by("pk").values("pk", "status")),
    )


@pytest.mark.parametrize("role", ["leader", "district", "enterprise", "expert", "institute"])
def test_only_city_staff_create_rounds(rv, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        review.create_round(rv["users"][role], rv["call"], "网络评审", "online", TODAY, WEEK)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "chat"}, "kind"),
        ({"closes_on": TODAY - dt.timedelta(days=1)}, "closes_on"),
        ({"advance": 0}, "advance"),
    ],
)
def test_bad_round_fields_are_refused(rv, kwargs, field):
    args = {
        "name": "网络评审",
        "kind": "online",
        "opens_on": TODAY,
        "closes_on": WEEK,
        "advance": None,
        **kwargs,
    }
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.create_round(rv["staff"], rv["call"], **args)
    assert field in err.value.message_dict
    assert snapshot() == before


def test_first_round_needs_a_closed_call_and_a_rubric(rv):
    call = rv["call"]
    Call.objects.filter(pk=call.pk).update(status=Call.Status.PUBLISHED)
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.create_round(rv["staff"], call, "网络评审", "online", TODAY, WEEK)
    assert "call" in err.value.message_dict and "已发布" in err.value.message_dict["call"][0]
    Call.objects.filter(pk=call.pk).update(status=Call.Status.CLOSED, rubric=[])
    with pytest.raises(ValidationError) as err:
        review.create_round(rv["staff"], call, "网络评审", "online", TODAY, WEEK)
    assert "rubric" in err.value.message_dict
    assert snapshot()[:4] == before[:4]


def test_first_round_takes_formal_passed_and_moves_the_call(rv):
    other = Application.objects.filter(call=rv["call"]).last()
    Application.objects.filter(pk=other.pk).update(status=Application.Status.SUBMITTED)
    rnd = review.create_round(rv["staff"], rv["call"], "网络评审", "online", TODAY, WEEK, advance=2)
    assert rnd.seq == 1 and rnd.status == ReviewRound.Status.DRAFT
    assert rnd.entries.count() == 3 and not rnd.entries.filter(application=other).exists()
    call = Call.objects.get(pk=rv["call"].pk)
    assert call.status == Call.Status.REVIEWING
    assert call.transitions.last().action == "start_review"
    for e in rnd.entries.select_related("application"):
        assert e.application.status == Application.Status.IN_REVIEW
        last = e.application.transitions.last()
        assert (last.action, last.from_status, last.actor) == ("enter_review", "formal_passed", rv["staff"])
    # A second first round is refused: the call is no longer closed... and round 1 is still open.
    before = snapshot()
    with pytest.raises(ValidationError):
        review.create_round(rv["staff"], call, "再来一轮", "online", TODAY, WEEK)
    assert snapshot() == before


def test_draw_panel_hands_the_applications_to_the_experts_app(rv):
    app = Application.objects.filter(call=rv["call"]).order_by("pk").first()
    partner = f.institute(rv["zd"], "山东理工大学合作院")
    app.co_applicants.add(partner)
    rnd = review.create_round(rv["staff"], rv["call"], "网络评审", "online", TODAY, WEEK)
    sel = review.draw_panel(rv["staff"], rnd, per_item=3, max_load=3, seed=5)
    rnd.refresh_from_db()
    assert rnd.selection == sel and sel.per_item == 3 and sel.seed == 5
    entry = rnd.entries.get(application=app)
    item = entry.item
    assert item.round == sel and item.title == app.title and item.applicant_id == app.applicant_id
    assert app.form_data["goals"] in item.text and app.abstract in item.text
    assert item.members == [
        {"name": "负责人1", "organisation": app.applicant.name},
        {"name": "", "organisation": "山东理工大学合作院"},
    ]
    assert item.link == f"/programs/reviews/mine/{entry.pk}/"
    before = snapshot()
    with pytest.raises(ValidationError):
        review.draw_panel(rv["staff"], rnd)
    with pytest.raises(PermissionDenied):
        review.draw_panel(rv["users"]["leader"], rnd)
    assert snapshot() == before


def test_draw_panel_refuses_bad_parameters_and_writes_nothing(rv):
    rnd = review.create_round(rv["staff"], rv["call"], "网络评审", "online", TODAY, WEEK)
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.draw_panel(rv["staff"], rnd, per_item=3, min_load=4, max_load=2)
    assert "min_load" in err.value.message_dict
    assert snapshot() == before


def test_open_needs_a_locked_panel(rv):
    rnd = review.create_round(rv["staff"], rv["call"], "网络评审", "online", TODAY, WEEK)
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.open_round(rv["staff"], rnd)
    assert "selection" in err.value.message_dict
    review.draw_panel(rv["staff"], rnd, per_item=3, max_load=3)
    with pytest.raises(ValidationError):
        review.open_round(rv["staff"], rnd)
    assert ReviewRound.objects.get(pk=rnd.pk).status == "draft"
    assert snapshot()[3] == before[3]


def test_full_two_round_review_and_final_ranking(rv):
    staff = rv["staff"]
    rnd = open_round(rv, advance=2)
    assert rnd.status == ReviewRound.Status.SCORING
    panel_users = {s.expert.user_id for s in review.seats(rnd).select_related("expert")}
    told = set(Notification.objects.filter(title__contains="请在").values_list("user_id", flat=True))
    assert panel_users <= told
    quality = {e.pk: 9 - k for k, e in enumerate(rnd.entries.order_by("application_id"))}

    def scores(seat):
        q = quality[seat.item.programme_entry.pk]
        return dict.fromkeys(ALL8, q)

    score_all(rnd, scores)
    assert review.progress(rnd) == {"seats": 12, "submitted": 12, "pending": 0}
    rnd = review.close_round(staff, rnd)
    entries = list(rnd.entries.order_by("rank").select_related("application"))
    assert [e.rank for e in entries] == [1, 2, 3, 4]
    assert [e.mean for e in entries] == [
        Decimal("90.00"),
        Decimal("80.00"),
        Decimal("70.00"),
        Decimal("60.00"),
    ]
    assert [e.advanced for e in entries] == [True, True, False, False]
    assert [e.application.status for e in entries] == ["in_review", "in_review", "reviewed", "reviewed"]
    assert all(e.n_reviews == 3 and e.spread == 0 for e in entries)
    # The losers' applicants hear of it.
    assert Notification.objects.filter(user=rv["users"]["enterprise"], title__contains="评审意见").exists()
    ranking = review.final_ranking(rv["call"])
    assert [r["application"] for r in ranking] == [entries[2].application, entries[3].application]
    assert [r["rank"] for r in ranking] == [1, 2] and ranking[0]["score"] == Decimal("70.00")

    r2 = locked_round(staff, rv["call"], name="会议答辩", kind="panel", per_item=2, max_load=2)
    assert r2.seq == 2 and {e.application_id for e in r2.entries.all()} == {
        entries[0].application_id, entries[1].application_id,
    }  # fmt: skip
    r2 = review.open_round(staff, r2)
    # The panel now prefers the second: the later round decides.
    score_all(
        r2,
        lambda s: dict.fromkeys(
            ALL8, 10 if s.item.programme_entry.application_id == entries[1].application_id else 7
        ),
    )
    r2 = review.close_round(staff, r2)
    assert set(Application.objects.filter(call=rv["call"]).values_list("status", flat=True)) == {"reviewed"}
    ranking = review.final_ranking(rv["call"])
    assert [r["application"].pk for r in ranking] == [
        entries[1].application_id, entries[0].application_id, entries[2].application_id, entries[3].application_id,
    ]  # fmt: skip
    assert [r["round"].seq for r in ranking] == [2, 2, 1, 1] and [r["rank"] for r in ranking] == [1, 2, 3, 4]
    # The final round had no advance count: nothing comes after it.
    with pytest.raises(ValidationError):
        review.create_round(staff, rv["call"], "第三轮", "panel", TODAY, WEEK)


def test_close_with_missing_reviews_needs_a_reason(rv):
    rnd = open_round(rv)
    reviews = score_all(rnd)
    Review.objects.filter(pk=reviews[0].pk).update(status=Review.Status.DRAFT)
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.close_round(rv["staff"], rnd)
    assert "1份评分未提交" in err.value.message_dict["reason"][0]
    with pytest.raises(PermissionDenied):
        review.close_round(rv["users"]["leader"], rnd, "到期")
    assert snapshot() == before
    rnd = review.close_round(rv["staff"], rnd, "专家出差无法按期提交")
    assert rnd.transitions.last().reason == "专家出差无法按期提交"
    assert rnd.entries.get(pk=reviews[0].entry_id).n_reviews == 2
    # A closed round closes no more.
    with pytest.raises(ValidationError):
        review.close_round(rv["staff"], rnd, "再次")


def test_scores_are_validated_per_criterion_and_submit_is_final(rv):
    rnd = open_round(rv)
    seat = review.seats(rnd).select_related("expert__user").first()
    user = seat.expert.user
    # Before the declaration the application stays closed.
    with pytest.raises(PermissionDenied):
        review.save_review(user, seat, ALL8, "好")
    review.declare(user, seat, conflict=False)
    seat.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        review.save_review(user, seat, {**ALL8, "innovation": 11}, "好", submit=True)
    assert err.value.message_dict == {"scores.innovation": ["“技术创新性”的得分须在0至10之间"]}
    with pytest.raises(ValidationError) as err:
        review.save_review(user, seat, {**ALL8, "team": "很好"}, "好")
    assert "“团队与基础条件”的得分须为数字" in err.value.message_dict["scores.team"]
    with pytest.raises(ValidationError) as err:
        review.save_review(user, seat, {"innovation": 8}, "好", submit=True)
    assert "请填写“经济社会效益”的得分" in err.value.message_dict["scores.benefit"]
    with pytest.raises(ValidationError) as err:
        review.save_review(user, seat, ALL8, " ", submit=True)
    assert "comment" in err.value.message_dict
    assert snapshot() == before
    draft = review.save_review(user, seat, {"innovation": "7.5"}, "")
    assert draft.status == "draft" and draft.total is None and draft.scores == {"innovation": "7.5"}
    with pytest.raises(ValidationError) as err:
        review.save_review(user, seat, {"innovation": "7.125"}, "")
    assert "两位小数" in err.value.message_dict["scores.innovation"][0]
    done = review.save_review(user, seat, {**ALL8, "innovation": "7.5", "team": 10}, "建议支持", submit=True)
    assert done.status == "submitted" and done.total == Decimal("82.50") and done.pk == draft.pk
    assert done.scores["team"] == "10"  # not 1E+1
    assert Transition.objects.filter(object_id=done.pk, action="submit").count() == 1
    before = snapshot()
    with pytest.raises(ValidationError):
        review.save_review(user, seat, ALL8, "改主意了", submit=True)
    assert snapshot() == before


def test_only_the_seat_holder_scores_and_only_while_scoring(rv):
    rnd = locked_round(rv["staff"], rv["call"])
    seats = list(review.seats(rnd).select_related("expert__user"))
    mine = seats[0]
    other = next(s for s in seats if s.expert_id != mine.expert_id)
    review.declare(mine.expert.user, mine, conflict=False)
    mine.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as err:  # still in preparation
        review.save_review(mine.expert.user, mine, ALL8, "好")
    assert "status" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        review.save_review(other.expert.user, mine, ALL8, "好")
    with pytest.raises(PermissionDenied):
        review.save_review(rv["staff"], mine, ALL8, "好")
    assert snapshot() == before


def test_reviewer_finds_only_assigned_applications(rv):
    rnd = open_round(rv)
    seat = review.seats(rnd).select_related("expert__user").first()
    user = seat.expert.user
    mine = {s.item.programme_entry.pk for s in review.my_reviews(user)}
    assert seat.item.programme_entry.pk in mine
    for entry in rnd.entries.exclude(pk__in=mine):
        with pytest.raises(Http404):
            review.get_my_seat(user, entry.pk)
    assert not review.my_reviews(rv["staff"]).exists()
    assert not review.my_reviews(rv["users"]["expert"]).exists()  # an expert with no seat
    # A withdrawn seat is no longer the expert's.
    Assignment.objects.filter(pk=seat.pk).update(withdrawn=True)
    with pytest.raises(Http404):
        review.get_my_seat(user, seat.item.programme_entry.pk)


def test_outliers_and_normalisation_in_the_results(rv):
    Call.objects.filter(pk=rv["call"].pk).update(normalise_scores=True)
    rnd = open_round(rv, per_item=3, max_load=3)
    first = rnd.entries.order_by("application_id").first()
    low = review.seats(rnd).filter(item=first.item).order_by("pk").first()

    def scores(seat):
        return dict.fromkeys(ALL8, 2) if seat.pk == low.pk else ALL8

    score_all(rnd, scores)
    rnd = review.close_round(rv["staff"], rnd)
    first.refresh_from_db()
    assert first.spread == Decimal("60.00") and first.mean == Decimal("60.00")
    # Two reviews of 80 and one of 20: the 20 is 60 points below the median, beyond the 15-point floor.
    [o] = first.outliers
    assert (o["expert_id"], o["total"], o["deviation"]) == (low.expert_id, "20.00", "-60.00")
    assert o["expert"] == low.expert.name
    assert all(e.normalised is not None for e in rnd.entries.all())
    rows = review.export_rows(rnd)
    assert len(rows) == 4 and any(low.expert.name in r[-1] for r in rows)


def test_feedback_hides_reviewers_from_the_applicant(rv):
    rnd = open_round(rv)
    score_all(rnd)
    app = rnd.entries.get(application__applicant=rv["e1"].organisation).application
    ent = rv["users"]["enterprise"]
    # Before the round closes there is nothing to see.
    assert review.feedback(ent, app.pk)["rounds"] == []
    review.close_round(rv["staff"], rnd)
    data = review.feedback(ent, app.pk)
    labels = [r["label"] for r in data["rounds"][0]["reviews"]]
    assert labels == ["专家1", "专家2", "专家3"]
    names = {s.expert.name for s in review.seats(rnd).filter(item__programme_entry__application=app)}
    assert not names & set(labels)
    staff_labels = {r["label"] for r in review.feedback(rv["staff"], app.pk)["rounds"][0]["reviews"]}
    assert staff_labels == names
    Call.objects.filter(pk=rv["call"].pk).update(reveal_reviewers=True)
    shown = {r["label"] for r in review.feedback(ent, app.pk)["rounds"][0]["reviews"]}
    assert shown == names
    for role in ("district", "institute", "expert"):
        with pytest.raises(Http404):
            review.feedback(rv["users"][role], app.pk)
    other = f.user(f.Role.ENTERPRISE, "ent_other", organisation=rv["e2"].organisation)
    with pytest.raises(Http404):
        review.feedback(other, app.pk)
