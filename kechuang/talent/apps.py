from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "kechuang.talent"
    verbose_name = _("科技人才")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_indicator_rule, add_nav

        from . import demo, indicators

        add_nav(_("科技人才"), "talent_appointments", {r.value for r in Role if r != Role.EXPERT}, order=72)
        for rule in indicators.RULES:
            add_indicator_rule(rule)
        add_demo_step(demo.load_talent, order=710)
