"""Searches behind the type-ahead pickers that core owns (apps register their own in ready())."""

from .models import Organisation


def search_partners(user, query: str, limit: int) -> list[tuple]:
    """Enterprises and institutes by name or USCC: whom an applicant may name as a 合作单位. Names and
    districts of organisations are public, so any signed-in user may search them."""
    qs = Organisation.objects.filter(kind__in=[Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE])
    qs = qs.filter(name__icontains=query) | qs.filter(uscc=query.upper())
    rows = qs.select_related("district").order_by("-kind", "name")[:limit]
    return [(o.pk, o.name, f"{o.get_kind_display()} · {o.district}") for o in rows]
