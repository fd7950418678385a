"""Forms of the evaluation pages: the system editor (header fields plus a row editor of indicators, no JSON
for the user), running an evaluation, creating a selection round and deciding on a candidate."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models.evaluation import CompositeMethod, IndicatorSystem, Normalisation, SelectionRound, WeightMethod
from .services_evaluation.formulas import formula_choices

BLANK_ROWS = 4
MAX_ROWS = 40


class SystemForm(forms.Form):
    code = forms.SlugField(
        label=_("体系代码"), max_length=32, help_text=_("小写字母、数字、下划线或连字符，如 innovation")
    )
    name = forms.CharField(label=_("体系名称"), max_length=100)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight_method = forms.ChoiceField(label=_("赋权方法"), choices=WeightMethod.choices)
    composite_method = forms.ChoiceField(label=_("综合评价方法"), choices=CompositeMethod.choices)
    normalisation = forms.ChoiceField(label=_("标准化方法"), choices=Normalisation.choices)
    subjective_share = forms.DecimalField(
        label=_("专家权重占比"),
        min_value=0,
        max_value=1,
        decimal_places=2,
        initial=Decimal("0.5"),
        help_text=_("仅用于主客观组合赋权，0至1之间"),
    )

    def __init__(self, *args, fixed_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        if fixed_code:
            self.fields["code"].disabled = True


def initial_rows(system: IndicatorSystem | None) -> list[dict]:
    rows = []
    if system is not None:
        rows = [
            {
                "group": i.group,
                "name": i.name,
                "formula": i.formula,
                "benefit": i.benefit,
                "weight": f"{i.weight.normalize():f}",
            }
            for i in system.indicators.all()
        ]
    return rows + [{"group": "", "name": "", "formula": "", "benefit": True, "weight": ""}] * BLANK_ROWS


def rows_from_post(data) -> list[dict]:
    """The editor's rows as typed; a row with no formula chosen and nothing typed is left out."""
    rows = []
    for i in range(MAX_ROWS + BLANK_ROWS):
        formula = data.get(f"row-{i}-formula")
        if formula is None:
            continue
        row = {
            "group": data.get(f"row-{i}-group", ""),
            "name": data.get(f"row-{i}-name", ""),
            "formula": formula,
            "benefit": data.get(f"row-{i}-benefit") == "1",
            "weight": data.get(f"row-{i}-weight", ""),
        }
        if not formula and not row["name"].strip() and not str(row["weight"]).strip():
            continue
        rows.append(row)
    return rows


def formulas():
    return formula_choices()


class RunForm(forms.Form):
    system = forms.ModelChoiceField(
        label=_("评价体系"), queryset=IndicatorSystem.objects.filter(is_current=True), empty_label=None
    )
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].widget.attrs["class"] = "form-select"
        self.fields["year"].widget.attrs["class"] = "form-control"


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("遴选类别"), choices=SelectionRound.Kind.choices)
    system = forms.ModelChoiceField(
        label=_("评价体系"), queryset=IndicatorSystem.objects.filter(is_current=True), empty_label=None
    )
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100)
    top_n = forms.IntegerField(label=_("入选数量（家）"), min_value=1, max_value=500, initial=50)
    require_high_tech = forms.BooleanField(label=_("须为有效期内高新技术企业"), required=False, initial=True)
    min_rd_intensity = forms.DecimalField(
        label=_("研发投入强度不低于（%）"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=3,
    )
    title = forms.CharField(
        label=_("名称"), max_length=100, required=False, help_text=_("不填则按年度和类别自动命名")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )

    def clean_min_rd_intensity(self):
        value = self.cleaned_data["min_rd_intensity"]
        return None if value is None else value / 100


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("include", _("入选")), ("exclude", _("不入选"))])
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)
