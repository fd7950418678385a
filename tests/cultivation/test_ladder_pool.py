"""The cultivation pool: who may do what, the audited workflow, and a property test over random
sequences of decisions by random roles (no illegal state, refusals change nothing, every change audited)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.cultivation.models.ladder import Candidate, CultivationAction
from kechuang.cultivation.services_ladder import pool
from kechuang.programs.models import Transition

from .ladder_support import YEAR, build


@pytest.fixture
def lc(city):
    return build(city)


def audit(c) -> list[tuple[str, str, str]]:
    ct = ContentType.objects.get_for_model(Candidate)
    return list(
        Transition.objects.filter(content_type=ct, object_id=c.pk)
        .order_by("pk")
        .values_list("action", "from_status", "to_status")
    )


def test_near_misses_are_scoped_and_carry_their_gaps(lc):
    staff, district = lc["users"]["staff"], lc["users"]["district"]
    city_wide = pool.near_misses(staff, year=YEAR)
    assert [m["enterprise"] for m in city_wide] == [lc["e2"], lc["e1"]]  # smallest total gap first
    assert [g["label"] for g in city_wide[1]["gaps"]] == ["近三年研发费用占销售收入比例"]
    assert [m["enterprise"] for m in pool.near_misses(district, year=YEAR)] == [lc["e1"]]
    assert pool.near_misses(staff, year=YEAR, max_gaps=1)[0]["enterprise"] == lc["e1"]
    assert pool.near_misses(lc["users"]["enterprise"], year=YEAR) == []


def test_main_path_is_audited(lc):
    district, staff = lc["users"]["district"], lc["users"]["staff"]
    c = pool.nominate(district, lc["e1"], YEAR, note="研发投入增长快")
    assert c.origin == Candidate.Origin.DISTRICT and c.status == Candidate.Status.PROPOSED
    assert c.gaps and c.gaps[0]["label"] == "近三年研发费用占销售收入比例"
    c = pool.admit(staff, c, owner_kind="district", district=lc["zd"], reason="同意")
    assert c.status == Candidate.Status.CULTIVATING and c.owner_label == "张店区"
    pool.log_action(district, c, kind="visit", on=dt.date.today(), note="上门辅导")
    pool.log_action(district, c, kind="application", on=dt.date.today())
    c.refresh_from_db()
    assert c.status == Candidate.Status.APPLIED
    c = pool.close(staff, c, outcome="certify", reason="列入认定名单")
    assert audit(c) == [
        ("nominate", "", "proposed"),
        ("admit", "proposed", "cultivating"),
        ("apply", "cultivating", "applied"),
        ("certify", "applied", "certified"),
    ]
    assert list(c.actions.values_list("kind", flat=True)) == ["visit", "application"]
    assert c.history.count() >= 4


def test_district_nominates_only_its_own_firms(lc):
    with pytest.raises(PermissionDenied):
        pool.nominate(lc["users"]["district"], lc["e2"], YEAR)
    for who in ("enterprise", "expert", "leader", "institute"):
        with pytest.raises(PermissionDenied):
            pool.nominate(lc["users"][who], lc["e1"], YEAR)
    assert not Candidate.objects.exists()


def test_nominating_twice_is_refused(lc):
    pool.nominate(lc["users"]["staff"], lc["e1"], YEAR)
    with pytest.raises(ValidationError) as exc:
        pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    assert "enterprise" in exc.value.message_dict
    assert Candidate.objects.count() == 1


def test_only_the_city_admits_and_an_owner_is_required(lc):
    c = pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    with pytest.raises(PermissionDenied):
        pool.admit(lc["users"]["district"], c, owner_kind="district", district=lc["zd"])
    with pytest.raises(ValidationError) as exc:
        pool.admit(lc["users"]["staff"], c, owner_kind="agency", agency="  ")
    assert "owner_agency" in exc.value.message_dict
    c.refresh_from_db()
    assert c.status == Candidate.Status.PROPOSED and audit(c) == [("nominate", "", "proposed")]


def test_actions_need_cultivation_and_a_sane_date(lc):
    staff = lc["users"]["staff"]
    c = pool.nominate(staff, lc["e1"], YEAR)
    with pytest.raises(ValidationError):
        pool.log_action(staff, c, kind="visit", on=dt.date.today())
    c = (
        pool.admit(staff, c, owner_kind="section", section=None)
        if False
        else pool.admit(staff, c, owner_kind="district", district=lc["zd"])
    )
    with pytest.raises(ValidationError) as exc:
        pool.log_action(staff, c, kind="visit", on=dt.date.today() + dt.timedelta(days=1))
    assert "on" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        pool.log_action(lc["users"]["other_district"], c, kind="visit", on=dt.date.today())
    assert not CultivationAction.objects.exists()


# --------------------------------------------------------------------------------- property test

ROLES = ["staff", "district", "other_district", "leader", "enterprise"]
OPS = ["admit", "reject", "visit", "application", "certify", "not_yet", "withdraw"]
LEGAL = {
    "proposed": {"cultivating", "rejected", "withdrawn"},
    "cultivating": {"applied", "certified", "not_yet", "withdrawn"},
    "applied": {"certified", "not_yet", "withdrawn"},
}


def _run(op, user, c, lc):
    if op == "admit":
        return pool.admit(user, c, owner_kind="district", district=lc["zd"])
    if op == "reject":
        return pool.reject(user, c, reason="条件不足")
    if op in ("visit", "application"):
        return pool.log_action(user, c, kind=op, on=dt.date.today())
    return pool.close(user, c, outcome=op)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(OPS)), min_size=1, max_size=8))
def test_random_decisions_keep_the_workflow_legal_and_audited(lc, steps):
    Candidate.objects.all().delete()
    Transition.objects.all().delete()
    c = pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    for role, op in steps:
        before = Candidate.objects.get(pk=c.pk)
        trail, actions = audit(c), CultivationAction.objects.count()
        try:
            _run(op, lc["users"][role], before, lc)
        except (ValidationError, PermissionDenied):
            after = Candidate.objects.get(pk=c.pk)
            assert (after.status, after.owner_kind) == (before.status, before.owner_kind)
            assert audit(c) == trail and CultivationAction.objects.count() == actions
            continue
        after = Candidate.objects.get(pk=c.pk)
        new = audit(c)[len(trail) :]
        if after.status != before.status:
            assert after.status in LEGAL[before.status]
            assert new == [(new[0][0], before.status, after.status)]
        else:
            assert new == [] and (op == "visit" or (op == "application" and before.status == "applied"))
        assert after.status in Candidate.Status.values


# --------------------------------------------------------------------------------- pages and API


def test_district_sees_only_its_pool(client, lc):
    mine = pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    theirs = pool.nominate(lc["users"]["other_district"], lc["e2"], YEAR)
    client.force_login(lc["users"]["district"])
    page = client.get(reverse("cultivation_pool") + f"?year={YEAR}").content.decode()
    assert lc["e1"].name in page and lc["e2"].name not in page
    assert client.get(reverse("cultivation_candidate", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("cultivation_candidate", args=[mine.pk])).status_code == 200
    api = client.get(f"/api/cultivation/ladder/pool?year={YEAR}").json()
    assert [r["enterprise_id"] for r in api["items"]] == [lc["e1"].pk]
    client.force_login(lc["users"]["enterprise"])
    assert client.get(reverse("cultivation_pool")).status_code == 403
    assert client.get(f"/api/cultivation/ladder/pool?year={YEAR}").status_code == 403


def test_pages_render_for_city_staff(client, lc):
    c = pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    client.force_login(lc["users"]["staff"])
    for name in ("cultivation_ladder", "cultivation_pool", "cultivation_near_misses", "cultivation_rungs",
                 "cultivation_watch"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name
    r = client.post(reverse("cultivation_admit", args=[c.pk]), {"owner_kind": "agency", "owner_agency": ""})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == Candidate.Status.PROPOSED
    r = client.post(
        reverse("cultivation_admit", args=[c.pk]), {"owner_kind": "district", "owner_district": lc["zd"].pk}
    )
    c.refresh_from_db()
    assert c.status == Candidate.Status.CULTIVATING
    funnel = client.get(f"/api/cultivation/ladder/funnel/{YEAR}").json()
    assert [s["value"] for s in funnel["stages"]] == [1, 1, 0, 0]
