"""The ladder's main journey: a district nominates a near-miss firm, the city admits it, a coaching
visit is logged, the province's certificate list is imported and the firm's profile shows the rung."""

import pytest

from tests import factories as f
from tests.cultivation.ladder_support import YEAR, build, xlsx
from tests.e2e.conftest import click_confirmed, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lc(city):
    return build(city)


def test_near_miss_nominated_admitted_coached_and_certified(page, lc):
    e1 = lc["e1"]
    sign_in(page, "district_u", f.PASSWORD)
    page.click("nav >> text=梯次培育")
    page.click("[data-testid=tab-near]")
    row = page.locator(f"[data-testid=near-{e1.pk}]")
    assert "近三年研发费用占销售收入比例" in row.inner_text()
    assert page.locator(f"[data-testid=near-{lc['e2'].pk}]").count() == 0  # another district's firm
    page.click(f"[data-testid=nominate-{e1.pk}]")
    pool_row = page.locator(f"[data-testid=candidate-{e1.pk}]")
    assert "储备（待市局审核）" in pool_row.inner_text()
    page.click("[data-testid=sign-out]")

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/cultivation/ladder/pool/")
    page.click(f"[data-testid=candidate-{e1.pk}] >> text={e1.name}")
    click_confirmed(page, "admit")
    assert page.inner_text("[data-testid=candidate-status]") == "培育中"
    page.select_option("#id_kind", "visit")
    page.fill("#id_note", "上门辅导研发费用辅助账")
    page.click("[data-testid=log-action]")
    assert "上门辅导研发费用辅助账" in page.inner_text("[data-testid=actions-table]")
    history = page.inner_text("[data-testid=history-table]")
    assert "储备（待市局审核） → 培育中" in history

    page.goto("/cultivation/ladder/rungs/import/")
    page.select_option("#id_kind", "high_tech_certificates")
    data = xlsx(
        [
            ["统一社会信用代码", "企业名称", "证书编号", "发证日期"],
            [e1.uscc, e1.name, "GR202537000088", f"{YEAR}-11-20"],
        ]
    )
    page.set_input_files(
        "#id_file",
        {"name": "高企名单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": data},
    )  # fmt: skip
    page.click("[data-testid=import-submit]")
    assert "培育库中 1 家企业随之登记为已认定" in page.inner_text("[data-testid=import-summary]")

    page.goto(f"/enterprises/{e1.pk}/")
    section = page.locator("[data-testid=ladder-section]")
    assert section.locator(f"[data-testid=rung-{YEAR}-high_tech]").count() == 1
    text = section.inner_text()
    assert "GR202537000088" in text and "已认定" in text and "上门辅导研发费用辅助账" in text
