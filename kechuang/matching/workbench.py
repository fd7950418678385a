"""This app's contributions to the global search."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kechuang.core.registry import SearchGroup, SearchHit

from . import services


def _group(label, qs, detail: str, list_name: str, q: str, limit: int) -> SearchGroup:
    hits = [
        SearchHit(p.title, reverse(detail, args=[p.pk]), f"{p.organisation.name} · {p.get_status_display()}")
        for p in qs[:limit]
    ]
    return SearchGroup(label, hits, qs.count(), reverse(list_name) + "?" + urlencode({"q": q}))


def search_demands(user, q: str, limit: int):
    qs = services.search_demands(user, q=q)
    return _group(_("技术需求"), qs, "demand_detail", "demand_list", q, limit)


def search_achievements(user, q: str, limit: int):
    qs = services.search_achievements(user, q=q)
    return _group(_("科技成果"), qs, "achievement_detail", "achievement_list", q, limit)
