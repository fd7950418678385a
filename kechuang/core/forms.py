"""Form fields and widgets every app's forms share, so that each kind of input behaves the same everywhere.

- ``DateField`` / ``DateInput``: a browser date picker that is pre-filled on edit.
- ``MoneyField`` / ``MoneyInput``: money typed in one unit (万元 or 元) with the unit beside the box,
  cleaned to yuan ``Decimal`` (the stored unit).
- ``PickerWidget`` / ``PickerMultipleField``: a type-ahead search (htmx) instead of a long select.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """``<input type=date>`` accepts only ISO dates: the zh-hans input format (2026/11/23) leaves it blank,
    so the value is always rendered ISO whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__({"class": "form-control", **(attrs or {})}, format=format or ISO_DATE)


class DateField(forms.DateField):
    widget = DateInput
