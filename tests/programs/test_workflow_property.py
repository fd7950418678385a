"""Random sequences of actions on one application: the status is always one of the defined ones, every
legal step is logged once, and a refused step raises and changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.programs import services
from kechuang.programs.models import Application
from tests.programs.conftest import GOOD, snapshot

pytestmark = pytest.mark.django_db

# action → (who, statuses it is legal from, resulting status)
LEGAL = {
    "save": ("enterprise", {"draft"}, None),
    "submit": ("enterprise", {"draft"}, "submitted"),
    "check": ("staff", {"submitted"}, None),
    "pass": ("staff", {"submitted"}, "formal_passed"),
    "return": ("staff", {"submitted"}, "formal_failed"),
    "revise": ("enterprise", {"formal_failed"}, "draft"),
}
ACTORS = ["enterprise", "staff", "leader", "district"]


def _do(prog, app, action, who):
    user = prog["users"][who]
    if action == "save":
        return services.save_draft(user, prog["call"], {"title": GOOD["title"] + "（修改）"}, app)
    if action == "submit":
        return services.submit(user, app)
    if action == "check":
        return services.formal_check(user, app)
    if action in ("pass", "return"):
        return services.decide(user, app, action, "理由")
    return services.revise(user, app)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(LEGAL)), st.sampled_from(ACTORS)), max_size=10))
def test_random_action_sequences(prog, steps):
    Application.objects.all().delete()
    app = services.save_draft(prog["ent_user"], prog["call"], GOOD)
    checked = False
    logged = 0
    for action, who in steps:
        app.refresh_from_db()
        before_status = app.status
        role, sources, target = LEGAL[action]
        # pass/return also need a machine check first (a rule, not a state).
        allowed = who == role and before_status in sources and (action not in ("pass", "return") or checked)
        before = snapshot()
        try:
            _do(prog, app, action, who)
        except (ValidationError, PermissionDenied):
            assert not allowed, (action, who, before_status)
            assert snapshot() == before
            continue
        assert allowed, (action, who, before_status)
        app.refresh_from_db()
        assert app.status in Application.Status.values
        if target:
            logged += 1
            assert app.status == target
            last = app.transitions.last()
            assert (last.from_status, last.to_status) == (before_status, target)
            checked = False if target == "draft" else checked
        if action == "check":
            checked = True
    assert app.transitions.count() == logged
