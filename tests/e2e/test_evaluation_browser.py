"""Staff score the city, run a leading-enterprise selection (bring in an alternate with a reason) and
publish it; the enterprise then sees its portrait, with the radar drawn, on its own profile."""

import pytest

from tests import factories as f
from tests.cultivation.test_evaluation_data import Y, build
from tests.e2e.conftest import click_confirmed, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_select_and_publish_then_enterprise_sees_its_portrait(page, city):
    data = build(city)
    data["high_growth"].runs.all().delete()
    sign_in(page, "staff_u", f.PASSWORD)
    page.click("text=企业评价")
    page.select_option("#id_system", str(data["high_growth"].pk))
    page.fill("#id_year", str(Y))
    page.click("[data-testid=run-evaluation]")
    table = page.locator("[data-testid=score-table]")
    assert "淄博甲科技有限公司" in table.inner_text()

    page.click("[data-testid=tab-selections]")
    form = page.locator("[data-testid=round-form]")
    form.locator("#id_system").select_option(str(data["system"].pk))
    form.locator("#id_year").fill(str(Y))
    form.locator("#id_top_n").fill("3")
    page.click("[data-testid=create-round]")
    page.wait_for_selector("[data-testid=entries]")
    assert "待确认" in page.inner_text("[data-testid=round-status]")

    alternate = data["ents"][4]  # certified, but below the proposed three
    row = page.locator(f"[data-testid='entry-{alternate.name}']")
    row.locator("button[value=include]").click()
    assert "调整系统建议名单须填写理由" in page.inner_text("body")
    row = page.locator(f"[data-testid='entry-{alternate.name}']")
    row.locator("input[name=reason]").fill("承担省级重大科技创新工程项目")
    row.locator("button[value=include]").click()
    assert (
        "承担省级重大科技创新工程项目" in page.locator(f"[data-testid='entry-{alternate.name}']").inner_text()
    )
    page.click("[data-testid=confirm-all]")
    click_confirmed(page, "publish-round")
    page.wait_for_selector("[data-testid=round-status]:has-text('已发布')")

    page.context.clear_cookies()
    sign_in(page, "ent_u", f.PASSWORD)
    page.goto(f"/enterprises/{city['e1'].pk}/")
    page.wait_for_selector("[data-testid=portrait-radar] canvas")
    portrait = page.inner_text("[data-testid=portrait]")
    assert "第1名" in portrait and "高于同行业中位水平" in portrait
