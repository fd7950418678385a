from django.db.models import Count, Sum
from django.template.loader import render_to_string

from kechuang.core.permissions import can_read

from .models import TechContract


def profile_section(request, enterprise) -> str:
    """The enterprise profile's 技术合同 section: contracts it registered as seller, by year."""
    org = enterprise.organisation
    if not can_read(request.user, district_id=org.district_id, organisation_id=org.pk):
        return ""
    rows = list(
        TechContract.objects.filter(seller=org, status=TechContract.Status.REGISTERED)
        .values("registered_on__year")
        .annotate(n=Count("pk"), tx=Sum("transaction_yuan"))
        .order_by("-registered_on__year")
    )
    if not rows:
        return ""
    return render_to_string("techmarket/profile_section.html", {"rows": rows}, request=request)
