"""Row-level scoping shared by every app.

DESIGN.md: staff of a district see and edit their district's records; city staff see all; an
enterprise sees its own; an expert sees only what they are assigned. Each app states where a
record keeps its district and its organisation, and this module turns a user into the filter and
the yes/no-with-reason that services, pages and the API all apply.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Role

CITY_READERS = {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER}
CITY_WRITERS = {Role.ADMIN, Role.BUREAU_STAFF}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def enforce(self) -> None:
        if not self.allowed:
            raise PermissionDenied(self.reason)


def role_of(user) -> str | None:
    """The role that decides what ``user`` may do: None when signed out or inactive; superusers act
    as administrators."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Role.ADMIN if user.is_superuser else user.role


def scope_q(user, *, district_field: str, organisation_field: str) -> Q:
    """The filter of the records ``user`` may read, for a model whose district and organisation
    live at the given lookups (e.g. ``organisation__district_id`` and ``organisation_id``)."""
    role = role_of(user)
    if role in CITY_READERS:
        return Q()
    if role == Role.DISTRICT_STAFF and user.district_id:
        return Q(**{district_field: user.district_id})
    if role in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        return Q(**{organisation_field: user.organisation_id})
    return Q(pk__in=[])


def can_read(user, *, district_id: int | None, organisation_id: int | None) -> Decision:
    role = role_of(user)
    if role is None:
        return Decision(False, _("请先登录"))
    if role in CITY_READERS:
        return Decision(True)
    if role == Role.DISTRICT_STAFF:
        if district_id is not None and district_id == user.district_id:
            return Decision(True)
        return Decision(False, _("只能查看本区县的记录"))
    if role in (Role.ENTERPRISE, Role.INSTITUTE):
        if organisation_id is not None and organisation_id == user.organisation_id:
            return Decision(True)
        return Decision(False, _("只能查看本单位的记录"))
    return Decision(False, _("当前角色无权查看此记录"))


def can_write(user, *, district_id: int | None, organisation_id: int | None) -> Decision:
    """Edit rights: leaders read everything but edit nothing; the others edit what they may read."""
    role = role_of(user)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读"))
    if role in (Role.EXPERT, Role.INSTITUTE) and organisation_id is None:
        return Decision(False, _("当前角色无权修改此记录"))
    if role in CITY_WRITERS:
        return Decision(True)
    return can_read(user, district_id=district_id, organisation_id=organisation_id)
