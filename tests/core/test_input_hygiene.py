"""NUL bytes and broken UTF-8 anywhere in a request are refused with 400/422 and a message, never a 500."""

import json

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kechuang.core.api_auth import issue_token

pytestmark = pytest.mark.django_db

# The filters the list views read from request.GET by name, plus every field of their filter forms.
READ_BY_NAME = {"status", "page", "run", "solicitation", "field", "export", "co_q", "call", "q", "year"}


def _filter_params() -> set[str]:
    import kechuang.core.users.views  # the forms register as subclasses on import
    import kechuang.enterprises.views
    import kechuang.experts.views
    import kechuang.matching.views
    import kechuang.programs.views  # noqa: F401

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    names = set(READ_BY_NAME)
    for form in walk(forms.Form):
        if form.__name__.endswith("FilterForm"):
            names |= set(form.base_fields)
    return names


def _argument_free_pages(patterns=None, prefix=""):
    """Every page URL that takes no argument, found through the resolver (the API and admin apart)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/", "i18n/")):
                continue
            yield from _argument_free_pages(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and not entry.pattern.regex.groupindex and "<" not in route:
            path = "/" + prefix + route.lstrip("^").rstrip("$")
            if "(" not in path and "\\" not in path:
                yield path


def test_the_enumeration_finds_the_list_pages():
    pages = set(_argument_free_pages())
    assert {"/enterprises/", "/programs/challenges/", "/users/"} <= pages
    assert len(pages) > 20
    assert {"status", "field", "page", "district"} <= _filter_params()


@pytest.mark.parametrize("who", [None, "staff"])
def test_nul_in_any_filter_of_any_page_is_a_400_not_a_500(city, who):
    client = Client(raise_request_exception=False)
    if who:
        client.force_login(city["users"][who])
    params = sorted(_filter_params())
    failures = []
    for page in sorted(_argument_free_pages()):
        for param in params:
            response = client.get(f"{page}?{param}=%00")
            if response.status_code != 400:
                failures.append((page, param, response.status_code))
    assert failures == []


def test_the_page_names_the_parameter_in_chinese(city):
    client = Client()
    response = client.get("/programs/challenges/?field=%00")
    assert response.status_code == 400
    text = response.content.decode()
    assert "参数 field" in text and "空字符" in text


def test_broken_utf8_in_a_query_is_a_400(city):
    client = Client()
    client.force_login(city["users"]["staff"])
    response = client.get("/enterprises/?status=%ff%fe")
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_nul_in_a_form_post_is_refused_before_the_view(city):
    client = Client()
    client.force_login(city["users"]["staff"])
    response = client.post("/enterprises/new/", {"name": "甲\x00乙"})
    assert response.status_code == 400
    assert "参数 name" in response.content.decode()


def test_a_file_upload_may_hold_nul_bytes(city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.core.middleware import InputHygieneMiddleware

    seen = []
    middleware = InputHygieneMiddleware(lambda request: seen.append(request) or "passed")
    from django.test import RequestFactory

    request = RequestFactory().post("/x/", {"file": SimpleUploadedFile("a.xlsx", b"PK\x00\x00\xff")})
    assert middleware(request) == "passed"


def test_an_ordinary_query_passes(city):
    client = Client()
    client.force_login(city["users"]["staff"])
    assert client.get("/enterprises/?q=%E6%B7%84%E5%8D%9A").status_code == 200


# ---------------------------------------------------------------------------------------------- API


@pytest.fixture
def bearer(city):
    return {"HTTP_AUTHORIZATION": "Bearer " + issue_token(city["users"]["staff"], "t")}


@pytest.mark.parametrize(
    "path",
    [
        "/api/enterprises/?district=%00",
        "/api/enterprises/?q=%00",
        "/api/matching/demands?status=%00",
        "/api/programmes/challenges?field=%00",
        "/api/policies/coverage/%00",
        "/api/enterprises/%00",
        "/api/enterprises/?q=%ff",
        "/api/matching/demands?q=%c3%28",
    ],
)
def test_api_refuses_nul_and_broken_utf8_with_json(city, bearer, path):
    response = Client(raise_request_exception=False).get(path, **bearer)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "数据校验未通过" and body["errors"]


def test_api_refuses_nul_inside_a_json_body(city, bearer):
    body = json.dumps({"name": "甲\x00", "uscc": "x"})
    response = Client().post("/api/enterprises/", body, content_type="application/json", **bearer)
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_api_refuses_a_body_that_is_not_utf8(city, bearer):
    response = Client().post(
        "/api/enterprises/", b'{"name": "\xff"}', content_type="application/json", **bearer
    )
    assert response.status_code == 422
    assert "UTF-8" in response.json()["errors"]["__all__"]
