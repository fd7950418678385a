"""Builders for the platform tests: a published recognition call, an application through the
programmes' intake, and the review stage closed the way the review services leave it."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kechuang.platforms import reports, services
from kechuang.platforms.models import AnnualReport, Level, Platform
from kechuang.programs import services as programmes
from kechuang.programs import workflow
from kechuang.programs.models import ReviewRound, RoundEntry
from kechuang.programs.services import awards

FORM = {
    "platform_name": "淄博甲科技先进陶瓷企业研发中心",
    "platform_kind": "企业研发机构",
    "level": "市级",
    "tech_field": "先进陶瓷",
    "staff": 36,
    "senior_staff": 9,
    "equipment_yuan": 12_800_000,
}


def recognition_call(city):
    staff, leader = city["users"]["staff"], city["users"]["leader"]
    today = timezone.localdate()
    call = services.open_recognition_call(
        staff, year=today.year, title=f"{today.year}年度创新平台认定申报通知", guide="认定条件：研发条件完备。",
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=30),
    )  # fmt: skip
    call = programmes.send_for_review(staff, call)
    call = programmes.approve_call(leader, call)
    return programmes.publish_call(staff, call)


def applied(city, call, form=FORM):
    """The host (city['e1'], user ent_u) applies and submits."""
    user = city["users"]["enterprise"]
    app = programmes.save_draft(
        user, call,
        {"title": f"{form['platform_name']}认定申请", "abstract": "申请认定为市级企业研发机构。",
         "requested_yuan": Decimal(500_000), "months": 12, "form_data": dict(form)},
    )  # fmt: skip
    return programmes.submit(user, app)


def reviewed(city, call, app, score=Decimal("85")):
    """District endorses, city passes the formal check, the call is closed and a closed review round
    ranks the application (as the review stage leaves it)."""
    staff = city["users"]["staff"]
    app = programmes.endorse(city["users"]["district"], app, "同意推荐")
    programmes.formal_check(staff, app)
    app = programmes.decide(staff, app, "pass", "材料齐全")
    return review_closed(city, call, app, score)


def review_closed(city, call, app, score=Decimal("85")):
    """From the formal check passed: the call closed and a closed review round ranking ``app`` first."""
    staff = city["users"]["staff"]
    call = programmes.close_call(staff, call)
    call = workflow.step(staff, call, "start_review", "开始评审")
    today = timezone.localdate()
    rnd = ReviewRound.objects.create(
        call=call, seq=1, name="网络评审", opens_on=today, closes_on=today, status=ReviewRound.Status.CLOSED
    )
    app = workflow.step(staff, app, "enter_review", "进入评审")
    app = workflow.step(staff, app, "finish_review", "评审完成")
    RoundEntry.objects.create(round=rnd, application=app, mean=score, n_reviews=5, rank=1, advanced=True)
    return call, app


def recognised(city, form=FORM) -> Platform:
    """The whole recognition: apply, endorse, check, review, propose, notice, approve."""
    staff = city["users"]["staff"]
    call = recognition_call(city)
    app = applied(city, call, form)
    call, app = reviewed(city, call, app)
    awards.propose_awards(staff, call, total_budget_yuan=Decimal(1_000_000))
    awards.start_notice(staff, call)
    call.awards.update(
        notice_starts=timezone.localdate() - dt.timedelta(days=10),
        notice_ends=timezone.localdate() - dt.timedelta(days=1),
    )
    awards.approve(staff, call.awards.get())
    return Platform.objects.get(award__application=app)


def platform(host, name="测试重点实验室", level=Level.CITY, kind=Platform.Kind.KEY_LAB, **kw) -> Platform:
    return Platform.objects.create(name=name, host=host, level=level, kind=kind, **kw)


FIGURES = {
    "rd_expense_yuan": "5000000", "staff": "30", "invention_patents": "4", "projects": "2", "transfers": "3",
    "services": "20",
}  # fmt: skip


def filed(city, plat: Platform, year=2025, figures=FIGURES) -> AnnualReport:
    """The year opened by staff, the host's report saved and submitted."""
    staff = city["users"]["staff"]
    reports.open_year(staff, year, timezone.localdate() + dt.timedelta(days=30))
    report = AnnualReport.objects.get(platform=plat, year=year)
    user = city["users"]["enterprise"]
    report = reports.save_report(user, report, figures, "本年度完成研发任务，运行良好。")
    return reports.submit_report(user, report)
