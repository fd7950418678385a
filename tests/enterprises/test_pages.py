"""Registry pages per role: what each sees, and the denied cases."""

from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.enterprises import services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(city):
    f.facts(city["e1"], 2023, revenue=Decimal("25000000"), rd_expense=Decimal("1000000"))
    f.facts(city["e1"], 2024, revenue=Decimal("30000000"), rd_expense=None)
    f.facts(city["e2"], 2024, revenue=Decimal("1000000"), rd_expense=Decimal("0"))
    services.recompute_labels()
    return city


def _client(client, user):
    client.force_login(user)
    return client


def test_city_staff_list_shows_every_district(client, data):
    html = _client(client, data["users"]["staff"]).get(reverse("enterprise_list")).content.decode()
    assert "淄博甲科技有限公司" in html and "淄博乙材料有限公司" in html


def test_district_staff_list_shows_only_their_district(client, data):
    html = _client(client, data["users"]["district"]).get(reverse("enterprise_list")).content.decode()
    assert "淄博甲科技有限公司" in html
    assert "淄博乙材料有限公司" not in html


def test_district_staff_cannot_open_other_district_profile(client, data):
    c = _client(client, data["users"]["district"])
    assert c.get(reverse("enterprise_profile", args=[data["e2"].pk])).status_code == 403
    assert c.get(reverse("enterprise_profile", args=[data["e1"].pk])).status_code == 200


def test_other_district_filter_cannot_widen_scope(client, data):
    c = _client(client, data["users"]["district"])
    html = c.get(reverse("enterprise_list"), {"district": data["zc"].pk}).content.decode()
    assert "淄博乙材料有限公司" not in html


@pytest.mark.parametrize("role", ["institute", "expert"])
def test_roles_without_registry_access_are_refused(client, data, role):
    c = _client(client, data["users"][role])
    assert c.get(reverse("enterprise_list")).status_code == 403
    assert c.get(reverse("enterprise_profile", args=[data["e1"].pk])).status_code == 403
    assert c.get(reverse("enterprise_export")).status_code == 403


def test_enterprise_user_sees_own_profile_only(client, data):
    c = _client(client, data["users"]["enterprise"])
    assert c.get(reverse("enterprise_profile", args=[data["e1"].pk])).status_code == 200
    assert c.get(reverse("enterprise_profile", args=[data["e2"].pk])).status_code == 403
    html = c.get(reverse("enterprise_list")).content.decode()
    assert "淄博乙材料有限公司" not in html


def test_anonymous_is_sent_to_sign_in(client, data):
    response = client.get(reverse("enterprise_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_search_by_name_and_uscc(client, data):
    c = _client(client, data["users"]["staff"])
    html = c.get(reverse("enterprise_list"), {"q": "乙材料"}).content.decode()
    assert "淄博乙材料有限公司" in html and "淄博甲科技有限公司" not in html
    html = c.get(reverse("enterprise_list"), {"q": data["e1"].organisation.uscc.lower()}).content.decode()
    assert "淄博甲科技有限公司" in html and "淄博乙材料有限公司" not in html


def test_label_filter_uses_latest_year_labels(client, data):
    c = _client(client, data["users"]["staff"])
    html = c.get(reverse("enterprise_list"), {"label": "above_scale", "year": 2024}).content.decode()
    assert "淄博甲科技有限公司" in html and "淄博乙材料有限公司" not in html


def test_profile_shows_facts_labels_and_chart_data(client, data):
    html = _client(client, data["users"]["staff"]).get(reverse("enterprise_profile", args=[data["e1"].pk]))
    text = html.content.decode()
    assert 'id="chart-data"' in text and "2500.00" in text  # 25 M yuan shown as 2500.00 万元
    assert "规上：是" in text
    assert "研发投入强度 4.00%" in text  # 2023: 1 M / 25 M
    assert "研发投入强度 未知" in text  # 2024: R&D blank is unknown, not zero


def test_export_respects_scope_and_filters(client, data):
    c = _client(client, data["users"]["district"])
    response = c.get(reverse("enterprise_export"))
    assert response.status_code == 200
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["淄博甲科技有限公司"]


def test_home_page_panels_by_role(client, data):
    html = _client(client, data["users"]["district"]).get(reverse("home")).content.decode()
    assert "企业库概况" in html and "张店区" in html and "淄川区" not in html
    client.logout()
    html = _client(client, data["users"]["enterprise"]).get(reverse("home")).content.decode()
    assert "本企业" in html and "研发费用" in html  # 2024 R&D is blank: asked to fill it in


def test_english_is_switchable(client, data):
    c = _client(client, data["users"]["staff"])
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = c.get(reverse("enterprise_list")).content.decode()
    assert 'lang="en"' in html


def test_chinese_by_default_whatever_the_browser_says(client, data):
    c = _client(client, data["users"]["staff"])
    html = c.get(reverse("enterprise_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "企业库" in html


def test_forbidden_page_says_why_in_chinese(client, data):
    c = _client(client, data["users"]["district"])
    html = c.get(reverse("enterprise_profile", args=[data["e2"].pk])).content.decode()
    assert "只能查看本区县的记录" in html


def test_profile_history_shows_who_changed_what(client, data):
    from kechuang.enterprises.facts_service import save_facts

    staff = data["users"]["staff"]
    save_facts(staff, data["e1"], 2024, {"revenue": "31000000"})
    save_facts(staff, data["e1"], 2024, {"employees": "120"})
    history = services.facts_history(data["e1"])
    assert [h["who"] for h in history[:2]] == [staff, staff]
    assert [(c["old"], c["new"]) for c in history[0]["changes"]] == [(100, 120)]
    assert [(c["old"], c["new"]) for c in history[1]["changes"]] == [
        (Decimal("30000000.00"), Decimal("31000000.00"))
    ]
    html = _client(client, staff).get(reverse("enterprise_profile", args=[data["e1"].pk])).content.decode()
    assert "100 → 120" in html


def test_industry_names_follow_the_language_but_stay_chinese_for_matching(client, data):
    from kechuang.core.industries import section_name

    c = _client(client, data["users"]["staff"])
    assert "C 制造业" in c.get(reverse("enterprise_list")).content.decode()
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = c.get(reverse("enterprise_list")).content.decode()
    assert "C Manufacturing" in html and "C 制造业" not in html
    assert section_name("C3985") == "制造业"  # the text engine reads Chinese whatever the page language
