"""Issue 2's walk-through: district staff import a file with one bad row, see the report and no
change, fix the row, import again and see the enterprise's profile chart."""

import csv

import pytest

from kechuang.core.models import Organisation
from kechuang.enterprises.template import COLUMNS
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _write(path, revenue_2024: str) -> None:
    uscc = f.make_uscc(9_000_001, area="370303")
    rows = [
        {"uscc": uscc, "name": "淄博导入测试新材料有限公司", "district": "张店区", "registered_on": "2018-04-02",
         "industry_code": "C3985", "year": "2023", "employees": "120", "st_staff": "30", "rd_staff": "18",
         "revenue": "26000000", "total_costs": "22000000", "rd_expense": "1300000", "in_key_field": "是"},
        {"uscc": uscc, "name": "淄博导入测试新材料有限公司", "district": "张店区", "registered_on": "2018-04-02",
         "industry_code": "C3985", "year": "2024", "employees": "135", "st_staff": "34", "rd_staff": "20",
         "revenue": revenue_2024, "total_costs": "25000000", "rd_expense": "1650000", "in_key_field": "是"},
    ]  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_bad_row_refused_then_fixed_file_imported(page, city, tmp_path):
    bad, good = tmp_path / "facts_bad.csv", tmp_path / "facts_fixed.csv"
    _write(bad, "-30000000")
    _write(good, "30000000")
    sign_in(page, "district_u", f.PASSWORD)
    page.click("nav >> text=导入年度数据")

    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-refused]")
    report = page.inner_text("[data-testid=import-report]")
    assert "3" in report and "营业收入" in report and "不能为负数" in report
    assert page.locator("[data-testid=import-report-download]").is_visible()
    assert not Organisation.objects.filter(name="淄博导入测试新材料有限公司").exists()

    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-summary]")
    assert page.inner_text("[data-testid=facts-created]") == "2"
    page.click("[data-testid=import-enterprises] >> text=淄博导入测试新材料有限公司")
    page.wait_for_selector("[data-testid=chart-money][data-rendered='1'] canvas")
    assert "2024" in page.inner_text("[data-testid=facts-table]")
