from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import Todo

from .models import Loan, Voucher
from .services import is_staff, org_of


def loans_url(year: int, district_id=None) -> str:
    return reverse("finance_loans")


def todos(user):
    if is_staff(user):
        base = reverse("finance_vouchers")
        yield Todo(
            _("待审批的创新券"),
            Voucher.objects.filter(status=Voucher.Status.APPLIED).count(),
            base + "?status=applied",
        )
        yield Todo(
            _("待兑付的创新券"),
            Voucher.objects.filter(status=Voucher.Status.CLAIMED).count(),
            base + "?status=claimed",
        )
        yield Todo(
            _("待补偿的违约贷款"),
            Loan.objects.filter(status=Loan.Status.DEFAULTED).count(),
            reverse("finance_loans") + "?status=defaulted",
        )
    elif org := org_of(user):
        n = Voucher.objects.filter(status=Voucher.Status.USED, provider__organisation_id=org).count()
        yield Todo(_("可申请兑付的创新券"), n, reverse("finance_vouchers") + "?status=used")
