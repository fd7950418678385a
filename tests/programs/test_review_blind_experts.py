"""Blind review holds on the experts app's own pages too: the seat list and the item page show
neither the applicant nor the team when the call reviews blind, and do when it does not."""

import pytest
from django.urls import reverse

from kechuang.programs.models import Call
from kechuang.programs.services import review
from tests.programs.test_review_fixtures import open_round, rv_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _pages(client, rv):
    rnd = open_round(rv)
    seat = (
        review.seats(rnd)
        .select_related("expert__user", "item__programme_entry__application__applicant")
        .first()
    )
    app = seat.item.programme_entry.application
    client.force_login(seat.expert.user)
    review.declare(seat.expert.user, seat, conflict=False)
    listing = client.get(reverse("expert_my_assignments")).content.decode()
    item = client.get(reverse("expert_my_item", args=[seat.pk])).content.decode()
    return app, listing, item


@pytest.mark.parametrize("blind", [True, False])
def test_expert_pages_follow_the_calls_blind_option(client, rv, blind):
    Call.objects.filter(pk=rv["call"].pk).update(blind_review=blind)
    app, listing, item = _pages(client, rv)
    for page in (listing, item):
        assert (app.applicant.name in page) is not blind
    assert (app.form_data["leader"] in item) is not blind
    assert app.title in listing and app.title in item
