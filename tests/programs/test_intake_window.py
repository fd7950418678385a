"""The application window: a plain draft cannot be edited or submitted after the deadline; one that
was returned for correction can be corrected and resubmitted after it, until the call goes to review."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.programs import services
from kechuang.programs.models import Call
from tests.programs.conftest import GOOD

pytestmark = pytest.mark.django_db


def _past_deadline(call):
    today = timezone.localdate()
    Call.objects.filter(pk=call.pk).update(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=1)
    )
    call.refresh_from_db()
    return call


def test_a_draft_is_frozen_after_the_deadline(prog):
    user = prog["ent_user"]
    app = services.save_draft(user, prog["call"], GOOD)
    call = _past_deadline(prog["call"])
    before = (app.title, app.status)
    with pytest.raises(ValidationError) as exc:
        services.save_draft(user, call, {**GOOD, "title": "改过的名称"}, app)
    assert "call" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.submit(user, app)
    app.refresh_from_db()
    assert (app.title, app.status) == before


def test_a_returned_application_is_corrected_and_resubmitted_after_the_deadline(prog):
    user, staff = prog["ent_user"], prog["staff"]
    app = services.submit(user, services.save_draft(user, prog["call"], GOOD))
    services.formal_check(staff, app)
    services.decide(staff, app, "return", "请补充自筹资金说明")
    call = _past_deadline(prog["call"])
    call = services.close_call(staff, call)
    app = services.revise(user, app)
    form = {**GOOD["form_data"], "self_funding_yuan": 100}
    app = services.save_draft(user, call, {**GOOD, "form_data": form}, app)
    app = services.submit(user, app)
    assert app.status == "submitted"
    # Once the call is in review, the window has shut for everyone.
    Call.objects.filter(pk=call.pk).update(status=Call.Status.REVIEWING)
    services.formal_check(staff, app)
    services.decide(staff, app, "return", "材料仍不完整")
    app = services.revise(user, app)
    with pytest.raises(ValidationError):
        services.submit(user, app)
