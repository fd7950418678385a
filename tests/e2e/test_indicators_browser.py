"""A leader opens the cockpit, picks a district on the ranking and lands on the enterprises behind a
number; a district user sees only their own district."""

import re

import pytest

from kechuang.indicators.models import Indicator, Target
from kechuang.indicators.services import compute
from tests import factories as f
from tests.e2e.conftest import sign_in
from tests.indicators.conftest import Y, build_registry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cockpit_data(city):
    registry = build_registry(city)
    compute.recompute(years=[Y])
    ind = Indicator.objects.get(code="high_tech_count")
    Target.objects.create(indicator=ind, year=Y, kind=Target.Kind.TARGET, value=3)
    Target.objects.create(indicator=ind, year=Y, district=registry["zd"], kind=Target.Kind.TARGET, value=2)
    Target.objects.create(indicator=ind, year=Y, district=registry["zc"], kind=Target.Kind.TARGET, value=1)
    return registry


def test_leader_goes_from_a_district_to_its_enterprises(page, cockpit_data):
    sign_in(page, "leader_u", f.PASSWORD)
    page.goto(f"/indicators/?year={Y}&indicator=high_tech_count")
    card = page.get_by_test_id("card-high_tech_count")
    assert "2 家" in card.inner_text() and "滞后" in card.inner_text()
    page.get_by_test_id("indicator-map").locator("canvas").first.wait_for()
    assert page.get_by_test_id("behind-alert").inner_text().count("淄川区") == 1
    page.get_by_test_id("ranking").get_by_role("link", name="张店区").click()
    page.wait_for_url(re.compile(rf"district={cockpit_data['zd'].pk}"))
    assert "张店区科技创新指标" in page.locator("h1").inner_text()
    page.get_by_test_id("card-high_tech_count").get_by_test_id("card-link").click()
    page.wait_for_url(re.compile(r"/enterprises/\?.*fact=high_tech"))
    table = page.get_by_test_id("enterprise-table").inner_text()
    assert cockpit_data["e1"].name in table and cockpit_data["e5"].name in table
    assert cockpit_data["e4"].name not in table and cockpit_data["e2"].name not in table
    assert "高新技术企业证书在有效期内" in page.get_by_test_id("fact-filter").inner_text()


def test_district_user_sees_only_their_district(page, cockpit_data):
    sign_in(page, "district_u", f.PASSWORD)
    page.goto(f"/indicators/?year={Y}&district={cockpit_data['zc'].pk}")
    assert "张店区科技创新指标" in page.locator("h1").inner_text()
    rows = page.get_by_test_id("rank-row")
    assert rows.count() == 1 and "张店区" in rows.first.inner_text()
    assert page.locator("#id_district").count() == 0
    assert "淄川区" not in page.locator("main").inner_text()
