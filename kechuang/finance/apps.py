from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "kechuang.finance"
    verbose_name = _("科技金融")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import IndicatorRule, add_demo_step, add_indicator_rule, add_nav, add_todo

        from . import demo, workbench
        from .services import loans

        add_nav(
            _("科技金融"),
            "finance_vouchers",
            {
                Role.ADMIN,
                Role.BUREAU_STAFF,
                Role.LEADER,
                Role.DISTRICT_STAFF,
                Role.ENTERPRISE,
                Role.INSTITUTE,
            },
            order=75,
        )
        add_indicator_rule(
            IndicatorRule(
                code="transfer_loans",
                version="2026.1",
                compute=loans.compute_transfer_loans,
                name=_("科技成果转化贷款"),
                unit="yuan",
                records_url=workbench.loans_url,
                order=75,
            )
        )
        add_todo(workbench.todos, order=75)
        add_demo_step(demo.load_finance, order=710)
