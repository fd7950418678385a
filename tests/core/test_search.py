"""Global search: one box, every app's records, each user finding only what they may read."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.matching import services as matching
from kechuang.programs import services as programmes
from kechuang.programs.models import Application, Call, Challenge
from tests import factories as f
from tests.experts import builders as b
from tests.matching.conftest import achievement_data, demand_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(city):
    users = city["users"]
    matching.post_demand(users["enterprise"], demand_data(title="淄博甲陶瓷废水处理需求"))
    e2_user = f.user(f.Role.ENTERPRISE, organisation=city["e2"].organisation)
    matching.post_demand(e2_user, demand_data(title="淄博乙陶瓷私有需求", visibility="private"))
    matching.post_achievement(users["institute"], achievement_data(title="陶瓷球烧结成果"))
    b.expert(city["zd"], name="陶瓷专家张店")
    b.expert(city["zc"], name="陶瓷专家淄川")
    programmes.seed_programme_types()
    today = timezone.localdate()
    call = Call.objects.create(
        programme_type=programmes.ProgrammeType.objects.get(code="major_transfer"), year=2026,
        title="通知", guide="指南", budget_cap_yuan=Decimal(3_000_000), opens_on=today,
        closes_on=today + dt.timedelta(days=9), status=Call.Status.PUBLISHED,
    )  # fmt: skip
    for ent in (city["e1"], city["e2"]):
        Application.objects.create(
            call=call, applicant=ent.organisation, title=f"{ent.organisation.name}陶瓷轴承申报", abstract="摘要",
            requested_yuan=Decimal(1_000_000), months=12, schema_version=1, status=Application.Status.SUBMITTED,
        )  # fmt: skip
    Challenge.objects.create(
        programme_type=programmes.ProgrammeType.objects.get(code="open_challenge"), poster=city["e1"].organisation,
        title="陶瓷刀具揭榜", problem="问题", requirements="指标", bounty_yuan=Decimal(1_000_000),
        deadline=today + dt.timedelta(days=30), months=12, status=Challenge.Status.POSTED,
    )  # fmt: skip
    return {**city, "e2_user": e2_user}


def _search(client, user, q):
    client.force_login(user)
    return client.get(reverse("search"), {"q": q}).content.decode()


def test_city_staff_find_everything_by_one_word(client, data):
    html = _search(client, data["users"]["staff"], "陶瓷")
    for text in ("淄博甲陶瓷废水处理需求", "淄博乙陶瓷私有需求", "陶瓷球烧结成果", "陶瓷专家张店", "陶瓷专家淄川",
                 "淄博甲科技有限公司陶瓷轴承申报", "淄博乙材料有限公司陶瓷轴承申报", "陶瓷刀具揭榜"):  # fmt: skip
        assert text in html, text


def test_enterprise_by_name_and_by_uscc(client, data):
    html = _search(client, data["users"]["staff"], "淄博乙材料")
    assert reverse("enterprise_profile", args=[data["e2"].pk]) in html
    html = _search(client, data["users"]["staff"], data["e2"].organisation.uscc.lower())
    assert reverse("enterprise_profile", args=[data["e2"].pk]) in html


def test_district_does_not_find_another_districts_enterprise(client, data):
    user = data["users"]["district"]  # 张店区: e1 is theirs, e2 is 淄川区's
    html = _search(client, user, "淄博")
    assert reverse("enterprise_profile", args=[data["e1"].pk]) in html
    assert reverse("enterprise_profile", args=[data["e2"].pk]) not in html
    html = _search(client, user, data["e2"].organisation.uscc)
    assert reverse("enterprise_profile", args=[data["e2"].pk]) not in html
    html = _search(client, user, "陶瓷")
    assert "陶瓷专家张店" in html and "陶瓷专家淄川" not in html
    assert "淄博乙材料有限公司陶瓷轴承申报" not in html and "淄博乙陶瓷私有需求" not in html


def test_enterprise_finds_only_what_it_may(client, data):
    html = _search(client, data["users"]["enterprise"], "陶瓷")
    assert "淄博甲科技有限公司陶瓷轴承申报" in html  # its own application
    assert "淄博乙材料有限公司陶瓷轴承申报" not in html
    assert "淄博乙陶瓷私有需求" not in html  # another firm's private demand
    assert "淄博甲陶瓷废水处理需求" in html and "陶瓷球烧结成果" in html  # public postings
    assert "陶瓷专家" not in html  # no expert database for enterprises
    html = _search(client, data["users"]["enterprise"], "淄博")
    assert reverse("enterprise_profile", args=[data["e2"].pk]) not in html


def test_expert_sees_no_applications_and_no_registry(client, data):
    html = _search(client, data["users"]["expert"], "陶瓷")
    assert "陶瓷轴承申报" not in html
    assert reverse("enterprise_profile", args=[data["e1"].pk]) not in html


def test_a_one_character_query_is_refused_with_the_rule(client, data):
    html = _search(client, data["users"]["staff"], "陶")
    assert "搜索词至少 2 个字" in html
    assert 'data-testid="search-group"' not in html


def test_nothing_found_says_so(client, data):
    html = _search(client, data["users"]["staff"], "不存在的词语")
    assert 'data-testid="search-empty"' in html


def test_a_nul_in_the_query_is_refused_with_the_rule(client, data):
    client.force_login(data["users"]["staff"])
    response = client.get(reverse("search"), {"q": "陶瓷\x00"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_search_box_in_the_navigation(client, data):
    client.force_login(data["users"]["leader"])
    assert 'data-testid="nav-search"' in client.get(reverse("home")).content.decode()


def test_anonymous_is_sent_to_sign_in(client, data):
    response = client.get(reverse("search"), {"q": "陶瓷"})
    assert response.status_code == 302 and "/login/" in response.url
