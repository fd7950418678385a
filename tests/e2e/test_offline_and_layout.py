"""Nothing leaves the machine and nothing falls off the screen.

Every request a page makes — scripts, styles, fonts, images, the OpenAPI document — goes to the
platform itself: on /api/docs (Swagger UI) and on every role's home page and the modules in its
navigation. And in English at 1,280 px, the bell, sign-out and the language switch stay in view."""

from urllib.parse import urlsplit

import pytest

from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = ["admin", "staff", "leader", "district", "enterprise", "institute", "expert"]


def _context(browser, live_server, width=1280, language=None):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    context.set_default_timeout(20000)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context


def _watch(page) -> list[str]:
    """Collect every request that goes anywhere but the live server's own host."""
    outside: list[str] = []

    def check(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    page.on("request", check)
    return outside


def test_api_docs_work_offline(browser, live_server, city):
    context = _context(browser, live_server)
    page = context.new_page()
    outside = _watch(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/api/docs")
    # Swagger UI drew the API's title and its operations from /api/openapi.json.
    assert "Kechuang API" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".swagger-ui .opblock").count() > 0
    context.close()
    assert not errors, errors
    assert not outside, f"requests left the machine: {outside}"


@pytest.mark.parametrize("role", ROLES)
def test_role_pages_request_nothing_outside(browser, live_server, city, role):
    context = _context(browser, live_server, width=1400)
    page = context.new_page()
    outside = _watch(page)
    sign_in(page, city["users"][role].username, f.PASSWORD)
    page.goto("/")
    links = page.eval_on_selector_all(
        ".kc-nav-modules a.nav-link", "els => els.map(e => e.getAttribute('href'))"
    )
    assert links, "the navigation lists no modules"
    for href in ["/notifications/", *links]:
        page.goto(href)
        page.wait_for_load_state("networkidle")
    context.close()
    assert not outside, f"requests left the machine: {outside}"


@pytest.mark.parametrize("role", ROLES)
def test_english_header_fits_1280(browser, live_server, city, role):
    context = _context(browser, live_server, width=1280, language="en")
    page = context.new_page()
    sign_in(page, city["users"][role].username, f.PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en"
    for testid in ("nav-bell", "sign-out", "language", "whoami"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box is not None, f"{testid} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, f"{testid} is off screen: {box}"
        assert box["y"] >= 0 and box["y"] + box["height"] <= 120, f"{testid} is not in the header: {box}"
    # The modules are one click away behind the menu button at this width.
    page.click(".navbar-toggler")
    assert page.locator(".kc-nav-modules a.nav-link").first.is_visible()
    context.close()
