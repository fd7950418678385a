from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateInput

from .models import Achievement, Demand, Event, EventParticipant, Match, TechField

WAN = Decimal(10000)


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")


def _wan_field(label):
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=12, decimal_places=2,
        help_text=_("单位：万元；不填表示面议"),
    )  # fmt: skip


class DemandForm(_Bootstrap, forms.ModelForm):
    enterprise_uscc = forms.CharField(
        label=_("需求企业统一社会信用代码"), max_length=18, required=False,
        help_text=_("代企业发布时填写；企业用户无需填写"),
    )  # fmt: skip
    budget_wan = _wan_field(_("预算（万元）"))

    class Meta:
        model = Demand
        fields = [
            "title", "problem", "field", "industry_code", "deadline", "contact_name", "contact_phone",
            "visibility", "status",
        ]  # fmt: skip
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 6}),
            "deadline": DateInput(),
        }
        labels = {"title": _("需求名称")}

    def __init__(self, *args, staff: bool = False, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not (staff and creating):
            del self.fields["enterprise_uscc"]
        if creating:
            del self.fields["status"]
        if self.instance.pk and self.instance.budget is not None:
            self.initial["budget_wan"] = self.instance.budget / WAN
        self._style()

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("enterprise_uscc", "budget_wan")}
        wan = self.cleaned_data.get("budget_wan")
        data["budget"] = None if wan is None else wan * WAN
        return data


class AchievementForm(_Bootstrap, forms.ModelForm):
    institute = forms.ModelChoiceField(label=_("成果单位"), queryset=None, required=False)
    asking_price_wan = _wan_field(_("意向价格（万元）"))

    class Meta:
        model = Achievement
        fields = [
            "title", "abstract", "field", "leader", "maturity", "ip_kind", "ip_detail", "transfer_mode",
            "contact_name", "contact_phone", "visibility", "status",
        ]  # fmt: skip
        widgets = {"abstract": forms.Textarea(attrs={"rows": 6})}
        labels = {"title": _("成果名称")}

    def __init__(self, *args, institutes=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if institutes is None or not creating:
            del self.fields["institute"]
        else:
            self.fields["institute"].queryset = institutes
        if creating:
            del self.fields["status"]
        if self.instance.pk and self.instance.asking_price is not None:
            self.initial["asking_price_wan"] = self.instance.asking_price / WAN
        self._style()

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("institute", "asking_price_wan")}
        wan = self.cleaned_data.get("asking_price_wan")
        data["asking_price"] = None if wan is None else wan * WAN
        return data


class _Filter(_Bootstrap, forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    field = forms.ChoiceField(label=_("技术领域"), required=False)
    district = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, empty_label=_("全部区县")
    )
    mine = forms.BooleanField(label=_("只看本单位"), required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["field"].choices = [("", _("全部领域")), *TechField.choices]
        self._style()

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        out = {k: data.get(k) or "" for k in self.fields if k not in ("district", "mine")}
        out["district"] = data["district"].pk if data.get("district") else None
        out["mine"] = bool(data.get("mine"))
        return out


class DemandFilterForm(_Filter):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Demand.Status.choices]
    )


class AchievementFilterForm(_Filter):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Achievement.Status.choices]
    )
    maturity = forms.ChoiceField(
        label=_("成熟度"), required=False, choices=[("", _("全部")), *Achievement.Maturity.choices]
    )


class MatchFilterForm(_Bootstrap, forms.Form):
    status = forms.ChoiceField(
        label=_("对接状态"), required=False, choices=[("", _("全部状态")), *Match.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("匹配类型"), required=False, choices=[("", _("全部类型")), *Match.Kind.choices]
    )
    district = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, empty_label=_("全部区县")
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self._style()

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "kind": data.get("kind") or "",
            "district": data["district"].pk if data.get("district") else None,
        }


class TransitionForm(_Bootstrap, forms.Form):
    action = forms.ChoiceField(label=_("对接结果"))
    reason = forms.CharField(label=_("说明"), required=False, max_length=1000)
    event = forms.ModelChoiceField(
        label=_("对接活动"), queryset=None, required=False, empty_label=_("（不属于活动）")
    )
    amount_wan = forms.DecimalField(
        label=_("签约金额（万元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, actions, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions
        self.fields["event"].queryset = events
        self._style()


class EventForm(_Bootstrap, forms.ModelForm):
    agreement_amount_wan = forms.DecimalField(
        label=_("签约金额（万元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    class Meta:
        model = Event
        fields = ["name", "kind", "date", "place", "district", "organiser", "description", *Event.FIGURES]
        widgets = {
            "date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, district_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if district_locked:
            del self.fields["district"]
        if self.instance.pk and self.instance.agreement_amount is not None:
            self.initial["agreement_amount_wan"] = self.instance.agreement_amount / WAN
        self._style()

    def save(self, commit: bool = True):
        event = super().save(commit=False)
        wan = self.cleaned_data.get("agreement_amount_wan")
        event.agreement_amount = None if wan is None else wan * WAN
        return event


class ParticipantForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = EventParticipant
        fields = ["kind", "name", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
