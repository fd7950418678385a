"""The audit rows written before the generic Transition existed still point at their call or
application after migration 0002."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("programs", "0001_initial")]
AFTER = [("programs", "0002_lifecycle")]


def _state(executor, target):
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_existing_transitions_point_at_their_objects():
    executor = MigrationExecutor(connection)
    old = _state(executor, BEFORE)
    ptype = old.get_model("programs", "ProgrammeType").objects.create(
        code="t", name="T", kind="breakthrough", max_grant_yuan=1, max_months=12
    )
    Call = old.get_model("programs", "Call")
    call = Call.objects.create(
        programme_type=ptype, year=2026, title="C", guide="G", budget_cap_yuan=1,
        opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 2, 1),
    )  # fmt: skip
    district = old.get_model("core", "District").objects.create(code="370302", name="淄川区")
    org = old.get_model("core", "Organisation").objects.create(
        name="甲公司", kind="enterprise", district=district
    )
    app = old.get_model("programs", "Application").objects.create(
        call=call, applicant=org, title="A", abstract="B", requested_yuan=1, months=1, schema_version=1
    )
    Transition = old.get_model("programs", "Transition")
    Transition.objects.create(call=call, action="publish", from_status="draft", to_status="published")
    Transition.objects.create(application=app, action="submit", from_status="draft", to_status="submitted")

    new = _state(MigrationExecutor(connection), AFTER)
    ContentType = new.get_model("contenttypes", "ContentType")
    rows = {
        (t.action, ContentType.objects.get(pk=t.content_type_id).model, t.object_id)
        for t in new.get_model("programs", "Transition").objects.all()
    }
    assert rows == {("publish", "call", call.pk), ("submit", "application", app.pk)}
    # Back to the latest state for the tests that follow.
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
