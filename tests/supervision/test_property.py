"""Random sequences of report actions by random people: no illegal state is ever reached, a refused
action changes nothing, and every change of status is one audit row saying from where to where."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.programs.models import Transition
from kechuang.programs.workflow import history
from kechuang.supervision.models import MonthlyReport
from kechuang.supervision.services import reports

from .conftest import at

pytestmark = pytest.mark.django_db
SLOTS = itertools.count()

# The legal moves of a report: (from, action) → to.
LEGAL = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "send_back"): "returned",
    ("submitted", "accept"): "accepted",
}
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["filer", "office", "leader", "outsider", "district"]),
        st.sampled_from(["save", "fill", "submit", "send_back", "send_back_empty", "accept"]),
    ),
    max_size=12,
)


def snapshot(report):
    fresh = MonthlyReport.objects.get(pk=report.pk)
    items = list(fresh.items.order_by("pk").values_list("status", "progress"))
    return (fresh.status, fresh.office_note, fresh.next_steps, fresh.late, items), Transition.objects.count()


def act(users, report, who, action):
    user = users[who]
    if action == "save":
        return reports.save_report(user, report, items={}, next_steps="")
    if action == "fill":
        items = {i.pk: ("on_plan", "有进展") for i in report.items.all()}
        return reports.save_report(user, report, items=items, next_steps="继续推进")
    if action == "submit":
        return reports.submit(user, report)
    if action == "send_back":
        return reports.send_back(user, report, "请补充")
    if action == "send_back_empty":
        return reports.send_back(user, report, "")
    return reports.accept(user, report)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_random_report_actions(sup, actions):
    slot = next(SLOTS)
    forces = sorted(sup["forces"].values(), key=lambda tf: tf.order)
    tf, month = forces[slot % 5], slot // 5 % 12 + 1
    u = sup["users"]
    filer = {1: "talent", 2: "planning", 3: "office", 4: "planning", 5: "personnel"}[tf.order]
    users = {"filer": u[filer], "office": u["office"], "leader": u["leader"], "outsider": u["other_staff"],
             "district": u["district"]}  # fmt: skip
    with at(dt.date(2022, month, 15)):
        report = reports.open_report(u[filer], tf, 2022, month)
        for who, action in actions:
            report = MonthlyReport.objects.get(pk=report.pk)
            before, audits = snapshot(report)
            try:
                act(users, report, who, action)
            except (ValidationError, PermissionDenied):
                assert snapshot(report) == (before, audits), f"{who} {action} refused but changed something"
                continue
            after, audits_after = snapshot(report)
            assert after[0] in MonthlyReport.Status.values
            if action in ("save", "fill"):
                assert after[0] == before[0] and audits_after == audits
                assert before[0] in ("draft", "returned")
            else:
                name = "send_back" if action.startswith("send_back") else action
                assert LEGAL.get((before[0], name)) == after[0], f"illegal {before[0]} --{name}--> {after[0]}"
                assert audits_after == audits + 1
                last = list(history(report))[-1]
                assert (last.action, last.from_status, last.to_status, last.actor) == (
                    name,
                    before[0],
                    after[0],
                    users[who],
                )
