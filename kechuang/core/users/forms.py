from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import District, Role, Section
from . import services

WIDGET = {"class": "form-control"}
SELECT = {"class": "form-select"}


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("用户名、姓名或所属机构"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    role = forms.ChoiceField(
        label=_("角色"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    district = forms.ModelChoiceField(
        label=_("区县"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("全部区县"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("active", _("启用")), ("inactive", _("已停用"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        roles = services.assignable_roles(actor)
        self.fields["role"].choices = [("", _("全部角色"))] + [(r, Role(r).label) for r in roles]
        if not actor.is_city_staff:
            del self.fields["district"]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "role": data.get("role") or "",
            "district": data.get("district"),
            "status": data.get("status") or "",
        }


class UserForm(forms.Form):
    """An account's terms. The organisation is typed (USCC or exact name): a district has thousands."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(
            attrs={**WIDGET, "autocomplete": "off", "placeholder": _("登录用，创建后不能修改")}
        ),
    )
    display_name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs=WIDGET))
    email = forms.CharField(
        label=_("电子邮箱"), max_length=254, required=False, widget=forms.TextInput(attrs=WIDGET)
    )
    role = forms.ChoiceField(label=_("角色"), widget=forms.Select(attrs=SELECT))
    section = forms.ModelChoiceField(
        label=_("科室（仅市局用户）"),
        queryset=Section.objects.all(),
        required=False,
        empty_label=_("（无）"),
        widget=forms.Select(attrs=SELECT),
    )
    district = forms.ModelChoiceField(
        label=_("区县（仅区县科技局工作人员）"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("（无）"),
        widget=forms.Select(attrs=SELECT),
    )
    organisation = forms.CharField(
        label=_("所属机构（仅企业、高校院所用户）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={**WIDGET, "placeholder": _("统一社会信用代码或机构全称")}),
    )
    reason = forms.CharField(
        label=_("说明（记入操作记录）"),
        max_length=services.MAX_REASON,
        required=False,
        widget=forms.TextInput(attrs=WIDGET),
    )

    def __init__(self, *args, actor, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["role"].choices = [("", "—")] + [
            (r, Role(r).label) for r in services.assignable_roles(actor)
        ]
        if not actor.is_city_staff:
            # District staff give users to their own district only; sections belong to the city bureau.
            del self.fields["section"]
            self.fields["district"].queryset = District.objects.filter(pk=actor.district_id)
        if user is not None:
            del self.fields["username"]

    @classmethod
    def initial_for(cls, user) -> dict:
        org = user.organisation
        return {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "section": user.section_id,
            "district": user.district_id,
            "organisation": (org.uscc or org.name) if org else "",
        }

    def clean_organisation(self):
        text = self.cleaned_data.get("organisation", "").strip()
        if not text:
            return None
        org = services.find_organisation(self.actor, text)
        if org is None:
            raise forms.ValidationError(
                _("未找到统一社会信用代码或全称为“%(t)s”的机构（区县用户只能选择本区县的机构）") % {"t": text}
            )
        return org

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "reason"}
        data.setdefault("section", None)
        return data
