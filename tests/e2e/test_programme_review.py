"""Staff open a review round for a closed call, draw its panel on the experts pages and lock it, and
start scoring; an expert declares no conflict and scores; staff close the round and see the results."""

import pytest

from kechuang.programs.models import Application, ReviewRound
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.experts import builders as b
from tests.programs.test_review_fixtures import make_call

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_round_panel_scores_and_results(page, city):
    staff = city["users"]["staff"]
    call = make_call(staff, n_apps=2)
    reviewer = f.user(f.Role.EXPERT, "reviewer_a", display_name="评审专家甲")
    b.expert(city["zc"], name="评审专家甲", field=0, user=reviewer)
    b.expert(city["zc"], name="评审专家乙", field=1, user=f.user(f.Role.EXPERT, "reviewer_b"))

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/programs/reviews/")
    page.click("[data-testid=new-round]")
    page.fill("#id_name", "网络评审")
    page.click("[data-testid=create-round]")
    assert page.inner_text("[data-testid=round-status]") == "准备中"
    page.select_option("#id_rule", "optimal")
    page.fill("#id_per_item", "1")
    page.fill("#id_max_load", "1")
    page.fill("#id_reserves", "0")
    page.click("[data-testid=draw-panel]")
    # On the experts app's page: run the selection and lock it.
    page.click("[data-testid=run-round]")
    page.wait_for_selector("[data-testid=panels]")
    click_confirmed(page, "lock-round")
    assert page.inner_text("[data-testid=round-status]") == "已锁定"
    rnd = ReviewRound.objects.get(call=call)
    page.goto(f"/programs/reviews/{rnd.pk}/")
    assert page.inner_text("[data-testid=selection-status]") == "已锁定"
    page.click("[data-testid=open-round]")
    assert page.inner_text("[data-testid=round-status]") == "评分中"
    assert "已提交评分 0 / 2 份" in page.inner_text("[data-testid=progress]")
    page.click("button:has-text('退出')")

    sign_in(page, "reviewer_a", f.PASSWORD)
    page.goto("/programs/reviews/mine/")
    assert page.locator("[data-testid=my-review]").count() == 1
    page.click("[data-testid=declare-no-conflict]")
    page.fill("#id_score_innovation", "11")
    page.fill("#id_score_feasibility", "8")
    page.fill("#id_score_team", "7")
    page.fill("#id_score_benefit", "9")
    page.fill("#id_comment", "成果转化路径清晰，建议支持。")
    # The browser refuses 11 (max 10) itself; the server's rule is checked in the page tests.
    page.fill("#id_score_innovation", "9")
    click_confirmed(page, "submit-review")
    assert "已提交" in page.inner_text("[data-testid=review-state]")
    page.click("button:has-text('退出')")

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/reviews/{rnd.pk}/")
    assert "已提交评分 1 / 2 份" in page.inner_text("[data-testid=progress]")
    click_confirmed(page, "close-round")
    assert "须说明理由" in page.inner_text("main")
    page.fill("#id_close_reason", "另一位专家因病无法评审")
    click_confirmed(page, "close-round")
    assert page.inner_text("[data-testid=round-status]") == "已结束"
    results = page.inner_text("[data-testid=results]")
    assert "83.50" in results and "0.00" in results  # one review: spread 0, not a blank
    assert page.locator("[data-testid=result-row]").count() == 2
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {"reviewed"}
