"""Registry pages. Thin: scoping and queries live in services.py."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.registry import profile_sections

from . import importing, services
from .forms import EnterpriseFilterForm


def _require_registry_access(user) -> None:
    if not services.can_use_registry(user):
        raise PermissionDenied(_("当前角色无权查看企业库"))


def _filtered(request):
    form = EnterpriseFilterForm(request.GET or None, districts=services.visible_districts(request.user))
    filters = form.cleaned_filters() if form.is_bound and form.is_valid() else {}
    return form, filters, services.search_enterprises(request.user, **filters)


@login_required
def enterprise_list(request):
    _require_registry_access(request.user)
    form, filters, qs = _filtered(request)
    count = None if any(filters.values()) else services.unfiltered_count(request.user)
    page = services.page_of_enterprises(qs, request.GET.get("page"), settings.KECHUANG_PAGE_SIZE, count=count)
    rows = services.list_rows(page.object_list, year=filters.get("year"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_import": importing.can_import(request.user),
        },
    )


@login_required
def enterprise_export(request):
    _require_registry_access(request.user)
    form, filters, qs = _filtered(request)
    headers, rows = services.export_rows(qs, year=filters.get("year"))
    return audit.export_response(request, _("企业名录"), _("企业名录.xlsx"), headers, rows, form=form)


@login_required
def enterprise_profile(request, pk: int):
    enterprise = services.get_enterprise(request.user, pk)
    context = services.profile_context(request.user, enterprise)
    context["sections"] = profile_sections(request, enterprise)
    return render(request, "enterprises/profile.html", context)
