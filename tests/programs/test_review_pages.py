"""Review pages: staff rounds, draw, open, close, results and export; the expert's declaration and
score form; the applicant's feedback. Who may see what."""

import pytest
from django.urls import reverse

from kechuang.programs.models import Application, Call, Review, ReviewRound
from kechuang.programs.services import review
from tests import factories as f

from .test_review_fixtures import locked_round, open_round, rv_fixture, score_all  # noqa: F401

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_staff_create_a_round_and_draw_from_the_pages(client, rv):
    login(client, rv["staff"])
    page = client.get(reverse("programme_review_rounds")).content.decode()
    assert rv["call"].title in page and 'data-testid="new-round"' in page
    url = reverse("programme_review_round_new", args=[rv["call"].pk])
    bad = client.post(
        url, {"name": "网络评审", "kind": "online", "opens_on": "2026-12-10", "closes_on": "2026-12-01"}
    )
    assert "评审截止日期不能早于开始日期" in bad.content.decode() and not ReviewRound.objects.exists()
    response = client.post(
        url,
        {
            "name": "网络评审",
            "kind": "online",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-10",
            "advance": 2,
        },
    )
    rnd = ReviewRound.objects.get()
    assert response.url == reverse("programme_review_round", args=[rnd.pk]) and rnd.advance == 2
    page = client.get(response.url).content.decode()
    assert 'data-testid="draw-form"' in page and page.count('data-testid="result-row"') == 4
    response = client.post(
        reverse("programme_review_draw", args=[rnd.pk]),
        {"rule": "optimal", "per_item": 3, "max_load": 3, "reserves": 0, "max_probability": "0.5"},
    )
    rnd.refresh_from_db()
    assert response.url == reverse("expert_round", args=[rnd.selection_id])
    page = client.get(reverse("programme_review_round", args=[rnd.pk])).content.decode()
    assert 'data-testid="panel-link"' in page and 'data-testid="open-round"' not in page


@pytest.mark.parametrize("role", ["leader", "district", "enterprise", "expert"])
def test_others_cannot_run_rounds(client, rv, role):
    rnd = locked_round(rv["staff"], rv["call"])
    login(client, rv["users"][role])
    for name in ("programme_review_open", "programme_review_close"):
        assert client.post(reverse(name, args=[rnd.pk])).status_code in (403, 404)
    assert client.post(reverse("programme_review_round_new", args=[rv["call"].pk]), {}).status_code in (
        403,
        404,
    )
    rnd.refresh_from_db()
    assert rnd.status == "draft"
    expected = 200 if role == "leader" else 403
    assert client.get(reverse("programme_review_rounds")).status_code == expected


def test_open_score_close_and_results(client, rv):
    rnd = locked_round(rv["staff"], rv["call"])
    login(client, rv["staff"])
    client.post(reverse("programme_review_open", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == "scoring"
    page = client.get(reverse("programme_review_round", args=[rnd.pk])).content.decode()
    assert "已提交评分 0 / 12 份" in page
    client.post(reverse("programme_review_close", args=[rnd.pk]), {"reason": ""})
    rnd.refresh_from_db()
    assert rnd.status == "scoring"
    score_all(rnd)
    client.post(reverse("programme_review_close", args=[rnd.pk]), {"reason": ""})
    rnd.refresh_from_db()
    assert rnd.status == "closed"
    page = client.get(reverse("programme_review_round", args=[rnd.pk])).content.decode()
    assert page.count('data-testid="result-row"') == 4 and "80.00" in page
    export = client.get(reverse("programme_review_export", args=[rnd.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_expert_declares_then_scores_and_sees_only_own(client, rv):
    rnd = open_round(rv)
    seat = review.seats(rnd).select_related("expert__user", "item__programme_entry").first()
    entry = seat.item.programme_entry
    user = seat.expert.user
    login(client, user)
    page = client.get(reverse("programme_my_reviews")).content.decode()
    assert entry.application.title in page and 'data-testid="declare-no-conflict"' in page
    # Not declared yet: no application.
    response = client.get(reverse("programme_review_score", args=[entry.pk]))
    assert response.status_code == 302 and response.url == reverse("programme_my_reviews")
    mine = {s.item.programme_entry.pk for s in review.my_reviews(user)}
    for other in rnd.entries.exclude(pk__in=mine):
        assert client.get(reverse("programme_review_score", args=[other.pk])).status_code == 404
        assert (
            client.post(reverse("programme_review_declare", args=[other.pk]), {"conflict": "0"}).status_code
            == 404
        )
    response = client.post(reverse("programme_review_declare", args=[entry.pk]), {"conflict": "0"})
    assert response.url == reverse("programme_review_score", args=[entry.pk])
    page = client.get(response.url).content.decode()
    assert entry.application.abstract in page and entry.application.applicant.name in page
    bad = client.post(
        response.url, {"score_innovation": "12", "comment": "好", "action": "draft"}
    ).content.decode()
    assert "“技术创新性”的得分须在0至10之间" in bad
    client.post(
        response.url,
        {"score_innovation": "9", "score_feasibility": "8", "score_team": "8", "score_benefit": "8",
         "comment": "建议支持", "action": "submit"},
    )  # fmt: skip
    r = Review.objects.get(entry=entry, expert=seat.expert)
    assert r.status == "submitted" and str(r.total) == "83.00"
    page = client.get(reverse("programme_my_reviews")).content.decode()
    assert 'data-testid="review-state"' in page
    # Staff and applicants have no expert pages.
    login(client, rv["staff"])
    assert client.get(reverse("programme_my_reviews")).status_code == 403


def test_blind_review_hides_the_applicant(client, rv):
    Call.objects.filter(pk=rv["call"].pk).update(blind_review=True)
    rnd = open_round(rv)
    seat = (
        review.seats(rnd)
        .select_related("expert__user", "item__programme_entry__application__applicant")
        .first()
    )
    app = seat.item.programme_entry.application
    partner = f.institute(rv["zd"], "合作研究院甲")
    app.co_applicants.add(partner)
    login(client, seat.expert.user)
    client.post(reverse("programme_review_declare", args=[seat.item.programme_entry.pk]), {"conflict": "0"})
    page = client.get(reverse("programme_review_score", args=[seat.item.programme_entry.pk])).content.decode()
    assert app.abstract in page and 'data-testid="blind"' in page
    for hidden in (app.applicant.name, "合作研究院甲", app.form_data["leader"]):
        assert hidden not in page


def test_feedback_page(client, rv):
    rnd = open_round(rv)
    score_all(rnd)
    review.close_round(rv["staff"], rnd)
    app = Application.objects.get(call=rv["call"], applicant=rv["e1"].organisation)
    names = [
        s.expert.name
        for s in review.seats(rnd).filter(item__programme_entry__application=app).select_related("expert")
    ]
    url = reverse("programme_application_feedback", args=[app.pk])
    login(client, rv["users"]["enterprise"])
    page = client.get(url).content.decode()
    assert "专家1" in page and "方案可行" in page and not any(n in page for n in names)
    login(client, rv["staff"])
    page = client.get(url).content.decode()
    assert all(n in page for n in names)
    for role in ("district", "institute", "expert"):
        login(client, rv["users"][role])
        assert client.get(url).status_code == 404


def test_declared_conflict_needs_a_reason_and_closes_the_application(client, rv):
    rnd = open_round(rv)
    seat = review.seats(rnd).select_related("expert__user", "item__programme_entry").first()
    entry = seat.item.programme_entry
    login(client, seat.expert.user)
    client.post(reverse("programme_review_declare", args=[entry.pk]), {"conflict": "1", "note": ""})
    seat.refresh_from_db()
    assert seat.declaration == "pending"
    client.post(
        reverse("programme_review_declare", args=[entry.pk]), {"conflict": "1", "note": "曾参与该项目"}
    )
    seat.refresh_from_db()
    assert seat.declaration == "conflict"
    response = client.get(reverse("programme_review_score", args=[entry.pk]))
    assert response.status_code == 302 and response.url == reverse("programme_my_reviews")
    assert rv["staff"].notifications.filter(title__contains="声明回避").exists()
