from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "kechuang.supervision"
    verbose_name = _("工作专班")
    default_auto_field = "django.db.models.BigAutoField"
