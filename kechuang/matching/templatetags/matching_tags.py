"""Rendering of match reasons: the engine's snippet with shared and related terms highlighted.

The snippet is user text: every piece is escaped by the engine's ``highlight`` (with Django's
``escape``) before the fixed <mark> tags are put around it, so no user text reaches the page raw.
"""

from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kechuang.engines.textmatch import highlight

register = template.Library()

TAGS = {
    "shared": ('<mark class="kc-shared">', "</mark>"),
    "related": ('<mark class="kc-related">', "</mark>"),
}


@register.filter
def highlighted_snippet(reasons) -> str:
    if not isinstance(reasons, dict) or not reasons.get("snippet"):
        return ""
    text = str(reasons["snippet"])
    spans = []
    for span in reasons.get("snippet_spans", []):
        try:
            start, end, kind = int(span[0]), int(span[1]), str(span[2])
        except (TypeError, ValueError, IndexError):
            continue
        if kind in TAGS and 0 <= start < end <= len(text):
            spans.append((start, end, kind))
    body = highlight(text, _non_overlapping(spans), tags=TAGS, escape=escape)
    prefix = "…" if reasons.get("clipped_left") else ""
    return mark_safe(prefix + body)


def _non_overlapping(spans):
    out, last = [], -1
    for start, end, kind in sorted(spans):
        if start >= last:
            out.append((start, end, kind))
            last = end
    return out


@register.filter
def reason_terms(reasons) -> str:
    """The shared and related terms as badges (escaped)."""
    if not isinstance(reasons, dict):
        return ""
    shared = format_html_join(
        " ", '<span class="badge text-bg-warning">{}</span>', ((t,) for t in reasons.get("shared", [])[:8])
    )
    related = format_html_join(
        " ",
        '<span class="badge text-bg-light border">{}</span>',
        ((t,) for t in reasons.get("related", [])[:6]),
    )
    parts = []
    if reasons.get("same_field"):
        parts.append(
            format_html_join("", '<span class="badge text-bg-info">{}</span>', [(_("同一技术领域"),)])
        )
    if shared:
        parts.append(mark_safe(escape(_("共同词：")) + shared))
    if related:
        parts.append(mark_safe(escape(_("相关词：")) + related))
    return mark_safe(" ".join(parts))
