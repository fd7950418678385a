from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechmarketConfig(AppConfig):
    name = "kechuang.techmarket"
    verbose_name = _("技术市场")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import (
            IndicatorRule,
            add_demo_step,
            add_indicator_rule,
            add_nav,
            add_profile_section,
            add_todo,
        )

        from . import demo, panels, services, workbench

        add_nav(
            _("技术合同"),
            "techmarket_contracts",
            {
                Role.ADMIN,
                Role.BUREAU_STAFF,
                Role.LEADER,
                Role.DISTRICT_STAFF,
                Role.ENTERPRISE,
                Role.INSTITUTE,
            },
            order=70,
        )
        add_indicator_rule(
            IndicatorRule(
                code="tech_contract_turnover",
                version="2026.1",
                compute=services.compute_turnover_indicator,
                name=_("技术合同登记成交额"),
                unit="yuan",
                records_url=services.records_url,
                order=70,
            )
        )
        add_todo(workbench.todos, order=70)
        add_profile_section(panels.profile_section, order=70)
        add_demo_step(demo.load_techmarket, order=700)
