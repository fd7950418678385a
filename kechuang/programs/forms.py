"""Forms of the programme pages. The application form's own fields come from the call's JSON Schema."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, MoneyField, PickerWidget

from .models import Call, ProgrammeType, Solicitation
from .services import WAN, co_applicant_choices, is_money, money_title, policy_choices
from .services.formschema import KINDS, LINE_MAX, fill_codes, json_number, ordered_properties, rows_to_schema

WIDGET = {"class": "form-control"}
CHECK = {"class": "form-check-input"}
SMALL = {"class": "form-control form-control-sm"}


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
    eligibility = forms.MultipleChoiceField(
        label=_("申报条件（申报单位须符合的政策，可多选）"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    budget_cap_wan = forms.DecimalField(
        label=_("单项申请上限（万元）"), min_value=0, decimal_places=2, widget=forms.NumberInput(attrs=WIDGET)
    )
    opens_on = DateField(label=_("申报开始日期"))
    closes_on = DateField(label=_("申报截止日期"))
    total_budget_wan = forms.DecimalField(
        label=_("本批资金总额（万元）"), required=False, min_value=0, decimal_places=2,
        widget=forms.NumberInput(attrs=WIDGET),
    )  # fmt: skip
    max_awards = forms.IntegerField(
        label=_("立项数上限"), required=False, min_value=1, widget=forms.NumberInput(attrs=WIDGET)
    )
    notice_days = forms.IntegerField(
        label=_("公示天数"), min_value=1, max_value=30, initial=5, widget=forms.NumberInput(attrs=WIDGET)
    )
    needs_endorsement = forms.BooleanField(
        label=_("须经区县推荐"), required=False, initial=True, widget=forms.CheckboxInput(attrs=CHECK)
    )
    blind_review = forms.BooleanField(
        label=_("匿名评审（专家看不到申报单位和人员）"),
        required=False,
        widget=forms.CheckboxInput(attrs=CHECK),
    )
    reveal_reviewers = forms.BooleanField(
        label=_("向申报单位公开评审专家姓名"), required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )
    normalise_scores = forms.BooleanField(
        label=_("校正专家打分宽严"), required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )

    WIDE = ("title", "guide", "topics", "eligibility")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Policies are chosen by name; the call stores their codes.
        self.fields["eligibility"].choices = policy_choices()

    def service_data(self, rubric: list[dict], attachment_kinds: list[dict], form_schema: dict) -> dict:
        d = self.cleaned_data
        total = d.get("total_budget_wan")
        return {
            "programme_type": d["programme_type"], "year": d["year"], "title": d["title"], "guide": d["guide"],
            "topics": [t.strip() for t in d["topics"].splitlines() if t.strip()],
            "eligibility": list(d["eligibility"]),
            "budget_cap_yuan": d["budget_cap_wan"] * WAN, "opens_on": d["opens_on"], "closes_on": d["closes_on"],
            "form_schema": form_schema, "total_budget_yuan": total * WAN if total is not None else None,
            "max_awards": d.get("max_awards"), "notice_days": d["notice_days"],
            "needs_endorsement": d["needs_endorsement"], "blind_review": d["blind_review"],
            "reveal_reviewers": d["reveal_reviewers"], "normalise_scores": d["normalise_scores"],
            "rubric": rubric, "attachment_kinds": attachment_kinds,
        }  # fmt: skip

    @staticmethod
    def initial_for(call: Call) -> dict:
        return {
            "programme_type": call.programme_type_id, "year": call.year, "title": call.title, "guide": call.guide,
            "topics": "\n".join(call.topics), "eligibility": list(call.eligibility),
            "budget_cap_wan": call.budget_cap_yuan / WAN, "opens_on": call.opens_on, "closes_on": call.closes_on,
            "total_budget_wan": call.total_budget_yuan / WAN if call.total_budget_yuan is not None else None,
            "max_awards": call.max_awards, "notice_days": call.notice_days,
            "needs_endorsement": call.needs_endorsement, "blind_review": call.blind_review,
            "reveal_reviewers": call.reveal_reviewers, "normalise_scores": call.normalise_scores,
        }  # fmt: skip


class RubricRowForm(forms.Form):
    """One 评审指标: its code is kept from the call (scores refer to it) or made up for a new row."""

    code = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("指标名称"), max_length=100, widget=forms.TextInput(attrs=WIDGET))
    weight = forms.DecimalField(
        label=_("权重"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2,
        widget=forms.NumberInput(attrs={**WIDGET, "step": "any"}),
    )  # fmt: skip
    max = forms.DecimalField(
        label=_("满分"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2,
        widget=forms.NumberInput(attrs={**WIDGET, "step": "any"}),
    )  # fmt: skip


class _Rows(forms.BaseFormSet):
    """Rows a person fills in a table: blank rows are ignored, deleted rows dropped."""

    def rows(self) -> list[dict]:
        # An untouched blank row cleans to {}.
        return [
            dict(f.cleaned_data) for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    def _with_codes(self, prefix: str) -> list[dict]:
        return fill_codes(self.rows(), prefix)


class BaseRubricFormSet(_Rows):
    def clean(self):
        if any(self.errors):
            return
        rows = self.rows()
        if not rows:
            raise forms.ValidationError(_("评审指标至少填写一项"))
        total = sum(r["weight"] for r in rows)
        if total != 100:
            raise forms.ValidationError(
                _("评审指标的权重合计须为100，现为%(t)s") % {"t": format(total.normalize(), "f")}
            )

    def rubric(self) -> list[dict]:
        num = json_number
        return [
            {"code": r["code"], "name": r["name"], "weight": num(r["weight"]), "max": num(r["max"])}
            for r in self._with_codes("item")
        ]


RubricFormSet = forms.formset_factory(RubricRowForm, formset=BaseRubricFormSet, extra=2, can_delete=True)


class AttachmentKindRowForm(forms.Form):
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("附件名称"), max_length=100, widget=forms.TextInput(attrs=WIDGET))
    required = forms.BooleanField(label=_("必交"), required=False, widget=forms.CheckboxInput(attrs=CHECK))


class BaseAttachmentKindFormSet(_Rows):
    def attachment_kinds(self) -> list[dict]:
        return [
            {"code": r["code"], "name": r["name"], "required": r["required"]}
            for r in self._with_codes("file")
        ]


AttachmentKindFormSet = forms.formset_factory(
    AttachmentKindRowForm, formset=BaseAttachmentKindFormSet, extra=2, can_delete=True
)


class FormFieldRowForm(forms.Form):
    """One field of the application form; its code is kept from the call (answers refer to it)."""

    code = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("字段类型"),
        choices=[("", _("请选择")), *KINDS],
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "style": "min-width: 8.5rem"}),
    )
    title = forms.CharField(
        label=_("标题"), max_length=100, widget=forms.TextInput(attrs={**SMALL, "style": "min-width: 9rem"})
    )
    required = forms.BooleanField(label=_("必填"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    max_length = forms.IntegerField(
        label=_("最多字数"), required=False, min_value=1, max_value=100_000,
        widget=forms.NumberInput(attrs={**SMALL, "style": "width: 5rem"}),
    )  # fmt: skip
    minimum = forms.DecimalField(
        label=_("最小值"), required=False, max_digits=16, decimal_places=6,
        widget=forms.NumberInput(attrs={**SMALL, "step": "any", "style": "width: 5rem"}),
    )  # fmt: skip
    maximum = forms.DecimalField(
        label=_("最大值"), required=False, max_digits=16, decimal_places=6,
        widget=forms.NumberInput(attrs={**SMALL, "step": "any", "style": "width: 5rem"}),
    )  # fmt: skip
    options = forms.CharField(
        label=_("选项（每行一个）"), required=False,
        widget=forms.Textarea(attrs={**SMALL, "rows": 1, "style": "min-width: 7rem"}),
    )  # fmt: skip
    help = forms.CharField(
        label=_("填写说明"), required=False, max_length=300, widget=forms.TextInput(attrs=SMALL)
    )

    def clean_options(self):
        return [o.strip() for o in self.cleaned_data["options"].splitlines() if o.strip()]

    @staticmethod
    def initial_for(row: dict) -> dict:
        return {**row, "options": "\n".join(row["options"])}


class BaseFormFieldFormSet(_Rows):
    """The application-form builder: rows in their 顺序, written as the call's JSON Schema."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("顺序")
        form.fields["ORDER"].widget.attrs.update(SMALL, style="width: 4rem")

    def rows(self) -> list[dict]:
        # Row numbers in messages are the rows as the person sees them, whatever their 顺序.
        line = {id(f): i for i, f in enumerate(self.forms, start=1)}
        return [{**f.cleaned_data, "line": line[id(f)]} for f in self.ordered_forms if f.cleaned_data]

    def row_errors(self) -> list[str]:
        """Every message of an invalid builder, each naming its row and column."""
        out = [
            _("第%(i)s行：%(f)s：%(m)s") % {"i": i, "f": form.fields[name].label, "m": message}
            for i, form in enumerate(self.forms, start=1)
            for name, messages in form.errors.items()
            for message in messages
        ]
        return out + list(self.non_form_errors())

    def clean(self):
        if any(self.errors):
            return
        try:
            self.schema = rows_to_schema(self.rows())
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["form_schema"]) from None


FormFieldFormSet = forms.formset_factory(
    FormFieldRowForm, formset=BaseFormFieldFormSet, extra=1, can_delete=True, can_order=True
)


class ApplicationForm(forms.Form):
    """The fixed fields plus one ``f_<name>`` field per schema property; required-ness of the schema
    is checked on submit, not on saving a draft."""

    title = forms.CharField(label=_("项目名称"), max_length=200, widget=forms.TextInput(attrs=WIDGET))
    abstract = forms.CharField(
        label=_("项目摘要"), max_length=4000, widget=forms.Textarea(attrs={**WIDGET, "rows": 4})
    )
    # Named for the unit typed (万元); cleaned to yuan.
    requested_wan = MoneyField(label=_("申请支持金额"))
    months = forms.IntegerField(label=_("实施期（月）"), min_value=1, widget=forms.NumberInput(attrs=WIDGET))
    co_applicants = forms.ModelMultipleChoiceField(
        co_applicant_choices(),
        label=_("合作单位（企业或高校院所，可多选）"),
        required=False,
        widget=PickerWidget("partners", placeholder=_("输入单位名称或统一社会信用代码查找")),
    )

    def __init__(self, *args, schema: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        for name, prop in ordered_properties(schema):
            label = prop.get("title", name)
            if prop["type"] == "array":
                options = prop["items"]["enum"]
                field = forms.MultipleChoiceField(
                    label=label, required=False, choices=[(o, o) for o in options],
                    widget=forms.CheckboxSelectMultiple(attrs=CHECK),
                )  # fmt: skip
            elif "enum" in prop:
                field = forms.ChoiceField(
                    label=label, required=False, choices=[("", _("请选择"))] + [(o, o) for o in prop["enum"]],
                    widget=forms.Select(attrs={"class": "form-select"}),
                )  # fmt: skip
            elif prop.get("format") == "date":
                field = DateField(label=label, required=False)
            elif prop["type"] == "string":
                long = prop.get("format") == "textarea" or prop.get("maxLength", 10_000) > LINE_MAX
                widget = (
                    forms.Textarea(attrs={**WIDGET, "rows": 3}) if long else forms.TextInput(attrs=WIDGET)
                )
                field = forms.CharField(label=label, required=False, widget=widget)
            elif is_money(name, prop):
                # One unit per form: money in the schema (stored in yuan) is typed in 万元 like the request.
                field = MoneyField(label=money_title(label), required=False)
            else:
                field = forms.DecimalField(
                    label=label, required=False, widget=forms.NumberInput(attrs=WIDGET)
                )
            field.schema_required = name in schema.get("required", [])
            field.help_text = prop.get("description", "")
            self.fields[f"f_{name}"] = field

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {}
        for name in self.schema.get("properties", {}):
            value = d.get(f"f_{name}")
            if value in (None, "", []):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            if isinstance(value, Decimal):
                # JSON has no decimal type: whole numbers go as int, others as float.
                value = int(value) if value == value.to_integral_value() else float(value)
            data[name] = value
        return {
            "title": d["title"], "abstract": d["abstract"], "requested_yuan": d["requested_wan"],
            "months": d["months"], "form_data": data,
        }  # fmt: skip

    def co_applicants_chosen(self) -> list:
        return list(self.cleaned_data.get("co_applicants") or [])

    @staticmethod
    def initial_for(app) -> dict:
        initial = {
            "title": app.title, "abstract": app.abstract, "requested_wan": app.requested_yuan,
            "months": app.months, "co_applicants": list(app.co_applicants.all()),
        }  # fmt: skip
        for k, v in (app.form_data or {}).items():
            # JSON numbers come back as int/float: money fields want an exact Decimal of yuan.
            initial[f"f_{k}"] = Decimal(str(v)) if isinstance(v, float) else v
        return initial


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("审查意见"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 2})
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("附件类型"), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=_("文件"), widget=forms.ClearableFileInput(attrs=WIDGET))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k["code"], k["name"] + (" *" if k.get("required") else "")) for k in kinds
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 2})
    )


class SolicitationForm(forms.Form):
    programme_type = forms.ModelChoiceField(
        ProgrammeType.objects.all(), label=_("计划类型"), widget=forms.Select(attrs={"class": "form-select"})
    )
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=WIDGET)
    )
    title = forms.CharField(label=_("征集标题"), max_length=200, widget=forms.TextInput(attrs=WIDGET))
    description = forms.CharField(label=_("征集说明"), widget=forms.Textarea(attrs={**WIDGET, "rows": 4}))
    opens_on = DateField(label=_("征集开始日期"))
    closes_on = DateField(label=_("征集截止日期"))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(sol: Solicitation) -> dict:
        return {
            "programme_type": sol.programme_type_id, "year": sol.year, "title": sol.title,
            "description": sol.description, "opens_on": sol.opens_on, "closes_on": sol.closes_on,
        }  # fmt: skip


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("方向名称"), max_length=200, widget=forms.TextInput(attrs=WIDGET))
    problem = forms.CharField(
        label=_("需解决的问题"), max_length=4000, widget=forms.Textarea(attrs={**WIDGET, "rows": 3})
    )
    goals = forms.CharField(
        label=_("预期目标与考核指标"), max_length=4000, required=False,
        widget=forms.Textarea(attrs={**WIDGET, "rows": 3}),
    )  # fmt: skip
    suggested_wan = forms.DecimalField(
        label=_("建议支持金额（万元）"), required=False, min_value=0, decimal_places=2,
        widget=forms.NumberInput(attrs=WIDGET),
    )  # fmt: skip

    def service_data(self) -> dict:
        d = self.cleaned_data
        wan = d.get("suggested_wan")
        return {
            "title": d["title"], "problem": d["problem"], "goals": d.get("goals", ""),
            "suggested_yuan": wan * WAN if wan is not None else None,
        }  # fmt: skip


class AdoptForm(forms.Form):
    call = forms.ModelChoiceField(
        Call.objects.filter(status=Call.Status.DRAFT), label=_("纳入的指南（草稿）"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    note = forms.CharField(
        label=_("处理意见"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 2})
    )


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("不予采纳的原因"), required=False, widget=forms.Textarea(attrs={**WIDGET, "rows": 2})
    )
