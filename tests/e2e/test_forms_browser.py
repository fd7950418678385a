"""Forms a civil servant can fill: a challenge's edit page keeps its dates and saves as it is; an
irreversible step asks first, and 取消 changes nothing."""

import pytest

from kechuang.programs.models import Challenge
from kechuang.programs.services import challenges as svc
from tests import factories as f
from tests.e2e.conftest import sign_in
from tests.programs.test_challenges_helpers import make_chal, terms

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_edit_a_challenge_keeps_its_dates_and_posting_asks_first(page, city):
    chal = make_chal(city)
    challenge = svc.save_challenge(chal["staff"], terms("horse_race"))
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/challenges/{challenge.pk}/edit/")
    assert page.input_value("#id_deadline") == challenge.deadline.isoformat()
    assert page.input_value("#id_gate_on") == challenge.gate_on.isoformat()
    page.fill("#id_title", "改过名称的榜单")
    page.click("[data-testid=save-challenge]")
    challenge.refresh_from_db()
    assert challenge.title == "改过名称的榜单" and challenge.deadline == terms()["deadline"]

    # 发榜 cannot be undone: the dialog says so, and 取消 leaves the challenge a draft.
    page.goto(f"/programs/challenges/{challenge.pk}/")
    page.click("[data-testid=post-challenge]")
    dialog = page.get_by_test_id("confirm-dialog")
    dialog.wait_for(state="visible")
    assert "不能撤回为草稿" in dialog.inner_text()
    page.click("[data-testid=confirm-cancel]")
    dialog.wait_for(state="hidden")
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.DRAFT
    page.click("[data-testid=post-challenge]")
    page.click("[data-testid=confirm-ok]")
    assert page.inner_text("[data-testid=challenge-status]") == "揭榜中"
