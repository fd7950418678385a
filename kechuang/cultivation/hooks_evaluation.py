"""The evaluation's registrations: menu entry, the portrait on the enterprise profile, the demo step."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _


def portrait_section(request, enterprise) -> str:
    from .services_evaluation import portrait

    if not portrait.can_see(request.user, enterprise):
        return ""
    data = portrait.portrait(enterprise)
    if data is None:
        return ""
    return render_to_string("cultivation/evaluation/portrait.html", {"p": data}, request=request)


def register() -> None:
    from kechuang.core.models import Role
    from kechuang.core.registry import add_demo_step, add_nav, add_profile_section

    from . import demo_evaluation

    add_nav(
        _("企业评价"),
        "cultivation_eval_home",
        {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
        order=13,
    )
    add_profile_section(portrait_section, order=20)
    add_demo_step(demo_evaluation.load_evaluation, order=620)
