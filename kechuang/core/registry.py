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


# Computed indicators (指标计算规则): each app registers the indicators it can compute from its own records;
# the indicators app runs every registered rule, stores the actuals with the rule's version and the data date,
# and links each number to the records behind it. The indicators app never imports the contributing app.
@dataclass(frozen=True)
class IndicatorValue:
    """One computed figure. ``value`` is None when it cannot be computed (a zero denominator, say), and
    ``note`` then says why in words a civil servant reads. Counts are ints, money Decimal yuan, ratios
    Decimal fractions."""

    value: object
    numerator: object = None
    denominator: object = None
    unknown: int = 0  # records left out of both numerator and denominator because an input was unknown
    note: str = ""


@dataclass(frozen=True)
class IndicatorRule:
    code: str  # the indicator's code (as in shared/seed-data/indicators.yaml where it appears there)
    version: str  # changes whenever the rule's meaning changes; stored with every actual it produced
    # ``compute(year) -> dict[district_id | None, IndicatorValue]``: one entry per district that has records
    # and one under None for the whole city (the city figure is computed, never summed from rounded parts).
    compute: Callable
    name: object = ""  # the indicator's Chinese name, used when it is not yet defined as data
    unit: str = "count"  # count | yuan | ratio | persons
    # ``records_url(year, district_id | None) -> str``: the list of the records behind the number, filtered.
    records_url: Callable | None = None
    order: int = 100


INDICATOR_RULES: dict[str, IndicatorRule] = {}


def add_indicator_rule(rule: IndicatorRule) -> None:
    INDICATOR_RULES.setdefault(rule.code, rule)


def indicator_rules() -> list[IndicatorRule]:
    return sorted(INDICATOR_RULES.values(), key=lambda r: (r.order, r.code))


# Reading an indicator's actual from elsewhere (a supervision milestone "建设省级以上创新平台10家" shows the
# indicator against its target value). The indicators app sets the reader in its ready():
# ``reader(code, year, district_id | None) -> Decimal | int | None`` and ``choices() -> [(code, name)]``.
# Without that app both answer "nothing".
INDICATOR_READERS: dict[str, Callable] = {}


def set_indicator_reader(read: Callable, choices: Callable) -> None:
    INDICATOR_READERS["read"] = read
    INDICATOR_READERS["choices"] = choices


def indicator_actual(code: str, year: int, district_id=None):
    read = INDICATOR_READERS.get("read")
    return read(code, year, district_id) if read else None


def indicator_choices() -> list[tuple[str, str]]:
    choices = INDICATOR_READERS.get("choices")
    return list(choices()) if choices else []


# Sections of the enterprise profile page contributed by other apps (a portrait, rungs, platforms hosted,
# contracts registered): ``render(request, enterprise) -> str`` HTML, or "" when it has nothing to show
# to this user. The enterprises app draws them in ``order``.
PROFILE_SECTIONS: list[tuple[int, Callable]] = []


def add_profile_section(render: Callable, order: int = 100) -> None:
    if all(r is not render for _, r in PROFILE_SECTIONS):
        PROFILE_SECTIONS.append((order, render))
        PROFILE_SECTIONS.sort(key=lambda item: item[0])


def profile_sections(request, enterprise) -> list[str]:
    return [html for _order, render in PROFILE_SECTIONS if (html := render(request, enterprise))]
