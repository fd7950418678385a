from django import forms
from django.utils.translation import gettext_lazy as _

from .services import FACT_FILTERS, LABEL_CHOICES, industry_sections


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或统一社会信用代码"), required=False, max_length=100)
    district = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, empty_label=_("全部区县")
    )
    industry = forms.ChoiceField(label=_("行业门类"), required=False)
    label = forms.ChoiceField(label=_("企业标签"), required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1990, max_value=2100)
    fact = forms.ChoiceField(label=_("年度数据条件"), required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["industry"].choices = [("", _("全部行业")), *industry_sections()]
        self.fields["label"].choices = [("", _("全部企业")), *LABEL_CHOICES]
        self.fields["fact"].choices = [("", _("不限")), *((k, v[0]) for k, v in FACT_FILTERS.items())]

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "district": data["district"].pk if data.get("district") else None,
            "industry": data.get("industry") or "",
            "label": data.get("label") or "",
            "year": data.get("year"),
            "fact": data.get("fact") or "",
        }
