"""Evaluation, storage, versioning, cases and notifications of the policy library, on the database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import Notification
from kechuang.enterprises.signals import facts_imported
from kechuang.policies import services
from kechuang.policies.models import Policy, PolicyCase, PolicyResult, PolicyRun, PolicyVersion
from tests import factories as f

from .conftest import POLICY_YAML, publish_text

pytestmark = pytest.mark.django_db


def _current(policy) -> dict[int, str]:
    rows = PolicyResult.objects.filter(version__policy=policy, is_current=True)
    return dict(rows.values_list("enterprise_id", "status"))


def test_publish_evaluates_every_enterprise_three_valued(pcity, django_capture_on_commit_callbacks):
    staff = pcity["users"]["staff"]
    version, run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == PolicyRun.Status.DONE and run.done == run.total == 3
    assert _current(version.policy) == {
        pcity["e1"].pk: "eligible",
        pcity["e2"].pk: "ineligible",
        pcity["e3"].pk: "unknown",
    }
    near = PolicyResult.objects.get(enterprise=pcity["e2"], version=version)
    assert near.fiscal_year == 2025 and near.failed == ["rd_voucher.intensity"]
    assert near.gap == pytest.approx(0.2)  # (5 % − 4 %) / 5 %
    unknown = PolicyResult.objects.get(enterprise=pcity["e3"], version=version)
    assert unknown.missing == ["dishonest"]


def test_publishing_v2_keeps_v1_and_its_results(pcity, django_capture_on_commit_callbacks):
    staff = pcity["users"]["staff"]
    v1, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    v2_text = POLICY_YAML.replace('version: "2025.1"', 'version: "2025.2"').replace(
        "value: 0.05", "value: 0.04"
    )
    v2, _run = publish_text(staff, v2_text, django_capture_on_commit_callbacks, policy=v1.policy)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (PolicyVersion.Status.RETIRED, PolicyVersion.Status.PUBLISHED)
    assert v2.number == 2 and v2.policy.current_version_id == v2.pk
    # v1's results are still stored, unchanged, but no longer current.
    old = dict(PolicyResult.objects.filter(version=v1).values_list("enterprise_id", "status"))
    assert old[pcity["e2"].pk] == "ineligible"
    assert not PolicyResult.objects.filter(version=v1, is_current=True).exists()
    assert _current(v1.policy)[pcity["e2"].pk] == "eligible"  # 4 % now meets the lowered threshold


def test_newly_eligible_enterprise_is_notified_once_by_app_and_mail(
    pcity, django_capture_on_commit_callbacks
):
    staff = pcity["users"]["staff"]
    publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    ent_user = pcity["users"]["enterprise"]  # the user of e1, which qualifies
    assert Notification.objects.filter(user=ent_user, title__contains="研发投入后补助").count() == 1
    assert [m.to for m in mail.outbox] == [["ent@example.com"]]
    assert PolicyCase.objects.get(enterprise=pcity["e1"]).state == PolicyCase.State.NOTIFIED
    # Re-evaluating an enterprise that already has a case does not notify it again.
    with django_capture_on_commit_callbacks(execute=True):
        services.on_facts_changed([pcity["e1"].pk])
    assert Notification.objects.filter(user=ent_user).count() == 1
    assert len(mail.outbox) == 1


def test_facts_imported_signal_reevaluates_and_notifies_the_newly_qualified(
    pcity, django_capture_on_commit_callbacks
):
    staff = pcity["users"]["staff"]
    version, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    e2 = pcity["e2"]
    e2_user = f.user(f.Role.ENTERPRISE, "ent_e2", organisation=e2.organisation, email="e2@example.com")
    mail.outbox.clear()
    fact = e2.facts.get(year=2025)
    fact.rd_expense = Decimal("1500000")  # 5 %: exactly on the threshold, which qualifies
    fact.save()
    with django_capture_on_commit_callbacks(execute=True):
        facts_imported.send(sender=None, enterprise_ids=[e2.pk], user=staff)
    run = PolicyRun.objects.filter(kind=PolicyRun.Kind.FACTS).get()
    assert (run.status, run.done, run.total) == (PolicyRun.Status.DONE, 1, 1)
    assert run.counts["newly"] == 1
    assert _current(version.policy)[e2.pk] == "eligible"
    assert Notification.objects.filter(user=e2_user).count() == 1
    assert [m.to for m in mail.outbox] == [["e2@example.com"]]
    # The earlier (ineligible) result of the same version and year was replaced, not duplicated.
    assert PolicyResult.objects.filter(enterprise=e2, version=version).count() == 1


def test_auto_grant_policy_grants_without_application(pcity, django_capture_on_commit_callbacks):
    version, _run = publish_text(
        pcity["users"]["staff"], POLICY_YAML, django_capture_on_commit_callbacks, auto_grant=True
    )
    case = PolicyCase.objects.get(enterprise=pcity["e1"], policy=version.policy)
    assert case.state == PolicyCase.State.GRANTED and case.auto_granted
    assert "免申即享" in Notification.objects.get(user=pcity["users"]["enterprise"]).title
    cov = services.coverage(pcity["users"]["staff"], version.policy)
    assert (cov["totals"]["eligible"], cov["totals"]["granted"], cov["totals"]["rate"]) == (1, 1, 1.0)


def test_coverage_is_scoped_to_the_district(pcity, django_capture_on_commit_callbacks):
    version, _run = publish_text(pcity["users"]["staff"], POLICY_YAML, django_capture_on_commit_callbacks)
    city = services.coverage(pcity["users"]["leader"], version.policy)
    assert {r["district"].name: r["eligible"] + r["ineligible"] + r["unknown"] for r in city["rows"]} == {
        "张店区": 2,
        "淄川区": 1,
    }
    zd = services.coverage(pcity["users"]["district"], version.policy)
    assert [r["district"].name for r in zd["rows"]] == ["张店区"]
    assert (zd["totals"]["eligible"], zd["totals"]["unknown"], zd["totals"]["ineligible"]) == (1, 1, 0)
    with pytest.raises(PermissionDenied):
        services.coverage(pcity["users"]["enterprise"], version.policy)


def test_package_orders_and_explains(pcity, django_capture_on_commit_callbacks):
    staff = pcity["users"]["staff"]
    publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    stricter = (
        POLICY_YAML.replace("rd_voucher", "rd_star")
        .replace("研发投入后补助", "研发之星")
        .replace("0.05", "0.10")
    )
    publish_text(staff, stricter, django_capture_on_commit_callbacks)
    pkg = services.package(staff, pcity["e2"], on=dt.date(2026, 6, 1))
    near = pkg["near"]
    # 4 % against 5 % is 20 % short: near. Against 10 % it is 60 % short: not "接近符合".
    assert [i["policy"].code for i in near] == ["rd_voucher"]
    assert [i["policy"].code for i in pkg["far"]] == ["rd_star"]
    gap = near[0]["gaps"][0]
    assert gap["value"] == "4.00%" and gap["threshold"] == "5.00%" and gap["gap"] == "1.00 个百分点"
    unknown = services.package(staff, pcity["e3"], on=dt.date(2026, 6, 1))["unknown"]
    assert unknown and unknown[0]["missing"] == ["2025年存在科研严重失信行为或列入失信名单"]


def test_near_is_a_setting(pcity, django_capture_on_commit_callbacks, settings):
    staff = pcity["users"]["staff"]
    publish_text(staff, POLICY_YAML.replace("0.05", "0.10"), django_capture_on_commit_callbacks)
    settings.KECHUANG_NEAR_GAP = 0.6
    pkg = services.package(staff, pcity["e2"], on=dt.date(2026, 6, 1))
    assert [i["policy"].code for i in pkg["near"]] == ["rd_voucher"] and not pkg["far"]
    settings.KECHUANG_NEAR_GAP = 0.59
    pkg = services.package(staff, pcity["e2"], on=dt.date(2026, 6, 1))
    assert not pkg["near"] and [i["policy"].code for i in pkg["far"]] == ["rd_voucher"]


def test_preview_counts_without_storing(pcity, django_capture_on_commit_callbacks):
    staff = pcity["users"]["staff"]
    draft = services.save_draft(staff, policy=None, yaml_text=POLICY_YAML, auto_grant=False)
    data = services.preview(draft, staff, on=dt.date(2026, 6, 1))
    assert data["totals"] == {"eligible": 1, "ineligible": 1, "unknown": 1}
    assert [e["name"] for e in data["eligible"]] == ["淄博甲科技有限公司"]
    assert not PolicyResult.objects.exists()
    assert data["near"][0]["failed"] == ["研发投入强度"]


def test_bad_declaration_names_line_and_rule(pcity):
    bad = POLICY_YAML.replace("{fact: rd_expense}", "{fact: rd_spend}")
    with pytest.raises(ValidationError) as exc:
        services.save_draft(pcity["users"]["staff"], policy=None, yaml_text=bad, auto_grant=False)
    message = exc.value.message_dict["yaml_text"][0]
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "rd_spend" in text)
    assert f"第 {line} 行" in message and "rd_spend" in message
    assert not PolicyVersion.objects.exists()


def test_roles_that_may_not_edit(pcity):
    for role in ("leader", "district", "enterprise", "institute", "expert"):
        with pytest.raises(PermissionDenied):
            services.save_draft(pcity["users"][role], policy=None, yaml_text=POLICY_YAML, auto_grant=False)


def test_load_builtin_and_demo_step(pcity):
    from kechuang.policies.demo import load_policies

    class Out:
        lines: list[str] = []

        def write(self, text):
            self.lines.append(text)

    load_policies({"today": dt.date(2026, 6, 1)}, Out())
    codes = set(PolicyVersion.objects.filter(status="published").values_list("policy__code", flat=True))
    assert {"high_tech", "tech_sme", "rd_super_deduction", "gazelle"} <= codes
    # rd_super_deduction is a 免申即享 policy: e1 has R&D expense and a manufacturing code.
    case = PolicyCase.objects.get(enterprise=pcity["e1"], policy__code="rd_super_deduction")
    assert case.state == PolicyCase.State.GRANTED
    assert PolicyResult.objects.filter(is_current=True).count() == 3 * len(codes)


def test_a_late_run_of_a_retired_version_does_not_overwrite(pcity, django_capture_on_commit_callbacks):
    staff = pcity["users"]["staff"]
    v1, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    v2_text = POLICY_YAML.replace("value: 0.05", "value: 0.04")
    v2, _run = publish_text(staff, v2_text, django_capture_on_commit_callbacks, policy=v1.policy)
    late = PolicyRun.objects.create(kind=PolicyRun.Kind.PUBLISH, version=v1)
    services.execute_run(late.pk)
    current = PolicyResult.objects.filter(version__policy=v1.policy, is_current=True)
    assert set(current.values_list("version_id", flat=True)) == {v2.pk}
    assert services.execute_run(late.pk) is None  # a run is carried out once


def test_policy_admin_command(pcity):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("policy_admin", "load-builtin", stdout=out)
    assert "载入 4 项政策" in out.getvalue()
    call_command("policy_admin", "reevaluate", "--enterprise", str(pcity["e1"].pk), stdout=out)
    assert "判定 1 家企业" in out.getvalue()
    assert PolicyResult.objects.filter(enterprise=pcity["e1"], is_current=True).count() == 4
    assert not PolicyResult.objects.filter(enterprise=pcity["e2"]).exists()
    with pytest.raises(CommandError):
        call_command("policy_admin", "reevaluate", "--enterprise", "999999", stdout=out)


def test_package_shows_the_gaps_of_the_closest_route(pcity, django_capture_on_commit_callbacks):
    two_routes = (
        POLICY_YAML.replace(
            "all: [intensity, integrity]",
            "all: [intensity, integrity]\n  - id: large\n    label_zh: 规模路径\n    all: [revenue, integrity]",
        )
        .replace(
            "  - id: integrity\n",
            "  - id: revenue\n    text_zh: 营业收入不低于10亿元\n    label_zh: 营业收入\n    reference: 同上\n"
            "    test: {ge: [{fact: revenue}, 1000000000]}\n  - id: integrity\n",
        )
        .replace("label_zh: 申报条件", "label_zh: 研发路径")
    )
    publish_text(pcity["users"]["staff"], two_routes, django_capture_on_commit_callbacks)
    item = services.package(pcity["users"]["staff"], pcity["e2"], on=dt.date(2026, 6, 1))["near"][0]
    assert item["route_hint"] == "研发路径"
    assert [c["id"] for c in item["gaps"]] == ["intensity"]  # not the 10亿 revenue of the other route


def test_a_threshold_must_have_a_value_from_the_first_day(pcity):
    late = POLICY_YAML.replace("{from: 2020-01-01, value: 0.05", "{from: 2021-01-01, value: 0.05")
    with pytest.raises(ValidationError) as exc:
        services.save_draft(pcity["users"]["staff"], policy=None, yaml_text=late, auto_grant=False)
    assert "min_intensity" in exc.value.message_dict["yaml_text"][0]
    assert not PolicyVersion.objects.exists()


def test_editing_facts_through_the_service_reevaluates_the_enterprise(
    pcity, django_capture_on_commit_callbacks
):
    from kechuang.enterprises.facts_service import save_facts

    staff = pcity["users"]["staff"]
    version, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)
    e2 = pcity["e2"]
    assert _current(version.policy)[e2.pk] != "eligible"
    with django_capture_on_commit_callbacks(execute=True):
        save_facts(staff, e2, 2025, {"rd_expense": "1500000"})
    assert _current(version.policy)[e2.pk] == "eligible"


def test_a_city_variant_stands_beside_the_provincial_policy(pcity):
    staff = pcity["users"]["staff"]
    services.load_builtin(staff)
    provincial = (services.BUILTIN_DIR / "gazelle.yaml").read_text(encoding="utf-8")
    city_text = provincial.replace("jurisdiction: province", "jurisdiction: '370300'")
    version = services.save_draft(staff, policy=None, yaml_text=city_text, auto_grant=False)
    assert sorted(Policy.objects.filter(code="gazelle").values_list("jurisdiction", flat=True)) == [
        "370300",
        "province",
    ]
    # The same code in the same jurisdiction is still refused, naming the field and the rule.
    with pytest.raises(ValidationError) as refused:
        services.save_draft(staff, policy=None, yaml_text=city_text, auto_grant=False)
    assert "yaml_text" in refused.value.message_dict
    # And a version cannot move a policy to another jurisdiction.
    with pytest.raises(ValidationError):
        services.save_draft(staff, policy=version.policy, yaml_text=provincial, auto_grant=False)
