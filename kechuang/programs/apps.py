from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "kechuang.programs"
    verbose_name = _("科技计划")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_nav

        from . import demo

        everyone = {r.value for r in Role}
        add_nav(_("科技计划"), "programme_calls", everyone, order=50)
        add_nav(
            _("项目申报"),
            "programme_applications",
            {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF, Role.ENTERPRISE},
            order=51,
        )
        add_demo_step(demo.load_programmes, order=500)
