from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Expert, SelectionRound


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、单位或关键词"), required=False, max_length=100)
    field = forms.CharField(label=_("学科或行业代码"), required=False, max_length=32)
    district = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, empty_label=_("全部区县")
    )
    title = forms.ChoiceField(label=_("职称"), required=False)
    status = forms.ChoiceField(label=_("入库状态"), required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["title"].choices = [("", _("全部职称")), *Expert.Title.choices]
        self.fields["status"].choices = [("", _("全部状态")), *Expert.Status.choices]

    def cleaned_filters(self) -> dict:
        d = self.cleaned_data
        return {
            "q": d.get("q") or "",
            "field": d.get("field") or "",
            "district": d["district"].pk if d.get("district") else None,
            "title": d.get("title") or "",
            "status": d.get("status") or "",
        }


class ProfileForm(forms.ModelForm):
    """What an expert maintains themself; staff see the change and approve it."""

    disciplines = forms.CharField(
        label=_("学科代码"),
        required=False,
        max_length=200,
        help_text=_("GB/T 13745 学科代码，多个用顿号分隔"),
    )
    industries = forms.CharField(
        label=_("行业代码"), required=False, max_length=200, help_text=_("GB/T 4754 行业代码，如 C3073")
    )

    class Meta:
        model = Expert
        fields = ["title", "position", "phone", "email", "keywords", "achievements", "available"]
        widgets = {"achievements": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.Select):
                field.widget.attrs.setdefault("class", "form-control")
            elif isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")

    def clean_disciplines(self):
        from .importing import _DISCIPLINE, _Bad, _codes

        try:
            return _codes(self.cleaned_data["disciplines"], _DISCIPLINE, _("学科代码应为3、5或7位数字"))
        except _Bad as bad:
            raise forms.ValidationError(bad.rule) from None

    def clean_industries(self):
        from .importing import _INDUSTRY, _Bad, _codes

        try:
            return _codes(self.cleaned_data["industries"], _INDUSTRY, _("行业代码应为门类字母加2至4位数字"))
        except _Bad as bad:
            raise forms.ValidationError(bad.rule) from None


class NewProfileForm(ProfileForm):
    """A first entry made by the expert (入库申请): who they are and where they work."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    organisation_name = forms.CharField(label=_("工作单位（全称）"), max_length=200)
    district = forms.ModelChoiceField(label=_("所在区县"), queryset=None, empty_label=_("请选择"))

    class Meta(ProfileForm.Meta):
        fields = ["name", "organisation_name", "district", *ProfileForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        from kechuang.core.models import District

        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()
        self.order_fields(["name", "organisation_name", "district"])


class RoundForm(forms.ModelForm):
    class Meta:
        model = SelectionRound
        fields = [
            "name", "rule", "per_item", "min_load", "max_load", "max_probability", "best_n", "reserves",
            "max_per_org", "collab_years", "avoid_same_district", "seed",
        ]  # fmt: skip
        help_texts = {
            "rule": _("最优匹配：总匹配度最高，结果确定；随机抽取：每位专家入选某项目的概率不超过上限；"
                      "择优后随机抽取：先按匹配度为每个项目选出若干名，再从中随机抽取"),
            "max_probability": _("如 0.5 表示任何一位专家被抽中评审某个项目的概率不超过50%，防止定向安排"),
            "best_n": _("仅“择优后随机抽取”使用：每个项目先选出匹配度最高的人数"),
            "reserves": _("仅随机抽取时使用，专家声明回避时按顺序递补"),
            "max_per_org": _("同一项目中来自同一单位的专家不超过此人数；留空为不限"),
            "collab_years": _("近几年内与项目组成员有合作成果或共同承担项目的专家需回避"),
            "seed": _("留空则在遴选时随机生成并记录；填写相同种子可复现抽取结果"),
        }  # fmt: skip


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))


class DeclareForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("回避声明"),
        choices=[("0", _("本人与该项目不存在利益冲突")), ("1", _("本人与该项目存在利益冲突，申请回避"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
