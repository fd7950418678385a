from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "kechuang.programs"
    verbose_name = _("科技计划")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kechuang.core.audit import add_source
        from kechuang.core.models import Role
        from kechuang.core.registry import add_chart, add_demo_step, add_nav, add_search, add_todo

        from . import audit, demo, demo_awards, demo_challenges, demo_review, workbench

        everyone = {r.value for r in Role}
        applicants = {Role.ENTERPRISE, Role.INSTITUTE}
        add_nav(_("科技计划"), "programme_calls", everyone, order=50)
        # Staff reach applications from the programme tabs; the bar has no room for more at 1400 px.
        add_nav(_("我的申报"), "programme_applications", applicants, order=51)
        add_source(audit.SOURCE)
        # Experts reach their scoring from "我的评审任务" (experts app): one menu, not two overlapping ones.
        add_todo(workbench.todos, order=20)
        add_chart(workbench.pipeline_chart, order=30)
        add_search(workbench.search, order=50)
        add_search(workbench.search_challenges, order=60)
        add_demo_step(demo.load_programmes, order=500)
        add_demo_step(demo_review.load_review, order=510)
        add_demo_step(demo_awards.load_awards, order=520)
        add_demo_step(demo_challenges.load_challenges, order=530)
