"""The audit search page for administrators (thin: the trails and the search live in audit.py)."""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import audit

_SM = {"class": "form-control form-control-sm"}
_SEL = {"class": "form-select form-select-sm"}


class AuditFilterForm(forms.Form):
    user = forms.CharField(
        label=_lazy("用户（用户名或姓名）"), required=False, max_length=100, widget=forms.TextInput(_SM)
    )
    kind = forms.ChoiceField(label=_lazy("记录类型"), required=False, widget=forms.Select(attrs=_SEL))
    object_type = forms.ChoiceField(label=_lazy("对象类型"), required=False, widget=forms.Select(attrs=_SEL))
    object_id = forms.RegexField(
        label=_lazy("对象编号"), required=False, max_length=20, regex=r"^\d+$",
        error_messages={"invalid": _lazy("对象编号应为数字")}, widget=forms.TextInput(_SM),
    )  # fmt: skip
    start = forms.DateField(
        label=_lazy("开始日期"), required=False, widget=forms.DateInput({**_SM, "type": "date"})
    )
    end = forms.DateField(
        label=_lazy("结束日期"), required=False, widget=forms.DateInput({**_SM, "type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部"))] + [(k, str(label)) for k, label in audit.KINDS]
        self.fields["object_type"].choices = [("", _("全部")), *audit.object_types()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("结束日期不能早于开始日期"))
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("按对象编号查询时请同时选择对象类型"))
        return data

    def criteria(self) -> audit.Criteria:
        if not self.is_bound or not self.is_valid():
            return audit.Criteria()
        d = self.cleaned_data

        def midnight(day):
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

        return audit.Criteria(
            user_ids=audit.users_matching(d["user"]) if d["user"] else None,
            username=d["user"],
            object_type=d["object_type"],
            object_id=d["object_id"],
            start=midnight(d["start"]),
            end=midnight(d["end"] + dt.timedelta(days=1)) if d["end"] else None,
            sources=frozenset([d["kind"]]) if d["kind"] else frozenset(),
        )


@login_required
def audit_log(request):
    audit.can_view(request.user).enforce()
    form = AuditFilterForm(request.GET or None)
    merged = audit.search(form.criteria())
    if request.GET.get("export") == "xlsx":
        return audit.export_response(
            request,
            _("审计记录"),
            _("审计记录.xlsx"),
            audit.EXPORT_COLUMNS,
            audit.export_rows(merged),
            form=form,
        )
    page = Paginator(merged, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit.html", {"form": form, "page": page, "query": query.urlencode()})
