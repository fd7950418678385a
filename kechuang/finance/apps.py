from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "kechuang.finance"
    verbose_name = _("科技金融")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        pass
