"""The policy pages per role: who may see and do what, the edit form, the run status and the export."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from kechuang.core.api_auth import issue_token
from kechuang.policies import services
from kechuang.policies.models import PolicyCase, PolicyVersion
from tests import factories as f

from .conftest import POLICY_YAML, publish_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(pcity, django_capture_on_commit_callbacks):
    version, run = publish_text(pcity["users"]["staff"], POLICY_YAML, django_capture_on_commit_callbacks)
    return {**pcity, "version": version, "policy": version.policy, "run": run}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("role", "library", "coverage", "edit"),
    [
        ("admin", 200, 200, 200),
        ("staff", 200, 200, 200),
        ("leader", 200, 200, 403),
        ("district", 200, 200, 403),
        ("enterprise", 403, 403, 403),
        ("institute", 403, 403, 403),
        ("expert", 403, 403, 403),
    ],
)
def test_page_access_by_role(published, role, library, coverage, edit):
    c = client_for(published["users"][role])
    pk = published["policy"].pk
    assert c.get("/policies/").status_code == library
    assert c.get(f"/policies/{pk}/coverage/").status_code == coverage
    assert c.get(f"/policies/{pk}/versions/new/").status_code == edit
    assert c.get("/policies/new/").status_code == edit


def test_package_scope(published):
    e1, e2 = published["e1"].pk, published["e2"].pk
    users = published["users"]
    assert client_for(users["enterprise"]).get("/policies/package/").status_code == 200
    assert client_for(users["enterprise"]).get(f"/policies/package/{e2}/").status_code == 403
    assert client_for(users["district"]).get(f"/policies/package/{e1}/").status_code == 200
    assert client_for(users["district"]).get(f"/policies/package/{e2}/").status_code == 403
    assert client_for(users["leader"]).get(f"/policies/package/{e2}/").status_code == 200
    for role in ("institute", "expert"):
        assert client_for(users[role]).get(f"/policies/package/{e1}/").status_code == 403
    page = client_for(users["enterprise"]).get("/policies/package/").content.decode()
    assert "研发投入后补助" in page and "可享受的政策（1 项）" in page


def test_district_coverage_page_shows_only_its_district(published):
    page = client_for(published["users"]["district"]).get(f"/policies/{published['policy'].pk}/coverage/")
    text = page.content.decode()
    assert "张店区" in text and "淄川区" not in text
    assert "淄博甲科技有限公司" in text and "淄博乙材料有限公司" not in text


def test_new_version_through_the_form_with_a_dated_threshold(published):
    staff = client_for(published["users"]["staff"])
    policy = published["policy"]
    form = staff.get(f"/policies/{policy.pk}/versions/new/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "version": "2026.1",
            "note": "下调门槛",
            "p_min_intensity_value": "4",
            "p_min_intensity_from": "2025-01-01",
            "p_min_intensity_reference": "淄科发〔2026〕2号 第三条",
            "c_intensity_text": "研发费用占营业收入比例不低于4%",
        }
    )
    data["effective_from"] = "2020-01-01"
    data["auto_grant"] = ""
    response = staff.post(f"/policies/{policy.pk}/versions/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else None
    draft = PolicyVersion.objects.get(policy=policy, number=2)
    assert draft.status == PolicyVersion.Status.DRAFT and draft.label == "2026.1"
    compiled = services.declarations.compile_text(draft.yaml_text)
    values = [(v.start.isoformat(), str(v.value)) for v in compiled.parameters["min_intensity"].values]
    assert values == [("2020-01-01", "1/20"), ("2025-01-01", "1/25")]
    assert compiled.condition("intensity").text_zh == "研发费用占营业收入比例不低于4%"
    assert compiled.condition("integrity").reference == "淄科发〔2025〕1号 第四条"
    # The preview on the draft's page counts e2 (4 %) as eligible now; nothing is published yet.
    page = staff.get(f"/policies/versions/{draft.pk}/")
    assert page.context["preview"]["totals"]["eligible"] == 2
    assert published["policy"].current_version_id == published["version"].pk


def test_form_refuses_a_new_value_without_reference_and_bad_yaml(published):
    staff = client_for(published["users"]["staff"])
    policy = published["policy"]
    form = staff.get(f"/policies/{policy.pk}/versions/new/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "effective_from": "2020-01-01",
            "p_min_intensity_value": "4",
            "p_min_intensity_from": "2025-01-01",
        }
    )
    response = staff.post(f"/policies/{policy.pk}/versions/new/", data)
    assert response.status_code == 200
    assert "每个数值都要注明出处" in str(response.context["form"].errors)
    data.update({"p_min_intensity_value": "", "yaml_text": POLICY_YAML.replace("routes:", "routes: [")})
    response = staff.post(f"/policies/{policy.pk}/versions/new/", data)
    assert "政策定义有误（第" in response.content.decode()
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_leader_cannot_publish(published, django_capture_on_commit_callbacks):
    draft = services.save_draft(
        published["users"]["staff"], policy=published["policy"], yaml_text=POLICY_YAML, auto_grant=False
    )
    response = client_for(published["users"]["leader"]).post(f"/policies/versions/{draft.pk}/publish/")
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_publish_view_redirects_to_coverage_with_run_progress(published, django_capture_on_commit_callbacks):
    staff = client_for(published["users"]["staff"])
    draft = services.save_draft(
        published["users"]["staff"], policy=published["policy"], yaml_text=POLICY_YAML, auto_grant=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/policies/versions/{draft.pk}/publish/")
    assert response.status_code == 302 and "/coverage/?run=" in response.url
    run_id = response.url.rsplit("=", 1)[1]
    fragment = staff.get(f"/policies/runs/{run_id}/").content.decode()
    assert 'data-status="done"' in fragment and "3 / 3" in fragment


def test_export_of_the_auto_grant_list(pcity, django_capture_on_commit_callbacks):
    version, _run = publish_text(
        pcity["users"]["staff"], POLICY_YAML, django_capture_on_commit_callbacks, auto_grant=True
    )
    response = client_for(pcity["users"]["staff"]).get(f"/policies/{version.policy.pk}/coverage/export.xlsx")
    assert response.status_code == 200
    assert "免申即享名单" in response["Content-Disposition"] or "%E5%85%8D" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("统一社会信用代码", "企业名称", "所属区县")
    assert [r[1] for r in rows[1:]] == ["淄博甲科技有限公司"]
    assert rows[1][-1] == "已兑现"
    # District staff of the other district export an empty list.
    other = client_for(pcity["users"]["other_district"]).get(
        f"/policies/{version.policy.pk}/coverage/export.xlsx"
    )
    assert len(list(load_workbook(io.BytesIO(other.content)).active.iter_rows())) == 1


def test_enterprise_marks_applied_and_staff_grant(published):
    users, policy = published["users"], published["policy"]
    assert client_for(users["enterprise"]).post(f"/policies/{policy.pk}/apply/").status_code == 302
    case = PolicyCase.objects.get(enterprise=published["e1"], policy=policy)
    assert case.state == PolicyCase.State.APPLIED
    assert (
        client_for(users["leader"]).post(f"/policies/{policy.pk}/grant/{published['e1'].pk}/").status_code
        == 403
    )
    assert (
        client_for(users["district"]).post(f"/policies/{policy.pk}/grant/{published['e1'].pk}/").status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == PolicyCase.State.GRANTED
    cov = services.coverage(users["staff"], policy)["totals"]
    assert (cov["eligible"], cov["applied"], cov["granted"]) == (1, 1, 1)


def test_home_panels(published):
    assert "我的政策包" in client_for(published["users"]["enterprise"]).get("/").content.decode()
    assert "惠企政策兑现" in client_for(published["users"]["district"]).get("/").content.decode()
    assert "惠企政策兑现" not in client_for(published["users"]["expert"]).get("/").content.decode()


def _api(user) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(user, 'test')}"})


def test_api_package_and_coverage_scoping(published):
    users, e1, e2 = published["users"], published["e1"].pk, published["e2"].pk
    body = _api(users["enterprise"]).get(f"/api/policies/package/{e1}").json()
    assert [i["policy"] for i in body["eligible"]] == ["rd_voucher"]
    cond = body["eligible"][0]["conditions"][0]
    assert (cond["value"], cond["threshold"], cond["value_display"]) == ("0.06", "0.05", "6.00%")
    assert _api(users["enterprise"]).get(f"/api/policies/package/{e2}").status_code == 404
    near = _api(users["leader"]).get(f"/api/policies/package/{e2}").json()["near"][0]
    assert near["conditions"][0]["gap"] == "0.01"
    assert _api(users["expert"]).get(f"/api/policies/package/{e1}").status_code == 403
    cov = _api(users["district"]).get("/api/policies/rd_voucher/coverage").json()
    assert [r["district"] for r in cov["rows"]] == ["张店区"] and cov["totals"]["eligible"] == 1
    assert _api(users["enterprise"]).get("/api/policies/rd_voucher/coverage").status_code == 403
    assert _api(users["staff"]).get("/api/policies/nope/coverage").status_code == 404
    listing = _api(users["staff"]).get("/api/policies/").json()
    assert listing[0]["code"] == "rd_voucher" and listing[0]["eligible"] == 1


def test_new_policy_page_creates_a_draft(pcity):
    staff = client_for(pcity["users"]["staff"])
    response = staff.post("/policies/new/", {"yaml_text": POLICY_YAML, "auto_grant": "on"})
    assert response.status_code == 302
    version = PolicyVersion.objects.get()
    assert version.status == PolicyVersion.Status.DRAFT and version.auto_grant
    again = staff.post("/policies/new/", {"yaml_text": POLICY_YAML})
    assert "已存在" in again.content.decode()
    f.enterprise(pcity["zd"])  # an enterprise without any facts comes out unknown in the preview
    preview = staff.get(f"/policies/versions/{version.pk}/").context["preview"]
    assert preview["totals"]["unknown"] == 2


def test_openapi_describes_the_policy_routes(pcity):
    from openapi_spec_validator import validate

    spec = client_for(pcity["users"]["staff"]).get("/api/openapi.json").json()
    validate(spec)
    assert {
        "/api/policies/",
        "/api/policies/package/{enterprise_id}",
        "/api/policies/{code}/coverage",
    } <= set(spec["paths"])


def test_unfinished_run_is_polled_and_a_finished_one_is_not(pcity):
    from kechuang.policies.models import PolicyRun

    staff = client_for(pcity["users"]["district"])
    queued = PolicyRun.objects.create(
        kind=PolicyRun.Kind.FACTS, total=10, done=4, status=PolicyRun.Status.RUNNING
    )
    fragment = staff.get(f"/policies/runs/{queued.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "4 / 10" in fragment
    queued.status = PolicyRun.Status.DONE
    queued.save()
    assert "hx-trigger" not in staff.get(f"/policies/runs/{queued.pk}/").content.decode()
    assert client_for(pcity["users"]["enterprise"]).get(f"/policies/runs/{queued.pk}/").status_code == 403


def test_policy_pages_show_no_raw_codes(pcity):
    """A Chinese page names the issuing level and the conditions in words: no `province`, no
    `rd_intensity`, no `high_tech`."""
    import re

    from kechuang.policies.models import Policy

    services.load_builtin(pcity["users"]["staff"])
    c = client_for(pcity["users"]["staff"])
    pages = [
        (f"/policies/{Policy.objects.get(code=code).pk}/", level)
        for code, level in (("gazelle", "省级"), ("high_tech", "国家"))
    ]
    pages.append(("/policies/", "国家"))
    for url, level in pages:
        html = c.get(url).content.decode()
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))
        assert level in text
        for raw in ("province", "rd_intensity", "high_tech", "gazelle", "min_rd_intensity"):
            assert raw not in text, raw
