"""Monthly reports: the workflow through the generic Transition audit, refusals that change nothing,
lateness after the due day, reminders once each and never to those who filed."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import Notification
from kechuang.programs.workflow import history
from kechuang.supervision.models import MonthlyReport, ReminderSent, ReportItem
from kechuang.supervision.services import reminders, reports, status

from .conftest import at

pytestmark = pytest.mark.django_db

CITY = "建设国家创新型城市工作专班"  # lead: 人才与成果科
SERVICE = "科技服务产业工作专班"  # lead: 规划与资源配置科


def fill(user, report, status_for=None, text="已完成阶段性工作。"):
    items = {
        i.pk: ((status_for or {}).get(i.pk, ReportItem.Progress.ON_PLAN), text) for i in report.items.all()
    }
    return reports.save_report(user, report, items=items, next_steps="下月继续推进。")


def test_a_report_goes_draft_submitted_returned_submitted_accepted(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 4, 20)):
        report = reports.open_report(u["talent"], tf, 2022, 4)
        assert report.items.filter(task__isnull=False).count() == 3
        assert report.items.filter(milestone__isnull=False).count() == 5
        report = reports.submit(u["talent"], fill(u["talent"], report))
        assert report.status == MonthlyReport.Status.SUBMITTED and not report.late
        report = reports.send_back(u["office"], report, "请补充数据")
        assert report.status == MonthlyReport.Status.RETURNED and report.office_note == "请补充数据"
        report = reports.submit(u["talent"], fill(u["talent"], report, text="补充：完成3项。"))
        report = reports.accept(u["office"], report)
    assert report.status == MonthlyReport.Status.ACCEPTED
    steps = [(t.action, t.from_status, t.to_status) for t in history(report)]
    assert steps == [
        ("submit", "draft", "submitted"),
        ("send_back", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("accept", "submitted", "accepted"),
    ]
    assert [t.actor for t in history(report)] == [u["talent"], u["office"], u["talent"], u["office"]]


def test_refusals_name_the_rule_and_change_nothing(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 4, 20)):
        report = reports.open_report(u["talent"], tf, 2022, 4)
        with pytest.raises(ValidationError, match="未填写进展情况"):
            reports.submit(u["talent"], report)
        with pytest.raises(PermissionDenied):
            reports.open_report(u["planning"], tf, 2022, 4)
        with pytest.raises(PermissionDenied):
            reports.open_report(u["leader"], tf, 2022, 4)
        with pytest.raises(ValidationError, match="月份"):
            reports.open_report(u["talent"], tf, 2023, 1)
        report = reports.submit(u["talent"], fill(u["talent"], report))
        before = [(r.status, r.office_note) for r in MonthlyReport.objects.all()]
        with pytest.raises(ValidationError, match="退回时请写明"):
            reports.send_back(u["office"], report, "  ")
        with pytest.raises(PermissionDenied):
            reports.accept(u["talent"], report)
        with pytest.raises(ValidationError, match="不能修改"):
            fill(u["talent"], report)
        with pytest.raises(ValidationError, match="已报送"):
            reports.submit(u["talent"], report)
    assert [(r.status, r.office_note) for r in MonthlyReport.objects.all()] == before
    assert len(history(report)) == 1


def test_a_bad_line_refuses_the_whole_save(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 4, 20)):
        report = reports.open_report(u["talent"], tf, 2022, 4)
        first, second = list(report.items.all())[:2]
        with pytest.raises(ValidationError):
            reports.save_report(
                u["talent"], report, items={first.pk: ("done", "好"), second.pk: ("finished", "好")}
            )
    first.refresh_from_db()
    assert first.status == ReportItem.Progress.ON_PLAN and first.progress == ""


def test_submitting_after_the_27th_is_late_and_recorded(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 5, 28)):
        report = reports.submit(u["talent"], fill(u["talent"], reports.open_report(u["talent"], tf, 2022, 5)))
    assert report.late and report.late_recorded_at is not None


def test_lateness_is_recorded_once_after_the_due_day(sup):
    with at(dt.date(2022, 5, 27)):
        assert reports.record_lateness(dt.date(2022, 5, 27)) == 5 * 4  # January to April
    with at(dt.date(2022, 5, 28)):
        assert reports.record_lateness(dt.date(2022, 5, 28)) == 5
        assert reports.record_lateness(dt.date(2022, 5, 28)) == 0
    assert MonthlyReport.objects.filter(month=5, late=True).count() == 5


def test_a_milestone_reported_done_changes_its_status(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    first = tf.milestones.order_by("due").first()  # due 2022-03-31
    with at(dt.date(2022, 3, 25)):
        report = reports.open_report(u["talent"], tf, 2022, 3)
        item = report.items.get(milestone=first)
        report = reports.submit(u["talent"], fill(u["talent"], report, {item.pk: ReportItem.Progress.DONE}))
    rows = {r["task_force"]: r for r in status.status_json(dt.date(2022, 4, 1))}
    assert rows[CITY]["milestones"]["done_on_time"] == 1 and rows[CITY]["milestones"]["overdue"] == 0
    march = {r["task_force"]: r for r in status.status_json(dt.date(2022, 3, 26))}
    assert march[CITY]["reports"] == {"due": 1, "submitted": 1, "accepted": 0, "late": 0}
    # A milestone reported done in a later month is done late; the next month's report leaves it out.
    second = tf.milestones.get(due=dt.date(2022, 6, 30))
    with at(dt.date(2022, 7, 10)):
        report = reports.open_report(u["talent"], tf, 2022, 7)
        assert not report.items.filter(milestone=first).exists()
        item = report.items.get(milestone=second)
        reports.submit(u["talent"], fill(u["talent"], report, {item.pk: ReportItem.Progress.DONE}))
    rows = {r["task_force"]: r for r in status.status_json(dt.date(2022, 7, 11))}
    assert rows[CITY]["milestones"]["done_late"] == 1


def test_reminders_go_once_each_and_never_to_those_who_filed(sup):
    u = sup["users"]
    with at(dt.date(2022, 6, 15)):
        report = reports.open_report(u["planning"], sup["forces"][SERVICE], 2022, 6)
        reports.submit(u["planning"], fill(u["planning"], report))
    for day in (19, 20, 20, 25, 26, 27, 27):
        with at(dt.date(2022, 6, day), hour=8):
            reminders.send_reminders(dt.date(2022, 6, day))
    told = Notification.objects.values_list("user__username", flat=True)
    # 规划与资源配置科 leads two task forces: one filed, the other (实验室建设) not.
    assert list(told).count("talent_u") == 3  # the 20th, the 25th and the 27th, once each
    assert list(told).count("personnel_u") == 3
    assert list(told).count("office_u") == 3  # 深化科技体制改革 is led by the office's own section
    assert list(told).count("planning_u") == 3  # for 实验室建设 only
    assert all("实验室建设" in n.title for n in Notification.objects.filter(user=u["planning"]))
    assert not Notification.objects.filter(user__in=[u["leader"], u["other_staff"], u["district"]]).exists()
    assert ReminderSent.objects.count() == Notification.objects.count()
    assert len(mail.outbox) == 0  # the test users have no e-mail address


def test_no_reminder_after_everyone_filed(sup):
    u = sup["users"]
    filers = {CITY: "talent", SERVICE: "planning", "深化科技体制改革工作专班": "office", "实验室建设工作专班": "planning",
              "作风建设工作专班": "personnel"}  # fmt: skip
    with at(dt.date(2022, 6, 18)):
        for name, who in filers.items():
            reports.submit(u[who], fill(u[who], reports.open_report(u[who], sup["forces"][name], 2022, 6)))
    with at(dt.date(2022, 6, 20), hour=8):
        assert reminders.send_reminders(dt.date(2022, 6, 20))["reports"] == 0
    assert not Notification.objects.exists()


def test_reminder_days_are_data(sup):
    plan = sup["plan"]
    plan.reminder_days = [10]
    plan.save()
    with at(dt.date(2022, 6, 20), hour=8):
        assert reminders.send_reminders(dt.date(2022, 6, 20))["reports"] == 0
    with at(dt.date(2022, 6, 10), hour=8):
        assert reminders.send_reminders(dt.date(2022, 6, 10))["reports"] > 0


def test_leaders_comment_and_others_may_not(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    reports.comment(u["leader"], tf, "请加快进度")
    with pytest.raises(PermissionDenied):
        reports.comment(u["talent"], tf, "好")
    with pytest.raises(ValidationError):
        reports.comment(u["leader"], tf, "")
    assert tf.comments.count() == 1


def test_attachments_are_checked(sup):
    u, tf = sup["users"], sup["forces"][CITY]
    with at(dt.date(2022, 4, 20)):
        report = reports.open_report(u["talent"], tf, 2022, 4)
        reports.add_attachment(u["talent"], report, "材料.pdf", b"%PDF-1.4")
        with pytest.raises(ValidationError):
            reports.add_attachment(u["talent"], report, "脚本.exe", b"MZ")
        with pytest.raises(ValidationError):
            reports.add_attachment(u["talent"], report, "空.pdf", b"")
    assert report.attachments.count() == 1
