from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "kechuang.supervision"
    verbose_name = _("工作专班")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_nav, add_search, add_todo

        from . import demo, workbench

        readers = {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF}
        add_nav(_("工作专班"), "supervision_board", readers, order=60)
        add_todo(workbench.todos, order=60)
        add_search(workbench.search, order=60)
        add_demo_step(demo.load_supervision, order=600)
