"""Money typed in one unit with the unit beside the box, stored in yuan, shown with separators."""

from decimal import Decimal

import pytest
from django import forms

from kechuang.core.forms import MoneyField
from kechuang.core.money import grouped, show_wan


class Pay(forms.Form):
    amount = MoneyField(label="申请资金")
    fee = MoneyField(label="手续费", unit="元", required=False)


def test_wan_typed_is_yuan_cleaned():
    form = Pay({"amount": "300", "fee": "12.34"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": Decimal("3000000.00"), "fee": Decimal("12.34")}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"amount": "0.0000001"}, "amount", ["申请资金", "精确到分"]),
        ({"amount": "-1"}, "amount", ["0"]),
        ({"amount": "一百"}, "amount", ["数"]),
        ({"amount": "1", "fee": "0.001"}, "fee", ["手续费", "精确到分"]),
    ],
)
def test_bad_amounts_name_the_field_and_the_rule(data, field, words):
    form = Pay(data)
    assert not form.is_valid()
    message = " ".join(form.errors[field])
    for w in words:
        assert w in message


def test_initial_yuan_is_shown_in_the_unit_beside_the_box():
    html = str(Pay(initial={"amount": Decimal(3_125_000)})["amount"])
    assert 'value="312.5"' in html
    assert "万元</span>" in html and "input-group" in html


def test_what_was_typed_is_shown_back_as_typed():
    form = Pay({"amount": "12.50", "fee": "x"})
    assert not form.is_valid()
    assert 'value="12.50"' in str(form["amount"])


def test_amounts_shown_with_thousands_separators():
    assert grouped(Decimal("1234567.50")) == "1,234,567.5"
    assert grouped(400) == "400"
    assert show_wan(Decimal("12345600")) == "1,234.56"
    assert show_wan(None) == ""
