"""This app's contributions to the shared pages: workbench to-dos and chart, global search, and the
platforms section of the enterprise profile."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kechuang.core.registry import Chart, SearchGroup, SearchHit, Todo

from . import reports, services
from .models import AnnualReport, Platform


def todos(user):
    qs = reports.todo_reports(user)
    n = qs.count()
    if not n:
        return []
    first = qs.order_by("due_on", "pk").first()
    url = reverse("platforms_report_detail", args=[first.pk]) if n == 1 else reverse("platforms_reports")
    if first.status == AnnualReport.Status.SUBMITTED:
        return [Todo(_("待审核的平台年度报告"), n, url)]
    from django.utils import timezone

    return [Todo(_("待填报的平台年度报告"), n, url, first.due_on, first.due_on < timezone.localdate())]


def chart(user):
    if not services.can_view_registry(user) or user.role in ("enterprise", "institute"):
        return None
    data = services.chart_data(user)
    if not data["by_level"]:
        return None
    return Chart(
        title=_("各区县创新平台（按级别）"),
        categories=data["districts"],
        series=data["by_level"],
        unit=_("家"),
    )


def search(user, q: str, limit: int):
    if not services.can_view_registry(user):
        return None
    qs = services.search_platforms(user, q=q)
    total = qs.count()
    hits = [
        SearchHit(
            p.name,
            reverse("platforms_detail", args=[p.pk]),
            f"{p.get_level_display()}{p.get_kind_display()} · {p.host.name}",
        )
        for p in qs[:limit]
    ]
    return SearchGroup(_("创新平台"), hits, total, reverse("platforms_list") + "?" + urlencode({"q": q}))


def profile_section(request, enterprise) -> str:
    platforms = services.visible_platforms(request.user).filter(host_id=enterprise.pk)
    incubations = enterprise.incubations.select_related("incubator")
    if not platforms.exists() and not incubations.exists():
        return ""
    return render_to_string(
        "platforms/profile_section.html",
        {"platforms": platforms, "incubations": incubations, "Platform": Platform},
        request=request,
    )
