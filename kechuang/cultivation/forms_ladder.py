"""Forms of the ladder's pages. Each refusal names the field and the rule."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, PickerWidget
from kechuang.core.models import District, Role, Section, User
from kechuang.enterprises.models import Enterprise

from .importing_ladder import HIGH_TECH, TECH_SME, TITLES
from .models.ladder import Candidate, CultivationAction, Rung

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


def year_choices(span: int = 4) -> list[tuple[int, int]]:
    this = timezone.localdate().year
    return [(y, y) for y in range(this, this - span, -1)]


class NominateForm(forms.Form):
    enterprises = forms.ModelMultipleChoiceField(
        label=_("企业"),
        queryset=Enterprise.objects.none(),
        widget=PickerWidget("enterprises", placeholder=_("输入企业名称或统一社会信用代码查找")),
        error_messages={"required": _("请至少选择一家企业")},
    )
    year = forms.TypedChoiceField(label=_("培育年度"), coerce=int, widget=forms.Select(attrs=SELECT))
    note = forms.CharField(
        label=_("推荐理由"), required=False, max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].queryset = (
            enterprises if enterprises is not None else Enterprise.objects.none()
        )
        self.fields["year"].choices = year_choices()


class AdmitForm(forms.Form):
    owner_kind = forms.ChoiceField(
        label=_("培育责任单位"), choices=Candidate.OwnerKind.choices, widget=forms.Select(attrs=SELECT)
    )
    owner_section = forms.ModelChoiceField(
        label=_("责任科室"), queryset=Section.objects.all(), required=False, widget=forms.Select(attrs=SELECT)
    )
    owner_district = forms.ModelChoiceField(
        label=_("责任区县"),
        queryset=District.objects.all(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    owner_agency = forms.CharField(
        label=_("服务机构名称"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT)
    )
    reason = forms.CharField(
        label=_("审核意见"), required=False, max_length=2000, widget=forms.TextInput(attrs=TEXT)
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予入库理由"), max_length=2000, widget=forms.TextInput(attrs=TEXT))


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("措施类型"), choices=CultivationAction.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    on = DateField(label=_("日期"))
    note = forms.CharField(
        label=_("情况记录"), required=False, max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天"))
        return on


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("年度培育结果"),
        choices=[("certify", _("已认定")), ("not_yet", _("未获认定")), ("withdraw", _("退出培育"))],
        widget=forms.Select(attrs=SELECT),
    )
    reason = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.TextInput(attrs=TEXT)
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("名单类型"),
        choices=[(TECH_SME, TITLES[TECH_SME]), (HIGH_TECH, TITLES[HIGH_TECH])],
        widget=forms.Select(attrs=SELECT),
    )
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"), widget=forms.ClearableFileInput(attrs=TEXT))


class StaffRungForm(forms.Form):
    enterprises = forms.ModelMultipleChoiceField(
        label=_("企业"),
        queryset=Enterprise.objects.all(),
        widget=PickerWidget("enterprises", placeholder=_("输入企业名称或统一社会信用代码查找")),
        error_messages={"required": _("请至少选择一家企业")},
    )
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, widget=forms.Select(attrs=SELECT))
    rung = forms.ChoiceField(label=_("梯次"), choices=Rung.choices, widget=forms.Select(attrs=SELECT))
    approver = forms.ModelChoiceField(
        label=_("审批人"),
        queryset=User.objects.filter(role__in=(Role.LEADER, Role.ADMIN), is_active=True),
        widget=forms.Select(attrs=SELECT),
    )
    reason = forms.CharField(label=_("认定理由"), max_length=2000, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()


class FilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("年度"), coerce=int, required=False, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, years=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in (years or [y for y, _ in year_choices()])]
