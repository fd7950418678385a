"""Where apps plug into the shared pages without core importing them (core uses no app).

Apps register in their AppConfig.ready(): menu entries (with the roles that see them) and
panels for each role's home page.
"""

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


# Type-ahead pickers: ``search(user, query) -> list[(value, label, hint)]`` of what this user may pick,
# served at /pick/<kind>/ for core.forms.PickerWidget. Apps register their kinds in ready().
PICKERS: dict[str, Callable] = {}


def add_picker(kind: str, search: Callable) -> None:
    PICKERS.setdefault(kind, search)
