from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, DateInput
from kechuang.core.models import District, Section

from .models import Milestone, TaskForce


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["due", "text", "owner_section", "indicator_code", "target_value"]
        widgets = {"due": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        if indicators:
            current = self.instance.indicator_code
            choices = [("", _("不关联指标")), *list(indicators)]
            if current and current not in dict(indicators):
                choices.append((current, current))
            self.fields["indicator_code"] = forms.ChoiceField(
                label=_("关联指标"), choices=choices, required=False
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class PlanImportForm(forms.Form):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    issued = DateField(label=_("印发日期"), required=False)
    office = forms.ModelChoiceField(
        label=_("领导小组办公室所在科室"), queryset=Section.objects.all(), required=False
    )
    district = forms.ModelChoiceField(
        label=_("区县（区县实施方案填写）"), queryset=District.objects.all(), required=False
    )
    file = forms.FileField(label=_("填好的模板（.xlsx）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 和 .csv 文件"))
        return file


class TaskForceForm(forms.ModelForm):
    """The task force's people and goal; leaders are named as in the plan, several separated by 、."""

    assisting = forms.CharField(label=_("协助领导"), required=False, help_text=_("多人用顿号分隔"))

    class Meta:
        model = TaskForce
        fields = ["name", "lead_leader", "lead_section", "support_sections", "goal", "due"]
        widgets = {
            "due": DateInput(),
            "goal": forms.Textarea(attrs={"rows": 3}),
            "support_sections": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assisting"].initial = "、".join(self.instance.assisting_leaders or [])
        for name, field in self.fields.items():
            if name != "support_sections":
                field.widget.attrs.setdefault("class", "form-control")

    def clean_assisting(self):
        import re

        names = [n.strip() for n in re.split(r"[、,，;；]+", self.cleaned_data["assisting"]) if n.strip()]
        if any(len(n) > 64 for n in names):
            raise forms.ValidationError(_("每位领导的姓名不超过64字"))
        return names

    def save(self, commit=True):
        self.instance.assisting_leaders = self.cleaned_data["assisting"]
        return super().save(commit)
