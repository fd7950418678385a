"""Builders shared by the review tests: a closed call with formal-passed applications, experts with
accounts, and a round whose panel is drawn and locked."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.experts import services as expert_services
from kechuang.experts.models import Expert, SelectionRound
from kechuang.programs import services
from kechuang.programs.models import Application, Call, ReviewRound
from kechuang.programs.services import review
from tests import factories as f
from tests.experts import builders as b

TITLES = [
    ("氮化硅陶瓷轴承球近净成形关键技术", "先进陶瓷、氮化硅、烧结工艺"),
    ("高纯电子级氢氟酸连续精馏工艺", "精细化工、催化剂、化工工艺"),
    ("缓控释制剂关键辅料国产化", "生物医药、药物制剂、中药"),
    ("伺服压力机高动态控制系统研制", "智能制造、数控机床、工业机器人"),
]


def make_call(staff, *, n_apps=4, applicants=(), **options) -> Call:
    services.seed_programme_types()
    today = timezone.localdate()
    call = Call.objects.create(
        programme_type=services.ProgrammeType.objects.get(code="major_transfer"), year=2026,
        title="2026年度重大成果转化项目申报通知", guide="支持重大成果转化。", budget_cap_yuan=Decimal(3_000_000),
        opens_on=today - dt.timedelta(days=40), closes_on=today - dt.timedelta(days=1),
        form_schema=services.DEFAULT_SCHEMA, rubric=services.DEFAULT_RUBRIC, status=Call.Status.CLOSED,
        created_by=staff, **options,
    )  # fmt: skip
    for k in range(n_apps):
        title, words = TITLES[k % len(TITLES)]
        org = (
            applicants[k]
            if k < len(applicants)
            else f.enterprise(f.district(), f"申报企业{k + 1}").organisation
        )
        Application.objects.create(
            call=call, applicant=org, title=f"{title}{k + 1}", abstract=f"本项目研究{words}，实现产业化。",
            requested_yuan=Decimal(2_000_000), months=12, schema_version=1,
            form_data={"leader": f"负责人{k + 1}", "goals": f"{words}示范线"},
            status=Application.Status.FORMAL_PASSED,
        )  # fmt: skip
    return call


def make_experts(district, n=6) -> list[Expert]:
    out = []
    for k in range(n):
        user = f.user(f.Role.EXPERT, f"reviewer{k + 1}", display_name=f"评审专家{k + 1}")
        out.append(b.expert(district, name=f"评审专家{k + 1}", field=k, user=user))
    return out


def locked_round(staff, call, *, per_item=3, max_load=3, advance=None, name="网络评审", kind="online"):
    today = timezone.localdate()
    rnd = review.create_round(staff, call, name, kind, today, today + dt.timedelta(days=7), advance)
    sel = review.draw_panel(
        staff, rnd, rule=SelectionRound.Rule.OPTIMAL, per_item=per_item, max_load=max_load
    )
    expert_services.start_run(staff, sel)
    sel.refresh_from_db()
    assert sel.status == SelectionRound.Status.DONE, sel.messages
    expert_services.lock_round(staff, sel)
    rnd.refresh_from_db()
    return rnd


def score_all(rnd, scores_for=None, *, submit=True):
    """Every seat declares no conflict and submits; ``scores_for(seat)`` gives the scores (all 8 by default)."""
    out = []
    for seat in review.seats(rnd).select_related("expert__user", "item__programme_entry"):
        user = seat.expert.user
        if seat.declaration == "pending":
            review.declare(user, seat, conflict=False)
            seat.refresh_from_db()
        scores = scores_for(seat) if scores_for else {c["code"]: 8 for c in services.DEFAULT_RUBRIC}
        out.append(review.save_review(user, seat, scores, "方案可行，建议支持。", submit=submit))
    return out


@pytest.fixture(name="rv")
def rv_fixture(city):
    """A closed call with 4 formal-passed applications (e1's first) and 6 experts with accounts."""
    staff = city["users"]["staff"]
    call = make_call(staff, applicants=[city["e1"].organisation])
    experts = make_experts(city["zc"])
    return {**city, "staff": staff, "call": call, "experts": experts}


def open_round(rv, **kw) -> ReviewRound:
    rnd = locked_round(rv["staff"], rv["call"], **kw)
    return review.open_round(rv["staff"], rnd)
