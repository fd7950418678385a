"""The demo step: experts, linked demo accounts and a review round a newcomer can draw at once."""

import io

import pytest
from django.core.management import call_command

from kechuang.core.models import User
from kechuang.experts import services
from kechuang.experts.models import Expert, SelectionRound


@pytest.fixture
def demo_city(db):
    call_command("demo", stdout=io.StringIO(), enterprises=60, seed=5)


def test_demo_round_draws(demo_city):
    assert Expert.objects.count() == 150
    linked = Expert.objects.filter(user__username__in=[f"expert{k}" for k in range(1, 6)])
    assert linked.count() == 5 and all(e.selectable for e in linked)
    # The programmes demo draws its own review panels; this is the experts demo's stand-alone round.
    rnd = SelectionRound.objects.get(programme_round__isnull=True)
    assert rnd.items.count() == 20 and rnd.status == SelectionRound.Status.DRAFT
    staff = User.objects.filter(username__startswith="staff_").first()
    services.start_run(staff, rnd)
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.DONE, rnd.messages
    assert rnd.assignments.filter(reserve=False).count() == 100
    codes = {d["code"] for c in rnd.conflicts.all() for d in c.codes}
    assert {"conflict_applicant_org", "conflict_collaborator", "conflict_declared"} <= codes
    assert services.replay_latest(rnd)["ok"]
