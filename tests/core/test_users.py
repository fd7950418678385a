"""User management: who manages whom, every rule of an account's terms (a refusal writes nothing),
deactivation ending sessions and tokens, the one-time password link, and the audit of each change;
then the pages through the Django client."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kechuang.core.api_auth import issue_token
from kechuang.core.models import ApiToken, Organisation, Role, Section, User
from kechuang.core.users import services as svc
from tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/programmes/awards"
NEW_PASSWORD = "Zibo-Keji-Xin-2027"


@pytest.fixture
def people(city):
    section = Section.objects.create(code="high_tech", name="高新技术发展及产业化科")
    return {**city, "section": section, **city["users"]}


def snapshot():
    return (
        list(User.objects.order_by("pk").values()),
        User.history.count(),
        list(ApiToken.objects.order_by("pk").values()),
        Session.objects.count(),
    )


def refused(fn, *args, field=None, exc=ValidationError, **kwargs):
    before = snapshot()
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert snapshot() == before
    if field is not None:
        assert field in info.value.message_dict, info.value.message_dict
    return info.value


def ent_user(people, **extra):
    return {
        "username": "zd_ent_new", "display_name": "孙丽", "email": "sunli@example.cn", "role": Role.ENTERPRISE,
        "organisation": people["e1"].organisation, **extra,
    }  # fmt: skip


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_password_through(link: str, password: str = NEW_PASSWORD) -> Client:
    """Open the one-time link as its owner would and choose ``password``; returns the client."""
    client = Client()
    r = client.get(link)
    assert r.status_code == 302, "the link hides its token behind a redirect"
    r = client.post(r["Location"], {"new_password1": password, "new_password2": password})
    assert r.status_code == 302 and r["Location"] == reverse("password_set_done")
    return client


# ---------------------------------------------------------------------------------- who manages whom


def test_only_administrators_and_district_staff_manage_users(people):
    for who in ("staff", "leader", "enterprise", "institute", "expert"):
        assert not svc.can_manage_users(people[who])
        refused(svc.create_user, people[who], ent_user(people), exc=PermissionDenied)
    assert svc.can_manage_users(people["admin"]) and svc.can_manage_users(people["district"])


def test_district_staff_see_their_district_below_city_level(people):
    zd_ent, zc_ent = people["enterprise"], f.user(Role.ENTERPRISE, organisation=people["e2"].organisation)
    visible = set(svc.managed_users(people["district"]))
    assert visible == {people["district"], zd_ent, people["institute"]}
    assert zc_ent not in visible and people["other_district"] not in visible
    assert set(svc.managed_users(people["admin"])) == set(User.objects.all())


@pytest.mark.parametrize("target", ["staff", "leader", "expert", "other_district", "admin"])
def test_district_staff_cannot_touch_accounts_outside_their_scope(people, target):
    decision = svc.can_manage(people["district"], people[target])
    assert not decision and decision.reason
    refused(svc.deactivate, people["district"], people[target], "调离", exc=PermissionDenied)
    with pytest.raises(PermissionDenied):
        svc.get_user(people["district"], people[target].pk)


def test_nobody_manages_their_own_account(people):
    for who in ("admin", "district"):
        refused(svc.deactivate, people[who], people[who], "试一试", exc=PermissionDenied)
        refused(svc.update_user, people[who], people[who], {"role": Role.ADMIN}, exc=PermissionDenied)


def test_only_a_superuser_manages_a_superuser(people):
    plain_admin = f.user(Role.ADMIN, "plain_admin")
    assert not svc.can_manage(plain_admin, people["admin"])
    assert svc.can_manage(people["admin"], plain_admin)


# ------------------------------------------------------------------------------------------ creating


def test_admin_creates_bureau_staff_with_a_section(people):
    admin = people["admin"]
    user = svc.create_user(
        admin,
        {
            "username": "staff_new",
            "display_name": "周敏",
            "role": Role.BUREAU_STAFF,
            "section": people["section"],
        },
        "新入职",
    )
    assert user.role == Role.BUREAU_STAFF and user.section == people["section"] and user.is_active
    assert not user.has_usable_password()
    record = user.history.get()
    assert record.history_user == admin and record.history_change_reason == "新建账号：新入职"


def test_district_staff_create_users_of_their_district_only(people):
    district = people["district"]
    user = svc.create_user(district, ent_user(people))
    assert user.organisation == people["e1"].organisation and user.district is None
    colleague = svc.create_user(
        district,
        {
            "username": "zd_staff2",
            "display_name": "钱进",
            "role": Role.DISTRICT_STAFF,
            "district": people["zd"],
        },
    )
    assert colleague.district == people["zd"]
    refused(
        svc.create_user, district, ent_user(people, username="zc_ent", organisation=people["e2"].organisation),
        field="organisation",
    )  # fmt: skip
    refused(
        svc.create_user, district,
        {"username": "zc_staff", "display_name": "李", "role": Role.DISTRICT_STAFF, "district": people["zc"]},
        field="district",
    )  # fmt: skip
    for role in (Role.BUREAU_STAFF, Role.LEADER, Role.ADMIN, Role.EXPERT):
        refused(
            svc.create_user, district, {"username": "x1", "display_name": "某", "role": role}, field="role"
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "有 空格"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"username": "ENT_U"}, "username"),  # taken, whatever the case
        ({"display_name": "  "}, "display_name"),
        ({"email": "not-an-address"}, "email"),
        ({"role": "boss"}, "role"),
        ({"organisation": None}, "organisation"),
        ({"role": Role.INSTITUTE}, "organisation"),  # an enterprise is not an institute
        ({"section": "SECTION"}, "section"),  # sections are the city bureau's
        ({"district": "ZD"}, "district"),  # an enterprise user's district is its organisation's
        ({"role": Role.EXPERT}, "organisation"),  # experts belong to no organisation here
    ],
)
def test_account_rules(people, change, field):
    values = {"SECTION": people["section"], "ZD": people["zd"]}
    data = ent_user(people, **{k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    refused(svc.create_user, people["admin"], data, field=field)


def test_district_staff_need_a_district(people):
    refused(
        svc.create_user, people["admin"], {"username": "d2", "display_name": "某", "role": Role.DISTRICT_STAFF},
        field="district",
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- editing


def test_edit_changes_role_and_scope_and_keeps_the_user_name(people):
    target = svc.create_user(people["admin"], ent_user(people))
    user = svc.update_user(
        people["admin"], target,
        {"username": "renamed", "role": Role.DISTRICT_STAFF, "organisation": None, "district": people["zd"]},
        "调任区县科技局",
    )  # fmt: skip
    assert (user.username, user.role, user.district, user.organisation) == (
        "zd_ent_new", Role.DISTRICT_STAFF, people["zd"], None,
    )  # fmt: skip
    latest = svc.history_rows(user)[0]
    assert latest["actor"] == people["admin"] and latest["reason"] == "修改账号信息：调任区县科技局"
    changes = {c["field"]: (c["before"], c["after"]) for c in latest["changes"]}
    assert changes["角色"] == ("企业用户", "区县科技局工作人员")
    assert changes["区县"] == ("—", "张店区")
    assert changes["所属机构"] == ("淄博甲科技有限公司", "—")


def test_district_staff_cannot_promote_beyond_their_roles(people):
    refused(
        svc.update_user, people["district"], people["enterprise"], {"role": Role.BUREAU_STAFF}, field="role"
    )


# ------------------------------------------------------------------------------- deactivate and back


def test_deactivation_ends_sessions_revokes_tokens_and_is_audited(people):
    target = people["enterprise"]
    browser = signed_in(target)
    token = issue_token(target, "对接系统")
    api = Client(headers={"authorization": f"Bearer {token}"})
    assert api.get(API).status_code == 200
    other = signed_in(people["staff"])
    refused(svc.deactivate, people["district"], target, "  ", field="reason")

    svc.deactivate(people["district"], target, "企业已注销")
    target.refresh_from_db()
    assert not target.is_active
    assert browser.get(reverse("home")).status_code == 302  # back to the sign-in page
    assert api.get(API).status_code == 401
    assert ApiToken.objects.get(user=target).revoked_at is not None
    assert other.get(reverse("home")).status_code == 200  # nobody else is signed out
    record = target.history.latest("history_date")
    assert record.history_user == people["district"]
    assert record.history_change_reason == "停用账号：企业已注销（结束登录会话1个，作废接口令牌1个）"
    refused(svc.deactivate, people["district"], target, "再次", field="is_active")


def test_reactivation_needs_a_reason_and_leaves_tokens_revoked(people):
    target = people["enterprise"]
    issue_token(target, "对接系统")
    svc.deactivate(people["admin"], target, "暂停")
    refused(svc.reactivate, people["admin"], target, "", field="reason")
    svc.reactivate(people["admin"], target, "恢复使用")
    target.refresh_from_db()
    assert target.is_active and target.check_password(f.PASSWORD)
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    assert Client().post("/login/", {"username": "ent_u", "password": f.PASSWORD}).status_code == 302


# ------------------------------------------------------------------------------ the one-time link


def test_a_new_user_sets_a_password_through_the_link_once(people):
    user = svc.create_user(people["district"], ent_user(people))
    link = svc.password_link(user)
    client = set_password_through(link)
    assert client.post("/login/", {"username": "zd_ent_new", "password": NEW_PASSWORD}).status_code == 302
    again = Client().get(link, follow=True)
    assert "该链接无效" in again.content.decode()
    rows = svc.history_rows(user)  # the sign-in's own row (last_login) is left out
    assert [r["reason"] for r in rows] == ["本人通过一次性链接设置密码", "新建账号"]
    assert rows[0]["actor"] == user and rows[1]["actor"] == people["district"]


def test_the_link_refuses_a_weak_password(people):
    user = svc.create_user(people["admin"], ent_user(people))
    client = Client()
    url = client.get(svc.password_link(user))["Location"]
    r = client.post(url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert r.status_code == 200 and not User.objects.get(pk=user.pk).has_usable_password()


def test_reset_voids_the_old_password_and_sessions_and_lifts_a_lock_out(people):
    target = people["district"]
    browser = signed_in(target)
    attacker = Client()
    for attempt in range(5):
        attacker.post("/login/", {"username": "district_u", "password": f"wrong-{attempt}"})
    assert attacker.post("/login/", {"username": "district_u", "password": f.PASSWORD}).status_code == 429
    refused(svc.reset_password, people["admin"], target, "", field="reason")

    user = svc.reset_password(people["admin"], target, "本人遗忘密码")
    assert not user.check_password(f.PASSWORD)
    assert browser.get(reverse("home")).status_code == 302
    assert user.history.latest("history_date").history_change_reason == "重置密码：本人遗忘密码"
    set_password_through(svc.password_link(user))
    assert Client().post("/login/", {"username": "district_u", "password": NEW_PASSWORD}).status_code == 302


def test_a_link_dies_with_a_deactivation_even_after_reactivation(people):
    user = svc.create_user(people["admin"], ent_user(people))
    link = svc.password_link(user)
    svc.deactivate(people["admin"], user, "开错了")
    assert "该链接无效" in Client().get(link, follow=True).content.decode()
    svc.reactivate(people["admin"], user, "重新开通")
    assert "该链接无效" in Client().get(link, follow=True).content.decode()
    set_password_through(svc.password_link(User.objects.get(pk=user.pk)))


def test_no_reset_for_a_stopped_account(people):
    svc.deactivate(people["admin"], people["enterprise"], "暂停")
    refused(svc.reset_password, people["admin"], people["enterprise"], "忘记密码", field="is_active")


# ------------------------------------------------------------------------------------------- pages


def test_the_menu_shows_user_management_to_managers_only(people):
    for who, shown in (("admin", True), ("district", True), ("staff", False), ("enterprise", False)):
        html = signed_in(people[who]).get(reverse("home")).content.decode()
        assert ('href="/users/"' in html) is shown, who


def test_list_is_scoped_and_filtered(people):
    client = signed_in(people["district"])
    html = client.get(reverse("user_list")).content.decode()
    assert "ent_u" in html and "inst_u" in html and "staff_u" not in html and "district_zc" not in html
    html = client.get(reverse("user_list"), {"role": Role.INSTITUTE}).content.decode()
    assert "inst_u" in html and "ent_u" not in html
    html = (
        signed_in(people["admin"]).get(reverse("user_list"), {"district": people["zc"].pk}).content.decode()
    )
    assert "district_zc" in html and "district_u" not in html
    assert signed_in(people["staff"]).get(reverse("user_list")).status_code == 403


def test_create_through_the_page_shows_the_link_once(people):
    client = signed_in(people["district"])
    form = {
        "username": "zd_ent_new", "display_name": "孙丽", "email": "", "role": Role.ENTERPRISE,
        "district": "", "organisation": people["e2"].organisation.uscc, "reason": "企业申请开通",
    }  # fmt: skip
    r = client.post(reverse("user_new"), form)
    assert r.status_code == 200 and "未找到统一社会信用代码或全称" in r.content.decode()
    assert not User.objects.filter(username="zd_ent_new").exists()
    r = client.post(reverse("user_new"), {**form, "organisation": "淄博甲科技有限公司"})
    html = r.content.decode()
    assert r.status_code == 200 and "账号已创建" in html and "http://testserver/users/password/" in html
    user = User.objects.get(username="zd_ent_new")
    assert user.organisation == people["e1"].organisation
    link = html.split('value="http://testserver')[1].split('"')[0]
    set_password_through(link)


def test_edit_and_actions_through_the_pages(people):
    client = signed_in(people["admin"])
    target = people["enterprise"]
    url = reverse("user_edit", args=[target.pk])
    html = client.get(url).content.decode()
    assert people["e1"].organisation.uscc in html and 'name="username"' not in html
    r = client.post(url, {"display_name": "王芳", "email": "", "role": Role.ENTERPRISE, "organisation": people["e1"].organisation.uscc, "reason": "更正姓名"})  # fmt: skip
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.display_name == "王芳"
    r = client.post(reverse("user_action", args=[target.pk, "deactivate"]), {"reason": ""}, follow=True)
    assert "请填写停用账号的原因" in r.content.decode()
    r = client.post(reverse("user_action", args=[target.pk, "deactivate"]), {"reason": "离职"}, follow=True)
    html = r.content.decode()
    assert "账号已停用" in html and "停用账号：离职" in html and "更正姓名" in html
    r = client.post(reverse("user_action", args=[target.pk, "reactivate"]), {"reason": "返岗"}, follow=True)
    assert "账号已启用" in r.content.decode()
    r = client.post(reverse("user_action", args=[target.pk, "reset"]), {"reason": "忘记密码"})
    assert "密码已重置" in r.content.decode() and "/users/password/" in r.content.decode()


def test_a_district_page_refuses_other_districts_users(people):
    client = signed_in(people["district"])
    other = people["other_district"]
    assert client.get(reverse("user_detail", args=[other.pk])).status_code == 403
    assert (
        client.post(reverse("user_action", args=[other.pk, "deactivate"]), {"reason": "x"}).status_code == 403
    )
    other.refresh_from_db()
    assert other.is_active


def test_own_page_offers_no_actions(people):
    html = signed_in(people["admin"]).get(reverse("user_detail", args=[people["admin"].pk])).content.decode()
    assert "不能在用户管理中修改本人账号" in html and 'data-testid="deactivate"' not in html


def test_organisation_lookup_is_scoped(people):
    uni = people["uni"]
    assert svc.find_organisation(people["district"], "山东理工大学") == uni
    assert svc.find_organisation(people["district"], people["e2"].organisation.uscc) is None
    assert (
        svc.find_organisation(people["admin"], people["e2"].organisation.uscc.lower())
        == people["e2"].organisation
    )
    Organisation.objects.create(name="山东理工大学", kind=Organisation.Kind.INSTITUTE, district=people["zc"])
    assert (
        svc.find_organisation(people["admin"], "山东理工大学") is None
    )  # two of that name: ask for the code
