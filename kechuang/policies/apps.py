from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "kechuang.policies"
    verbose_name = _("政策库")
    default_auto_field = "django.db.models.BigAutoField"
