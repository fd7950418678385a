from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import Todo

from . import services
from .models import TechContract


def todos(user):
    if services.is_office(user):
        n = TechContract.objects.filter(status=TechContract.Status.SUBMITTED).count()
        yield Todo(_("待审核的技术合同"), n, reverse("techmarket_contracts") + "?status=submitted")
    elif user.organisation_id:
        n = TechContract.objects.filter(
            status=TechContract.Status.RETURNED, seller_id=user.organisation_id
        ).count()
        yield Todo(_("被退回待修改的技术合同"), n, reverse("techmarket_contracts") + "?status=returned")
