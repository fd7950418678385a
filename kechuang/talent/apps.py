from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "kechuang.talent"
    verbose_name = _("科技人才")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        pass
