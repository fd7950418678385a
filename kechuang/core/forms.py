"""Form fields and widgets every app's forms share, so that each kind of input behaves the same everywhere.

- ``DateField`` / ``DateInput``: a browser date picker that is pre-filled on edit.
- ``MoneyField`` / ``MoneyInput``: money typed in one unit (万元 or 元) with the unit beside the box,
  cleaned to yuan ``Decimal`` (the stored unit).
- ``PickerWidget`` / ``PickerMultipleField``: a type-ahead search (htmx) instead of a long select.
"""

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core import money

ISO_DATE = "%Y-%m-%d"
CENT = Decimal("0.01")


class DateInput(forms.DateInput):
    """``<input type=date>`` accepts only ISO dates: the zh-hans input format (2026/11/23) leaves it blank,
    so the value is always rendered ISO whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__({"class": "form-control", **(attrs or {})}, format=format or ISO_DATE)


class DateField(forms.DateField):
    widget = DateInput


class MoneyInput(forms.NumberInput):
    """A number box with its unit beside it (Bootstrap input group)."""

    template_name = "core/widgets/money.html"

    def __init__(self, attrs=None, unit: str = _("万元")):
        super().__init__({"class": "form-control", "step": "any", "min": "0", **(attrs or {})})
        self.unit = unit

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["unit"] = self.unit
        return context


class MoneyField(forms.DecimalField):
    """Money typed in ``unit`` (万元 by default, or 元) and cleaned to yuan, the stored unit.

    Initial values are yuan and are shown in the unit; what a person typed is shown back as typed."""

    UNITS = {"万元": (money.WAN, _("万元")), "元": (Decimal(1), _("元"))}

    def __init__(self, *, unit: str = "万元", **kwargs):
        self.scale, self.unit = self.UNITS[unit]
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("widget", MoneyInput(unit=self.unit))
        super().__init__(**kwargs)

    def to_python(self, value):
        amount = super().to_python(value)
        if amount is None:
            return None
        yuan = amount * self.scale
        if yuan != yuan.quantize(CENT):
            raise forms.ValidationError(
                _("%(label)s最多精确到分（%(unit)s小数点后%(n)s位）"),
                code="cents",
                params={"label": self.label or "", "unit": self.unit, "n": len(str(self.scale)) + 1},
            )
        return yuan.quantize(CENT)

    def prepare_value(self, value):
        # Bound data is the typed text in the unit; initial data is yuan from the database.
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return money.wan(value) if self.scale == money.WAN else Decimal(value)
        return value

    def widget_attrs(self, widget):
        # DecimalField would set min/step in yuan; the box takes the unit.
        attrs = super().widget_attrs(widget)
        attrs.pop("max", None)
        attrs["step"] = "any"
        if self.min_value is not None:
            attrs["min"] = str(money.wan(self.min_value) if self.scale == money.WAN else self.min_value)
        return attrs


class PickerWidget(forms.SelectMultiple):
    """Type-ahead search (htmx, /pick/<kind>/) instead of a list of thousands of options: only the
    chosen items are in the page, each a removable chip carrying a hidden input. The page never reloads,
    so nothing typed elsewhere in the form is lost."""

    template_name = "core/widgets/picker.html"

    def __init__(self, kind: str, attrs=None, placeholder=None):
        super().__init__(attrs)
        self.kind, self.placeholder = kind, placeholder or _("输入名称查找")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or []) if v not in (None, "")}
        context["widget"].update(
            kind=self.kind,
            placeholder=self.placeholder,
            search_url=reverse("pick", args=[self.kind]),
            chosen=[(str(v), label) for v, label in self._chosen_labels(chosen)],
        )
        return context

    def _chosen_labels(self, chosen: set[str]):
        # Only the chosen values are looked up: iterating all choices would load every organisation.
        queryset = getattr(self.choices, "queryset", None)
        if queryset is not None:
            return [(obj.pk, str(obj)) for obj in queryset.filter(pk__in=[c for c in chosen if c.isdigit()])]
        return [(v, label) for v, label in self.choices if str(v) in chosen]
