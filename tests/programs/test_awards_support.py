"""Builders for the award tests (no tests here): a call already through review, with REVIEWED
applications ranked in a closed review round, as the review stage leaves them."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kechuang.programs import services
from kechuang.programs.models import Application, Call, ProgrammeType, ReviewRound, RoundEntry
from kechuang.programs.services import awards as svc
from tests import factories as f

WAN = Decimal(10000)


def reviewed_call(city, specs, *, budget_wan=None, max_awards=None, ptype="major_breakthrough", year=2026):
    """``specs``: [(requested 万元, score)], first spec owned by ``city['e1']`` (the enterprise user's
    firm), the rest by fresh enterprises in 淄川区. Ranked by score (ties by order given)."""
    services.seed_programme_types()
    today = timezone.localdate()
    call = Call.objects.create(
        programme_type=ProgrammeType.objects.get(code=ptype), year=year, title=f"{year}年度测试申报通知",
        guide="指南", form_schema=services.DEFAULT_SCHEMA, budget_cap_yuan=Decimal(5_000_000), opens_on=today - dt.timedelta(days=90),
        closes_on=today - dt.timedelta(days=60), status=Call.Status.REVIEWING,
        total_budget_yuan=None if budget_wan is None else Decimal(budget_wan) * WAN, max_awards=max_awards,
    )  # fmt: skip
    rnd = ReviewRound.objects.create(
        call=call, seq=1, name="网络评审", opens_on=today - dt.timedelta(days=50),
        closes_on=today - dt.timedelta(days=40), status=ReviewRound.Status.CLOSED,
    )  # fmt: skip
    apps = []
    for i, (amount, _score) in enumerate(specs):
        org_id = city["e1"].pk if i == 0 else f.enterprise(city["zc"]).pk
        apps.append(
            Application.objects.create(
                call=call,
                applicant_id=org_id,
                title=f"测试项目{call.pk}-{i + 1}",
                abstract="摘要",
                requested_yuan=Decimal(amount) * WAN,
                months=24,
                schema_version=1,
                form_data={"leader": "张伟", "goals": "目标"},
                status=Application.Status.REVIEWED,
            )
        )
    order = sorted(range(len(specs)), key=lambda i: (-Decimal(specs[i][1]), i))
    for rank, i in enumerate(order, start=1):
        RoundEntry.objects.create(
            round=rnd, application=apps[i], mean=Decimal(specs[i][1]), n_reviews=5, rank=rank, advanced=True
        )
    return call, apps


def in_notice(city, specs=((300, 90), (200, 85), (250, 80), (100, 70)), budget_wan=600, year=2026):
    staff = city["users"]["staff"]
    call, apps = reviewed_call(city, specs, budget_wan=budget_wan, year=year)
    svc.propose_awards(staff, call)
    svc.start_notice(staff, call)
    return call, apps


def end_notice(call):
    """Move time: the notice period is over (its end date put in the past through the DB)."""
    call.awards.filter(status="in_notice").update(
        notice_starts=timezone.localdate() - dt.timedelta(days=10),
        notice_ends=timezone.localdate() - dt.timedelta(days=1),
    )


def approved(city, **kw):
    call, apps = in_notice(city, **kw)
    end_notice(call)
    svc.approve_all(city["users"]["staff"], call)
    return call, apps


def contract(award, milestones=2):
    """Keyword arguments of a valid contract for ``award``: one tranche on signing, one per milestone."""
    start = timezone.localdate()
    ms = [
        {"title": f"节点{i}", "deliverable": f"完成第{i}阶段", "due_on": start + dt.timedelta(days=90 * i)}
        for i in range(1, milestones + 1)
    ]
    share = (award.amount_yuan / (milestones + 1)).quantize(Decimal("0.01"))
    tranches = [{"amount_yuan": share, "milestone": None}] + [
        {"amount_yuan": share, "milestone": i} for i in range(milestones)
    ]
    tranches[-1]["amount_yuan"] = award.amount_yuan - share * milestones
    return {
        "contract_no": f"HT-{award.pk}", "signed_on": start, "starts_on": start,
        "ends_on": start + dt.timedelta(days=700), "milestones": ms, "tranches": tranches,
    }  # fmt: skip
