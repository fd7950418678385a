"""Argon2 password hashing, lock-out after repeated failed sign-ins, CSRF, secure headers."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, get_hasher, make_password
from django.test import Client

from kechuang import settings as production
from kechuang.core.api_auth import issue_token
from kechuang.enterprises.models import YearlyFacts
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ARGON2 = "kechuang.core.hashers.Argon2PasswordHasher"


# ---------------------------------------------------------------------------------------- passwords


def test_argon2_is_the_production_default_hasher(settings):
    # tests/conftest.py swaps in MD5 for speed: judge the settings module itself, then use it.
    assert production.PASSWORD_HASHERS[0] == ARGON2
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert get_hasher().algorithm == "argon2"
    user = f.user(f.Role.BUREAU_STAFF, "argon_u")
    # The measured parameters (benchmarks/argon2_params.py), not Django's 100 MiB default.
    assert user.password.startswith("argon2$argon2id$v=19$m=32768,t=4,p=1$")
    assert user.check_password(f.PASSWORD) and not user.check_password("wrong-password")


def test_an_older_hash_is_upgraded_to_argon2_on_sign_in(settings, client):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = f.user(f.Role.BUREAU_STAFF, "legacy_u")
    user.password = make_password(f.PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    response = client.post(LOGIN, {"username": "legacy_u", "password": f.PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_password_rules_refuse_short_and_common_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1", "password123", "1234567890"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Kechuang-Strong-2026")


# ------------------------------------------------------------------------------------------ lock-out


def _sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_failed_sign_ins_lock_the_account(city):
    client = Client()
    for attempt in range(1, 5):
        response = _sign_in(client, "district_u", f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
    assert _sign_in(client, "district_u", "wrong-5").status_code == 429  # the fifth failure locks
    # Locked: even the right password is refused and no session is opened.
    locked = _sign_in(client, "district_u", f.PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # By user name, not by address: a colleague behind the same office address still signs in.
    assert _sign_in(client, "staff_u", f.PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(city):
    client = Client()
    for attempt in range(4):
        assert _sign_in(client, "staff_u", f"wrong-{attempt}").status_code == 200
    assert _sign_in(client, "staff_u", f.PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        assert _sign_in(client, "staff_u", f"wrong-again-{attempt}").status_code == 200
    assert _sign_in(client, "staff_u", f.PASSWORD).status_code == 302


def test_failures_from_another_address_do_not_lock_the_user_out(city):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(5):
        attacker.post(LOGIN, {"username": "admin_u", "password": f"guess-{attempt}"})
    assert attacker.post(LOGIN, {"username": "admin_u", "password": f.PASSWORD}).status_code == 429
    # The real admin, at the office, is not locked out by the attacker's failures.
    office = Client(REMOTE_ADDR="10.1.2.3")
    assert office.post(LOGIN, {"username": "admin_u", "password": f.PASSWORD}).status_code == 302


# ------------------------------------------------------------------------------------------ throttle


class CountingHasher(MD5PasswordHasher):
    """Counts every hash computed or checked, so a test sees whether a sign-in reached the hasher."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def test_a_burst_from_one_address_is_throttled_before_any_hashing(city, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.KECHUANG_SIGN_IN_PER_MINUTE = 3
    settings.AXES_FAILURE_LIMIT = 100  # the throttle, not the lock-out, is under test
    client = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(3):
        assert client.post(LOGIN, {"username": f"nobody{attempt}", "password": "x"}).status_code == 200
    hashed = CountingHasher.calls
    assert hashed >= 3  # unknown names are hashed too (Django hides who exists): each attempt costs one
    throttled = client.post(LOGIN, {"username": "staff_u", "password": f.PASSWORD})
    assert throttled.status_code == 429
    assert "过于频繁" in throttled.content.decode() and int(throttled.headers["Retry-After"]) <= 60
    assert CountingHasher.calls == hashed  # refused without a hash
    assert "_auth_user_id" not in client.session
    # Another address is not throttled.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(LOGIN, {"username": "staff_u", "password": f.PASSWORD}).status_code == 302


def test_the_throttle_counts_only_sign_in_attempts(city, settings):
    settings.KECHUANG_SIGN_IN_PER_MINUTE = 1
    client = Client()
    client.force_login(city["users"]["staff"])
    for _ in range(3):
        assert client.get(LOGIN).status_code in (200, 302)
        assert client.get("/enterprises/").status_code == 200


# ---------------------------------------------------------------------------------------------- CSRF


def test_login_form_needs_its_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    refused = _sign_in(client, "staff_u", f.PASSWORD)
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    page = client.get(LOGIN)
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    accepted = client.post(
        LOGIN, {"username": "staff_u", "password": f.PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302


def test_session_authenticated_api_writes_need_the_csrf_header(city):
    client = Client(enforce_csrf_checks=True)
    token = client.get(LOGIN).cookies["csrftoken"].value
    client.force_login(city["users"]["staff"])
    url = f"/api/enterprises/{city['e1'].pk}/facts/2024"
    refused = client.put(url, {"employees": 5}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not YearlyFacts.objects.exists()
    assert client.get("/api/enterprises/").status_code == 200  # reading needs no token
    accepted = client.put(
        url, {"employees": 5}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert YearlyFacts.objects.get().employees == 5


def test_token_authenticated_api_writes_need_no_csrf_token(city):
    # A browser cannot attach someone's bearer token to a cross-site request, so no CSRF risk.
    bearer = issue_token(city["users"]["staff"], "sync")
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {bearer}"})
    response = client.put(
        f"/api/enterprises/{city['e1'].pk}/facts/2024", {"employees": 7}, content_type="application/json"
    )
    assert response.status_code == 201


# ----------------------------------------------------------------------------------- secure headers


@pytest.mark.parametrize("path", [LOGIN, "/api/enterprises/"])
def test_secure_headers(city, path):
    response = Client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_cookie_is_http_only(city):
    client = Client()
    assert _sign_in(client, "staff_u", f.PASSWORD).status_code == 302
    assert client.cookies["sessionid"]["httponly"]


def test_https_deployments_get_secure_cookies_and_hsts(tmp_path):
    # Settings are read once per process: ask a fresh interpreter what KECHUANG_HTTPS=1 gives.
    env = {**os.environ, "KECHUANG_HTTPS": "1", "KECHUANG_DATA_DIR": str(tmp_path)}
    code = (
        "import kechuang.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "31536000"]
