"""Unit tests of the row-level scoping (kechuang.core.permissions) for every role, allowed and denied."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from kechuang.core.models import Organisation
from kechuang.core.permissions import can_read, can_write, scope_q
from kechuang.enterprises.models import Enterprise
from tests import factories as f

SCOPE = {"district_field": "organisation__district_id", "organisation_field": "organisation_id"}


def visible(user) -> set[str]:
    return {e.organisation.name for e in Enterprise.objects.filter(scope_q(user, **SCOPE))}


def where(e: Enterprise) -> dict:
    return {"district_id": e.organisation.district_id, "organisation_id": e.pk}


BOTH = {"淄博甲科技有限公司", "淄博乙材料有限公司"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", BOTH),
        ("staff", BOTH),
        ("leader", BOTH),
        ("district", {"淄博甲科技有限公司"}),
        ("other_district", {"淄博乙材料有限公司"}),
        ("enterprise", {"淄博甲科技有限公司"}),
        ("institute", set()),
        ("expert", set()),
    ],
)
def test_scope_q_per_role(city, role, expected):
    assert visible(city["users"][role]) == expected


@pytest.mark.parametrize(
    ("role", "read_own", "read_other", "write_own", "write_other"),
    [
        # own = 张店区's enterprise e1, other = 淄川区's e2
        ("admin", True, True, True, True),
        ("staff", True, True, True, True),
        ("leader", True, True, False, False),
        ("district", True, False, True, False),
        ("enterprise", True, False, True, False),
        ("institute", False, False, False, False),
        ("expert", False, False, False, False),
    ],
)
def test_read_and_write_per_role(city, role, read_own, read_other, write_own, write_other):
    user, e1, e2 = city["users"][role], city["e1"], city["e2"]
    assert bool(can_read(user, **where(e1))) is read_own
    assert bool(can_read(user, **where(e2))) is read_other
    assert bool(can_write(user, **where(e1))) is write_own
    assert bool(can_write(user, **where(e2))) is write_other


def test_denials_carry_a_reason_and_enforce_raises(city):
    d = can_read(city["users"]["district"], **where(city["e2"]))
    assert not d and "本区县" in d.reason
    with pytest.raises(PermissionDenied, match="本区县"):
        d.enforce()
    leader = can_write(city["users"]["leader"], **where(city["e1"]))
    assert not leader and "只读" in leader.reason
    can_read(city["users"]["staff"], **where(city["e2"])).enforce()  # allowed: no exception


def test_enterprise_user_sees_only_its_own_organisation_even_in_its_district(city):
    sibling = f.enterprise(city["zd"], "淄博丙电子有限公司")
    user = city["users"]["enterprise"]
    assert not can_read(user, **where(sibling))
    assert not can_write(user, **where(sibling))
    assert "淄博丙电子有限公司" not in visible(user)
    # ...while the district's own staff see both of their district's enterprises.
    assert {"淄博甲科技有限公司", "淄博丙电子有限公司"} <= visible(city["users"]["district"])


def test_anonymous_and_inactive_users_see_nothing(city):
    anon = AnonymousUser()
    assert visible(anon) == set()
    assert not can_read(anon, **where(city["e1"]))
    assert not can_write(anon, **where(city["e1"]))
    staff = city["users"]["staff"]
    staff.is_active = False
    assert visible(staff) == set()
    assert not can_read(staff, **where(city["e1"]))
    assert not can_write(staff, **where(city["e1"]))


def test_misconfigured_accounts_get_nothing_rather_than_everything(city):
    # A district user without a district, an enterprise user without an organisation.
    lost = f.user(f.Role.DISTRICT_STAFF, "no_district")
    orphan = f.user(f.Role.ENTERPRISE, "no_org")
    for user in (lost, orphan):
        assert visible(user) == set()
        assert not can_read(user, **where(city["e1"]))
        assert not can_write(user, **where(city["e1"]))
    # Records with no district or organisation are not matched by a None on the user's side.
    assert not can_read(lost, district_id=None, organisation_id=None)
    assert not can_write(orphan, district_id=None, organisation_id=None)


def test_superuser_acts_as_admin_whatever_its_role_field(city):
    boss = f.user(f.Role.EXPERT, "root_expert", is_superuser=True)
    assert visible(boss) == BOTH
    assert can_write(boss, **where(city["e2"]))


def test_institute_user_reads_its_own_institute_records_only(city):
    uni = city["uni"]
    other = f.institute(city["zc"], "淄博职业学院")
    user = city["users"]["institute"]
    assert can_read(user, district_id=uni.district_id, organisation_id=uni.pk)
    assert not can_read(user, district_id=other.district_id, organisation_id=other.pk)
    orgs = Organisation.objects.filter(scope_q(user, district_field="district_id", organisation_field="id"))
    assert list(orgs) == [uni]


def test_district_scope_is_by_district_not_by_name(city):
    # Two enterprises of 淄川区: the 张店区 user must see neither, however many there are.
    f.enterprise(city["zc"], "淄川第二企业")
    names = visible(city["users"]["district"])
    assert "淄川第二企业" not in names and "淄博乙材料有限公司" not in names
    assert visible(city["users"]["other_district"]) == {"淄博乙材料有限公司", "淄川第二企业"}
