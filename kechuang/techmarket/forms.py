from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, MoneyField

from . import services
from .models import TechContract


class ContractForm(forms.ModelForm):
    signed_on = DateField(label=_("签订日期"))
    starts_on = DateField(label=_("履行期限起"))
    ends_on = DateField(label=_("履行期限止"))
    total_yuan = MoneyField(label=_("合同总金额"))
    transaction_yuan = MoneyField(label=_("技术交易额"), help_text=_("扣除非技术性款项后的金额"))
    upload = forms.FileField(
        label=_("合同文本"), required=False, help_text=_("PDF、Word 或图片，不超过20 MB")
    )

    class Meta:
        model = TechContract
        fields = services.CONTRACT_FIELDS
        widgets = {
            "payment_schedule": forms.Textarea(attrs={"rows": 2}),
            "content": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, require_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].required = require_file
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if name not in ("total_yuan", "transaction_yuan") and not isinstance(
                field.widget, forms.DateInput
            ):
                field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        for name, message in services.contract_errors(data).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
