"""A district officer signs in, browses the registry and opens a profile with its charts."""

from decimal import Decimal

import pytest

from kechuang.enterprises import services
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_district_staff_browse_and_profile_chart(page, city):
    f.facts(city["e1"], 2023, revenue=Decimal("25000000"), rd_expense=Decimal("1000000"))
    f.facts(city["e1"], 2024, revenue=Decimal("30000000"), rd_expense=Decimal("1800000"))
    services.recompute_labels()
    sign_in(page, "district_u", f.PASSWORD)
    assert "张店区" in page.inner_text("[data-testid=whoami]")
    page.click("text=企业库")
    table = page.locator("[data-testid=enterprise-table]")
    assert "淄博甲科技有限公司" in table.inner_text()
    assert "淄博乙材料有限公司" not in table.inner_text()
    page.click("text=淄博甲科技有限公司")
    page.wait_for_selector("[data-testid=chart-money][data-rendered='1'] canvas")
    assert "2023" in page.inner_text("[data-testid=facts-table]")
