from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "kechuang.policies"
    verbose_name = _("政策库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_chart, add_demo_step, add_home_panel, add_nav, add_todo
        from kechuang.enterprises.signals import facts_imported

        from . import demo, panels, workbench

        add_nav(
            _("政策库"),
            "policy_list",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
            order=20,
        )
        add_nav(_("我的政策包"), "policy_my_package", {Role.ENTERPRISE}, order=20)
        add_home_panel(panels.my_package, order=20)
        add_home_panel(panels.coverage_overview, order=20)
        add_todo(workbench.todos, order=30)
        add_chart(workbench.rate_chart, order=40)
        add_demo_step(demo.load_policies, order=200)
        facts_imported.connect(_facts_imported, dispatch_uid="policies.facts_imported")


def _facts_imported(sender, enterprise_ids=(), user=None, **kwargs) -> None:
    from .services import on_facts_changed

    on_facts_changed(enterprise_ids, user=user)
