"""The demo's supervision story: the bureau's real 2022 plan of five task forces (seed data), loaded in
January 2022; monthly reports January to November, each filed on its own day by the lead section (some
late, some returned and revised, some with lagging milestones finished a month late); the reminder job on
its days; the 推进会 at the end of each of the first three quarters with decisions tracked as follow-up
items (the last one still open); the June 督导 report; a 通报 on the 28th of each month from March, the
October one among them.

Deterministic from the demo's seed: the draws come from ``ctx["rng_for"]("supervision")``.
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role, Section, User

from . import timing
from .models import MonthlyReport, ReportItem
from .services import documents, meetings, plans, reminders, reports

SEED = Path(__file__).parent / "data" / "task_forces_2022.yaml"
YEAR = 2022
LAST_MONTH = 11
START = dt.date(YEAR, 1, 4)
STUCK_MONTH = 9  # a milestone lagging at the end of the third quarter stays lagging

PROGRESS = (
    "已召开专题调度会，明确责任分工和时间节点，相关工作按计划推进。",
    "已完成阶段性任务，正在组织开展下一阶段工作。",
    "已与相关部门、企业和高校对接，形成初步工作方案。",
    "已形成工作清单，逐项推进落实，定期调度进展。",
)
LAGGING = "受外部因素影响，部分工作进度滞后，已制定赶进度措施。"
PROBLEMS = ("部分配合部门材料报送不及时。", "工作经费尚未全部落实。", "")
HELP = ("请局领导协调市直相关部门给予支持。", "", "")
RETURN_REASONS = ("进展情况过于笼统，请补充具体数据和完成时间。", "请补充滞后事项的原因和赶进度措施。")


def _users(ctx) -> tuple[dict[int, User], User | None]:
    """Filers by section (a personnel-section account is added: its section leads a task force) and the
    leader."""
    users = ctx.get("users", {})
    by_section: dict[int, User] = {}
    for user in users.get(Role.BUREAU_STAFF, []):
        if user.section_id:
            by_section.setdefault(user.section_id, user)
    personnel = Section.objects.filter(name="人事科").first()
    if personnel is not None and personnel.pk not in by_section:
        with on(START):
            user = User.objects.create(
                username="staff_personnel",
                role=Role.BUREAU_STAFF,
                section=personnel,
                display_name="周敏",
                password=make_password(ctx["password"]),
            )
        by_section[personnel.pk] = user
        ctx.setdefault("signins", []).append(
            {
                "username": user.username,
                "role": str(Role(user.role).label),
                "scope": _("全市 · {section}").format(section=personnel.name),
            }
        )
    leaders = users.get(Role.LEADER, [])
    leader = leaders[0] if leaders else None
    # The task forces' work is told from January 2022, before the enterprise registry went live: the
    # bureau's own accounts that take part date from then.
    start = timezone.make_aware(dt.datetime.combine(START, dt.time(8)))
    ids = [u.pk for u in by_section.values()] + ([leader.pk] if leader else [])
    User.objects.filter(pk__in=ids, date_joined__gt=start).update(date_joined=start)
    return by_section, leader


def load_supervision(ctx: dict, stdout) -> None:
    if ctx["today"] < dt.date(YEAR + 1, 1, 1):
        return
    rng = ctx["rng_for"]("supervision")
    by_section, leader = _users(ctx)
    with on(dt.date(YEAR, 1, 10)):
        plan = plans.load_plan(plans.parse_yaml(SEED.read_text(encoding="utf-8")))
    office = by_section.get(plan.office_id)
    forces = list(plan.task_forces.all())
    done_late: set[int] = set()  # milestones reported lagging, to be done next month
    stuck: set[int] = set()  # milestones of the third quarter still not done at the end of the story
    n_reports = n_late = n_returned = 0
    for month in range(1, LAST_MONTH + 1):
        # Reminders on the plan's days, before most reports come in.
        for day in plan.reminder_days:
            with on(dt.date(YEAR, month, day), hour=8, minute=30):
                reminders.send_reminders(dt.date(YEAR, month, day))
        events = []
        for tf in forces:
            filer = by_section.get(tf.lead_section_id)
            if filer is None:
                continue
            late = rng.random() < 0.12
            day = int(rng.integers(28, 31)) if late else int(rng.integers(15, 27))
            day = min(day, timing.month_end(YEAR, month).day)
            events.append((day, tf, filer, rng.random() < 0.15, rng.random()))
        events.sort(key=lambda e: (e[0], e[1].order))
        for day, tf, filer, returned, draw in events:
            with on(dt.date(YEAR, month, day), hour=10):
                report = reports.open_report(filer, tf, YEAR, month)
                items = {}
                for item in report.items.select_related("milestone"):
                    status, text = ReportItem.Progress.ON_PLAN, PROGRESS[int(rng.integers(len(PROGRESS)))]
                    m = item.milestone
                    if m is not None:
                        if m.pk in stuck:
                            status, text = ReportItem.Progress.LAGGING, LAGGING
                        elif m.pk in done_late:
                            status, text = ReportItem.Progress.DONE, _("节点任务已完成。")
                        elif m.due.year == YEAR and m.due.month == month:
                            if draw < 0.25 or (month == STUCK_MONTH and not stuck):
                                status, text = ReportItem.Progress.LAGGING, LAGGING
                                (stuck if month == STUCK_MONTH else done_late).add(m.pk)
                            else:
                                status, text = ReportItem.Progress.DONE, _("节点任务已按期完成。")
                    items[item.pk] = (status, text)
                report = reports.save_report(
                    filer, report, items=items,
                    problems=PROBLEMS[int(rng.integers(len(PROBLEMS)))],
                    help_needed=HELP[int(rng.integers(len(HELP)))],
                    next_steps=_("按照实施方案推进下月各项工作，确保节点任务按期完成。"),
                )  # fmt: skip
                report = reports.submit(filer, report)
            n_reports += 1
            n_late += int(report.late)
            if office is None:
                continue
            review_day = min(day + 1, timing.month_end(YEAR, month).day)
            if month == LAST_MONTH and draw > 0.5:
                continue  # still waiting for the office
            with on(dt.date(YEAR, month, review_day), hour=15):
                if returned:
                    reports.send_back(office, report, RETURN_REASONS[int(rng.integers(len(RETURN_REASONS)))])
                    n_returned += 1
            if returned:
                with on(dt.date(YEAR, month, review_day), hour=17):
                    report = MonthlyReport.objects.get(pk=report.pk)
                    reports.submit(filer, report, reason=_("已按要求补充"))
            with on(dt.date(YEAR, month, review_day), hour=18):
                reports.accept(office, MonthlyReport.objects.get(pk=report.pk))
        # Milestones reported lagging this month are done next month (逾期完成): keep only the new ones.
        done_late = {
            pk for pk in done_late if not ReportItem.objects.filter(
                milestone_id=pk, status=ReportItem.Progress.DONE
            ).exists()
        }  # fmt: skip
        if office is not None and month >= 3:
            with on(dt.date(YEAR, month, 28), hour=9):
                documents.compile_bulletin(office, plan, YEAR, month)
        if office is not None and month in (3, 6, 9):
            _meeting(plan, office, by_section, month, leader)
        if office is not None and month == 6:
            with on(dt.date(YEAR, 6, 30), hour=16):
                documents.compile_supervision_report(office, plan, YEAR, 6)
    stdout.write(
        _("  工作专班 {f} 个，月度报告 {r} 份（逾期 {l} 份，退回修改 {b} 次）").format(
            f=len(forces), r=n_reports, l=n_late, b=n_returned
        )
    )


def _meeting(plan, office, by_section, month: int, leader) -> None:
    quarter = month // 3
    held = dt.date(YEAR, month, 29)
    with on(dt.date(YEAR, month, 25), hour=9):
        review = meetings.schedule(office, plan, YEAR, quarter, held)
    sections = list(by_section)
    decisions = [
        {"text": _("加快滞后节点任务进度，下月调度会上专题汇报。"), "section": sections[0], "deadline": f"{YEAR}-{month + 1:02d}-20"},
        {"text": _("梳理需市级层面协调的事项，形成清单报局领导。"), "section": sections[1 % len(sections)], "deadline": f"{YEAR}-{month + 1:02d}-15"},
    ]  # fmt: skip
    with on(held, hour=16):
        meetings.record_minutes(
            office,
            review,
            _("会议听取了各工作专班第%(q)s季度工作进展汇报，分析了滞后事项原因，研究部署了下一阶段工作。")
            % {"q": quarter},
            decisions,
        )
    if month == 9:
        # The quarter's first decision is closed; the second stays open.
        item = review.follow_ups.order_by("pk").first()
        with on(dt.date(YEAR, 10, 18), hour=11):
            meetings.close_follow_up(office, item, _("已在10月调度会上专题汇报，滞后事项已制定赶进度计划。"))
        return
    for item in review.follow_ups.all():
        with on(item.deadline, hour=11):
            meetings.close_follow_up(office, item, _("已按会议要求办理完毕，相关材料已报领导小组办公室。"))
