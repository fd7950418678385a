"""API tokens expire and record their last use; signed-in sessions can be listed and ended."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kechuang.core.api_auth import issue_token
from kechuang.core.models import ApiToken, UserSession
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def _api(token):
    return Client().get("/api/enterprises/", headers={"authorization": f"Bearer {token}"})


# -------------------------------------------------------------------------------------------- tokens


def test_a_token_expires_after_the_settings_default(city, settings):
    settings.KECHUANG_API_TOKEN_DAYS = 30
    issue_token(city["users"]["staff"], "sync")
    token = ApiToken.objects.get()
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)


def test_an_expired_token_is_refused_with_a_clear_json_error(city):
    token = issue_token(city["users"]["staff"], "sync", days=1)
    assert _api(token).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = _api(token)
    assert refused.status_code == 401
    assert "过期" in refused.json()["detail"] and "重新签发" in refused.json()["detail"]


def test_last_use_is_written_at_most_once_a_minute(city):
    token = issue_token(city["users"]["staff"], "sync")
    assert ApiToken.objects.get().last_used_at is None
    _api(token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    _api(token)
    assert ApiToken.objects.get().last_used_at == first  # within the minute: no write
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    _api(token)
    assert ApiToken.objects.get().last_used_at > first - dt.timedelta(minutes=1)


def test_the_command_issues_with_days_and_lists_the_expiry(city, capsys):
    call_command("tokens", "issue", "staff_u", "--name", "同步", "--days", "7")
    token = ApiToken.objects.get()
    assert (token.expires_at - timezone.now()).days == 6
    call_command("tokens", "list")
    assert f"有效至 {timezone.localtime(token.expires_at):%Y-%m-%d}"[:8] in capsys.readouterr().out
    with pytest.raises(CommandError, match="--days"):
        call_command("tokens", "issue", "staff_u", "--name", "x", "--days", "0")


# ------------------------------------------------------------------------------------------ sessions


def _signed_in(username, address="10.0.0.1", agent="Mozilla/5.0 TestBrowser"):
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    assert client.post(LOGIN, {"username": username, "password": f.PASSWORD}).status_code == 302
    client.get("/")
    return client


def test_my_sessions_lists_each_browser_with_its_address(city):
    office = _signed_in("staff_u", "10.0.0.1", "Office PC Chrome")
    _signed_in("staff_u", "10.0.0.2", "Laptop Firefox")
    _signed_in("leader_u", "10.0.0.3", "Leader")
    page = office.get("/account/sessions/").content.decode()
    assert "Office PC Chrome" in page and "Laptop Firefox" in page and "Leader" not in page
    assert "10.0.0.2" in page and "当前会话" in page and "退出此会话" in page


def test_activity_is_written_at_most_once_a_minute(city):
    client = _signed_in("staff_u")
    row = UserSession.objects.get()
    UserSession.objects.update(last_activity=row.last_activity - dt.timedelta(seconds=30))
    client.get("/")
    assert UserSession.objects.get().last_activity == row.last_activity - dt.timedelta(seconds=30)


def test_ending_another_session_signs_that_browser_out(city):
    office = _signed_in("staff_u", "10.0.0.1")
    laptop = _signed_in("staff_u", "10.0.0.2")
    key = laptop.session.session_key
    response = office.post("/account/sessions/end/", {"session": key})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 302  # back to the sign-in page
    assert office.get("/").status_code == 200
    assert not UserSession.objects.filter(session_key=key).exists()


def test_nobody_ends_someone_elses_session_from_their_own_page(city):
    victim = _signed_in("leader_u")
    other = _signed_in("staff_u")
    other.post("/account/sessions/end/", {"session": victim.session.session_key})
    assert victim.get("/").status_code == 200


def test_an_admin_sees_and_ends_a_users_sessions(city):
    laptop = _signed_in("district_u", "10.0.0.9", "Lost laptop")
    admin = Client()
    admin.force_login(city["users"]["admin"])
    target = city["users"]["district"]
    page = admin.get(f"/users/{target.pk}/").content.decode()
    assert "Lost laptop" in page and "10.0.0.9" in page
    admin.post(f"/users/{target.pk}/sessions/end/", {"session": laptop.session.session_key})
    assert laptop.get("/").status_code == 302


def test_someone_who_cannot_manage_the_user_cannot_end_their_session(city):
    laptop = _signed_in("staff_u")
    district = Client()
    district.force_login(city["users"]["district"])
    target = city["users"]["staff"]
    response = district.post(f"/users/{target.pk}/sessions/end/", {"session": laptop.session.session_key})
    assert response.status_code in (302, 403)
    assert laptop.get("/").status_code == 200
