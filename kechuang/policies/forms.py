from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField

from . import declarations

STARTER_YAML = """\
# 新政策：按需修改下列内容。每个参数值都要注明出处（reference）；条件编号 id 发布后不要再改。
code: new_policy
version: "2026.1"
jurisdiction: "370300"
name_zh: 新政策
source: 政策文件名称及文号
effective_from: 2026-01-01
effective_until: null

parameters:
  min_rd_expense:
    label_zh: 研发费用下限（元）
    values:
      - {from: 2026-01-01, value: 1000000, reference: 政策文件 第X条}

conditions:
  - id: rd_expense
    text_zh: 上一年度研发费用不低于100万元
    label_zh: 研发费用
    reference: 政策文件 第X条
    test: {ge: [{fact: rd_expense}, {param: min_rd_expense}]}
  - id: integrity
    text_zh: 未列入严重失信名单
    reference: 政策文件 第X条
    test: {is_false: dishonest}

routes:
  - id: standard
    label_zh: 申报条件
    all: [rd_expense, integrity]
"""

TOP_FIELDS = ("name_zh", "source", "version", "effective_from", "effective_until")


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
            continue
        css = widget.attrs.get("class", "").replace("form-control", "").split()
        widget.attrs["class"] = " ".join([*css, "form-control", "form-control-sm"])


class PolicyVersionForm(forms.Form):
    """A new version: the policy's fields and its thresholds as form fields, plus the full declaration.

    A threshold gets a *new dated value* with its legal reference (the old value stays in force
    before that date), as the policy documents themselves amend thresholds."""

    name_zh = forms.CharField(label=_("政策名称"), max_length=200)
    source = forms.CharField(label=_("政策依据"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(
        label=_("文件版本"), max_length=32, help_text=_("如 2026.1，与政策文件的修订对应")
    )
    effective_from = DateField(label=_("生效日期"))
    effective_until = DateField(label=_("失效日期"), required=False, help_text=_("不填表示长期有效"))
    auto_grant = forms.BooleanField(label=_("免申即享（符合条件即兑现，无需企业申报）"), required=False)
    note = forms.CharField(label=_("修订说明"), max_length=200, required=False)
    yaml_text = forms.CharField(
        label=_("政策定义（YAML，高级）"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_("上方表单中修改的内容会写入此定义（注释不保留）；只改此处时原文照存。"),
    )

    def __init__(self, *args, base_text: str, auto_grant: bool = False, **kwargs):
        self.compiled = declarations.compile_text(base_text)
        raw = declarations.load_raw(base_text)
        initial = {
            "name_zh": raw.get("name_zh", ""),
            "source": str(raw.get("source", "")).strip(),
            "version": str(raw.get("version", "")),
            "effective_from": self.compiled.effective_from,
            "effective_until": self.compiled.effective_until,
            "auto_grant": auto_grant,
            "yaml_text": base_text,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.parameters = declarations.scalar_parameters(self.compiled, timezone.localdate())
        for p in self.parameters:
            name = p["name"]
            self.fields[f"p_{name}_value"] = forms.DecimalField(
                label=p["label"], required=False, max_digits=20, decimal_places=6
            )
            self.fields[f"p_{name}_from"] = DateField(label=_("自何日起"), required=False)
            self.fields[f"p_{name}_reference"] = forms.CharField(
                label=_("出处"), required=False, max_length=300
            )
        self.condition_initial = {c.id: (c.text_zh, c.reference) for c in self.compiled.conditions}
        for cid, (text, reference) in self.condition_initial.items():
            self.fields[f"c_{cid}_text"] = forms.CharField(label=_("条件原文"), max_length=500, initial=text)
            self.fields[f"c_{cid}_reference"] = forms.CharField(
                label=_("出处"), max_length=300, initial=reference
            )
        _bootstrap(self)

    def condition_rows(self):
        for cid in self.condition_initial:
            yield {
                "id": cid,
                "text_field": self[f"c_{cid}_text"],
                "reference_field": self[f"c_{cid}_reference"],
            }

    def parameter_rows(self):
        for p in self.parameters:
            name = p["name"]
            yield {
                **p,
                "value_field": self[f"p_{name}_value"],
                "from_field": self[f"p_{name}_from"],
                "reference_field": self[f"p_{name}_reference"],
            }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        text = data["yaml_text"].replace("\r\n", "\n")
        declarations.compile_text(text)  # the advanced text must stand on its own first
        edits = {}
        for name in TOP_FIELDS:
            if name in self.changed_data:
                edits[name] = data.get(name)
        new_values = []
        present = set(declarations.load_raw(text).get("parameters") or {})
        for p in self.parameters:
            name = p["name"]
            value = data.get(f"p_{name}_value")
            if value is None:
                continue
            start, reference = data.get(f"p_{name}_from"), (data.get(f"p_{name}_reference") or "").strip()
            if start is None:
                self.add_error(f"p_{name}_from", _("填写新数值时须注明自何日起执行"))
            if not reference:
                self.add_error(f"p_{name}_reference", _("每个数值都要注明出处（文件及条款）"))
            if name not in present:
                self.add_error(f"p_{name}_value", _("政策定义中已没有此参数"))
            stored = (value * p["factor"]).normalize()  # typed in % or 万元, stored as a fraction or in yuan
            new_values.append({"name": name, "value": stored, "from": start, "reference": reference})
        if self.errors:
            return data
        condition_edits: dict[str, dict] = {}
        for cid in self.condition_initial:
            for part, key in (("text", "text_zh"), ("reference", "reference")):
                if f"c_{cid}_{part}" in self.changed_data:
                    condition_edits.setdefault(cid, {})[key] = data[f"c_{cid}_{part}"].strip()
        if edits or new_values or condition_edits:
            text = declarations.apply_edits(text, edits, new_values, condition_edits)
            try:
                declarations.compile_text(text)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["yaml_text"]) from None
        data["final_text"] = text
        return data


class NewPolicyForm(forms.Form):
    auto_grant = forms.BooleanField(label=_("免申即享（符合条件即兑现，无需企业申报）"), required=False)
    yaml_text = forms.CharField(
        label=_("政策定义（YAML）"),
        initial=STARTER_YAML,
        widget=forms.Textarea(attrs={"rows": 30, "class": "font-monospace", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_yaml_text(self):
        text = self.cleaned_data["yaml_text"].replace("\r\n", "\n")
        try:
            declarations.compile_text(text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["yaml_text"]) from None
        return text
