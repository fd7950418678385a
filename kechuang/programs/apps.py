from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "kechuang.programs"
    verbose_name = _("科技计划")
    default_auto_field = "django.db.models.BigAutoField"
