"""An enterprise sees its policy package with its gaps; staff publish a new version and see coverage."""

from decimal import Decimal

import pytest

from kechuang.policies import services
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.policies.conftest import POLICY_YAML

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(city):
    f.facts(city["e1"], 2025, revenue=Decimal("30000000"), rd_expense=Decimal("1200000"), dishonest=False)
    f.facts(city["e2"], 2025, revenue=Decimal("30000000"), rd_expense=Decimal("1800000"), dishonest=False)
    staff = city["users"]["staff"]
    version = services.save_draft(staff, policy=None, yaml_text=POLICY_YAML, auto_grant=False)
    services.publish(staff, version)  # transactional test: the queued run executes on commit
    return {**city, "policy": version.policy}


def test_enterprise_sees_its_package_with_gaps(page, published):
    sign_in(page, "ent_u", f.PASSWORD)
    page.click("text=我的政策包 >> nth=0")
    near = page.locator("[data-testid=package-near] [data-policy=rd_voucher]")
    assert near.get_attribute("data-status") == "ineligible"
    gaps = near.locator("[data-testid=gaps]").inner_text()
    assert "研发投入强度 4.00%" in gaps and "5%" in gaps
    assert "还差 1.00 个百分点" in near.locator("[data-testid=gap]").inner_text()
    assert page.locator("[data-testid=package-eligible] [data-testid=package-item]").count() == 0


def test_staff_publish_a_new_version_and_see_coverage(page, published):
    sign_in(page, "staff_u", f.PASSWORD)
    page.click("nav >> text=政策库")
    page.click("[data-testid=policy-table] >> text=研发投入后补助")
    page.click("[data-testid=new-version]")
    page.fill("#id_version", "2026.1")
    page.fill("#id_note", "门槛由5%下调至4%")
    row = page.locator("[data-param=min_intensity]")
    row.locator("input[name=p_min_intensity_value]").fill("4")
    row.locator("input[name=p_min_intensity_from]").fill("2025-01-01")
    row.locator("input[name=p_min_intensity_reference]").fill("淄科发〔2026〕2号 第三条")
    page.fill("[data-condition=intensity] input[name=c_intensity_text]", "研发费用占营业收入比例不低于4%")
    page.click("text=保存草稿并预览")
    assert page.inner_text("[data-testid=version-status]") == "草稿"
    assert page.inner_text("[data-testid=preview-eligible]") == "2"
    assert "不低于4%" in page.inner_text("[data-testid=conditions-table]")
    click_confirmed(page, "publish")
    page.wait_for_selector("[data-testid=policy-run][data-status=done]")
    page.reload()
    page.wait_for_selector("[data-testid=coverage-chart][data-rendered='1'] canvas")
    table = page.locator("[data-testid=coverage-table]")
    assert table.locator("[data-district=张店区] [data-testid=eligible]").inner_text() == "1"
    assert table.locator("[data-district=淄川区] [data-testid=eligible]").inner_text() == "1"
    assert "淄博甲科技有限公司" in page.inner_text("[data-testid=eligible-table]")
    page.click("text=研发投入后补助 >> nth=0")
    assert "已停用" in page.inner_text("[data-testid=versions-table]")
