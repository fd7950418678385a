import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kechuang.policies.models import PolicyResult
from kechuang.programs import services
from kechuang.programs.models import Application, Call
from tests import factories as f
from tests.programs.conftest import GOOD, policy_result, snapshot

pytestmark = pytest.mark.django_db


def _submitted(prog, user=None, **changes):
    user = user or prog["ent_user"]
    app = services.save_draft(user, prog["call"], {**GOOD, **changes})
    return services.submit(user, app)


def test_seeded_types_follow_programme_rules(prog):
    types = {t.code: t for t in services.ProgrammeType.objects.all()}
    assert types["major_breakthrough"].max_grant_yuan == Decimal(5_000_000)
    assert types["major_breakthrough"].max_months == 24
    assert types["major_transfer"].max_grant_yuan == Decimal(3_000_000)
    assert types["major_transfer"].max_months == 12
    assert types["major_transfer"].support == "interest_subsidy"
    assert types["open_challenge"].kind == "challenge"
    services.seed_programme_types()  # idempotent
    assert services.ProgrammeType.objects.count() == 3


@pytest.mark.parametrize("role", ["enterprise", "district", "leader", "expert", "institute"])
def test_only_city_staff_manage_calls(prog, role):
    before = snapshot()
    user = prog["users"][role]
    with pytest.raises(PermissionDenied):
        services.save_call(user, {"title": "x"})
    with pytest.raises(PermissionDenied):
        services.close_call(user, prog["call"])
    assert snapshot() == before


def test_call_rules_name_the_field(prog):
    staff = prog["staff"]
    base = {
        "programme_type": prog["call"].programme_type, "year": 2026, "title": "通知", "guide": "指南",
        "budget_cap_yuan": Decimal(6_000_000), "opens_on": dt.date(2026, 3, 1), "closes_on": dt.date(2026, 4, 1),
    }  # fmt: skip
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.save_call(staff, base)
    assert "budget_cap_yuan" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_call(staff, {**base, "budget_cap_yuan": 1, "closes_on": dt.date(2026, 2, 1)})
    assert "closes_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_call(staff, {**base, "budget_cap_yuan": 1, "eligibility": ["no_such_policy"]})
    assert "no_such_policy" in str(exc.value.message_dict["eligibility"])
    with pytest.raises(ValidationError) as exc:
        services.save_call(
            staff,
            {
                **base,
                "budget_cap_yuan": 1,
                "form_schema": {"type": "object", "properties": {"a": {"type": "array"}}},
            },
        )
    assert "form_schema" in exc.value.message_dict
    assert snapshot() == before


def test_call_workflow_is_logged_and_guarded(prog):
    call, staff = prog["call"], prog["staff"]
    logs = list(call.transitions.order_by("pk").values_list("from_status", "to_status", "actor"))
    assert logs == [
        ("draft", "in_review", staff.pk),
        ("in_review", "approved", prog["users"]["leader"].pk),
        ("approved", "published", staff.pk),
    ]
    with pytest.raises(ValidationError) as exc:
        services.publish_call(staff, call)
    assert "status" in exc.value.message_dict
    call = services.close_call(staff, call, "截止")
    assert call.status == Call.Status.CLOSED
    assert call.history.count() >= 3


def test_editing_a_draft_calls_form_bumps_its_version(prog):
    staff = prog["staff"]
    call = services.save_call(
        staff, {**{k: getattr(prog["call"], k) for k in services.CALL_FIELDS}, "title": "草稿"}
    )
    assert call.schema_version == 1
    schema = {**services.DEFAULT_SCHEMA, "required": ["leader"]}
    call = services.save_call(staff, {"form_schema": schema}, call)
    assert call.schema_version == 2


@pytest.mark.parametrize("role", ["staff", "district", "leader", "expert"])
def test_only_enterprises_and_institutes_apply(prog, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.save_draft(prog["users"][role], prog["call"], GOOD)
    assert snapshot() == before


def test_enterprise_cannot_touch_another_organisations_application(prog):
    app = services.save_draft(prog["ent_user"], prog["call"], GOOD)
    other = f.user(f.Role.ENTERPRISE, "ent_other", organisation=prog["e2"].organisation)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.save_draft(other, prog["call"], {**GOOD, "title": "改"}, app)
    with pytest.raises(PermissionDenied):
        services.submit(other, app)
    assert snapshot() == before
    assert not services.visible_applications(other).filter(pk=app.pk).exists()
    assert services.visible_applications(prog["users"]["district"]).filter(pk=app.pk).exists()
    assert not services.visible_applications(prog["users"]["other_district"]).filter(pk=app.pk).exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"requested_yuan": Decimal("4000000.01")}, "requested_yuan"),  # call cap 400万 < type cap 500万
        ({"requested_yuan": Decimal(0)}, "requested_yuan"),
        ({"months": 25}, "months"),
        ({"months": 0}, "months"),
    ],
)
def test_caps_refuse_and_change_nothing(prog, changes, field):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.save_draft(prog["ent_user"], prog["call"], {**GOOD, **changes})
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_cap_at_the_boundary_is_allowed(prog):
    app = services.save_draft(prog["ent_user"], prog["call"], {**GOOD, "requested_yuan": Decimal(4_000_000)})
    assert services.submit(prog["ent_user"], app).status == Application.Status.SUBMITTED


@pytest.mark.parametrize(
    "form_data, key",
    [
        ({"goals": "x"}, "form_data.leader"),
        ({"leader": "张" * 33, "goals": "x"}, "form_data.leader"),
        ({"leader": 5, "goals": "x"}, "form_data.leader"),
        ({"leader": "张伟", "goals": "x", "staff": 1.5}, "form_data.staff"),
        ({"leader": "张伟", "goals": "x", "staff": 0}, "form_data.staff"),
        ({"leader": "张伟", "goals": "x", "staff": 501}, "form_data.staff"),
        ({"leader": "张伟", "goals": "x", "staff": True}, "form_data.staff"),
        ({"leader": "张伟", "goals": "x", "self_funding_yuan": -1}, "form_data.self_funding_yuan"),
        ({"leader": "张伟", "goals": "x", "extra": 1}, "form_data"),
    ],
)
def test_submit_validates_the_form_against_the_schema(prog, form_data, key):
    user = prog["ent_user"]
    app = services.save_draft(user, prog["call"], {**GOOD, "form_data": form_data})
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.submit(user, app)
    assert key in exc.value.message_dict
    assert snapshot() == before
    app.refresh_from_db()
    assert app.status == Application.Status.DRAFT


def test_schema_validator_accepts_valid_data():
    data = {"leader": "张伟", "goals": "目标", "staff": 3, "self_funding_yuan": "12.5"}
    assert services.validate_form_data(services.DEFAULT_SCHEMA, data) == data


def test_submit_only_while_the_call_is_open(prog):
    user = prog["ent_user"]
    app = services.save_draft(user, prog["call"], GOOD)
    Call.objects.filter(pk=prog["call"].pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.submit(user, app)
    assert "call" in exc.value.message_dict
    assert snapshot() == before


def test_submit_refuses_a_draft_filled_against_an_old_form(prog):
    user = prog["ent_user"]
    app = services.save_draft(user, prog["call"], GOOD)
    Call.objects.filter(pk=prog["call"].pk).update(schema_version=2)
    with pytest.raises(ValidationError) as exc:
        services.submit(user, app)
    assert "schema_version" in exc.value.message_dict


def _by_code(findings):
    return {x.code: x for x in findings}


def test_formal_check_all_clear(prog):
    app = _submitted(prog)
    found = _by_code(services.formal_check(prog["staff"], app))
    assert all(x.ok for x in found.values()), [x.text for x in found.values() if not x.ok]
    assert {"eligibility:high_tech", "integrity", "budget", "duration", "duplicate_call", "similar"} <= set(
        found
    )


def test_formal_check_names_failing_policy_conditions_and_integrity(prog):
    PolicyResult.objects.filter(enterprise=prog["e1"]).update(is_current=False)
    policy_result(
        prog["e1"], PolicyResult.Status.INELIGIBLE, failed=["high_tech.ip"], missing=["rd_staff"], year=2024
    )
    f.facts(prog["e1"], 2026, dishonest=True)
    found = _by_code(services.formal_check(prog["staff"], _submitted(prog)))
    elig = found["eligibility:high_tech"]
    assert not elig.ok
    assert "Ⅰ类与Ⅱ类知识产权合计" in elig.text and "研发人员数" in elig.text
    assert not found["integrity"].ok and "2026" in found["integrity"].text


def test_formal_check_without_policy_result_or_facts(prog):
    PolicyResult.objects.all().delete()
    prog["e1"].facts.all().delete()
    found = _by_code(services.formal_check(prog["staff"], _submitted(prog)))
    assert not found["eligibility:high_tech"].ok and "尚无" in found["eligibility:high_tech"].text
    assert not found["integrity"].ok


def test_formal_check_finds_duplicates_and_near_identical_text(prog):
    user = prog["ent_user"]
    first = _submitted(prog)
    # Same applicant, same call, a reworded title: both duplicate rules fire.
    second = _submitted(prog, title="氮化硅陶瓷轴承球近净成形技术研究", abstract=GOOD["abstract"] + "项目")
    found = _by_code(services.formal_check(prog["staff"], second))
    assert not found["duplicate_call"].ok and GOOD["title"] in found["duplicate_call"].text
    assert not found[f"similar:{first.pk}"].ok
    # A different project on a neighbouring topic is not flagged.
    services.decide(prog["staff"], second, "return", "重复")
    third = _submitted(
        prog, user=user, title="高纯电子级氢氟酸连续精馏工艺",
        abstract="突破电子级氢氟酸深度除杂和连续精馏技术，产品达到SEMI G4标准，建成千吨级示范线。",
    )  # fmt: skip
    found = _by_code(services.formal_check(prog["staff"], third))
    assert found["similar"].ok


def test_similarity_is_exact_and_bounded():
    assert services.similarity("陶瓷轴承", "陶瓷轴承") == 1
    assert services.similarity("陶瓷轴承", "电池回收") == 0
    assert 0 < services.similarity("陶瓷轴承球", "陶瓷轴承") < 1


def test_formal_check_is_staff_only_and_needs_submission(prog):
    user = prog["ent_user"]
    draft = services.save_draft(user, prog["call"], GOOD)
    with pytest.raises(ValidationError):
        services.formal_check(prog["staff"], draft)
    app = services.submit(user, draft)
    for role in ("enterprise", "district", "leader"):
        with pytest.raises(PermissionDenied):
            services.formal_check(prog["users"][role], app)
    assert not app.findings.exists()


def test_decision_rules(prog):
    staff, app = prog["staff"], _submitted(prog)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.decide(staff, app, "pass")
    assert "findings" in exc.value.message_dict
    assert snapshot() == before
    services.formal_check(staff, app)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.decide(staff, app, "return")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide(staff, app, "approve")
    assert "decision" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.decide(prog["users"]["leader"], app, "pass")
    assert snapshot() == before
    app = services.decide(staff, app, "pass")
    assert app.status == Application.Status.FORMAL_PASSED
    log = app.transitions.last()
    assert (log.action, log.from_status, log.to_status, log.actor) == (
        "pass",
        "submitted",
        "formal_passed",
        staff,
    )
    with pytest.raises(ValidationError):
        services.decide(staff, app, "return", "晚了")


def test_passing_over_a_problem_needs_a_reason(prog):
    prog["e1"].facts.all().delete()
    staff, app = prog["staff"], _submitted(prog)
    services.formal_check(staff, app)
    with pytest.raises(ValidationError) as exc:
        services.decide(staff, app, "pass")
    assert "reason" in exc.value.message_dict
    assert services.decide(staff, app, "pass", "已核实信用中国查询结果").decision_reason


def test_returned_application_can_be_revised_and_resubmitted(prog):
    user, staff = prog["ent_user"], prog["staff"]
    app = _submitted(prog)
    services.formal_check(staff, app)
    services.decide(staff, app, "return", "请补充自筹资金")
    app = services.revise(user, app)
    app = services.save_draft(
        user, prog["call"], {"form_data": {**GOOD["form_data"], "self_funding_yuan": 100}}, app
    )
    app = services.submit(user, app)
    assert [t.action for t in app.transitions.all()] == ["submit", "return", "revise", "submit"]


def test_wan_prints_plainly():
    assert str(services.wan(Decimal(4_000_000))) == "400"
    assert str(services.wan(Decimal("12345.00"))) == "1.2345"


def test_formal_check_flags_the_same_leader_carrying_two_projects(prog):
    first = _submitted(prog)
    other = {**GOOD["form_data"], "leader": "李娜"}
    second = _submitted(
        prog, title="高纯电子级氢氟酸连续精馏工艺", abstract="突破电子级氢氟酸深度除杂和连续精馏技术。",
        form_data=other,
    )  # fmt: skip
    found = _by_code(services.formal_check(prog["staff"], second))
    assert found["same_team"].ok
    third = _submitted(prog, title="伺服压力机高动态控制系统研制", abstract="研制伺服压力机专用控制器。")
    found = _by_code(services.formal_check(prog["staff"], third))
    assert not found[f"same_team:{first.pk}"].ok and "张伟" in found[f"same_team:{first.pk}"].text
    # A project that was returned is no longer live: it does not count against the leader.
    services.formal_check(prog["staff"], first)
    services.decide(prog["staff"], first, "return", "材料不全")
    found = _by_code(services.formal_check(prog["staff"], third))
    assert found["same_team"].ok
