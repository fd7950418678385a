"""Experts approved in the expert database are recommended for enterprises' demands (issue 4: "for a
demand, the best achievements and experts"), and leave the recommendations when they leave the pool."""

import pytest

from kechuang.experts import services as expert_services
from kechuang.experts.models import Expert
from kechuang.matching.models import Match
from tests.experts import builders

pytestmark = pytest.mark.django_db


def test_approved_expert_is_recommended_for_a_fitting_demand(postings, django_capture_on_commit_callbacks):
    staff = postings["users"]["staff"]
    # builders' field 2 ("精细化工、催化剂、化工工艺") fits d1, the chemical waste-water demand.
    expert = builders.expert(postings["zd"], field=1, status=Expert.Status.PENDING, name="周工程师")
    with django_capture_on_commit_callbacks(execute=True):
        expert_services.review_expert(staff, expert, approve=True)
    recommended = postings["d1"].matches.filter(kind=Match.Kind.DEMAND_EXPERT)
    assert [m.expert.expert_id for m in recommended] == [expert.pk]

    expert.available = False
    with django_capture_on_commit_callbacks(execute=True):
        expert_services.save_profile(staff, expert)
    assert not postings["d1"].matches.filter(kind=Match.Kind.DEMAND_EXPERT).exists()
