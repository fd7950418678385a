"""The statistical year: city and district pages report on a year the bureau chose, not on whatever
year one enterprise happened to file (issue 11, point 1)."""

import re

import pytest
from django.urls import reverse

from kechuang.core.models import ClosedYear
from kechuang.enterprises import services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(city):
    """Five enterprises filed 2024 and 2025, all above scale with R&D (three in 张店区, two in 淄川区);
    then one of them imports a row for 2026, as in the issue."""
    firms = [
        city["e1"],
        city["e2"],
        f.enterprise(city["zd"]),
        f.enterprise(city["zd"]),
        f.enterprise(city["zc"]),
    ]
    for e in firms:
        f.facts(e, 2024)
        f.facts(e, 2025)
    f.facts(city["e1"], 2026)
    services.recompute_labels()
    return city


def _home(client, user, **params) -> str:
    client.force_login(user)
    return client.get(reverse("home"), params).content.decode()


def _total(html: str, code: str) -> int:
    return int(re.search(rf'data-testid="total-{code}">([\d,]+)', html).group(1).replace(",", ""))


@pytest.mark.parametrize("role", ["staff", "leader", "admin"])
def test_one_early_2026_row_leaves_the_city_on_2025(client, data, role):
    html = _home(client, data["users"][role])
    assert "2025年度数据" in html and "2026年度数据" not in html
    assert _total(html, "above_scale") == 5
    assert _total(html, "rd_active") == 5


def test_district_page_stays_on_2025_with_its_figures(client, data):
    html = _home(client, data["users"]["district"])
    assert "2025年度数据" in html
    assert _total(html, "above_scale") == 3
    assert _total(html, "enterprises") == 3


def test_a_closed_year_wins_over_coverage(client, data):
    ClosedYear.objects.create(year=2024, closed_by=data["users"]["staff"])
    assert services.statistical_year() == 2024
    html = _home(client, data["users"]["staff"])
    assert "2024年度数据" in html and "（已关闭）" in html


def test_the_user_may_pick_another_year(client, data):
    html = _home(client, data["users"]["staff"], year="2026")
    assert "2026年度数据" in html
    assert _total(html, "above_scale") == 1
    # a year without any facts is ignored rather than showing an empty city
    assert "2025年度数据" in _home(client, data["users"]["staff"], year="1999")


def test_a_year_most_enterprises_filed_becomes_the_year(data):
    for e in services.Enterprise.objects.exclude(pk=data["e1"].pk):
        f.facts(e, 2026)
    assert services.statistical_year() == 2026


def test_staff_close_a_year(client, data):
    client.force_login(data["users"]["staff"])
    response = client.post(reverse("statistical_years"), {"year": "2025"}, follow=True)
    assert "2025年度已关闭" in response.content.decode()
    assert ClosedYear.objects.get().year == 2025


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "年度须为四位数字"), ("2031", "只能关闭已结束的年度"), ("1990", "只能关闭已结束的年度")],
)
def test_bad_year_is_refused_and_changes_nothing(client, data, value, message):
    client.force_login(data["users"]["staff"])
    html = client.post(reverse("statistical_years"), {"year": value}).content.decode()
    assert message in html
    assert not ClosedYear.objects.exists()


def test_closing_twice_is_refused(client, data):
    client.force_login(data["users"]["staff"])
    client.post(reverse("statistical_years"), {"year": "2025"})
    html = client.post(reverse("statistical_years"), {"year": "2025"}).content.decode()
    assert "2025年度已经关闭" in html
    assert ClosedYear.objects.count() == 1


@pytest.mark.parametrize("role", ["leader", "district", "enterprise", "expert"])
def test_only_city_staff_close_a_year(client, data, role):
    client.force_login(data["users"][role])
    assert client.post(reverse("statistical_years"), {"year": "2025"}).status_code == 403
    assert not ClosedYear.objects.exists()


def test_the_enterprises_policy_package_judges_on_the_same_year_as_the_home_pages(data):
    """The issue's enterprise imported 2026; its 政策包 said "按 2025 年度数据判定" while the city
    said 2026. Both now say 2025."""
    import datetime as dt
    from pathlib import Path

    from kechuang.policies import services as policies
    from kechuang.policies.models import Policy, PolicyVersion

    yaml = Path(__file__).resolve().parents[2] / "kechuang/policies/builtin/high_tech.yaml"
    policy = Policy.objects.create(code="high_tech", name="高新技术企业认定")
    policy.current_version = PolicyVersion.objects.create(
        policy=policy, number=1, label="2016.1", yaml_text=yaml.read_text(encoding="utf-8"),
        status=PolicyVersion.Status.PUBLISHED, effective_from=dt.date(2016, 1, 1),
    )  # fmt: skip
    policy.save()
    package = policies.package(data["users"]["enterprise"], data["e1"], on=dt.date(2026, 12, 8))
    years = {item["fiscal_year"] for key in ("eligible", "near", "unknown") for item in package[key]}
    assert years == {services.statistical_year()} == {2025}
