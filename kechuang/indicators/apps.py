from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "kechuang.indicators"
    verbose_name = _("创新指标")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_home_panel, add_nav, set_indicator_reader
        from kechuang.enterprises.signals import facts_imported

        from . import demo, panels, rules
        from .services import compute

        rules.register()
        set_indicator_reader(compute.read_actual, compute.choices)
        add_nav(
            _("指标驾驶舱"),
            "indicators_cockpit",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF},
            order=5,
        )
        add_home_panel(panels.cockpit_summary, order=5)
        add_demo_step(demo.load_indicators, order=900)
        facts_imported.connect(_facts_imported, dispatch_uid="indicators.facts_imported")


def _facts_imported(sender, enterprise_ids=(), user=None, **kwargs) -> None:
    from .tasks import queue_recompute

    queue_recompute()
