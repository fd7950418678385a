"""This app's contributions to the global search."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kechuang.core.registry import SearchGroup, SearchHit

from . import services


def search(user, q: str, limit: int):
    if not services.can_view_experts(user):
        return None
    qs = services.search_experts(user, q=q)
    hits = [
        SearchHit(
            e.name, reverse("expert_detail", args=[e.pk]), e.organisation.name if e.organisation else ""
        )
        for e in qs[:limit]
    ]
    return SearchGroup(_("专家"), hits, qs.count(), reverse("expert_list") + "?" + urlencode({"q": q}))
