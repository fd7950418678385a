from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "kechuang.indicators"
    verbose_name = _("创新指标")
    default_auto_field = "django.db.models.BigAutoField"
