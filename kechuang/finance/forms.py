from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DateField, MoneyField

from .models import ServiceKind


def _styled(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        elif not isinstance(
            field.widget, forms.DateInput | forms.NumberInput | forms.FileInput
        ) or isinstance(field.widget, forms.FileInput):
            field.widget.attrs.setdefault("class", "form-control")


class VoucherApplyForm(forms.Form):
    service_kind = forms.ChoiceField(label=_("服务类别"), choices=ServiceKind.choices)
    purpose = forms.CharField(label=_("服务内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    planned_fee_yuan = MoneyField(label=_("预计服务费用"))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds:
            self.fields["service_kind"].choices = [(k, v) for k, v in ServiceKind.choices if k in kinds]
        _styled(self)


class ClaimForm(forms.Form):
    fee_yuan = MoneyField(label=_("实际服务费用"), unit="元")
    invoice_no = forms.CharField(label=_("发票号码"), max_length=32)
    proof = forms.FileField(label=_("发票及服务证明"), help_text=_("PDF 或图片，不超过20 MB"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class LoanForm(forms.Form):
    borrower = forms.CharField(label=_("借款企业统一社会信用代码"), max_length=18)
    contract_no = forms.CharField(label=_("借款合同编号"), max_length=40)
    amount_yuan = MoneyField(label=_("贷款金额"))
    rate = forms.DecimalField(label=_("年利率（%）"), max_digits=6, decimal_places=4, min_value=0)
    term_months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=120)
    purpose = forms.CharField(label=_("贷款用途"), max_length=200)
    granted_on = DateField(label=_("放款日期"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class DefaultForm(forms.Form):
    loss_yuan = MoneyField(label=_("本金损失"))
    defaulted_on = DateField(label=_("违约日期"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class RecoveryForm(forms.Form):
    amount_yuan = MoneyField(label=_("追回金额"))
    recovered_on = DateField(label=_("追回日期"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
