"""The matching API: same scoping and validation as the pages."""

import json

import pytest
from django.test import Client

from kechuang.matching.models import Demand, Match
from tests.matching.conftest import demand_data

pytestmark = pytest.mark.django_db

BASE = "/api/matching"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c, url, body):
    return c.post(url, json.dumps(body), content_type="application/json")


def api_demand(**over):
    data = {k: v for k, v in demand_data().items()}
    data["budget"] = "3000000.00"
    data["deadline"] = "2030-06-30"
    return {**data, **over}


def test_enterprise_posts_and_reads(city, django_capture_on_commit_callbacks):
    c = client_for(city["users"]["enterprise"])
    with django_capture_on_commit_callbacks(execute=True):
        r = post(c, f"{BASE}/demands", api_demand())
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["budget"] == "3000000.00" and body["organisation"]["name"] == "淄博甲科技有限公司"
    assert c.get(f"{BASE}/demands/{body['id']}").status_code == 200
    # Matches are staff business.
    assert c.get(f"{BASE}/demands/{body['id']}/matches").status_code == 403


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"budget": 3000000.5}, "budget"),  # a float is refused: money is a decimal string
        ({"problem": "太短"}, "problem"),
        ({"contact_phone": "1"}, "contact_phone"),
        ({"field": "astrology"}, "field"),
        ({"organisation": 3}, "organisation"),
    ],
)
def test_bad_posts_name_the_field(city, over, field):
    r = post(client_for(city["users"]["enterprise"]), f"{BASE}/demands", api_demand(**over))
    assert r.status_code == 422
    assert field in r.json()["errors"]
    assert not Demand.objects.exists()


def test_scoping_and_matches(postings):
    users, d2 = postings["users"], postings["d2"]
    ids = [d["id"] for d in client_for(users["enterprise"]).get(f"{BASE}/demands").json()["items"]]
    assert ids == [postings["d1"].pk]
    assert client_for(users["enterprise"]).get(f"{BASE}/demands/{d2.pk}").status_code == 404
    r = client_for(users["other_district"]).get(f"{BASE}/demands/{d2.pk}/matches")
    assert r.status_code == 200
    top = r.json()[0]
    assert top["kind"] == "demand_achievement" and top["achievement_id"] == postings["a2"].pk
    assert top["status"] == "recommended" and top["reasons"]["shared"]
    assert client_for(users["district"]).get(f"{BASE}/demands/{d2.pk}/matches").status_code == 404  # private
    # 淄川区 staff read 张店区's public demand, but its brokering is 张店区's.
    assert (
        client_for(users["other_district"]).get(f"{BASE}/demands/{postings['d1'].pk}/matches").status_code
        == 403
    )
    r = client_for(users["staff"]).get(f"{BASE}/achievements?q=氮化硅")
    assert [a["id"] for a in r.json()["items"]] == [postings["a2"].pk]


def test_transitions_over_the_api(postings):
    staff = postings["users"]["staff"]
    case = postings["d1"].matches.get(achievement=postings["a1"])
    c = client_for(staff)
    r = post(c, f"{BASE}/matches/{case.pk}/transitions", {"action": "sign", "amount": "100"})
    assert r.status_code == 422 and "action" in r.json()["errors"]
    r = post(c, f"{BASE}/matches/{case.pk}/transitions", {"action": "invalidate"})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = post(c, f"{BASE}/matches/{case.pk}/transitions", {"action": "contact", "reason": "电话"})
    assert r.status_code == 200 and r.json()["status"] == "contacted"
    r = post(
        client_for(postings["users"]["leader"]),
        f"{BASE}/matches/{case.pk}/transitions",
        {"action": "invalidate", "reason": "x"},
    )
    assert r.status_code == 403
    r = post(
        client_for(postings["users"]["enterprise"]),
        f"{BASE}/matches/{case.pk}/transitions",
        {"action": "invalidate", "reason": "x"},
    )
    assert r.status_code == 404
    assert Match.objects.get(pk=case.pk).status == "contacted"


def test_match_list_is_staff_only_and_scoped(postings):
    users = postings["users"]
    assert client_for(users["enterprise"]).get(f"{BASE}/matches").status_code == 403
    body = client_for(users["other_district"]).get(f"{BASE}/matches?kind=demand_achievement").json()
    assert body["count"] >= 1 and {m["district"] for m in body["items"]} == {"淄川区"}
    assert client_for(users["staff"]).get(f"{BASE}/matches?status=signed").json()["count"] == 0
