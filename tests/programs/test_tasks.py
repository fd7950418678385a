"""Reminders (kechuang/programs/tasks.py): each fires for the people concerned, once, and for nobody
else. Dates are passed as ``today=``, so nothing depends on the day the tests run."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.experts.models import Assignment, Expert, ReviewItem, SelectionRound
from kechuang.programs import services, tasks
from kechuang.programs.models import (
    Application,
    Award,
    Bid,
    Challenge,
    Milestone,
    Reminder,
    Review,
    ReviewRound,
    RoundEntry,
)
from tests import factories as f
from tests.programs.conftest import GOOD

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _reminders_only(monkeypatch):
    """Record the notifications the reminders send (the services send others of their own)."""
    sent.clear()
    real = tasks.notify

    def recording(users, *args, **kwargs):
        users = list(users)
        n = real(users, *args, **kwargs)
        sent.extend(Notification.objects.filter(user__in=users).latest("pk").pk for _ in range(min(n, 1)))
        return n

    monkeypatch.setattr(tasks, "notify", recording)


sent: list[int] = []


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, pk__in=sent).order_by("pk"))


def only(counts: dict, kind: str, n: int) -> None:
    assert counts == {**dict.fromkeys(tasks.KINDS, 0), kind: n}


def draft(prog, **extra):
    return services.save_draft(prog["ent_user"], prog["call"], {**GOOD, **extra})


def submitted(prog, **extra) -> Application:
    return services.submit(prog["ent_user"], draft(prog, **extra))


def award(prog, status=Award.Status.CONTRACTED, **fields) -> Award:
    app = submitted(prog)
    return Award.objects.create(
        application=app, call=prog["call"], amount_yuan=Decimal(1_000_000), status=status, **fields
    )


def challenge(prog, status=Challenge.Status.POSTED, **fields) -> Challenge:
    values = {
        "title": "高温合金叶片无损检测", "problem": "叶片内部缺陷检出率低", "requirements": "检出0.2毫米缺陷",
        "bounty_yuan": Decimal(2_000_000), "deadline": TODAY, "months": 12, "status": status,
    }  # fmt: skip
    return Challenge.objects.create(**{**values, **fields})


def bid(ch: Challenge, org, status=Bid.Status.SUBMITTED) -> Bid:
    return Bid.objects.create(
        challenge=ch,
        organisation=org,
        leader="李明",
        plan="相控阵超声与工业CT结合",
        requested_yuan=Decimal(1_500_000),
        months=12,
        status=status,
    )


# ------------------------------------------------------------------------------ applications


def test_draft_in_closing_call_reminds_its_applicant_once(prog):
    app = draft(prog)
    closes = prog["call"].closes_on
    other_ent = f.user(f.Role.ENTERPRISE, organisation=prog["e2"].organisation)
    assert sum(tasks.send_reminders(today=closes - dt.timedelta(days=4)).values()) == 0
    only(tasks.send_reminders(today=closes - dt.timedelta(days=3)), "call_closing", 1)
    [note] = told(prog["ent_user"])
    assert "申报即将截止" in note.title and app.title in note.body and str(closes) in note.body
    assert note.url == reverse("programme_application_detail", args=[app.pk])
    # Twice in a day, or again the next day: told already.
    assert sum(tasks.send_reminders(today=closes - dt.timedelta(days=3)).values()) == 0
    assert sum(tasks.send_reminders(today=closes - dt.timedelta(days=1)).values()) == 0
    assert len(told(prog["ent_user"])) == 1
    for user in [other_ent, *(u for k, u in prog["users"].items() if k != "enterprise")]:
        assert told(user) == []


def test_submitted_application_is_no_longer_a_closing_draft(prog):
    submitted(prog)
    counts = tasks.send_reminders(today=prog["call"].closes_on)
    assert counts["call_closing"] == 0 and told(prog["ent_user"]) == []


def test_several_drafts_go_out_as_one_message_and_a_new_one_is_told_later(prog):
    draft(prog)
    draft(prog, title="第二个项目")
    closes = prog["call"].closes_on
    only(tasks.send_reminders(today=closes - dt.timedelta(days=2)), "call_closing", 1)
    [note] = told(prog["ent_user"])
    assert "2份" in note.title and GOOD["title"] in note.body and "第二个项目" in note.body
    third = draft(prog, title="第三个项目")
    only(tasks.send_reminders(today=closes - dt.timedelta(days=1)), "call_closing", 1)
    latest = told(prog["ent_user"])[-1]
    assert "第三个项目" in latest.body and GOOD["title"] not in latest.body and str(third.pk) in latest.url


def test_moved_deadline_is_told_again(prog):
    draft(prog)
    call = prog["call"]
    tasks.send_reminders(today=call.closes_on)
    type(call).objects.filter(pk=call.pk).update(closes_on=call.closes_on + dt.timedelta(days=10))
    call.refresh_from_db()
    only(tasks.send_reminders(today=call.closes_on - dt.timedelta(days=1)), "call_closing", 1)
    assert len(told(prog["ent_user"])) == 2


def endorsement(prog, needed: bool) -> None:
    type(prog["call"]).objects.filter(pk=prog["call"].pk).update(needs_endorsement=needed)
    prog["call"].refresh_from_db()


def test_waiting_endorsement_reminds_the_applicants_district_only(prog):
    endorsement(prog, True)
    app = submitted(prog)
    submitted_on = timezone.localdate(app.submitted_at)
    assert tasks.send_reminders(today=submitted_on + dt.timedelta(days=1))["endorsement_due"] == 0
    counts = tasks.send_reminders(today=submitted_on + dt.timedelta(days=2))
    assert counts["endorsement_due"] == 1
    [note] = told(prog["users"]["district"])
    assert "待推荐" in note.title and app.title in note.body and prog["e1"].organisation.name in note.body
    assert told(prog["users"]["other_district"]) == [] and told(prog["users"]["staff"]) == []
    assert tasks.send_reminders(today=submitted_on + dt.timedelta(days=5))["endorsement_due"] == 0
    assert len(told(prog["users"]["district"])) == 1


def test_no_endorsement_reminder_when_the_call_needs_none(prog):
    endorsement(prog, False)
    app = submitted(prog)
    counts = tasks.send_reminders(today=timezone.localdate(app.submitted_at) + dt.timedelta(days=9))
    assert counts["endorsement_due"] == 0


# ------------------------------------------------------------------------------------- review


def expert(org, username: str, **extra) -> Expert:
    user = f.user(f.Role.EXPERT, username)
    return Expert.objects.create(user=user, name=username, organisation=org, status="approved", **extra)


@pytest.fixture
def scoring(prog):
    """A scoring round closing in two days over two applications: expert a has a draft review,
    b submitted, c holds a seat (assignment) without a review, d is a reserve, e declared a conflict."""
    apps = [submitted(prog), submitted(prog, title="另一个项目")]
    rnd = ReviewRound.objects.create(
        call=prog["call"], seq=1, name="网络评审", opens_on=TODAY, closes_on=TODAY + dt.timedelta(days=2),
        status=ReviewRound.Status.SCORING,
    )  # fmt: skip
    sel = SelectionRound.objects.create(name="遴选")
    entries = []
    for app in apps:
        item = ReviewItem.objects.create(round=sel, title=app.title, applicant_name="x")
        entries.append(RoundEntry.objects.create(round=rnd, application=app, item=item))
    org = prog["uni"]
    people = {k: expert(org, f"expert_{k}") for k in "abcde"}
    Review.objects.create(entry=entries[0], expert=people["a"])
    Review.objects.create(entry=entries[0], expert=people["b"], status=Review.Status.SUBMITTED)
    for entry in entries:
        for k in "bcde":
            Assignment.objects.create(
                round=sel, item=entry.item, expert=people[k], affinity=0.5, reserve=k == "d",
                declaration="conflict" if k == "e" else "no_conflict",
            )  # fmt: skip
    # b has submitted the first entry but not the second.
    return {**prog, "round": rnd, "experts": people, "entries": entries}


def test_scoring_round_closing_reminds_experts_with_work_left(scoring):
    rnd, people = scoring["round"], scoring["experts"]
    assert tasks.send_reminders(today=TODAY - dt.timedelta(days=1))["review_due"] == 0
    only(tasks.send_reminders(today=TODAY), "review_due", 3)
    notes = {k: told(e.user) for k, e in people.items()}
    assert [len(notes[k]) for k in "abcde"] == [1, 1, 1, 0, 0]
    assert "1个项目" in notes["a"][0].body and "1个项目" in notes["b"][0].body
    assert "2个项目" in notes["c"][0].body and str(rnd.closes_on) in notes["c"][0].body
    assert notes["a"][0].url == reverse("programme_my_reviews")
    assert told(scoring["users"]["expert"]) == []  # an expert with nothing here
    assert tasks.send_reminders(today=TODAY + dt.timedelta(days=1))["review_due"] == 0


def test_no_review_reminder_once_scored_or_round_not_scoring(scoring):
    people = scoring["experts"]
    Review.objects.filter(expert=people["a"]).update(status=Review.Status.SUBMITTED)
    for entry in scoring["entries"]:
        for k in "bc":
            Review.objects.update_or_create(
                entry=entry, expert=people[k], defaults={"status": Review.Status.SUBMITTED}
            )
    assert tasks.send_reminders(today=TODAY)["review_due"] == 0
    Review.objects.filter(expert=people["c"]).update(status=Review.Status.DRAFT)
    ReviewRound.objects.filter(pk=scoring["round"].pk).update(status=ReviewRound.Status.CLOSED)
    assert tasks.send_reminders(today=TODAY)["review_due"] == 0


# -------------------------------------------------------------------------------------- awards


def test_milestone_due_reminds_the_awarded_applicant(prog):
    a = award(prog)
    soon = Milestone.objects.create(award=a, seq=1, title="样机试制", due_on=TODAY + dt.timedelta(days=14))
    Milestone.objects.create(award=a, seq=2, title="中试", due_on=TODAY + dt.timedelta(days=15))
    Milestone.objects.create(
        award=a, seq=3, title="已完成节点", due_on=TODAY + dt.timedelta(days=3), status=Milestone.Status.DONE
    )
    only(tasks.send_reminders(today=TODAY), "milestone_due", 1)
    [note] = told(prog["ent_user"])
    assert "样机试制" in note.body and "中试" not in note.body and "已完成节点" not in note.body
    assert str(soon.due_on) in note.body
    assert sum(tasks.send_reminders(today=TODAY + dt.timedelta(days=1)).values()) == 1  # 中试 now
    assert "中试" in told(prog["ent_user"])[-1].body and len(told(prog["ent_user"])) == 2
    for key in ("staff", "district", "institute", "other_district"):
        assert told(prog["users"][key]) == []


def test_no_milestone_reminder_for_an_exited_award(prog):
    a = award(prog, status=Award.Status.EXITED)
    Milestone.objects.create(award=a, seq=1, title="样机试制", due_on=TODAY + dt.timedelta(days=2))
    assert tasks.send_reminders(today=TODAY)["milestone_due"] == 0


def test_ended_notice_reminds_city_staff_to_approve(prog):
    a = award(
        prog, status=Award.Status.IN_NOTICE, notice_starts=TODAY - dt.timedelta(days=5), notice_ends=TODAY
    )
    a.objections.create(name="王五", contact="138", text="数据存疑")
    assert tasks.send_reminders(today=TODAY)["notice_ended"] == 0  # the last day of the notice
    only(tasks.send_reminders(today=TODAY + dt.timedelta(days=1)), "notice_ended", 1)
    [note] = told(prog["users"]["staff"])
    assert "待确认立项" in note.title and a.application.title in note.body and "1件异议" in note.body
    assert sum(tasks.send_reminders(today=TODAY + dt.timedelta(days=2)).values()) == 0
    for key in ("admin", "leader", "district", "enterprise"):
        assert told(prog["users"][key]) == []


def test_rectification_deadline_tells_applicant_then_staff(prog):
    from kechuang.programs.models import ProjectCheck

    a = award(prog, status=Award.Status.RECTIFYING)
    deadline = TODAY + dt.timedelta(days=7)
    ProjectCheck.objects.create(
        award=a, kind="midterm", held_on=TODAY - dt.timedelta(days=30), result="rectify", opinion="进度滞后",
        deadline=deadline,
    )  # fmt: skip
    assert sum(tasks.send_reminders(today=TODAY - dt.timedelta(days=1)).values()) == 0
    only(tasks.send_reminders(today=TODAY), "rectify_due", 1)
    [note] = told(prog["ent_user"])
    assert "整改期限" in note.title and str(deadline) in note.body
    assert sum(tasks.send_reminders(today=deadline).values()) == 0
    assert told(prog["users"]["staff"]) == []
    only(tasks.send_reminders(today=deadline + dt.timedelta(days=1)), "recheck_due", 1)
    [note] = told(prog["users"]["staff"])
    assert "待复查" in note.title and a.application.title in note.body
    assert sum(tasks.send_reminders(today=deadline + dt.timedelta(days=5)).values()) == 0
    assert len(told(prog["ent_user"])) == 1


def test_no_rectification_reminder_once_passed(prog):
    from kechuang.programs.models import ProjectCheck

    a = award(prog, status=Award.Status.MIDTERM_PASSED)
    ProjectCheck.objects.create(
        award=a, kind="midterm", held_on=TODAY, result="rectify", opinion="x", deadline=TODAY
    )
    assert sum(tasks.send_reminders(today=TODAY).values()) == 0
    assert sum(tasks.send_reminders(today=TODAY + dt.timedelta(days=3)).values()) == 0


# ---------------------------------------------------------------------------------- challenges


def test_posted_challenge_past_its_deadline_reminds_staff_and_poster(prog):
    poster = prog["e2"].organisation
    poster_user = f.user(f.Role.ENTERPRISE, organisation=poster)
    ch = challenge(prog, poster=poster, deadline=TODAY - dt.timedelta(days=1))
    bid(ch, prog["e1"].organisation)
    only(tasks.send_reminders(today=TODAY), "bids_due", 2)
    for user in (prog["users"]["staff"], poster_user):
        [note] = told(user)
        assert ch.title in note.body and "1个团队" in note.body
    assert told(prog["ent_user"]) == []  # the bidder is not asked to close bids
    assert tasks.send_reminders(today=TODAY + dt.timedelta(days=3))["bids_due"] == 0


def test_closed_challenge_is_not_reminded(prog):
    challenge(prog, status=Challenge.Status.SELECTING, deadline=TODAY - dt.timedelta(days=3))
    assert sum(tasks.send_reminders(today=TODAY).values()) == 0


def test_bidders_told_before_the_deadline(prog):
    ch = challenge(prog, deadline=TODAY + dt.timedelta(days=3))
    bid(ch, prog["e1"].organisation)
    withdrawn_org = prog["e2"].organisation
    withdrawn_user = f.user(f.Role.ENTERPRISE, organisation=withdrawn_org)
    bid(ch, withdrawn_org, status=Bid.Status.WITHDRAWN)
    assert tasks.send_reminders(today=TODAY - dt.timedelta(days=1))["bid_deadline"] == 0
    only(tasks.send_reminders(today=TODAY), "bid_deadline", 1)
    [note] = told(prog["ent_user"])
    assert ch.title in note.body and str(ch.deadline) in note.body and note.url == tasks._challenge_url(ch)
    assert told(withdrawn_user) == [] and told(prog["users"]["staff"]) == []
    assert tasks.send_reminders(today=TODAY + dt.timedelta(days=1))["bid_deadline"] == 0


def test_horse_race_gate_reminds_selected_teams(prog):
    ch = challenge(
        prog, status=Challenge.Status.RUNNING, mode=Challenge.Mode.HORSE_RACE, max_teams=3,
        gate_on=TODAY + dt.timedelta(days=7), gate_keep=1, deadline=TODAY - dt.timedelta(days=90),
    )  # fmt: skip
    bid(ch, prog["e1"].organisation, status=Bid.Status.SELECTED)
    loser = f.user(f.Role.ENTERPRISE, organisation=prog["e2"].organisation)
    bid(ch, prog["e2"].organisation, status=Bid.Status.NOT_SELECTED)
    only(tasks.send_reminders(today=TODAY), "gate_due", 1)
    [note] = told(prog["ent_user"])
    assert "赛马节点" in note.title and "只保留1个团队" in note.body
    assert told(loser) == []
    assert tasks.send_reminders(today=TODAY + dt.timedelta(days=2))["gate_due"] == 0


# ---------------------------------------------------------------------------- task and command


def test_inactive_users_are_not_told(prog):
    draft(prog)
    prog["ent_user"].is_active = False
    prog["ent_user"].save()
    assert tasks.send_reminders(today=prog["call"].closes_on)["call_closing"] == 0
    assert not Reminder.objects.exists()


def test_reminders_go_out_by_email_as_well(prog, mailoutbox):
    prog["ent_user"].email = "ent@example.com"
    prog["ent_user"].save()
    draft(prog)
    tasks.send_reminders(today=prog["call"].closes_on)
    assert [m.to for m in mailoutbox] == [["ent@example.com"]] and "申报即将截止" in mailoutbox[0].subject


def test_daily_task_is_scheduled_at_half_past_seven_and_runs(prog):
    assert tasks.daily_reminders.s().validate_datetime(dt.datetime(2026, 3, 2, 7, 30))
    assert not tasks.daily_reminders.s().validate_datetime(dt.datetime(2026, 3, 2, 8, 30))
    # An application closing today: the task (run in-line in tests) tells its applicant.
    type(prog["call"]).objects.filter(pk=prog["call"].pk).update(closes_on=TODAY)
    prog["call"].refresh_from_db()
    services.save_draft(prog["ent_user"], prog["call"], GOOD)
    tasks.daily_reminders()  # huey keeps no result of a periodic task: look at what it did
    assert len(told(prog["ent_user"])) == 1 and Reminder.objects.count() == 1


def test_remind_command_prints_counts(prog):
    draft(prog)
    out = io.StringIO()
    call_command("programmes", "remind", "--date", str(prog["call"].closes_on), stdout=out)
    text = out.getvalue()
    assert "1  申报即将截止（草稿未提交）" in text and "0  待区县推荐" in text and "共通知1人次" in text
    out = io.StringIO()
    call_command("programmes", "remind", "--date", str(prog["call"].closes_on), stdout=out)
    assert "共通知0人次" in out.getvalue()


def test_remind_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("programmes", "remind", "--date", "2026-13-01", stdout=io.StringIO())
