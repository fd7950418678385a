from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "kechuang.platforms"
    verbose_name = _("创新平台")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import (
            add_chart,
            add_demo_step,
            add_indicator_rule,
            add_nav,
            add_profile_section,
            add_search,
            add_todo,
        )

        from . import demo, indicators, signals, workbench  # noqa: F401  (signals: the recognition receiver)

        readers = {
            Role.ADMIN,
            Role.BUREAU_STAFF,
            Role.LEADER,
            Role.DISTRICT_STAFF,
            Role.ENTERPRISE,
            Role.INSTITUTE,
        }
        add_nav(_("创新平台"), "platforms_list", readers, order=70)
        add_todo(workbench.todos, order=70)
        add_chart(workbench.chart, order=70)
        add_search(workbench.search, order=70)
        add_profile_section(workbench.profile_section, order=70)
        for rule in indicators.RULES:
            add_indicator_rule(rule)
        add_demo_step(demo.load_platforms, order=700)
