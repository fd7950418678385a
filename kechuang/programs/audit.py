"""The programmes' transition log as a trail of the audit search (core reads it through this source)."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core.audit import Criteria, Entry, Source, narrow

from .models import Transition


def _query(c: Criteria):
    qs = Transition.objects.select_related("actor", "content_type")
    if c.object_type:
        app_label, _dot, model = c.object_type.partition(".")
        ct = ContentType.objects.filter(app_label=app_label, model=model).first()
        if ct is None:
            return None
        qs = qs.filter(content_type=ct)
    if c.object_id and not c.object_id.isdigit():
        return None  # transitions name their objects by number
    return narrow(qs, c, at="at", user="actor_id", object_id="object_id")


def _status_words(model, code: str) -> str:
    try:
        choices = dict(model._meta.get_field("status").choices or [])
    except Exception:  # a subject without a status field
        choices = {}
    return str(choices.get(code, code))


def _entry(t: Transition) -> Entry:
    model = t.content_type.model_class()
    name = str(model._meta.verbose_name) if model else t.content_type.model
    change = _("%(a)s → %(b)s") % {
        "a": _status_words(model, t.from_status),
        "b": _status_words(model, t.to_status),
    }
    return Entry(
        t.at, str(t.actor) if t.actor else "", _("状态变更"), f"{name}：{change}", f"{name} (#{t.object_id})",
        t.reason,
    )  # fmt: skip


def _object_types():
    return [
        (ct.app_label + "." + ct.model, str(ct.model_class()._meta.verbose_name))
        for ct in ContentType.objects.filter(
            pk__in=Transition.objects.values_list("content_type", flat=True).distinct()
        )
        if ct.model_class() is not None
    ]


SOURCE = Source("transition", _lazy("状态变更"), _query, _entry, object_types=_object_types)
