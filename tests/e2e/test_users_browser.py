"""User management in the browser: a district bureau opens an account for an enterprise of its
district, its owner sets a password through the one-time link and signs in; the bureau then stops
the account and the owner is signed out at once."""

import pytest

from kechuang.core.models import User
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Zibo-Qiye-Mima-2027"


def test_district_opens_and_stops_an_enterprise_account(page, browser, live_server, city):
    sign_in(page, "district_u", f.PASSWORD)
    page.click("[data-testid=nav-users]")
    page.click("[data-testid=new-user]")
    page.fill("#id_username", "zd_jia_01")
    page.fill("#id_display_name", "孙丽")
    page.select_option("#id_role", "enterprise")
    page.fill("#id_organisation", city["e1"].organisation.uscc)
    page.fill("#id_reason", "企业申请开通")
    page.click("[data-testid=save-user]")
    assert "账号已创建" in page.inner_text("h1")
    link = page.input_value("[data-testid=password-link]")
    assert link.startswith(live_server.url + "/users/password/")

    owner = browser.new_context(base_url=live_server.url, locale="zh-CN")
    mine = owner.new_page()
    mine.goto(link)
    mine.fill("#id_new_password1", PASSWORD)
    mine.fill("#id_new_password2", PASSWORD)
    mine.click("[data-testid=set-password]")
    mine.click("[data-testid=to-login]")
    sign_in(mine, "zd_jia_01", PASSWORD)
    assert "企业用户" in mine.inner_text("[data-testid=whoami]")

    page.goto("/users/")
    page.click("text=zd_jia_01")
    page.click("[data-testid=deactivate-box] summary")
    page.fill("[data-testid=deactivate-reason]", "企业已注销")
    page.click("[data-testid=deactivate]")
    assert page.inner_text("[data-testid=user-status]") == "已停用"
    assert "停用账号：企业已注销" in page.inner_text("[data-testid=user-history]")
    assert not User.objects.get(username="zd_jia_01").is_active

    mine.reload()
    assert "/login/" in mine.url
    owner.close()
