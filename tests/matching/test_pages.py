"""Pages: posting through the form, browsing with filters, matches with escaped highlights,
recording an outcome, events and the .xlsx exports."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from kechuang.matching import services
from kechuang.matching.models import Demand, Event, EventParticipant, Match, TechField
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def form_data(**over):
    data = {
        "title": "陶瓷窑炉余热回收",
        "problem": "建筑陶瓷辊道窑排烟温度高达250℃，希望对窑炉烟气和冷却带余热进行梯级回收，综合能耗降低10%以上。",
        "field": TechField.NEW_ENERGY,
        "industry_code": "C3071",
        "budget_wan": "150.5",
        "deadline": "2030-01-31",
        "contact_name": "刘工",
        "contact_phone": "13805330001",
        "visibility": "public",
    }
    return {**data, **over}


def test_enterprise_posts_a_demand_in_wan(city, django_capture_on_commit_callbacks):
    c = client_for(city["users"]["enterprise"])
    assert c.get("/matching/demands/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/matching/demands/new/", form_data())
    assert r.status_code == 302
    demand = Demand.objects.get()
    assert demand.budget == Decimal("1505000")  # 150.5 万元 stored in yuan
    assert demand.organisation == city["e1"].organisation
    page = c.get(r["Location"]).content.decode()
    assert "陶瓷窑炉余热回收" in page and "150.50" in page
    # An enterprise user does not see the brokering section.
    assert 'data-testid="match-table"' not in page


def test_bad_form_shows_the_rule_and_saves_nothing(city):
    c = client_for(city["users"]["enterprise"])
    r = c.post("/matching/demands/new/", form_data(problem="太短", contact_phone="123"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "至少用20个字" in body and "手机号" in body
    assert not Demand.objects.exists()


def test_staff_posts_for_an_enterprise_by_its_code(city, django_capture_on_commit_callbacks):
    c = client_for(city["users"]["staff"])
    r = c.post("/matching/demands/new/", form_data(enterprise_uscc="91370303MA0000000X"))
    assert "未找到该统一社会信用代码对应的企业" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/matching/demands/new/", form_data(enterprise_uscc=city["e2"].organisation.uscc.lower()))
    assert r.status_code == 302
    assert Demand.objects.get().organisation == city["e2"].organisation


def test_roles_that_cannot_post(city):
    assert client_for(city["users"]["institute"]).get("/matching/demands/new/").status_code == 403
    assert client_for(city["users"]["leader"]).get("/matching/demands/new/").status_code == 403
    assert client_for(city["users"]["enterprise"]).get("/matching/achievements/new/").status_code == 403


def test_lists_are_scoped_and_filtered(postings):
    users = postings["users"]
    body = client_for(users["enterprise"]).get("/matching/demands/").content.decode()
    assert postings["d1"].title in body and postings["d2"].title not in body
    body = client_for(users["staff"]).get("/matching/demands/", {"q": "氮化硅"}).content.decode()
    assert postings["d2"].title in body and postings["d1"].title not in body
    assert client_for(users["enterprise"]).get(f"/matching/demands/{postings['d2'].pk}/").status_code == 404
    body = (
        client_for(users["expert"])
        .get("/matching/achievements/", {"field": TechField.NEW_MATERIALS})
        .content.decode()
    )
    assert postings["a2"].title in body and postings["a1"].title not in body


def test_the_firm_sees_public_suggestions_but_not_the_brokering(postings):
    body = (
        client_for(postings["users"]["enterprise"])
        .get(f"/matching/demands/{postings['d1'].pk}/")
        .content.decode()
    )
    assert 'data-testid="suggested"' in body and postings["a1"].title in body
    assert 'data-testid="match-table"' not in body and "transition" not in body
    # Another firm reading the public demand sees neither.
    other = f.user(f.Role.ENTERPRISE, "ent_e2", organisation=postings["e2"].organisation)
    body = client_for(other).get(f"/matching/demands/{postings['d1'].pk}/").content.decode()
    assert 'data-testid="suggested"' not in body and postings["a1"].title not in body


def test_staff_see_highlighted_reasons_escaped(postings):
    d1 = postings["d1"]
    # User text with markup must come out escaped, while the highlight tags stay.
    match = d1.matches.get(achievement=postings["a1"])
    reasons = dict(match.reasons)
    reasons["snippet"] = "<script>x</script>湿式氧化"
    reasons["snippet_spans"] = [[18, 22, "shared"]]
    reasons["shared"] = ["<b>湿式氧化</b>"]
    Match.objects.filter(pk=match.pk).update(reasons=reasons)
    body = client_for(postings["users"]["staff"]).get(f"/matching/demands/{d1.pk}/").content.decode()
    assert '<mark class="kc-shared">湿式氧化</mark>' in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x</script>" not in body
    assert "&lt;b&gt;湿式氧化&lt;/b&gt;" in body


def test_recording_an_outcome_from_the_page(postings):
    staff = postings["users"]["staff"]
    match = postings["d1"].matches.get(achievement=postings["a1"])
    c = client_for(staff)
    url = f"/matching/matches/{match.pk}/transition/"
    r = c.post(url, {f"m{match.pk}-action": "sign", "next": "/matching/matches/"})
    assert r.status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.RECOMMENDED  # refused: 推荐 cannot jump to 已签约
    r = c.post(
        url,
        {f"m{match.pk}-action": "contact", f"m{match.pk}-reason": "已电话联系", "next": "//evil.example/"},
    )
    assert r["Location"] == "/matching/matches/"
    match.refresh_from_db()
    assert match.status == Match.Status.CONTACTED
    # The leader reads the matches but records nothing; an enterprise cannot reach the case at all.
    assert client_for(postings["users"]["leader"]).get("/matching/matches/").status_code == 200
    client_for(postings["users"]["leader"]).post(url, {f"m{match.pk}-action": "express_intention"})
    assert (
        client_for(postings["users"]["enterprise"])
        .post(url, {f"m{match.pk}-action": "express_intention"})
        .status_code
        == 404
    )
    match.refresh_from_db()
    assert match.status == Match.Status.CONTACTED
    assert client_for(postings["users"]["enterprise"]).get("/matching/matches/").status_code == 403


def test_exports(postings):
    staff = postings["users"]["staff"]
    services.advance_match(staff, postings["d1"].matches.get(achievement=postings["a1"]).pk, "contact")
    headers, rows = sheet(client_for(staff).get("/matching/demands/export.xlsx"))
    assert "预算（万元）" in headers
    by_title = {r[1]: r for r in rows}
    assert by_title[postings["d1"].title][headers.index("预算（万元）")] == 300
    assert by_title[postings["d2"].title][headers.index("公开范围")].startswith("不公开")
    # The enterprise's export holds what it may see only.
    _h, rows = sheet(client_for(postings["users"]["enterprise"]).get("/matching/demands/export.xlsx"))
    assert [r[1] for r in rows] == [postings["d1"].title]
    headers, rows = sheet(client_for(staff).get("/matching/achievements/export.xlsx"))
    assert {r[1] for r in rows} == {postings["a1"].title, postings["a2"].title}
    headers, rows = sheet(client_for(staff).get("/matching/matches/export.xlsx", {"status": "contacted"}))
    assert len(rows) == 1 and rows[0][headers.index("对接状态")] == "已联系"
    _h, rows = sheet(client_for(postings["users"]["other_district"]).get("/matching/matches/export.xlsx"))
    assert {r[_h.index("区县")] for r in rows} == {"淄川区"}


def test_event_page_and_export(city):
    staff = city["users"]["staff"]
    c = client_for(staff)
    r = c.post(
        "/matching/events/new/",
        {"name": "淄博科技周产学研对接会", "kind": "tech_week", "date": "2026-05-20", "institutes": "3", "intentions": "7",
         "agreement_amount_wan": "120"},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    event = Event.objects.get()
    assert event.agreement_amount == Decimal("1200000") and event.experts is None
    r = c.post(r["Location"], {"kind": "institute", "name": "山东理工大学", "note": ""})
    assert EventParticipant.objects.filter(event=event).count() == 1
    body = c.get(f"/matching/events/{event.pk}/").content.decode()
    assert "淄博科技周产学研对接会" in body and 'data-testid="figure-intentions"' in body
    # District staff record events of their own district only.
    d = client_for(city["users"]["district"])
    r = d.post("/matching/events/new/", {"name": "张店区对接会", "kind": "meeting", "date": "2026-06-01"})
    assert Event.objects.get(name="张店区对接会").district == city["zd"]
    assert d.get(f"/matching/events/{event.pk}/edit/").status_code == 403
    assert client_for(city["users"]["enterprise"]).get("/matching/events/new/").status_code == 403
    headers, rows = sheet(c.get("/matching/events/export.xlsx"))
    row = next(r for r in rows if r[0] == "淄博科技周产学研对接会")
    assert row[headers.index("达成合作意向（项）")] == 7 and row[headers.index("签约金额（万元）")] == 120
    assert row[headers.index("参加专家（人）")] is None


def test_home_panel(postings):
    body = client_for(postings["users"]["staff"]).get("/").content.decode()
    assert 'data-testid="panel-matching"' in body
    body = client_for(postings["users"]["enterprise"]).get("/").content.decode()
    assert "发布技术需求" in body


def test_editing_through_the_page(postings, django_capture_on_commit_callbacks):
    d1, users = postings["d1"], postings["users"]
    c = client_for(users["enterprise"])
    data = form_data(title="高盐废水零排放技术", status="open")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/matching/demands/{d1.pk}/edit/", data)
    assert r.status_code == 302
    d1.refresh_from_db()
    assert d1.title == "高盐废水零排放技术" and d1.budget == Decimal("1505000") and d1.history.count() == 2
    other = f.user(f.Role.ENTERPRISE, "ent_e2", organisation=postings["e2"].organisation)
    assert client_for(other).get(f"/matching/demands/{d1.pk}/edit/").status_code == 403
    assert client_for(users["leader"]).get(f"/matching/demands/{d1.pk}/edit/").status_code == 403
    a2 = postings["a2"]
    r = client_for(users["institute"]).get(f"/matching/achievements/{a2.pk}/edit/")
    assert r.status_code == 200 and "200.00" in r.content.decode()  # 2 000 000 yuan shown as 200 万元


def test_openapi_schema_is_valid(db):
    from openapi_spec_validator import validate

    spec = Client().get("/api/openapi.json").json()
    validate(spec)
    assert "/api/matching/demands/{demand_id}/matches" in spec["paths"]
