from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "kechuang.enterprises"
    verbose_name = _("企业库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import (
            add_chart,
            add_home_panel,
            add_nav,
            add_picker,
            add_search,
            add_todo,
        )

        from . import panels, workbench
        from . import services as picker_services

        add_picker("enterprises", picker_services.search_for_picker)

        add_nav(
            _("企业库"),
            "enterprise_list",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
            order=10,
        )
        add_nav(
            _("导入年度数据"),
            "facts_import",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.ENTERPRISE},
            order=11,
        )
        add_home_panel(panels.registry_overview, order=10)
        add_home_panel(panels.my_enterprise, order=10)
        add_todo(workbench.todos, order=90)
        add_chart(workbench.trend_chart, order=10)
        add_chart(workbench.district_chart, order=20)
        add_search(workbench.search, order=10)
