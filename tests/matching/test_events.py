"""The event figures of shared/seed-data/indicators.yaml are representable, shown and exported,
and the demo step creates that event with exactly those figures."""

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from kechuang.matching import demo, services
from kechuang.matching.models import Event, EventParticipant, Match

pytestmark = pytest.mark.django_db

# indicators.yaml, `events` (泰安 "双百行动" launch day).
SEED = {
    "name": "百名专家泰安行 百家企业进院所 启动仪式",
    "date": dt.date(2023, 3, 1),
    "institutes": 52,
    "experts": 163,
    "achievements_published": 125,
    "achievements_transferred": 45,
    "meetings": 12,
    "enterprises_attending": 219,
    "enterprises_visited": 60,
    "problems_solved": 55,
    "intentions": 72,
}


def test_demo_event_carries_the_seed_figures():
    assert {k: demo.TAIAN_EVENT[k] for k in SEED} == SEED


def test_seed_event_round_trips_and_exports(city):
    event = services.save_event(city["users"]["staff"], Event(**demo.TAIAN_EVENT))
    event = Event.objects.get(pk=event.pk)
    for key, value in SEED.items():
        assert getattr(event, key) == value
    reported = {row["name"]: row["reported"] for row in services.event_figures(event)}
    assert {k: v for k, v in reported.items() if v is not None} == {
        k: v for k, v in SEED.items() if k not in ("name", "date")
    }
    assert reported["agreements"] is None  # not reported: unknown, not zero
    c = Client()
    c.force_login(city["users"]["district"])
    page = c.get(f"/matching/events/{event.pk}/").content.decode()
    assert "163" in page and "219" in page
    rows = list(load_workbook(io.BytesIO(c.get("/matching/events/export.xlsx").content)).active.values)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["参加专家（人）"] == 163 and row["达成合作意向（项）"] == 72 and row["签约项目（项）"] is None


def test_recorded_figures_count_participants_and_outcomes(postings):
    staff = postings["users"]["staff"]
    event = services.save_event(staff, Event(name="对接会", date=dt.date(2026, 5, 1)))
    services.add_participant(staff, event, kind="institute", organisation=postings["uni"])
    services.add_participant(staff, event, kind="expert", name="赵研究员")
    case = postings["d1"].matches.get(achievement=postings["a1"])
    for action in ("contact", "express_intention", "sign"):
        services.advance_match(staff, case.pk, action, event=event)
    other = postings["d2"].matches.filter(kind=Match.Kind.DEMAND_ACHIEVEMENT).first()
    services.advance_match(staff, other.pk, "contact", event=event)
    services.advance_match(staff, other.pk, "express_intention")
    recorded = {row["name"]: row["recorded"] for row in services.event_figures(event)}
    assert recorded["institutes"] == 1 and recorded["experts"] == 1 and recorded["enterprises_attending"] == 0
    assert recorded["intentions"] == 2 and recorded["agreements"] == 1
    assert EventParticipant.objects.filter(event=event).count() == 2


def test_totals_add_reported_figures_and_keep_unknown_unknown(city):
    staff = city["users"]["staff"]
    services.save_event(staff, Event(**demo.TAIAN_EVENT))
    services.save_event(staff, Event(name="科技周", date=dt.date(2026, 5, 20), experts=7, agreements=None))
    totals = services.event_totals(Event.objects.all())
    assert totals["experts"] == 170 and totals["intentions"] == 72 and totals["agreements"] is None
