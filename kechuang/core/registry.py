"""Where apps plug into the shared pages without core importing them (core uses no app).

Apps register in their AppConfig.ready(): menu entries (with the roles that see them), panels for
each role's home page, to-do providers for the workbench, and search providers for the global search.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: object  # a lazy translation
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """``render(request)`` returns the HTML of one panel, or "" when it has nothing for this user."""

    render: Callable
    order: int = 100


NAV: list[NavEntry] = []
PANELS: list[HomePanel] = []


def add_nav(label, url_name: str, roles, order: int = 100) -> None:
    if all(e.url_name != url_name for e in NAV):
        NAV.append(NavEntry(label, url_name, frozenset(roles), order))
        NAV.sort(key=lambda e: e.order)


def add_home_panel(render: Callable, order: int = 100) -> None:
    if all(p.render is not render for p in PANELS):
        PANELS.append(HomePanel(render, order))
        PANELS.sort(key=lambda p: p.order)


# Demo-data steps: each app adds the part of the demo city it owns; `kechuang demo` runs them in order.
# A step is ``fn(ctx: dict, stdout) -> None``; ``ctx`` carries what earlier steps made (e.g. "rng", "seed",
# "districts", "enterprises", "institutes", "users") so later steps can build on it.
DEMO_STEPS: list[tuple[int, Callable]] = []


def add_demo_step(fn: Callable, order: int = 100) -> None:
    if all(f is not fn for _, f in DEMO_STEPS):
        DEMO_STEPS.append((order, fn))
        DEMO_STEPS.sort(key=lambda item: item[0])


# Workbench to-dos (工作台待办): a provider is ``fn(user) -> Iterable[Todo]`` and returns what waits for
# that user in its app (nothing for roles it does not concern). Items with a count of 0 are dropped.
@dataclass(frozen=True)
class Todo:
    label: object  # a lazy or plain translated string: what waits, as the user calls it
    count: int
    url: str  # where it is done, one click away
    due: dt.date | None = None  # the earliest deadline among the waiting items
    overdue: bool = False


TODO_PROVIDERS: list[tuple[int, Callable]] = []


def add_todo(provider: Callable, order: int = 100) -> None:
    if all(p is not provider for _, p in TODO_PROVIDERS):
        TODO_PROVIDERS.append((order, provider))
        TODO_PROVIDERS.sort(key=lambda item: item[0])


def todos_for(user) -> list[Todo]:
    items: list[Todo] = []
    for _order, provider in TODO_PROVIDERS:
        items.extend(t for t in provider(user) if t.count > 0)
    return items


# Workbench charts: a provider is ``fn(user) -> Chart | None``. Core draws every chart the same way
# (ECharts, served locally): categories along the x axis, one line or bar per series, the unit named.
@dataclass(frozen=True)
class Chart:
    title: object
    categories: list
    series: list[dict]  # [{"name": str, "data": [number | None, ...]}]
    kind: str = "bar"  # "bar" or "line"
    unit: object = ""


CHART_PROVIDERS: list[tuple[int, Callable]] = []


def add_chart(provider: Callable, order: int = 100) -> None:
    if all(p is not provider for _, p in CHART_PROVIDERS):
        CHART_PROVIDERS.append((order, provider))
        CHART_PROVIDERS.sort(key=lambda item: item[0])


def charts_for(user) -> list[Chart]:
    charts = (provider(user) for _order, provider in CHART_PROVIDERS)
    return [c for c in charts if c is not None and c.categories]


# Global search: a provider is ``fn(user, q: str, limit: int) -> SearchGroup | None``; it searches only
# what ``user`` may read (kechuang.core.permissions) and returns None for roles it does not serve.
@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchGroup:
    label: object
    hits: list[SearchHit]
    total: int  # matches in scope, of which ``hits`` are the first ``limit``
    more_url: str = ""  # the app's own list filtered by the query, when it has one


SEARCH_PROVIDERS: list[tuple[int, Callable]] = []


def add_search(provider: Callable, order: int = 100) -> None:
    if all(p is not provider for _, p in SEARCH_PROVIDERS):
        SEARCH_PROVIDERS.append((order, provider))
        SEARCH_PROVIDERS.sort(key=lambda item: item[0])


def search(user, q: str, limit: int = 10) -> list[SearchGroup]:
    groups = (provider(user, q, limit) for _order, provider in SEARCH_PROVIDERS)
    return [g for g in groups if g is not None and g.total]


# Type-ahead pickers: ``search(user, query) -> list[(value, label, hint)]`` of what this user may pick,
# served at /pick/<kind>/ for core.forms.PickerWidget. Apps register their kinds in ready().
PICKERS: dict[str, Callable] = {}


def add_picker(kind: str, search: Callable) -> None:
    PICKERS.setdefault(kind, search)
