"""The audit of reads that matter, and one search over every audit trail.

Recording: ``record`` for a look or a download, ``export_response`` for a list export (it counts the
rows as the writer consumes them), and the sign-in signals connected in ``CoreConfig.ready``.

Searching: an audit trail is a ``Source`` — the access log here, each simple-history table, and what
apps register with ``add_source`` (the programmes' transition log): core reads their tables without
importing them. ``search`` merges the sources newest first behind a sequence that Django's Paginator
pages, so a page costs one bounded query per source.
"""

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import AccessLog, Role, User
from .permissions import Decision
from .spreadsheets import Column, xlsx_response

MAX_EXPORT_ROWS = 100_000


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: trusting X-Forwarded-For is the proxy setup's decision, not the audit's.
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def _user_of(request_or_user):
    user = getattr(request_or_user, "user", request_or_user)
    return user if getattr(user, "is_authenticated", False) else None


def describe_filters(form) -> dict[str, str]:
    """A bound filter form's non-empty criteria as {label: shown value}, in the words of the page."""
    if form is None or not form.is_bound or not form.is_valid():
        return {}
    out = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or value is False:
            continue
        bound = form[name]
        choices = dict(getattr(bound.field, "choices", None) or [])
        shown = choices.get(value, value) if not hasattr(value, "pk") else value
        out[str(bound.label or name)] = str(shown)
    return out


def record(
    request_or_user, kind: str, what: str, obj=None, *, filters: dict | None = None, rows: int | None = None,
    username: str = "", request=None,
) -> AccessLog:  # fmt: skip
    user = _user_of(request_or_user)
    request = (
        request if request is not None else (request_or_user if hasattr(request_or_user, "META") else None)
    )
    return AccessLog.objects.create(
        user=user,
        username=(user.get_username() if user else username)[:150],
        kind=kind,
        what=str(what)[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        filters=filters or {},
        rows=rows,
        ip=client_ip(request),
    )


class _Counted:
    def __init__(self, rows: Iterable):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def export_response(request, what: str, filename: str, columns, rows, *, sheet_title: str = "", form=None):
    """The .xlsx download of a list, recorded with the filters used and the rows written."""
    counted = _Counted(rows)
    response = xlsx_response(filename, columns, counted, sheet_title=sheet_title or str(what))
    filters = describe_filters(form) if form is not None else _query_filters(request)
    record(request, AccessLog.Kind.EXPORT, what, filters=filters, rows=counted.n)
    return response


def _query_filters(request) -> dict[str, str]:
    return {k: "、".join(v) for k, v in request.GET.lists() if k not in ("page", "export") and any(v)}


# -- sign-ins ---------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="kechuang_audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(user, AccessLog.Kind.SIGN_IN, _("登录系统"), request=request)


@receiver(user_logged_out, dispatch_uid="kechuang_audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, AccessLog.Kind.SIGN_OUT, _("退出系统"), request=request)


@receiver(user_login_failed, dispatch_uid="kechuang_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Never the password: Django already masks it, and only the user name is kept.
    name = str((credentials or {}).get("username", ""))
    record(None, AccessLog.Kind.SIGN_IN_FAILED, _("登录失败"), username=name, request=request)


# -- one search over every trail --------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    user_ids: list[int] | None = None  # None: anyone
    username: str = ""  # also matched against names typed at a failed sign-in
    object_type: str = ""  # app_label.model
    object_id: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive
    sources: frozenset[str] = frozenset()  # empty: all


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    user: str
    kind: str
    what: str
    obj: str
    detail: str


@dataclass(frozen=True)
class Source:
    """``query(criteria)`` returns rows newest first (None when the criteria exclude this source);
    ``entry(row)`` says one row in words."""

    key: str
    label: object
    query: Callable[[Criteria], QuerySet | None]
    entry: Callable[[object], Entry]
    at_field: str = "at"
    object_types: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])


SOURCES: list[Source] = []


def add_source(source: Source) -> None:
    if all(s.key != source.key for s in SOURCES):
        SOURCES.append(source)


def narrow(qs: QuerySet, c: Criteria, *, at: str, user: str | None, object_id: str | None) -> QuerySet:
    """What every trail filters the same way: by who (the ``user`` foreign key), which object (the
    ``object_id`` field) and when (the ``at`` field, ``start`` inclusive, ``end`` exclusive); newest
    first. A trail with a filter of its own (a user name typed at a failed sign-in) passes
    ``user=None`` and applies it itself."""
    if user is not None and c.user_ids is not None:
        qs = qs.filter(**{f"{user}__in": c.user_ids})
    if object_id is not None and c.object_id:
        qs = qs.filter(**{object_id: c.object_id})
    if c.start:
        qs = qs.filter(**{f"{at}__gte": c.start})
    if c.end:
        qs = qs.filter(**{f"{at}__lt": c.end})
    return qs.order_by(f"-{at}", "-pk")


def can_view(user) -> Decision:
    if user.is_superuser or getattr(user, "role", "") == Role.ADMIN:
        return Decision(True)
    return Decision(False, _("只有系统管理员可以查看审计记录"))


def _user_name(user) -> str:
    return str(user) if user is not None else ""


def _access_query(c: Criteria):
    qs = AccessLog.objects.select_related("user")
    if c.user_ids is not None:
        q = Q(user_id__in=c.user_ids)
        if c.username:
            q |= Q(user__isnull=True, username__icontains=c.username)
        qs = qs.filter(q)
    if c.object_type:
        qs = qs.filter(object_type=c.object_type)
    return narrow(qs, c, at="at", user=None, object_id="object_id")


def _access_entry(log: AccessLog) -> Entry:
    details = [f"{k}：{v}" for k, v in (log.filters or {}).items()]
    if log.rows is not None:
        details.append(_("%(n)s行") % {"n": log.rows})
    if log.ip:
        details.append(_("地址 %(ip)s") % {"ip": log.ip})
    return Entry(
        log.at, _user_name(log.user) or log.username, log.get_kind_display(), log.what, log.object_repr,
        "；".join(details),
    )  # fmt: skip


def _history_sources() -> list[Source]:
    from simple_history.models import registered_models

    out = []
    # registered_models maps each tracked model's table to the model itself; its history manager
    # names the historical model. Many-to-many history tables have no such manager and are skipped.
    for model in sorted(registered_models.values(), key=lambda m: m._meta.db_table):
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager and hasattr(model, manager):
            out.append(_history_source(getattr(model, manager).model, model))
    return out


_HISTORY_TYPES = {"+": _lazy("新增"), "~": _lazy("修改"), "-": _lazy("删除")}


def _history_source(historical, model) -> Source:
    label = model._meta.label_lower
    pk_name = model._meta.pk.attname

    def query(c: Criteria):
        if c.object_type and c.object_type != label:
            return None
        qs = historical.objects.select_related("history_user")
        return narrow(qs, c, at="history_date", user="history_user_id", object_id=pk_name)

    def entry(h) -> Entry:
        try:
            shown = str(h.instance)
        except Exception:  # a str() that needs a related row deleted since
            shown = ""
        return Entry(
            h.history_date, _user_name(h.history_user), _("编辑"),
            f"{_HISTORY_TYPES.get(h.history_type, '')}{model._meta.verbose_name}",
            f"{shown} (#{getattr(h, pk_name)})", h.history_change_reason or "",
        )  # fmt: skip

    return Source(f"edit:{label}", _lazy("编辑"), query, entry, at_field="history_date",
                  object_types=lambda: [(label, str(model._meta.verbose_name))])  # fmt: skip


def sources() -> list[Source]:
    access = Source(
        "access", _lazy("导出、查看与登录"), _access_query, _access_entry,
        object_types=lambda: [],
    )  # fmt: skip
    return [access, *SOURCES, *_history_sources()]


KINDS = [
    ("access", _lazy("导出、查看、下载与登录")),
    ("edit", _lazy("编辑")),
    ("transition", _lazy("状态变更")),
]


def _selected(source: Source, c: Criteria) -> bool:
    return not c.sources or source.key.split(":", 1)[0] in c.sources


def object_types() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for s in sources():
        for label, name in s.object_types():
            seen.setdefault(label, name)
    return sorted(seen.items(), key=lambda item: item[1])


class Merged(Sequence):
    """Every selected trail newest first, sliceable for Django's Paginator: a slice [a:b] reads at
    most b rows from each source."""

    def __init__(self, criteria: Criteria):
        self.parts = [
            (s, qs) for s in sources() if _selected(s, criteria) and (qs := s.query(criteria)) is not None
        ]
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(qs.count() for _s, qs in self.parts)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        streams = [_stream(s, qs[:stop]) for s, qs in self.parts]
        merged = heapq.merge(*streams, key=lambda item: item[0], reverse=True)
        return [s.entry(row) for _at, s, row in itertools.islice(merged, start, stop)]


def _stream(source: Source, rows):
    # A function of its own so that each stream keeps its own source (a generator expression in a
    # comprehension would see only the last one).
    for row in rows:
        yield getattr(row, source.at_field), source, row


def search(criteria: Criteria) -> Merged:
    return Merged(criteria)


def users_matching(text: str) -> list[int]:
    text = text.strip()
    return list(
        User.objects.filter(Q(username__icontains=text) | Q(display_name__icontains=text)).values_list(
            "pk", flat=True
        )[:1000]
    )


EXPORT_COLUMNS = [
    Column(_lazy("时间"), "datetime"), Column(_lazy("用户")), Column(_lazy("类型")), Column(_lazy("内容")),
    Column(_lazy("对象")), Column(_lazy("说明"), width=60),
]  # fmt: skip


def export_rows(merged: Merged):
    for e in merged[:MAX_EXPORT_ROWS]:
        yield [e.at, e.user, e.kind, e.what, e.obj, e.detail]
