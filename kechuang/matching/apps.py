from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "kechuang.matching"
    verbose_name = _("产学研对接")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_home_panel, add_nav, add_search

        from . import demo, panels, workbench

        everyone = {r.value for r in Role}
        add_nav(_("技术需求"), "demand_list", everyone, order=30)
        add_nav(_("科技成果"), "achievement_list", everyone, order=31)
        add_nav(
            _("对接匹配"),
            "match_list",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
            order=32,
        )
        add_nav(_("对接活动"), "matching_events", everyone, order=33)
        add_home_panel(panels.matching_panel, order=30)
        add_search(workbench.search_demands, order=20)
        add_search(workbench.search_achievements, order=30)
        add_demo_step(demo.load_matching, order=300)
