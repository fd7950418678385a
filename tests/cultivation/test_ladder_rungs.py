"""Rungs: granting, contradiction flags, the indicator rule, the watch lists and the profile section."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.core.models import Notification
from kechuang.core.registry import INDICATOR_RULES, todos_for
from kechuang.cultivation.models.ladder import Rung, RungMembership, RungSource, WatchPush
from kechuang.cultivation.services_ladder import check_contradictions, grant_rung, watch
from kechuang.enterprises.models import YearlyFacts
from tests import factories as f

from .ladder_support import YEAR, build


@pytest.fixture
def lc(city):
    return build(city)


def test_staff_decision_needs_reason_and_approver(lc):
    e1, staff, leader = lc["e1"], lc["users"]["staff"], lc["users"]["leader"]
    with pytest.raises(ValidationError) as exc:
        grant_rung(e1, YEAR, Rung.LEADING, source=RungSource.STAFF, actor=staff, reason="研发强度高")
    assert "approver" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        grant_rung(e1, YEAR, Rung.LEADING, source=RungSource.STAFF, actor=staff, approver=leader)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        grant_rung(e1, YEAR, "platinum", source=RungSource.STAFF, actor=staff, approver=leader, reason="x")
    with pytest.raises(ValidationError):  # a district officer cannot approve
        grant_rung(e1, YEAR, Rung.LEADING, source=RungSource.STAFF, actor=staff, reason="x",
                   approver=lc["users"]["district"])  # fmt: skip
    assert not RungMembership.objects.exists()
    m = grant_rung(
        e1, YEAR, Rung.LEADING, source=RungSource.STAFF, actor=staff, approver=leader, reason="研发强度高"
    )
    assert m.approved_by == leader and m.decided_by == staff and m.approved_at is not None
    # A selection round (part B) writes through the same function.
    m2 = grant_rung(
        e1, YEAR, Rung.LEADING, source=RungSource.SELECTION, actor=staff, reason="2025年领军企业评选"
    )
    assert m2.pk == m.pk and m2.source == RungSource.SELECTION and m.history.count() == 2


def test_contradiction_is_flagged_never_changed(lc):
    e1, staff = lc["e1"], lc["users"]["staff"]
    m = grant_rung(e1, YEAR, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, actor=staff,
                   certificate_no="GR202537000001", certified_on=dt.date(YEAR, 11, 1))  # fmt: skip
    YearlyFacts.objects.filter(enterprise=e1, year=YEAR).update(high_tech_cert_valid=False)
    assert check_contradictions(year=YEAR) == 1
    m.refresh_from_db()
    assert "证书不在有效期内" in m.flag and m.rung == Rung.HIGH_TECH and m.certificate_no == "GR202537000001"
    assert check_contradictions(year=YEAR) == 0  # flagged once
    YearlyFacts.objects.filter(enterprise=e1, year=YEAR).update(high_tech_cert_valid=True)
    assert check_contradictions(year=YEAR) == 1
    m.refresh_from_db()
    assert m.flag == "" and RungMembership.objects.count() == 1


def test_tech_sme_over_the_limits_is_flagged(lc):
    e1 = lc["e1"]
    grant_rung(e1, YEAR, Rung.TECH_SME, source=RungSource.PROVINCIAL, register_no="1")
    YearlyFacts.objects.filter(enterprise=e1, year=YEAR).update(employees=800)
    check_contradictions(enterprise_ids=[e1.pk])
    assert "500人" in RungMembership.objects.get().flag


def test_tech_sme_indicator_rule(lc):
    grant_rung(lc["e1"], YEAR, Rung.TECH_SME, source=RungSource.PROVINCIAL, register_no="1")
    grant_rung(lc["e3"], YEAR, Rung.TECH_SME, source=RungSource.PROVINCIAL, register_no="2")
    grant_rung(lc["e2"], YEAR - 1, Rung.TECH_SME, source=RungSource.PROVINCIAL, register_no="3")
    values = INDICATOR_RULES["tech_sme_count"].compute(YEAR)
    assert values[None].value == 2 and values[lc["zd"].pk].value == 2 and lc["zc"].pk not in values


def test_watch_lists(lc):
    e1, e2, e3, staff = lc["e1"], lc["e2"], lc["e3"], lc["users"]["staff"]
    # e3: high-tech with 18 M revenue; e1 and e2: above scale, not high-tech (e2 nearer by the gap).
    YearlyFacts.objects.filter(enterprise=e3, year=YEAR).update(revenue=Decimal("18000000"))
    grant_rung(e3, YEAR, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, certificate_no="GR202537000003",
               certified_on=dt.date(YEAR, 1, 10))  # fmt: skip
    above = watch.rows(staff, "above_scale_not_high_tech", YEAR)
    assert [r["id"] for r in above] == [e1.pk, e2.pk]  # one unmet condition before two
    assert [r["id"] for r in watch.rows(staff, "high_tech_not_above_scale", YEAR)] == [e3.pk]
    # Revenue down 40 %, R&D to zero, newly dishonest.
    YearlyFacts.objects.filter(enterprise=e1, year=YEAR).update(revenue=Decimal("18000000"))
    YearlyFacts.objects.filter(enterprise=e2, year=YEAR).update(rd_expense=Decimal("0"), dishonest=True)
    assert {r["id"] for r in watch.rows(staff, "decline", YEAR)} == {e1.pk, e2.pk, e3.pk}
    assert [r["id"] for r in watch.rows(staff, "dishonest", YEAR)] == [e2.pk]
    # The district sees its own firms only.
    assert {r["id"] for r in watch.rows(lc["users"]["district"], "decline", YEAR)} == {e1.pk, e3.pk}
    assert watch.rows(lc["users"]["enterprise"], "decline", YEAR) == []


def test_expiry_reminders_go_once_to_the_firm_and_its_district(lc):
    e1, staff = lc["e1"], lc["users"]["staff"]
    today = dt.date.today()
    issued = today - dt.timedelta(days=3 * 365 - 60)
    grant_rung(e1, issued.year, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, certificate_no="GR202337000001",
               certified_on=issued)  # fmt: skip
    assert [r["id"] for r in watch.rows(staff, "cert_expiring", YEAR)] == [e1.pk]
    assert watch.send_expiry_reminders(today=today) == 1
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"ent_u", "district_u"}
    assert watch.send_expiry_reminders(today=today) == 0
    assert Notification.objects.count() == 2


def test_push_makes_a_todo_for_each_district(client, lc):
    staff, district = lc["users"]["staff"], lc["users"]["district"]
    n = watch.push(staff, "above_scale_not_high_tech", YEAR)
    assert n == 2 and WatchPush.objects.count() == 2
    assert Notification.objects.filter(user=district).count() == 1
    todo = [t for t in todos_for(district) if "预警名单" in str(t.label)]
    assert todo and todo[0].count == 1
    push = WatchPush.objects.get(district=lc["zd"])
    client.force_login(lc["users"]["other_district"])
    client.post(reverse("cultivation_watch_handled", args=[push.pk]))
    push.refresh_from_db()
    assert push.handled_at is None  # not theirs
    client.force_login(district)
    client.post(reverse("cultivation_watch_handled", args=[push.pk]))
    push.refresh_from_db()
    assert push.handled_at is not None
    with pytest.raises(PermissionDenied):
        watch.push(district, "above_scale_not_high_tech", YEAR)


def test_watch_export_is_xlsx(client, lc):
    client.force_login(lc["users"]["district"])
    r = client.get(reverse("cultivation_watch_export", args=["above_scale_not_high_tech"]) + f"?year={YEAR}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_profile_section_and_api_show_rungs_to_the_firm_itself(client, lc):
    e1 = lc["e1"]
    grant_rung(e1, YEAR, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, certificate_no="GR202537000001",
               certified_on=dt.date(YEAR, 11, 1))  # fmt: skip
    client.force_login(lc["users"]["enterprise"])
    page = client.get(reverse("enterprise_profile", args=[e1.pk])).content.decode()
    assert "GR202537000001" in page and f'data-testid="rung-{YEAR}-high_tech"' in page
    rows = client.get(f"/api/cultivation/ladder/enterprises/{e1.pk}/rungs").json()
    assert rows[0]["rung"] == "high_tech" and rows[0]["expires_on"] == f"{YEAR + 3}-11-01"
    assert client.get(f"/api/cultivation/ladder/enterprises/{lc['e2'].pk}/rungs").status_code == 404
    other = f.enterprise(lc["zc"])
    client.force_login(lc["users"]["district"])
    assert client.get(f"/api/cultivation/ladder/enterprises/{other.pk}/rungs").status_code == 404


def test_rule_rungs_name_the_policy_version_and_leave_other_decisions_alone(lc):
    from kechuang.cultivation.services_ladder import rungs_from_rules
    from kechuang.cultivation.services_ladder.rungs import current_version
    from kechuang.policies.models import PolicyResult

    version = current_version("tech_sme")
    for ent in (lc["e1"], lc["e3"]):
        PolicyResult.objects.create(
            enterprise=ent, version=version, fiscal_year=YEAR, evaluated_on=dt.date(YEAR + 1, 5, 1),
            status=PolicyResult.Status.ELIGIBLE, failed=[], missing=[], conditions=[],
        )  # fmt: skip
    grant_rung(lc["e3"], YEAR, Rung.TECH_SME, source=RungSource.PROVINCIAL, register_no="20250001")
    assert rungs_from_rules(YEAR, rungs=(Rung.TECH_SME,)) == {Rung.TECH_SME: 1}
    ruled = RungMembership.objects.get(enterprise=lc["e1"], rung=Rung.TECH_SME)
    assert ruled.source == RungSource.RULE and ruled.policy_version == version
    assert version.label in ruled.rule_version
    assert RungMembership.objects.get(enterprise=lc["e3"]).source == RungSource.PROVINCIAL


def test_staff_grant_page(client, lc):
    client.force_login(lc["users"]["staff"])
    url = reverse("cultivation_rung_grant")
    r = client.post(url, {"enterprises": [lc["e1"].pk], "year": dt.date.today().year, "rung": "leading",
                          "approver": lc["users"]["leader"].pk, "reason": ""})  # fmt: skip
    assert r.status_code == 302 and not RungMembership.objects.exists()
    client.post(url, {"enterprises": [lc["e1"].pk], "year": dt.date.today().year, "rung": "leading",
                      "approver": lc["users"]["leader"].pk, "reason": "局务会研究认定"})  # fmt: skip
    m = RungMembership.objects.get()
    assert m.source == RungSource.STAFF and m.approved_by == lc["users"]["leader"]
    client.force_login(lc["users"]["district"])
    assert client.post(url, {}).status_code == 403
