from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, MoneyField, PickerWidget
from kechuang.core.models import District, Organisation
from kechuang.enterprises.models import Enterprise

from .models import AnnualReport, CarrierStatus, Incubator, Level, Platform, Subject

ALL = _("全部")


def _blank(choices):
    return [("", ALL), *choices]


class HostField(forms.ModelMultipleChoiceField):
    """One organisation picked by type-ahead (the picker widget carries a list; exactly one is kept)."""

    def clean(self, value):
        chosen = super().clean(value)
        if chosen is None or len(chosen) != 1:
            raise forms.ValidationError(_("请选择一家单位"), code="one")
        return chosen[0]

    def prepare_value(self, value):
        if isinstance(value, Organisation):
            return [value.pk]
        if isinstance(value, int):
            return [value]
        return super().prepare_value(value)


def _orgs():
    return Organisation.objects.filter(kind__in=[Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE])


class FilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    district = forms.ModelChoiceField(label=_("区县"), queryset=District.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=_blank(Platform.Kind.choices))
    level = forms.ChoiceField(label=_("级别"), required=False, choices=_blank(Level.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(CarrierStatus.choices))

    def __init__(self, *args, districts=None, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts is not None:
            self.fields["district"].queryset = districts
        if kinds is not None:
            self.fields["kind"].choices = _blank(kinds)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["district"] = data["district"].pk if data.get("district") else None
        return data


class Styled(forms.Form):
    """Bootstrap classes on the plain inputs (the shared widgets bring their own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if (
                isinstance(widget, (forms.TextInput, forms.NumberInput, forms.Textarea))
                and "class" not in widget.attrs
            ):
                widget.attrs["class"] = "form-control"


class PlatformForm(Styled):
    name = forms.CharField(label=_("平台名称"), max_length=200)
    kind = forms.ChoiceField(label=_("平台类型"), choices=Platform.Kind.choices)
    level = forms.ChoiceField(label=_("级别"), choices=Level.choices)
    host = HostField(label=_("依托单位"), queryset=_orgs(), widget=PickerWidget("partners"))
    tech_field = forms.CharField(label=_("技术领域"), max_length=100, required=False)
    recognised_on = DateField(label=_("认定日期"), required=False)
    document = forms.CharField(label=_("认定文件"), max_length=200, required=False)
    staff = forms.IntegerField(label=_("固定人员（人）"), min_value=0, max_value=100000, required=False)
    senior_staff = forms.IntegerField(
        label=_("高级职称人员（人）"), min_value=0, max_value=100000, required=False
    )
    equipment_yuan = MoneyField(label=_("仪器设备原值"), required=False)


class IncubatorForm(Styled):
    name = forms.CharField(label=_("载体名称"), max_length=200)
    kind = forms.ChoiceField(label=_("载体类型"), choices=Incubator.Kind.choices)
    level = forms.ChoiceField(label=_("级别"), choices=Level.choices)
    operator = HostField(label=_("运营机构"), queryset=_orgs(), widget=PickerWidget("partners"))
    recognised_on = DateField(label=_("认定日期"), required=False)
    document = forms.CharField(label=_("认定文件"), max_length=200, required=False)
    area_m2 = forms.DecimalField(
        label=_("场地面积（平方米）"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    services = forms.CharField(
        label=_("服务内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    investment_yuan = MoneyField(label=_("在孵企业获得投融资"), required=False)


class TenantForm(forms.Form):
    enterprise = forms.ModelMultipleChoiceField(
        label=_("在孵企业"), queryset=Enterprise.objects.all(), widget=PickerWidget("enterprises")
    )
    entered_on = DateField(label=_("入孵日期"))

    def clean_enterprise(self):
        chosen = self.cleaned_data["enterprise"]
        if len(chosen) != 1:
            raise forms.ValidationError(_("请选择一家企业"))
        return chosen[0]


class GraduateForm(forms.Form):
    graduated_on = DateField(label=_("毕业日期"))


class OpenYearForm(forms.Form):
    year = forms.IntegerField(label=_("报告年度"), min_value=2000, max_value=2100)
    due_on = DateField(label=_("报送截止日期"))


class EvaluateForm(forms.Form):
    year = forms.IntegerField(label=_("报告年度"), min_value=2000, max_value=2100)
    subject = forms.ChoiceField(label=_("评价对象"), choices=Subject.choices)


class ReportFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(AnnualReport.Status.choices))
    subject = forms.ChoiceField(label=_("对象"), required=False, choices=_blank(Subject.choices))


class ReportForm(forms.Form):
    """One field per figure of the evaluation system, and the text."""

    summary = forms.CharField(
        label=_("年度工作总结"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, system=(), **kwargs):
        super().__init__(*args, **kwargs)
        for ind in system:
            label = f"{ind.name}（{ind.unit}）" if ind.unit else ind.name
            self.fields[f"f_{ind.code}"] = forms.DecimalField(
                label=label, min_value=0, required=False, max_digits=16
            )
        self.fields["summary"] = self.fields.pop("summary")

    def figures(self) -> dict:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("f_") and v is not None}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("support", _("继续支持")), ("warning", _("警示整改")), ("withdrawal", _("撤销资格"))],
    )
    opinion = forms.CharField(
        label=_("评价意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RecognitionCallForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("通知标题"), max_length=200)
    guide = forms.CharField(label=_("认定条件与申报要求"), widget=forms.Textarea(attrs={"rows": 4}))
    opens_on = DateField(label=_("申报开始日期"))
    closes_on = DateField(label=_("申报截止日期"))

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["opens_on"] > data["closes_on"]:
            self.add_error("closes_on", _("申报截止日期不能早于开始日期"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("平台名录文件（.xlsx 或 .csv）"))
