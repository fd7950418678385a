from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "kechuang.platforms"
    verbose_name = _("创新平台")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        pass
