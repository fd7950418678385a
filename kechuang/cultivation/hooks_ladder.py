"""What the ladder plugs into the shared pages (kechuang.core.registry): the menu entry, the workbench
to-dos, the enterprise profile section, the tech_sme_count indicator, the demo step and the reminders
task. Called from CultivationConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kechuang.core.models import Role
    from kechuang.core.registry import (
        add_demo_step,
        add_indicator_rule,
        add_nav,
        add_profile_section,
        add_todo,
    )
    from kechuang.enterprises.signals import facts_imported

    from . import demo_ladder, panels_ladder, tasks_ladder  # noqa: F401 - the task registers with huey

    add_nav(
        _("梯次培育"),
        "cultivation_ladder",
        {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
        order=25,
    )
    add_todo(panels_ladder.todos, order=35)
    add_profile_section(panels_ladder.profile_section, order=30)
    add_indicator_rule(panels_ladder.tech_sme_rule())
    add_demo_step(demo_ladder.load_ladder, order=600)
    facts_imported.connect(_facts_imported, dispatch_uid="cultivation.ladder.facts_imported")


def _facts_imported(sender, enterprise_ids=(), user=None, **kwargs) -> None:
    """New facts may contradict a rung: flag it (the membership itself is left as it is)."""
    from .services_ladder import check_contradictions

    check_contradictions(enterprise_ids=enterprise_ids)
