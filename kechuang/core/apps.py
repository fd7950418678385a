from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kechuang.core"
    verbose_name = _("平台基础")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .pickers import search_partners
        from .registry import add_picker

        add_picker("partners", search_partners)
