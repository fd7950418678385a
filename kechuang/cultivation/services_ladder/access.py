"""Who may see and do what in the ladder (DESIGN.md scoping through kechuang.core.permissions)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of, scope_q


def is_city_writer(user) -> bool:
    return role_of(user) in CITY_WRITERS


def can_view_pool(user) -> Decision:
    role = role_of(user)
    if role is None:
        return Decision(False, _("请先登录"))
    if role in CITY_READERS or (role == Role.DISTRICT_STAFF and user.district_id):
        return Decision(True)
    return Decision(False, _("只有市局和区县科技局工作人员可以查看培育库和预警名单"))


def can_manage_pool(user) -> Decision:
    """City staff decide (admit, close); district staff nominate and log actions in their district."""
    role = role_of(user)
    if role in CITY_WRITERS or (role == Role.DISTRICT_STAFF and user.district_id):
        return Decision(True)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读"))
    return Decision(False, _("当前角色无权办理培育库事项"))


def require_city_writer(user) -> None:
    if not is_city_writer(user):
        Decision(False, _("只有市局工作人员可以办理此事项")).enforce()


def pool_scope(user, prefix: str = "") -> Q:
    """The filter of the ladder's records ``user`` may read, for a model reaching the enterprise at
    ``prefix`` + ``enterprise`` (e.g. ``candidate__``)."""
    return scope_q(
        user,
        district_field=f"{prefix}enterprise__organisation__district_id",
        organisation_field=f"{prefix}enterprise_id",
    )


def can_touch_candidate(user, candidate) -> Decision:
    """Log actions on, or file the application of, a candidate: city writers, or its district's staff."""
    role = role_of(user)
    if role in CITY_WRITERS:
        return Decision(True)
    if role == Role.DISTRICT_STAFF and user.district_id == candidate.enterprise.organisation.district_id:
        return Decision(True)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读"))
    return Decision(False, _("只能办理本区县培育企业的事项"))
