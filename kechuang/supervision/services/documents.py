"""The office's documents, in the bureau's Word style (``core.word``), made from the records:

- the monthly 通报: each task force's progress, the lagging items with the sections responsible, the late
  reporters, the lights and, at the end, next month's focus;
- the 督导专题报告 (June and December): per plan, each task force's goal, milestones, completion and
  problems.

Every document compiled is kept (a month compiled again is a new version) and can be downloaded again.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import word

from .. import access, timing
from ..models import Bulletin, MonthlyReport, Plan, SupervisionReport
from .status import LIGHT_LABELS, STATUS_LABELS, force_statuses


def _check_month(plan: Plan, year: int, month: int) -> None:
    if year != plan.year or not 1 <= month <= 12:
        raise ValidationError({"month": _("月份应在方案年度%(y)s年的1至12月之内") % {"y": plan.year}})


def _sections(items) -> str:
    names = []
    for item in items:
        section = (
            item.milestone.owner_section if item.milestone else None
        ) or item.report.task_force.lead_section
        if section and section.name not in names:
            names.append(section.name)
    return "、".join(names)


def bulletin_docx(plan: Plan, year: int, month: int, on: dt.date) -> tuple[bytes, dict]:
    """The 通报 of ``month`` as seen on ``on``, and a summary kept with it."""
    statuses = force_statuses(plan, on)
    reports = {
        r.task_force_id: r
        for r in MonthlyReport.objects.filter(task_force__plan=plan, year=year, month=month).prefetch_related(
            "items__task", "items__milestone__owner_section"
        )
    }
    doc = word.document()
    word.title(doc, _("%(y)s年%(m)s月工作专班推进情况通报") % {"y": year, "m": month})
    accepted = [r for r in reports.values() if r.status == MonthlyReport.Status.ACCEPTED]
    late = [fs.task_force for fs in statuses if (reports.get(fs.task_force.pk) and reports[fs.task_force.pk].late)
            or (fs.task_force.pk not in reports or reports[fs.task_force.pk].first_submitted_at is None)]  # fmt: skip
    word.paragraph(
        doc,
        _(
            "按照《%(plan)s》要求，领导小组办公室对%(m)s月份各工作专班工作进展情况进行了调度汇总。"
            "%(n)s个专班中，%(a)s个专班报告已审核，%(l)s个专班逾期报送或未报送。现将有关情况通报如下。"
        )
        % {"plan": plan.title, "m": month, "n": len(statuses), "a": len(accepted), "l": len(late)},
    )
    word.heading(doc, _("一、总体情况"))
    rows = [[_("工作专班"), _("牵头科室"), _("亮灯"), _("按期完成"), _("逾期完成"), _("滞后"), _("报告状态")]]
    for fs in statuses:
        c = fs.counts
        report = reports.get(fs.task_force.pk)
        rows.append(
            [
                fs.task_force.name,
                fs.task_force.lead_section.name if fs.task_force.lead_section else "",
                str(LIGHT_LABELS[fs.light]),
                str(c.get(timing.DONE_ON_TIME, 0)),
                str(c.get(timing.DONE_LATE, 0)),
                str(c.get(timing.OVERDUE, 0)),
                report.get_status_display() if report else _("未报送"),
            ]
        )
    word.table(doc, rows)
    word.paragraph(
        doc,
        _("注：红灯表示有节点任务超过完成时限仍未完成；黄灯表示报告逾期或有事项滞后；绿灯表示按计划推进。"),
    )
    word.heading(doc, _("二、各专班工作进展"))
    for k, fs in enumerate(statuses, start=1):
        tf = fs.task_force
        word.heading(doc, f"（{_cn(k)}）{tf.name}", level=2)
        report = reports.get(tf.pk)
        if report is None or report.status not in (
            MonthlyReport.Status.ACCEPTED,
            MonthlyReport.Status.SUBMITTED,
        ):
            word.paragraph(doc, _("本月工作进展报告未报送或尚未通过审核。"))
            continue
        for item in report.items.all():
            if item.progress:
                word.paragraph(doc, f"{_short(item.subject)}：{item.progress}（{item.get_status_display()}）")
        if report.problems:
            word.paragraph(doc, _("存在问题：%(t)s") % {"t": report.problems})
        if report.help_needed:
            word.paragraph(doc, _("需协调解决事项：%(t)s") % {"t": report.help_needed})
    word.heading(doc, _("三、滞后事项"))
    lagging_rows = [[_("工作专班"), _("滞后事项"), _("完成时限"), _("责任科室")]]
    for fs in statuses:
        for mv in fs.overdue:
            section = mv.milestone.owner_section or fs.task_force.lead_section
            lagging_rows.append(
                [
                    fs.task_force.name,
                    mv.milestone.text[:60],
                    mv.milestone.due.isoformat(),
                    section.name if section else "",
                ]
            )
        for item in fs.lagging_items:
            if item.milestone and any(m.milestone.pk == item.milestone_id for m in fs.overdue):
                continue
            lagging_rows.append(
                [
                    fs.task_force.name,
                    str(item.subject)[:60],
                    item.milestone.due.isoformat() if item.milestone else "",
                    _sections([item]),
                ]
            )
    if len(lagging_rows) > 1:
        word.table(doc, lagging_rows)
    else:
        word.paragraph(doc, _("本月无滞后事项。"))
    word.heading(doc, _("四、报送情况"))
    if late:
        word.paragraph(
            doc,
            _("以下专班未按时报送%(m)s月工作进展：%(l)s。")
            % {"m": month, "l": "、".join(t.name for t in late)},
        )
    else:
        word.paragraph(doc, _("各专班均按时报送了本月工作进展。"))
    word.heading(doc, _("五、下月工作重点"))
    ny, nm = timing.next_month(year, month)
    focus = False
    for fs in statuses:
        report = reports.get(fs.task_force.pk)
        upcoming = [m for m in fs.milestones if m.status in (timing.ON_TRACK, timing.NOT_DUE, timing.OVERDUE)
                    and m.milestone.due <= timing.month_end(ny, nm)]  # fmt: skip
        parts = []
        if report is not None and report.next_steps:
            parts.append(report.next_steps)
        parts += [
            _("确保完成“%(t)s”（时限%(d)s）") % {"t": m.milestone.text[:40], "d": m.milestone.due.isoformat()}
            for m in upcoming[:3]
        ]
        if parts:
            focus = True
            word.paragraph(doc, f"{fs.task_force.name}：{'；'.join(parts)}")
    if not focus:
        word.paragraph(doc, _("各专班按照实施方案继续推进。"))
    word.paragraph(doc, "")
    word.paragraph(doc, _("领导小组办公室"), align="right")
    word.paragraph(doc, f"{on.year}年{on.month}月{on.day}日", align="right")
    summary = {
        "lights": {fs.task_force.name: fs.light for fs in statuses},
        "late": [t.name for t in late],
        "overdue": sum(len(fs.overdue) for fs in statuses),
    }
    return word.to_bytes(doc), summary


def _short(subject, limit: int = 40) -> str:
    text = str(subject).strip().rstrip("。；;，,")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else str(n)


def compile_bulletin(
    user, plan: Plan, year: int, month: int, on: dt.date | None = None, *, system: bool = False
) -> Bulletin:
    """Compile and keep the month's 通报 (the office, or the scheduled job when ``system``)."""
    if not system:
        access.is_office(user, plan).enforce()
    _check_month(plan, year, month)
    on = on or min(timezone.localdate(), timing.month_end(year, month))
    content, summary = bulletin_docx(plan, year, month, on)
    return Bulletin.objects.create(
        plan=plan, year=year, month=month, content=content, summary=summary,
        issued_by=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip


def supervision_docx(plan: Plan, year: int, month: int, on: dt.date) -> tuple[bytes, dict]:
    statuses = sorted(force_statuses(plan, on), key=lambda f: f.task_force.order)
    doc = word.document()
    half = _("上半年") if month <= 6 else _("全年")
    word.title(doc, _("关于%(y)s年%(h)s工作专班目标任务完成情况的督导报告") % {"y": year, "h": half})
    total = sum(len(fs.milestones) for fs in statuses)
    done = sum(fs.counts.get(timing.DONE_ON_TIME, 0) + fs.counts.get(timing.DONE_LATE, 0) for fs in statuses)
    overdue = sum(len(fs.overdue) for fs in statuses)
    word.paragraph(
        doc,
        _(
            "根据《%(p)s》，现将%(n)s个工作专班%(h)s目标任务完成情况报告如下：%(t)s个推进节点中，已完成%(d)s个，滞后%(o)s个。"
        )
        % {"p": plan.title, "n": len(statuses), "h": half, "t": total, "d": done, "o": overdue},
    )
    problems_by_tf = {}
    for report in MonthlyReport.objects.filter(task_force__plan=plan, year=year, month__lte=month).exclude(
        problems=""
    ):
        problems_by_tf[report.task_force_id] = report.problems
    for k, fs in enumerate(statuses, start=1):
        tf = fs.task_force
        word.heading(doc, f"{_cn(k)}、{tf.name}")
        word.paragraph(doc, _("工作目标：%(g)s") % {"g": tf.goal})
        rows = [[_("推进节点"), _("完成时限"), _("完成情况")]]
        rows += [
            [m.milestone.text[:80], m.milestone.due.isoformat(), str(STATUS_LABELS[m.status])]
            for m in fs.milestones
        ]
        if len(rows) > 1:
            word.table(doc, rows)
        else:
            word.paragraph(doc, _("本专班未设置推进节点。"))
        word.paragraph(doc, _("存在问题：%(p)s") % {"p": problems_by_tf.get(tf.pk) or _("无")})
    word.paragraph(doc, "")
    word.paragraph(doc, _("领导小组办公室"), align="right")
    word.paragraph(doc, f"{on.year}年{on.month}月{on.day}日", align="right")
    return word.to_bytes(doc), {"milestones": total, "done": done, "overdue": overdue}


def compile_supervision_report(
    user, plan: Plan, year: int, month: int, on: dt.date | None = None
) -> SupervisionReport:
    access.is_office(user, plan).enforce()
    _check_month(plan, year, month)
    if month not in (6, 12):
        raise ValidationError({"month": _("督导专题报告在6月和12月编制")})
    on = on or min(timezone.localdate(), timing.month_end(year, month))
    content, summary = supervision_docx(plan, year, month, on)
    return SupervisionReport.objects.create(
        plan=plan, year=year, month=month, content=content, summary=summary,
        issued_by=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip
