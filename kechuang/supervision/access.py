"""Who may do what in supervision, as ``Decision``s with the reason a person reads.

- City staff and leaders read every city plan and every district plan; district staff read their
  district's plans only; no other role reads plans.
- A month's report is filed by the task force's lead section (bureau staff of that section) or, for a
  district plan, by that district's staff; the administrator may file for anyone.
- The office (the plan's office section, the district's staff for a district plan, or the administrator)
  returns and accepts reports, compiles the 通报, runs meetings and the assessment.
- Leaders read everything and comment; they change nothing else.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, Decision, role_of


def plans_q(user) -> Q:
    role = role_of(user)
    if role in CITY_READERS:
        return Q()
    if role == Role.DISTRICT_STAFF and user.district_id:
        return Q(district_id=user.district_id)
    return Q(pk__in=[])


def can_use(user) -> bool:
    role = role_of(user)
    return role in CITY_READERS or (role == Role.DISTRICT_STAFF and bool(user.district_id))


def can_read_plan(user, plan) -> Decision:
    role = role_of(user)
    if role is None:
        return Decision(False, _("请先登录"))
    if role in CITY_READERS:
        return Decision(True)
    if role == Role.DISTRICT_STAFF:
        if plan.district_id is not None and plan.district_id == user.district_id:
            return Decision(True)
        return Decision(False, _("只能查看本区县的实施方案"))
    return Decision(False, _("当前角色无权查看工作专班"))


def is_office(user, plan) -> Decision:
    role = role_of(user)
    if role == Role.ADMIN:
        return Decision(True)
    if plan.district_id is not None:
        if role == Role.DISTRICT_STAFF and user.district_id == plan.district_id:
            return Decision(True)
        return Decision(False, _("只有本区县科技局可以审核和通报"))
    if role == Role.BUREAU_STAFF and plan.office_id is not None and user.section_id == plan.office_id:
        return Decision(True)
    return Decision(False, _("只有领导小组办公室可以审核报告、编发通报和组织推进会"))


def can_file(user, task_force) -> Decision:
    plan = task_force.plan
    role = role_of(user)
    if role == Role.ADMIN:
        return Decision(True)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读，可以批示但不能填报"))
    if plan.district_id is not None:
        if role == Role.DISTRICT_STAFF and user.district_id == plan.district_id:
            return Decision(True)
        return Decision(False, _("只有本区县科技局可以填报本区县专班的月度报告"))
    if (
        role == Role.BUREAU_STAFF
        and task_force.lead_section_id
        and user.section_id == task_force.lead_section_id
    ):
        return Decision(True)
    return Decision(False, _("只有牵头科室可以填报本专班的月度报告"))


def can_comment(user, plan) -> Decision:
    role = role_of(user)
    if role in (Role.LEADER, Role.ADMIN) and can_read_plan(user, plan):
        return Decision(True)
    return Decision(False, _("只有局领导可以批示"))


def can_close_follow_up(user, follow_up) -> Decision:
    """The owner section reports closure; the office may too."""
    plan = follow_up.review.plan
    if is_office(user, plan):
        return Decision(True)
    role = role_of(user)
    if role == Role.BUREAU_STAFF and user.section_id == follow_up.owner_section_id:
        return Decision(True)
    if role == Role.DISTRICT_STAFF and plan.district_id == user.district_id:
        return Decision(True)
    return Decision(False, _("只有责任科室或领导小组办公室可以办结督办事项"))
