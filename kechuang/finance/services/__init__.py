"""Use-cases of S&T finance, one module per register: ``vouchers`` (创新券), ``loans`` (风险补偿),
``subsidies`` (贴息). Shared here: who is a bank or a provider, and the scoping of each register."""

from django.db.models import Q
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of


def is_staff(user) -> bool:
    return role_of(user) in CITY_WRITERS


def require_staff(user) -> None:
    Decision(is_staff(user), _("只有市科技局工作人员可以办理此事项")).enforce()


def org_of(user) -> int | None:
    return user.organisation_id if role_of(user) in (Role.ENTERPRISE, Role.INSTITUTE) else None


def scope(user, *, district: str, own: tuple[str, ...]) -> Q:
    """City readers see all; district staff the records of their district; an organisation's users
    the records where it is one of the ``own`` parties (the firm, the bank, the provider)."""
    role = role_of(user)
    if role in CITY_READERS:
        return Q()
    if role == Role.DISTRICT_STAFF and user.district_id:
        return Q(**{district: user.district_id})
    org = org_of(user)
    if org:
        q = Q(pk__in=[])
        for lookup in own:
            q |= Q(**{lookup: org})
        return q
    return Q(pk__in=[])
