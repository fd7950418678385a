from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultivationConfig(AppConfig):
    name = "kechuang.cultivation"
    verbose_name = _("梯次培育")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The ladder (rungs, the cultivation pool, watch lists) and the evaluation (indicator systems,
        # scores, portraits, leading-enterprise selection) each register their own pages and hooks.
        from . import hooks_evaluation, hooks_ladder

        hooks_ladder.register()
        hooks_evaluation.register()
