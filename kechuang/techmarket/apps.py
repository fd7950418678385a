from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechmarketConfig(AppConfig):
    name = "kechuang.techmarket"
    verbose_name = _("技术市场")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        pass
