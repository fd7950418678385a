"""``kechuang demo`` against the database: what it loads, its users, --if-empty, and later apps' steps."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.models import District, ImportRun, Organisation, Role, Section, User
from kechuang.enterprises import demo, demo_load
from kechuang.enterprises.models import DerivedLabel, Enterprise, YearlyFacts

N = 60


def run(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "districts": District.objects.count(),
        "organisations": Organisation.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "facts": YearlyFacts.objects.count(),
        "labels": DerivedLabel.objects.count(),
        "users": User.objects.count(),
        "markers": ImportRun.objects.filter(kind="demo").count(),
    }


@pytest.fixture
def loaded(db):
    return run(enterprises=N, seed=3)


def test_loads_the_city(loaded):
    assert snapshot() == {
        "districts": 11,
        "organisations": N + 15 + 2,  # the finance step adds two partner banks
        "enterprises": N,
        "facts": 3 * N,
        "labels": 9 * N,
        # 30 accounts of every role and scope, then the later steps' own: the personnel section's filer, the
        # banks' and the testing institute's officers, and the contacts through whom firms apply for vouchers.
        "users": 70,
        "markers": 1,
    }
    assert Section.objects.count() == 10
    assert District.objects.get(code="370305").name == "临淄区"
    assert District.objects.get(code="3703Z1").kind == District.Kind.ZONE
    assert Organisation.objects.filter(kind=Organisation.Kind.INSTITUTE, name="山东理工大学").exists()
    assert Enterprise.history.count() == N and YearlyFacts.history.count() == 3 * N
    years = demo.fact_years(timezone.localdate())
    assert sorted(set(YearlyFacts.objects.values_list("year", flat=True))) == years


def test_database_holds_exactly_the_generated_records(loaded):
    rng_for = demo_load.rng_factory(3)
    records = demo.enterprises(rng_for("enterprises"), N, today=timezone.localdate())
    by_uscc = {e.organisation.uscc: e for e in Enterprise.objects.select_related("organisation__district")}
    assert set(by_uscc) == {r["uscc"] for r in records}
    for r in records[:10]:
        ent = by_uscc[r["uscc"]]
        assert (ent.organisation.name, ent.industry_code, ent.registered_on) == (
            r["name"],
            r["industry_code"],
            r["registered_on"],
        )
        assert ent.organisation.district.code == r["district_code"]
        for f in ent.facts.all():
            assert {k: getattr(f, k) for k in r["facts"][f.year]} == r["facts"][f.year]


def test_every_role_has_a_user_with_its_scope(loaded):
    users = {u.username: u for u in User.objects.select_related("district", "organisation", "section")}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["admin"].is_superuser and users["admin"].is_staff
    districts = District.objects.all()
    staff = {u.district_id for u in users.values() if u.role == Role.DISTRICT_STAFF}
    assert staff == {d.pk for d in districts}
    assert users["staff_policy"].section.name == "政策法规与创新促进科"
    for u in users.values():
        u.full_clean(exclude=["password"])  # the model's own rules: district and organisation where needed
        assert u.check_password(demo_load.DEMO_PASSWORD)
    enterprise_orgs = [u.organisation for u in users.values() if u.role == Role.ENTERPRISE]
    # Partner banks' officers also use the enterprise role (the finance app links them to their bank).
    banks = [o for o in enterprise_orgs if hasattr(o, "partner_bank")]
    assert len(banks) == 2 and all(o.kind == Organisation.Kind.OTHER for o in banks)
    firms = [o for o in enterprise_orgs if o not in banks]
    assert len(firms) >= 2 and all(o.kind == Organisation.Kind.ENTERPRISE for o in firms)
    latest = demo.fact_years(timezone.localdate())[-1]
    hightech = users["ent_hightech"].organisation.enterprise.facts.get(year=latest)
    assert hightech.high_tech_cert_valid is True
    small = users["ent_small"].organisation.enterprise.facts.get(year=latest)
    assert small.employees <= 50
    assert users["inst_sdut"].organisation.name == "山东理工大学"


def test_prints_the_sign_in_table(loaded):
    assert demo_load.DEMO_PASSWORD in loaded
    for name in (
        "admin",
        "leader",
        "staff_policy",
        "district_zhangdian",
        "ent_hightech",
        "inst_sdut",
        "expert1",
    ):
        assert name in loaded
    assert "区县科技局工作人员" in loaded and "张店区" in loaded


def test_if_empty_changes_nothing_and_prints_sign_ins(loaded):
    before = snapshot()
    out = run(enterprises=N, seed=3, if_empty=True)
    assert snapshot() == before
    assert "已载入" in out and "district_zhangdian" in out
    # Another N or seed with --if-empty still keeps the loaded city.
    run(enterprises=N + 5, seed=4, if_empty=True)
    assert snapshot() == before


def test_rerun_is_idempotent_and_other_parameters_are_refused(loaded):
    before = snapshot()
    run(enterprises=N, seed=3)
    assert snapshot() == before
    with pytest.raises(CommandError, match="已载入演示城市"):
        run(enterprises=N, seed=4)
    assert snapshot() == before


@pytest.mark.django_db
def test_refuses_a_database_with_other_data():
    District.objects.create(code="370303", name="张店区")
    out = run(enterprises=N, seed=3, if_empty=True)
    assert "未做改动" in out
    assert Organisation.objects.count() == 0
    with pytest.raises(CommandError, match="空数据库"):
        run(enterprises=N, seed=3)
    assert Organisation.objects.count() == 0 and not ImportRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [0, -3])
def test_rejects_a_bad_size(value):
    with pytest.raises(CommandError, match="--enterprises"):
        run(enterprises=value, seed=1)
    assert not District.objects.exists()


@pytest.mark.django_db
def test_later_steps_run_after_the_base_and_see_its_records(monkeypatch):
    monkeypatch.setattr(registry, "DEMO_STEPS", [])
    seen = {}

    def experts_step(ctx, stdout):
        seen["enterprises"] = len(ctx["enterprises"])
        seen["experts"] = len(ctx["users"][Role.EXPERT])
        seen["draw"] = int(ctx["rng_for"]("experts").integers(1000))
        ctx["signins"].append({"username": "reviewer_x", "role": "专家", "scope": "测试"})

    registry.add_demo_step(experts_step)  # default order 100: after the base steps
    out = run(enterprises=N, seed=3)
    assert seen["enterprises"] == N and seen["experts"] >= 1
    assert seen["draw"] == int(demo_load.rng_factory(3)("experts").integers(1000))
    assert "reviewer_x" in out
    assert [f.__name__ for _, f in registry.DEMO_STEPS][:4] == [
        "load_places",
        "load_institutes",
        "load_enterprises",
        "load_users",
    ]


@pytest.mark.django_db
def test_a_failing_step_leaves_nothing_behind(monkeypatch):
    monkeypatch.setattr(registry, "DEMO_STEPS", [])

    def broken(ctx, stdout):
        raise RuntimeError("boom")

    registry.add_demo_step(broken, order=200)
    with pytest.raises(RuntimeError):
        run(enterprises=N, seed=3)
    assert snapshot() == dict.fromkeys(snapshot(), 0)
