from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "kechuang.matching"
    verbose_name = _("产学研对接")
    default_auto_field = "django.db.models.BigAutoField"
