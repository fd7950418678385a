from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, PickerWidget
from kechuang.core.models import District, Organisation
from kechuang.enterprises.models import Enterprise

from .models import Commissioner, Grade


class Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, (forms.TextInput, forms.NumberInput, forms.Textarea)) and "class" not in w.attrs:
                w.attrs["class"] = "form-control"
            elif isinstance(w, forms.Select) and not isinstance(w, forms.SelectMultiple):
                w.attrs.setdefault("class", "form-select")


class OneOf(forms.ModelMultipleChoiceField):
    def clean(self, value):
        chosen = super().clean(value)
        if chosen is None or len(chosen) != 1:
            raise forms.ValidationError(_("请选择一项"), code="one")
        return chosen[0]


class AppointmentForm(Styled):
    person = forms.CharField(label=_("姓名"), max_length=64)
    title = forms.CharField(label=_("职称"), max_length=32, required=False)
    institute = forms.ModelChoiceField(
        label=_("派出单位"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.INSTITUTE).order_by("name"),
    )
    enterprise = OneOf(
        label=_("聘任企业"), queryset=Enterprise.objects.all(), widget=PickerWidget("enterprises")
    )
    tech_field = forms.CharField(label=_("专业领域"), max_length=100, required=False)
    starts_on = DateField(label=_("任期开始"))
    ends_on = DateField(label=_("任期结束"))


class WorkLogForm(Styled):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in (1, 2, 3, 4)]
    )
    days = forms.IntegerField(label=_("在企业工作天数"), min_value=0, max_value=92)
    content = forms.CharField(label=_("工作内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AssessForm(Styled):
    grade = forms.ChoiceField(label=_("考核等级"), choices=Grade.choices)
    opinion = forms.CharField(label=_("考核意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    projects = forms.IntegerField(label=_("合作项目（项）"), min_value=0, max_value=1000, initial=0)
    patents = forms.IntegerField(label=_("申请专利（件）"), min_value=0, max_value=1000, initial=0)
    demands_solved = forms.IntegerField(label=_("解决技术难题（项）"), min_value=0, max_value=1000, initial=0)


class RenewForm(Styled):
    ends_on = DateField(label=_("新任期结束"))


class ReasonForm(Styled):
    reason = forms.CharField(label=_("原因"), max_length=2000)


class CommissionerForm(Styled):
    name = forms.CharField(label=_("特派员（团队、单位）名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Commissioner.Kind.choices)
    members = forms.IntegerField(label=_("人数"), min_value=1, max_value=500, initial=1)
    organisation = forms.ModelChoiceField(
        label=_("所在单位"), queryset=Organisation.objects.order_by("name"), required=False
    )
    district = forms.ModelChoiceField(label=_("服务区县"), queryset=District.objects.all())
    served_kind = forms.ChoiceField(label=_("服务对象类型"), choices=Commissioner.Served.choices)
    served_name = forms.CharField(label=_("服务对象"), max_length=200)
    tech_field = forms.CharField(label=_("服务领域"), max_length=100, required=False)
    starts_on = DateField(label=_("选派日期"))
    ends_on = DateField(label=_("服务期满"), required=False)


class ServiceLogForm(Styled):
    served_on = DateField(label=_("服务日期"))
    content = forms.CharField(label=_("服务内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommissionerAssessForm(Styled):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=_("考核等级"), choices=Grade.choices)
    comment = forms.CharField(label=_("考核意见"), max_length=2000, required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
