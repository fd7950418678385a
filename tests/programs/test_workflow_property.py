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


# ---------------------------------------------------------------- intake: endorsement and attachments

INTAKE = {
    "save": ("enterprise", {"draft"}, None),
    "attach": ("enterprise", {"draft"}, None),
    "detach": ("enterprise", {"draft"}, None),
    "submit": ("enterprise", {"draft"}, "submitted"),
    "endorse": ("district", {"submitted"}, "endorsed"),
    "decline": ("district", {"submitted"}, "not_endorsed"),
    "check": ("staff", {"endorsed"}, None),
    "pass": ("staff", {"endorsed"}, "formal_passed"),
    "return": ("staff", {"endorsed"}, "formal_failed"),
    "revise": ("enterprise", {"formal_failed", "not_endorsed"}, "draft"),
}
INTAKE_ACTORS = ["enterprise", "staff", "district", "other_district", "expert"]


def _intake_state():
    from kechuang.programs.models import Attachment

    return (*snapshot(), list(Attachment.objects.order_by("pk").values()))


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(INTAKE)), st.sampled_from(INTAKE_ACTORS)), max_size=12))
def test_random_intake_sequences(prog, steps):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.programs.demo import tiny_pdf
    from kechuang.programs.models import Attachment, Call

    Application.objects.all().delete()
    Call.objects.filter(pk=prog["call"].pk).update(
        needs_endorsement=True, attachment_kinds=[{"code": "finance", "name": "财务报告", "required": True}]
    )
    prog["call"].refresh_from_db()
    app = services.save_draft(prog["ent_user"], prog["call"], GOOD)
    files = checked = logged = 0
    for n, (action, who) in enumerate(steps):
        app.refresh_from_db()
        before_status = app.status
        role, sources, target = INTAKE[action]
        user = prog["users"][who]
        allowed = who == role and before_status in sources
        if action == "submit":
            allowed = allowed and files > 0
        if action == "detach":
            allowed = allowed and files > 0
        if action in ("pass", "return"):
            allowed = allowed and checked
        before = _intake_state()
        try:
            if action == "save":
                services.save_draft(user, prog["call"], {"title": f"{GOOD['title']}{n}"}, app)
            elif action == "attach":
                services.add_attachment(user, app, "finance", SimpleUploadedFile("f.pdf", tiny_pdf(f"#{n}")))
            elif action == "detach":
                att = Attachment.objects.filter(application=app).first()
                if att is None:
                    raise ValidationError({"file": "none"})
                services.delete_attachment(user, att)
            elif action == "submit":
                services.submit(user, app)
            elif action == "endorse":
                services.endorse(user, app, "同意")
            elif action == "decline":
                services.decline_endorsement(user, app, "不推荐")
            elif action == "check":
                services.formal_check(user, app)
            elif action in ("pass", "return"):
                services.decide(user, app, action, "理由")
            else:
                services.revise(user, app)
        except (ValidationError, PermissionDenied):
            assert not allowed, (action, who, before_status)
            assert _intake_state() == before
            continue
        except Exception as exc:  # a 404 of the download scope is not an action here
            raise AssertionError((action, who, before_status)) from exc
        assert allowed, (action, who, before_status)
        app.refresh_from_db()
        assert app.status in Application.Status.values
        files += {"attach": 1, "detach": -1}.get(action, 0)
        if action == "check":
            checked = True
        if target:
            logged += 1
            assert app.status == target
            last = app.transitions.last()
            assert (last.from_status, last.to_status, last.actor) == (before_status, target, user)
            if target in ("draft", "submitted"):
                checked = False
    assert app.transitions.count() == logged
    assert app.attachments.count() == files


# --------------------------------------------------------------------------- guide drafting and review

GUIDE = {
    "edit": ({"draft"}, None),
    "send": ({"draft"}, "in_review"),
    "approve": ({"in_review"}, "approved"),
    "send_back": ({"in_review"}, "draft"),
    "publish": ({"approved"}, "published"),
    "close": ({"published"}, "closed"),
}
GUIDE_ACTORS = ["staff", "staff2", "leader", "enterprise", "district"]


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(GUIDE)), st.sampled_from(GUIDE_ACTORS)), max_size=10))
def test_random_guide_sequences(prog, steps):
    from kechuang.programs.models import Call
    from tests import factories as f

    users = dict(prog["users"])
    users["staff2"] = f.User.objects.filter(username="staff_2").first() or f.user(
        f.Role.BUREAU_STAFF, "staff_2"
    )
    data = {k: getattr(prog["call"], k) for k in services.CALL_FIELDS}
    call = services.save_call(users["staff"], {**data, "title": "草稿"})
    drafters = {"staff"}
    logged = 0
    for action, who in steps:
        call.refresh_from_db()
        before_status = call.status
        sources, target = GUIDE[action]
        writer = who in ("staff", "staff2")
        if action in ("approve", "send_back"):
            allowed = (who == "leader" or (writer and who not in drafters)) and before_status in sources
        else:
            allowed = writer and before_status in sources
        user = users[who]
        before = snapshot()
        try:
            if action == "edit":
                services.save_call(user, {"guide": f"指南{logged}"}, call)
            elif action == "send":
                services.send_for_review(user, call)
            elif action == "approve":
                services.approve_call(user, call)
            elif action == "send_back":
                services.send_back(user, call, "请修改")
            elif action == "publish":
                services.publish_call(user, call)
            else:
                services.close_call(user, call)
        except (ValidationError, PermissionDenied):
            assert not allowed, (action, who, before_status)
            assert snapshot() == before
            continue
        assert allowed, (action, who, before_status)
        call.refresh_from_db()
        assert call.status in Call.Status.values
        if action == "send":
            drafters.add(who)
        if target:
            logged += 1
            assert call.status == target
            last = call.transitions.last()
            assert (last.from_status, last.to_status, last.actor) == (before_status, target, user)
    assert call.transitions.count() == logged
