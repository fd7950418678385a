from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "kechuang.programs"
    verbose_name = _("科技计划")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.audit import add_source
        from kechuang.core.models import Role
        from kechuang.core.registry import add_demo_step, add_nav

        from . import audit, demo, demo_awards, demo_challenges, demo_review

        everyone = {r.value for r in Role}
        applicants = {Role.ENTERPRISE, Role.INSTITUTE}
        add_nav(_("科技计划"), "programme_calls", everyone, order=50)
        # Staff reach applications from the programme tabs; the bar has no room for more at 1400 px.
        add_nav(_("我的申报"), "programme_applications", applicants, order=51)
        add_nav(_("项目评分"), "programme_my_reviews", {Role.EXPERT}, order=52)
        add_source(audit.SOURCE)
        add_demo_step(demo.load_programmes, order=500)
        add_demo_step(demo_review.load_review, order=510)
        add_demo_step(demo_awards.load_awards, order=520)
        add_demo_step(demo_challenges.load_challenges, order=530)
