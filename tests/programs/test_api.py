"""The programmes API per role: what each may read, what each may do, and every refusal changing
nothing. A record outside the caller's scope answers 404, as one that does not exist."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from openapi_spec_validator import validate

from kechuang.core.api_auth import issue_token
from kechuang.programs import services
from kechuang.programs.models import Application, Award, Bid, Challenge, Milestone
from tests import factories as f
from tests.programs.conftest import GOOD, snapshot

pytestmark = pytest.mark.django_db

BASE = "/api/programmes"


def client(user=None) -> Client:
    if user is None:
        return Client()
    return Client(headers={"authorization": f"Bearer {issue_token(user, 'test')}"})


def body(**extra) -> dict:
    data = {**GOOD, "requested_yuan": "3000000", **extra}
    return json.loads(json.dumps(data, default=str))


def post(c: Client, url: str, data=None):
    return c.post(url, json.dumps(data or {}), content_type="application/json")


def put(c: Client, url: str, data):
    return c.put(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def apps(prog):
    """e1's submitted application (张店区), e2's draft (淄川区)."""
    mine = services.submit(prog["ent_user"], services.save_draft(prog["ent_user"], prog["call"], GOOD))
    e2_user = f.user(f.Role.ENTERPRISE, "ent_e2", organisation=prog["e2"].organisation)
    theirs = services.save_draft(e2_user, prog["call"], {**GOOD, "title": "乙公司的项目"})
    return {**prog, "mine": mine, "theirs": theirs, "e2_user": e2_user}


# ------------------------------------------------------------------------------------------ calls


def test_calls_are_public_and_drafts_are_the_bureaus(prog):
    data = {k: getattr(prog["call"], k) for k in services.CALL_FIELDS}
    draft = services.save_call(prog["staff"], {**data, "title": "内部草稿通知"})
    anonymous = client().get(f"{BASE}/calls")
    assert anonymous.status_code == 200
    assert [c["title"] for c in anonymous.json()] == [prog["call"].title]
    row = anonymous.json()[0]
    assert row["status"] == "published" and row["status_label"] == "已发布"
    assert row["programme_type"] == "major_breakthrough" and row["budget_cap_yuan"] == "4000000.00"
    staff = client(prog["staff"]).get(f"{BASE}/calls").json()
    assert {c["title"] for c in staff} == {prog["call"].title, "内部草稿通知"}
    detail = client().get(f"{BASE}/calls/{prog['call'].pk}").json()
    assert detail["form_schema"]["required"] == ["leader", "goals"] and detail["max_months"] == 24
    assert client().get(f"{BASE}/calls/{draft.pk}").status_code == 404
    assert client(prog["ent_user"]).get(f"{BASE}/calls/{draft.pk}").status_code == 404
    assert client(prog["users"]["leader"]).get(f"{BASE}/calls/{draft.pk}").status_code == 200


def test_call_filters_are_validated(prog):
    r = client().get(f"{BASE}/calls", {"status": "nonsense"})
    assert r.status_code == 422 and "status" in r.json()["errors"]
    assert client().get(f"{BASE}/calls", {"status": "closed"}).json() == []


# ----------------------------------------------------------------------------------- applications


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"mine", "theirs"}),
        ("staff", {"mine", "theirs"}),
        ("leader", {"mine", "theirs"}),
        ("district", {"mine"}),
        ("other_district", {"theirs"}),
        ("enterprise", {"mine"}),
        ("institute", set()),
        ("expert", set()),
    ],
)
def test_applications_are_scoped_per_role(apps, role, expected):
    c = client(apps["users"][role])
    r = c.get(f"{BASE}/applications")
    assert r.status_code == 200
    ids = {item["id"] for item in r.json()["items"]}
    assert ids == {apps[k].pk for k in expected}
    for key in ("mine", "theirs"):
        detail = c.get(f"{BASE}/applications/{apps[key].pk}")
        assert detail.status_code == (200 if key in expected else 404)
        if key not in expected:
            assert apps[key].title not in detail.content.decode()


def test_out_of_scope_and_missing_answer_alike(apps):
    c = client(apps["users"]["district"])
    assert (
        c.get(f"{BASE}/applications/{apps['theirs'].pk}").json()
        == c.get(f"{BASE}/applications/999999").json()
    )


def test_applications_need_authentication(apps):
    assert client().get(f"{BASE}/applications").status_code == 401
    assert client().get(f"{BASE}/applications/{apps['mine'].pk}").status_code == 401
    assert post(client(), f"{BASE}/applications", {**body(), "call_id": apps["call"].pk}).status_code == 401


def test_application_detail_shows_the_form_and_no_reviewers(apps):
    r = client(apps["ent_user"]).get(f"{BASE}/applications/{apps['mine'].pk}").json()
    assert r["form_data"]["leader"] == "张伟" and r["status_label"] == "已提交"
    assert r["requested_yuan"] == "3000000.00" and r["applicant"]["name"] == "淄博甲科技有限公司"
    assert "review" not in json.dumps(r)


def test_draft_create_update_submit_through_the_services(prog):
    c = client(prog["ent_user"])
    r = post(c, f"{BASE}/applications", {**body(form_data={"leader": "张伟"}), "call_id": prog["call"].pk})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "draft" and r.json()["applicant"]["id"] == prog["e1"].pk
    # The form is incomplete: submit names the missing field and changes nothing.
    before = snapshot()
    r = post(c, f"{BASE}/applications/{pk}/submit")
    assert r.status_code == 422 and "主要研究内容与考核指标" in r.json()["errors"]["form_data.goals"]
    assert snapshot() == before
    r = put(c, f"{BASE}/applications/{pk}", body(title="修改后的名称"))
    assert r.status_code == 200 and r.json()["title"] == "修改后的名称"
    r = post(c, f"{BASE}/applications/{pk}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    app = Application.objects.get(pk=pk)
    assert app.status == "submitted" and app.transitions.get().action == "submit"
    assert app.transitions.get().actor == prog["ent_user"]


def test_illegal_transition_is_refused_and_changes_nothing(apps):
    c = client(apps["ent_user"])
    before = snapshot()
    r = post(c, f"{BASE}/applications/{apps['mine'].pk}/submit")
    assert r.status_code == 422 and "已提交" in r.json()["errors"]["status"]
    r = post(c, f"{BASE}/applications/{apps['mine'].pk}/revise")
    assert r.status_code == 422 and "status" in r.json()["errors"]
    r = put(c, f"{BASE}/applications/{apps['mine'].pk}", body(title="偷偷修改"))
    assert r.status_code == 422 and "只有草稿可以修改" in r.json()["errors"]["status"]
    assert snapshot() == before


def test_others_cannot_write_or_submit(apps):
    before = snapshot()
    # In scope but not theirs to change: 403 with the reason.
    district = client(apps["users"]["district"])
    r = post(district, f"{BASE}/applications/{apps['mine'].pk}/submit")
    assert r.status_code == 403 and r.json()["detail"]
    staff = client(apps["users"]["staff"])
    assert put(staff, f"{BASE}/applications/{apps['theirs'].pk}", body()).status_code == 403
    # Out of scope: 404, whatever the method.
    e1 = client(apps["ent_user"])
    assert post(e1, f"{BASE}/applications/{apps['theirs'].pk}/submit").status_code == 404
    assert put(e1, f"{BASE}/applications/{apps['theirs'].pk}", body()).status_code == 404
    # Experts and institutes may not apply here.
    r = post(client(apps["users"]["expert"]), f"{BASE}/applications", {**body(), "call_id": apps["call"].pk})
    assert r.status_code == 403
    assert snapshot() == before


def test_validation_messages_name_the_field(prog):
    c = client(prog["ent_user"])
    before = snapshot()
    cases = [
        ({"requested_yuan": "6000000"}, "requested_yuan", "不能超过400万元"),
        ({"requested_yuan": 3000000.5}, "requested_yuan", "十进制字符串"),
        ({"requested_yuan": "abc"}, "requested_yuan", ""),
        ({"months": 99}, "months", "1至24个月"),
        ({"months": "x"}, "months", "整数"),
        ({"title": "长" * 201}, "title", "200"),
        ({"form_data": {"leader": "张" * 40}}, "form_data.leader", "项目负责人"),
        ({"unknown": 1}, "unknown", "不是可接受的字段"),
    ]
    for extra, field, words in cases:
        r = post(c, f"{BASE}/applications", {**body(), "call_id": prog["call"].pk, **extra})
        if field == "form_data.leader":
            # Drafts may be incomplete; the form is checked on submit.
            assert r.status_code == 201
            r = post(c, f"{BASE}/applications/{r.json()['id']}/submit")
            Application.objects.filter(pk__gt=0).delete()
        assert r.status_code == 422, (extra, r.content)
        errors = r.json()["errors"]
        assert field in errors and words in errors[field], (extra, errors)
    r = post(c, f"{BASE}/applications", {**body(), "call_id": 999999})
    assert r.status_code == 422 and "999999" in r.json()["errors"]["call_id"]
    r = post(c, f"{BASE}/applications", body())
    assert r.status_code == 422 and "call_id" in r.json()["errors"]
    assert snapshot() == before


def test_closed_call_is_refused_on_the_call_id_field(prog):
    services.close_call(prog["staff"], prog["call"], "截止")
    r = post(client(prog["ent_user"]), f"{BASE}/applications", {**body(), "call_id": prog["call"].pk})
    assert r.status_code == 422 and "不在申报期内" in r.json()["errors"]["call_id"]
    assert not Application.objects.exists()


def test_co_applicants_kept_unless_given(prog):
    c = client(prog["ent_user"])
    r = post(
        c,
        f"{BASE}/applications",
        {**body(), "call_id": prog["call"].pk, "co_applicant_ids": [prog["uni"].pk]},
    )
    pk = r.json()["id"]
    assert [o["name"] for o in r.json()["co_applicants"]] == ["山东理工大学"]
    r = put(c, f"{BASE}/applications/{pk}", body(title="新名称"))
    assert [o["name"] for o in r.json()["co_applicants"]] == ["山东理工大学"]
    r = put(c, f"{BASE}/applications/{pk}", {**body(), "co_applicant_ids": [987654]})
    assert r.status_code == 422 and "987654" in r.json()["errors"]["co_applicant_ids"]
    r = put(c, f"{BASE}/applications/{pk}", {**body(), "co_applicant_ids": []})
    assert r.json()["co_applicants"] == []


def test_session_writes_need_csrf(prog):
    c = Client(enforce_csrf_checks=True)
    c.force_login(prog["ent_user"])
    r = post(c, f"{BASE}/applications", {**body(), "call_id": prog["call"].pk})
    assert r.status_code == 403 and not Application.objects.exists()


# ------------------------------------------------------------------------------------- challenges


def challenge(status=Challenge.Status.POSTED, **fields) -> Challenge:
    values = {
        "title": "高温合金叶片无损检测", "problem": "叶片内部缺陷检出率低", "requirements": "检出0.2毫米缺陷",
        "bounty_yuan": Decimal(2_000_000), "deadline": dt.date.today() + dt.timedelta(days=10), "months": 12,
        "status": status,
    }  # fmt: skip
    return Challenge.objects.create(**{**values, **fields})


def bid(ch, org, status=Bid.Status.SUBMITTED) -> Bid:
    return Bid.objects.create(
        challenge=ch, organisation=org, leader="李明", plan="内部方案细节", requested_yuan=Decimal(1_500_000),
        months=12, status=status,
    )  # fmt: skip


def test_challenge_board_is_public_with_public_fields_only(prog):
    posted = challenge()
    challenge(Challenge.Status.DRAFT, title="未发布的榜")
    running = challenge(Challenge.Status.RUNNING, title="攻关中的榜")
    bid(posted, prog["e1"].organisation)
    bid(running, prog["e2"].organisation, Bid.Status.SELECTED)
    r = client().get(f"{BASE}/challenges")
    assert r.status_code == 200
    rows = {c["title"]: c for c in r.json()}
    assert set(rows) == {"高温合金叶片无损检测", "攻关中的榜"}
    # The count of bids is public, as on the board; who bid is not.
    assert rows["高温合金叶片无损检测"]["bids"] == 1 and rows["高温合金叶片无损检测"]["my_bid"] is None
    assert rows["高温合金叶片无损检测"]["poster"] == "市科技局"
    assert rows["高温合金叶片无损检测"]["bounty_yuan"] == "2000000.00"
    assert rows["攻关中的榜"]["teams"] == [
        {"organisation": "淄博乙材料有限公司", "status": "selected", "status_label": "入选"}
    ]
    assert "内部方案细节" not in r.content.decode() and "李明" not in r.content.decode()
    # A bad token is treated as no token: the public board still answers.
    bad = Client(headers={"authorization": "Bearer kc_nonsense"}).get(f"{BASE}/challenges")
    assert bad.status_code == 200 and len(bad.json()) == 2


def test_challenge_board_for_staff_and_bidders(prog):
    posted = challenge()
    challenge(Challenge.Status.DRAFT, title="未发布的榜")
    bid(posted, prog["e1"].organisation)
    staff = {c["title"]: c for c in client(prog["users"]["staff"]).get(f"{BASE}/challenges").json()}
    assert set(staff) == {"高温合金叶片无损检测", "未发布的榜"} and staff["高温合金叶片无损检测"]["bids"] == 1
    mine = client(prog["ent_user"]).get(f"{BASE}/challenges/{posted.pk}").json()
    assert mine["my_bid"] == "submitted" and mine["bids"] == 1
    draft = Challenge.objects.get(title="未发布的榜")
    assert client().get(f"{BASE}/challenges/{draft.pk}").status_code == 404
    assert client(prog["ent_user"]).get(f"{BASE}/challenges/{draft.pk}").status_code == 404
    r = client().get(f"{BASE}/challenges", {"status": "posted"})
    assert [c["id"] for c in r.json()] == [posted.pk]


# ----------------------------------------------------------------------------------------- awards


def test_awards_are_scoped_per_role(apps):
    mine = Award.objects.create(
        application=apps["mine"], call=apps["call"], amount_yuan=Decimal(2_000_000), status="contracted",
        contract_no="HT-2026-001",
    )  # fmt: skip
    Milestone.objects.create(award=mine, seq=1, title="样机试制", due_on=dt.date(2027, 6, 30))
    theirs = Award.objects.create(application=apps["theirs"], call=apps["call"], amount_yuan=Decimal(1))
    expected = {
        "staff": {mine.pk, theirs.pk}, "leader": {mine.pk, theirs.pk}, "district": {mine.pk},
        "other_district": {theirs.pk}, "enterprise": {mine.pk}, "institute": set(), "expert": set(),
    }  # fmt: skip
    for role, ids in expected.items():
        c = client(apps["users"][role])
        assert {a["id"] for a in c.get(f"{BASE}/awards").json()["items"]} == ids, role
        for award in (mine, theirs):
            assert c.get(f"{BASE}/awards/{award.pk}").status_code == (200 if award.pk in ids else 404)
    detail = client(apps["ent_user"]).get(f"{BASE}/awards/{mine.pk}").json()
    assert detail["milestones"][0]["title"] == "样机试制" and detail["amount_yuan"] == "2000000.00"
    assert detail["status_label"] == "已签订合同" and detail["title"] == GOOD["title"]
    assert client().get(f"{BASE}/awards").status_code == 401


# ------------------------------------------------------------------------------------ documentation


def test_openapi_document_is_valid_and_lists_the_routes(db):
    document = Client().get("/api/openapi.json").json()
    validate(document)
    paths = set(document["paths"])
    assert {
        f"{BASE}/calls", f"{BASE}/calls/{{call_id}}", f"{BASE}/applications",
        f"{BASE}/applications/{{application_id}}", f"{BASE}/applications/{{application_id}}/submit",
        f"{BASE}/challenges", f"{BASE}/awards", f"{BASE}/awards/{{award_id}}",
    } <= paths  # fmt: skip
    assert set(document["paths"][f"{BASE}/applications"]) == {"get", "post"}
