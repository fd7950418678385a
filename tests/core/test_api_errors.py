"""Every API error from 400 to 500 is JSON in the API's shape, whichever layer produced it."""

import pytest
from django.test import Client

from kechuang.core.api_auth import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(city):
    token = issue_token(city["users"]["staff"], "t")
    return Client(raise_request_exception=False, headers={"authorization": f"Bearer {token}"})


def _json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    return response.json()


def test_an_unknown_api_path_is_a_json_404(api):
    assert _json_error(api.get("/api/no-such-thing/"), 404)["detail"] == "未找到该接口或记录"


def test_a_method_a_route_does_not_take_is_a_json_405(api):
    response = api.delete("/api/policies/")
    _json_error(response, 405)
    assert "GET" in response["Allow"]


def test_no_credentials_is_a_json_401(city):
    _json_error(Client().get("/api/enterprises/"), 401)


def test_a_forbidden_operation_is_a_json_403(city):
    token = issue_token(city["users"]["enterprise"], "t")
    _json_error(Client().get("/api/matching/matches", headers={"authorization": f"Bearer {token}"}), 403)


def test_an_unhandled_exception_is_a_json_500(api, monkeypatch):
    from kechuang.policies import services

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "library", broken)
    body = _json_error(api.get("/api/policies/"), 500)
    assert "boom" not in body["detail"]


def test_pages_keep_their_html_error_pages(city):
    client = Client()
    client.force_login(city["users"]["staff"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
