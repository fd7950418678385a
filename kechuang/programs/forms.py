"""Forms of the programme pages. The application form's own fields come from the call's JSON Schema."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ProgrammeType
from .services import WAN

WIDGET = {"class": "form-control"}


class CallForm(forms.Form):
    programme_type = forms.ModelChoiceField(
        ProgrammeType.objects.all(), label=_("计划类型"), widget=forms.Select(attrs={"class": "form-select"})
    )
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=WIDGET)
    )
    title = forms.CharField(label=_("通知标题"), max_length=200, widget=forms.TextInput(attrs=WIDGET))
    guide = forms.CharField(label=_("申报指南"), widget=forms.Textarea(attrs={**WIDGET, "rows": 5}))
    topics = forms.CharField(
        label=_("指南方向（每行一个）"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 3})
    )
    eligibility = forms.CharField(
        label=_("申报条件（政策代码，逗号分隔）"), required=False, widget=forms.TextInput(attrs=WIDGET)
    )
    budget_cap_wan = forms.DecimalField(
        label=_("单项申请上限（万元）"), min_value=0, decimal_places=2, widget=forms.NumberInput(attrs=WIDGET)
    )
    opens_on = forms.DateField(
        label=_("申报开始日期"), widget=forms.DateInput(attrs={**WIDGET, "type": "date"})
    )
    closes_on = forms.DateField(
        label=_("申报截止日期"), widget=forms.DateInput(attrs={**WIDGET, "type": "date"})
    )
    form_schema = forms.JSONField(
        label=_("申报书表单（JSON Schema）"),
        widget=forms.Textarea(attrs={**WIDGET, "rows": 8, "class": "form-control font-monospace"}),
    )

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "programme_type": d["programme_type"], "year": d["year"], "title": d["title"], "guide": d["guide"],
            "topics": [t.strip() for t in d["topics"].splitlines() if t.strip()],
            "eligibility": [c.strip() for c in d["eligibility"].replace("，", ",").split(",") if c.strip()],
            "budget_cap_yuan": d["budget_cap_wan"] * WAN, "opens_on": d["opens_on"], "closes_on": d["closes_on"],
            "form_schema": d["form_schema"],
        }  # fmt: skip


class ApplicationForm(forms.Form):
    """The fixed fields plus one ``f_<name>`` field per schema property; required-ness of the schema
    is checked on submit, not on saving a draft."""

    title = forms.CharField(label=_("项目名称"), max_length=200, widget=forms.TextInput(attrs=WIDGET))
    abstract = forms.CharField(
        label=_("项目摘要"), max_length=4000, widget=forms.Textarea(attrs={**WIDGET, "rows": 4})
    )
    requested_wan = forms.DecimalField(
        label=_("申请支持金额（万元）"), min_value=0, decimal_places=2, widget=forms.NumberInput(attrs=WIDGET)
    )
    months = forms.IntegerField(label=_("实施期（月）"), min_value=1, widget=forms.NumberInput(attrs=WIDGET))

    def __init__(self, *args, schema: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        for name, prop in schema.get("properties", {}).items():
            label = prop.get("title", name)
            if prop["type"] == "string":
                long = prop.get("maxLength", 10_000) > 200
                widget = (
                    forms.Textarea(attrs={**WIDGET, "rows": 3}) if long else forms.TextInput(attrs=WIDGET)
                )
                field = forms.CharField(label=label, required=False, widget=widget)
            else:
                field = forms.DecimalField(
                    label=label, required=False, widget=forms.NumberInput(attrs=WIDGET)
                )
            field.schema_required = name in schema.get("required", [])
            self.fields[f"f_{name}"] = field

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {}
        for name in self.schema.get("properties", {}):
            value = d.get(f"f_{name}")
            if value in (None, ""):
                continue
            if isinstance(value, Decimal):
                # JSON has no decimal type: whole numbers go as int, others as float.
                value = int(value) if value == value.to_integral_value() else float(value)
            data[name] = value
        return {
            "title": d["title"], "abstract": d["abstract"], "requested_yuan": d["requested_wan"] * WAN,
            "months": d["months"], "form_data": data,
        }  # fmt: skip

    @staticmethod
    def initial_for(app) -> dict:
        initial = {
            "title": app.title, "abstract": app.abstract, "requested_wan": app.requested_yuan / WAN,
            "months": app.months,
        }  # fmt: skip
        initial.update({f"f_{k}": v for k, v in (app.form_data or {}).items()})
        return initial


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("审查意见"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 2})
    )
