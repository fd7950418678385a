from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "kechuang.enterprises"
    verbose_name = _("企业库")
    default_auto_field = "django.db.models.BigAutoField"
