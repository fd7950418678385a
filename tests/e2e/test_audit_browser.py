"""The audit page in the browser: staff export the enterprise list, an administrator finds that
export by user and date in the audit, pages through it and downloads the audit itself."""

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core.models import AccessLog
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_finds_an_export_in_the_audit_and_downloads_it(page, browser, live_server, city, tmp_path):
    staff = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    sign_in(staff, "staff_u", f.PASSWORD)
    staff.goto(f"/enterprises/?district={city['zc'].pk}")
    with staff.expect_download():
        staff.click("text=导出Excel")
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT, user=city["users"]["staff"]).count() == 1

    sign_in(page, "admin_u", f.PASSWORD)
    page.click("[data-testid=nav-users]")
    page.click("[data-testid=audit-link]")
    page.fill("#id_user", "staff_u")
    page.fill("#id_start", timezone.localdate().isoformat())
    page.fill("#id_end", timezone.localdate().isoformat())
    page.click("button:has-text('查询')")
    rows = page.locator("[data-testid=audit-row]")
    texts = rows.all_inner_texts()
    export = next(t for t in texts if "企业名录" in t)
    assert "导出" in export and "区县：淄川区" in export and "1行" in export
    assert any("登录系统" in t for t in texts)  # the staff member's sign-in, from the same search

    with page.expect_download() as download:
        page.click("[data-testid=audit-export]")
    download.value.save_as(tmp_path / "audit.xlsx")  # openpyxl goes by the file's extension
    sheet = load_workbook(tmp_path / "audit.xlsx").active
    assert [c.value for c in sheet[1]][:4] == ["时间", "用户", "类型", "内容"]
    assert sheet.max_row == len(texts) + 1
    staff.context.close()
