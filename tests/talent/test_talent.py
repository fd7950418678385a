"""科技副总 and 科技特派员: scoping (an appointee sees their appointment), logs, assessment and renewal
audited, refusals changing nothing, counts by district and the indicators."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.programs.models import Transition
from kechuang.talent import indicators, services
from kechuang.talent.models import Appointment, Commissioner, ForeignExpertProject, ForeignExpertVisit

pytestmark = pytest.mark.django_db


@pytest.fixture
def vp(city):
    start = timezone.localdate() - dt.timedelta(days=400)
    return services.appoint(
        city["users"]["staff"],
        {"person": "王教授", "institute": city["uni"], "enterprise": city["e1"], "starts_on": start,
         "ends_on": start + dt.timedelta(days=720), "appointee": city["users"]["institute"], "tech_field": "陶瓷"},
    )  # fmt: skip


def test_appointment_scoping(city, vp):
    seen = {
        who: services.visible_appointments(u).filter(pk=vp.pk).exists() for who, u in city["users"].items()
    }
    assert seen == {
        "admin": True, "staff": True, "leader": True, "district": True, "other_district": False,
        "enterprise": True, "institute": True, "expert": False,
    }  # fmt: skip


def test_only_staff_appoint_and_bad_terms_are_refused(city):
    data = {"person": "李", "institute": city["uni"], "enterprise": city["e1"], "starts_on": dt.date(2025, 1, 1),
            "ends_on": dt.date(2024, 1, 1)}  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.appoint(city["users"]["district"], data)
    with pytest.raises(ValidationError) as exc:
        services.appoint(city["users"]["staff"], data)
    assert "ends_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.appoint(
            city["users"]["staff"],
            {**data, "ends_on": dt.date(2026, 1, 1), "institute": city["e2"].organisation},
        )
    assert "institute" in exc.value.message_dict
    assert not Appointment.objects.exists()


def test_logs_assessment_and_renewal_are_audited(city, vp):
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    with pytest.raises(PermissionDenied):
        services.add_work_log(city["users"]["enterprise"], vp, today.year, q, 10, "到企业开展技术指导工作")
    services.add_work_log(city["users"]["institute"], vp, today.year, q, 10, "到企业开展技术指导工作")
    with pytest.raises(ValidationError):
        services.add_work_log(city["users"]["institute"], vp, today.year, q, 10, "到企业开展技术指导工作")
    with pytest.raises(PermissionDenied):
        services.assess(city["users"]["institute"], vp, "good", "很好")
    vp = services.assess(city["users"]["enterprise"], vp, "good", "解决了烧结难题", projects=2, patents=1)
    assert vp.status == "assessed" and vp.patents == 1
    new = services.renew(city["users"]["staff"], vp, vp.ends_on + dt.timedelta(days=700))
    assert new.renewed_from_id == vp.pk and new.status == "serving"
    vp.refresh_from_db()
    assert [t.action for t in vp.transitions.all()] == ["appoint", "assess", "renew"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["assess", "renew", "end", "bad_end"]), min_size=1, max_size=6))
def test_appointment_workflow_refusals_change_nothing(city, steps):
    staff, ent = city["users"]["staff"], city["users"]["enterprise"]
    a = services.appoint(staff, {"person": "张", "institute": city["uni"], "enterprise": city["e1"],
                                 "starts_on": dt.date(2024, 1, 1), "ends_on": dt.date(2026, 1, 1)})  # fmt: skip
    for step in steps:
        a = Appointment.objects.filter(renewed_from=a).first() or Appointment.objects.get(pk=a.pk)
        before = (a.status, Transition.objects.count())
        try:
            if step == "assess":
                services.assess(ent, a, "pass", "合格")
            elif step == "renew":
                services.renew(staff, a, a.ends_on + dt.timedelta(days=365))
            elif step == "end":
                services.end(staff, a, "任期届满")
            else:
                services.end(staff, a, "")
        except ValidationError:
            a.refresh_from_db()
            assert (a.status, Transition.objects.count()) == before
            continue
        a.refresh_from_db()
        assert a.status in Appointment.Status.values
        assert Transition.objects.count() > before[1]


def test_commissioners_counts_and_indicators(city):
    staff = city["users"]["staff"]
    base = {
        "district": city["zd"],
        "served_kind": "village",
        "served_name": "某村",
        "starts_on": dt.date(2024, 3, 1),
    }
    services.save_commissioner(staff, {**base, "name": "张三", "kind": "individual", "members": 1})
    team = services.save_commissioner(
        staff, {**base, "name": "服务团", "kind": "team", "members": 4, "district": city["zc"]}
    )
    with pytest.raises(ValidationError):
        services.save_commissioner(staff, {**base, "name": "法人", "kind": "legal_person", "members": 2})
    with pytest.raises(PermissionDenied):
        services.save_commissioner(city["users"]["district"], {**base, "name": "X", "kind": "individual"})
    assert Commissioner.objects.count() == 2
    counts = indicators.commissioner_count(2025)
    assert counts[None].value == 5 and counts[city["zc"].pk].value == 4
    assert indicators.commissioner_count(2023)[None].value == 0
    services.add_service_log(staff, team, dt.date(2025, 5, 1), "指导大棚种植")
    rows = {r["district"]: r for r in services.commissioner_counts(city["users"]["district"], 2025)}
    assert set(rows) == {"张店区"}


def test_tech_vp_and_visit_indicators(city, vp):
    assert indicators.tech_vp_count(vp.starts_on.year)[None].value == 1
    p = ForeignExpertProject.objects.create(title="引智", host=city["uni"], year=2025)
    ForeignExpertVisit.objects.create(
        project=p, expert="汉斯", country="德国", arrived_on=dt.date(2025, 4, 1), left_on=dt.date(2025, 4, 20)
    )
    ForeignExpertVisit.objects.create(
        project=p, expert="汉斯", country="德国", arrived_on=dt.date(2025, 9, 1), left_on=dt.date(2025, 9, 9)
    )
    v = indicators.foreign_expert_visits(2025)
    assert v[None].value == 2 and v[city["zd"].pk].value == 2


def test_pages(city, vp):
    for who, code in (("staff", 200), ("institute", 200), ("other_district", 404)):
        c = Client()
        c.force_login(city["users"][who])
        assert c.get(f"/talent/appointments/{vp.pk}/").status_code == code
    c = Client()
    c.force_login(city["users"]["staff"])
    for url in ("/talent/", "/talent/commissioners/", "/talent/foreign/", "/talent/pools/", "/talent/appointments/new/",
                "/talent/commissioners/new/", "/talent/appointments/export.xlsx", "/talent/commissioners/export.xlsx",
                "/api/talent/appointments", "/api/talent/commissioners"):  # fmt: skip
        assert c.get(url).status_code == 200, url
