from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "kechuang.experts"
    verbose_name = _("专家库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_home_panel, add_nav, add_picker, add_search

        from . import demo, panels, workbench
        from . import services as picker_services

        add_picker("experts", picker_services.search_for_picker)

        add_nav(
            _("专家库"),
            "expert_list",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
            order=40,
        )
        add_nav(_("专家遴选"), "expert_rounds", {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER}, order=41)
        add_nav(_("我的评审任务"), "expert_my_assignments", {Role.EXPERT}, order=40)
        add_nav(_("我的专家信息"), "expert_my_profile", {Role.EXPERT}, order=41)
        add_home_panel(panels.staff_overview, order=40)
        add_home_panel(panels.my_tasks, order=5)
        add_search(workbench.search, order=40)
        add_demo_step(demo.load_experts, order=400)
