"""项目征集: solicitations, bottom-up and top-down ideas, adoption into a draft guide, scoping, export."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.programs import services
from kechuang.programs.models import Call, Idea, Solicitation, Transition
from kechuang.programs.services import ideas
from tests import factories as f
from tests.programs.test_intake import call_data

pytestmark = pytest.mark.django_db

IDEA = {"title": "高温合金增材制造粉末制备", "problem": "球形粉末依赖进口。", "goals": "氧含量低于100ppm"}


def state():
    return (
        list(Solicitation.objects.order_by("pk").values()),
        list(Idea.objects.order_by("pk").values()),
        list(Call.objects.order_by("pk").values()),
        list(Transition.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values()),
    )


@pytest.fixture
def sol(city):
    services.seed_programme_types()
    today = timezone.localdate()
    s = ideas.save_solicitation(
        city["users"]["staff"],
        {
            "programme_type": services.ProgrammeType.objects.get(code="major_breakthrough"), "year": 2027,
            "title": "2027年度项目建议征集", "description": "征集方向建议",
            "opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=20),
        },
    )  # fmt: skip
    return ideas.open_solicitation(city["users"]["staff"], s)


def test_solicitation_lifecycle_is_staff_only_and_audited(city, sol):
    staff = city["users"]["staff"]
    before = state()
    for who in ("leader", "district", "enterprise", "institute", "expert"):
        with pytest.raises(PermissionDenied):
            ideas.close_solicitation(city["users"][who], sol)
        with pytest.raises(PermissionDenied):
            ideas.save_solicitation(city["users"][who], {"title": "x"}, sol)
    with pytest.raises(ValidationError) as exc:
        ideas.open_solicitation(staff, sol)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ideas.save_solicitation(staff, {"closes_on": sol.opens_on - dt.timedelta(days=1)}, sol)
    assert "closes_on" in exc.value.message_dict
    assert state() == before
    sol = ideas.close_solicitation(staff, sol, "期满")
    assert [(t.action, t.to_status) for t in sol.transitions.order_by("pk")] == [
        ("open", "open"),
        ("close", "closed"),
    ]
    with pytest.raises(ValidationError):
        ideas.save_solicitation(staff, {"title": "改"}, sol)


def test_bottom_up_only_from_enterprises_and_institutes_while_open(city, sol):
    e = ideas.submit_idea(city["users"]["enterprise"], sol, IDEA)
    i = ideas.submit_idea(city["users"]["institute"], sol, {**IDEA, "title": "陶瓷膜"})
    assert (e.source, e.organisation, e.status) == ("bottom_up", city["e1"].organisation, "submitted")
    assert i.organisation == city["uni"]
    assert e.transitions.get().action == "submit"
    before = state()
    for who in ("staff", "district", "leader", "expert"):
        with pytest.raises(PermissionDenied):
            ideas.submit_idea(city["users"][who], sol, IDEA)
    with pytest.raises(ValidationError) as exc:
        ideas.submit_idea(city["users"]["enterprise"], sol, {**IDEA, "suggested_yuan": Decimal(6_000_000)})
    assert "suggested_yuan" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ideas.submit_idea(city["users"]["enterprise"], sol, {**IDEA, "title": ""})
    assert "title" in exc.value.message_dict
    Solicitation.objects.filter(pk=sol.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    before = state()
    with pytest.raises(ValidationError) as exc:
        ideas.submit_idea(city["users"]["enterprise"], sol, IDEA)
    assert "solicitation" in exc.value.message_dict
    assert state() == before


def test_top_down_by_staff_until_closed(city, sol):
    staff = city["users"]["staff"]
    idea = ideas.add_top_down(staff, sol, IDEA)
    assert idea.source == "top_down" and idea.organisation is None
    with pytest.raises(PermissionDenied):
        ideas.add_top_down(city["users"]["enterprise"], sol, IDEA)
    sol = ideas.close_solicitation(staff, sol)
    with pytest.raises(ValidationError):
        ideas.add_top_down(staff, sol, IDEA)


def test_adopt_into_a_draft_call_appends_the_topic_and_tells_the_submitter(city, sol):
    staff, ent = city["users"]["staff"], city["users"]["enterprise"]
    idea = ideas.submit_idea(ent, sol, IDEA)
    call = services.save_call(staff, call_data())
    idea = ideas.adopt(staff, idea, call, "纳入")
    call.refresh_from_db()
    assert idea.status == "adopted" and idea.adopted_into == call and idea.decision_note == "纳入"
    assert call.topics == ["新材料", IDEA["title"]]
    assert Notification.objects.filter(user=ent, title__contains="已纳入指南").exists()
    last = idea.transitions.last()
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "adopt",
        "submitted",
        "adopted",
        staff,
    )
    with pytest.raises(ValidationError):
        ideas.decline(staff, idea, "晚了")


def test_adopt_and_decline_refusals_change_nothing(city, sol):
    staff = city["users"]["staff"]
    idea = ideas.submit_idea(city["users"]["enterprise"], sol, IDEA)
    call = services.send_for_review(staff, services.save_call(staff, call_data()))
    before = state()
    with pytest.raises(ValidationError) as exc:
        ideas.adopt(staff, idea, call)  # the guide is under review: not a draft any more
    assert "call" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ideas.adopt(staff, idea, None)
    assert "call" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ideas.decline(staff, idea, " ")
    assert "note" in exc.value.message_dict
    for who in ("leader", "district", "enterprise"):
        with pytest.raises(PermissionDenied):
            ideas.decline(city["users"][who], idea, "不采纳")
    assert state() == before
    idea = ideas.decline(staff, idea, "与已有方向重复")
    assert idea.status == "declined"
    assert Notification.objects.filter(user=city["users"]["enterprise"], body="与已有方向重复").exists()


def test_each_role_sees_only_its_ideas(city, sol):
    mine = ideas.submit_idea(city["users"]["enterprise"], sol, IDEA)
    theirs = ideas.submit_idea(
        f.user(f.Role.ENTERPRISE, "ent_zc", organisation=city["e2"].organisation),
        sol,
        {**IDEA, "title": "乙"},
    )
    top = ideas.add_top_down(city["users"]["staff"], sol, {**IDEA, "title": "部门方向"})
    seen = {who: set(ideas.visible_ideas(city["users"][who])) for who in city["users"]}
    assert seen["staff"] == seen["leader"] == {mine, theirs, top}
    assert seen["enterprise"] == {mine}
    assert seen["district"] == {mine} and seen["other_district"] == {theirs}
    assert seen["expert"] == set() and seen["institute"] == set()
    with pytest.raises(Http404):
        ideas.get_idea(city["users"]["enterprise"], theirs.pk)


def test_drafts_of_solicitations_are_the_bureaus(city, sol):
    staff = city["users"]["staff"]
    draft = ideas.save_solicitation(
        staff, {**{k: getattr(sol, k) for k in ideas.SOLICITATION_FIELDS}, "title": "内部草稿"}
    )
    assert not ideas.visible_solicitations(city["users"]["enterprise"]).filter(pk=draft.pk).exists()
    assert ideas.visible_solicitations(city["users"]["enterprise"]).filter(pk=sol.pk).exists()


def test_pages_submit_adopt_and_export(client, city, sol):
    staff, ent = city["users"]["staff"], city["users"]["enterprise"]
    call = services.save_call(staff, call_data())
    client.force_login(ent)
    r = client.get(reverse("programme_solicitations"))
    assert r.status_code == 200 and sol.title in r.content.decode()
    url = reverse("programme_solicitation_detail", args=[sol.pk])
    r = client.post(url, {"title": "", "problem": "x"})
    assert r.status_code == 200 and not Idea.objects.exists()
    r = client.post(url, {**IDEA, "suggested_wan": "300"})
    idea = Idea.objects.get()
    assert r.status_code == 302 and idea.suggested_yuan == 3_000_000 and idea.source == "bottom_up"
    assert (
        client.post(reverse("programme_idea_decide", args=[idea.pk, "decline"]), {"note": "x"}).status_code
        == 403
    )
    client.force_login(staff)
    page = client.get(reverse("programme_idea_detail", args=[idea.pk])).content.decode()
    assert 'data-testid="adopt-idea"' in page and call.title in page
    client.post(reverse("programme_idea_decide", args=[idea.pk, "adopt"]), {"call": call.pk, "note": "好"})
    idea.refresh_from_db()
    assert idea.status == "adopted"
    r = client.get(reverse("programme_ideas_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "编号" and rows[1][5] == IDEA["title"] and rows[1][9] == "已纳入指南"
    assert rows[1][10] == call.title
    client.force_login(city["users"]["other_district"])
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(client.get(reverse("programme_ideas_export")).content)
        ).active.values
    )
    assert len(rows) == 1  # headers only: the idea is another district's
