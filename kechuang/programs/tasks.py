"""Deadlines and reminders of the programmes app, as background work (huey; tests run tasks in-line).

One daily task calls ``send_reminders``, which tells the people concerned of what falls due:

==================  ===================================================  ==========================
kind                who                                                  when
==================  ===================================================  ==========================
call_closing        users of an applicant with a draft in the call       the call closes in ≤ 3 days
endorsement_due     district staff of the applicant's district           submitted ≥ 2 days ago, not
                                                                         yet endorsed (推荐)
review_due          experts with an assigned application not yet scored  scoring round closes in
                                                                         ≤ 2 days
milestone_due       users of the awarded applicant                       milestone due in ≤ 14 days
notice_ended        city staff                                           公示 ended, approval due
bids_due            city staff and the poster's users                    揭榜 deadline passed, the
                                                                         challenge still posted
bid_deadline        users of organisations with a bid in                 揭榜 closes in ≤ 3 days
gate_due            users of the selected horse-race teams               the gate is in ≤ 7 days
rectify_due         users of an applicant told to rectify (限期整改)      the deadline is in ≤ 7 days
recheck_due         city staff                                           the rectification deadline
                                                                         has passed
==================  ===================================================  ==========================

Each person hears of each deadline once: every item told is recorded as a ``Reminder`` key (the
deadline's date is part of the key, so a moved deadline is told again), and one person's items of
one kind go out as one notification.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kechuang.core.models import Role
from kechuang.core.notify import notify

from .models import Application, Award, Bid, Call, Challenge, Milestone, Reminder, Review, ReviewRound

CALL_CLOSING_DAYS = 3
ENDORSEMENT_WAIT_DAYS = 2
REVIEW_CLOSING_DAYS = 2
MILESTONE_DAYS = 14
BID_DEADLINE_DAYS = 3
GATE_DAYS = 7
RECTIFY_DAYS = 7

KINDS = (
    "call_closing", "endorsement_due", "review_due", "milestone_due", "notice_ended", "bids_due",
    "bid_deadline", "gate_due", "rectify_due", "recheck_due",
)  # fmt: skip
ORG_ROLES = (Role.ENTERPRISE, Role.INSTITUTE)
ACTIVE_AWARD = (Award.Status.CONTRACTED, Award.Status.RECTIFYING, Award.Status.MIDTERM_PASSED)


def _url(names, *args, fallback: str = "") -> str:
    """The first of ``names`` that resolves (the detail pages of some stages may not exist yet),
    else the list page ``fallback``."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    try:
        return reverse(fallback) if fallback else ""
    except NoReverseMatch:
        return ""


def _users(**lookup):
    return list(get_user_model().objects.filter(is_active=True, **lookup).order_by("pk"))


def _org_users(organisation_ids) -> dict[int, list]:
    out = defaultdict(list)
    for user in _users(organisation_id__in=set(organisation_ids), role__in=ORG_ROLES):
        out[user.organisation_id].append(user)
    return out


def _city_staff() -> list:
    return _users(role=Role.BUREAU_STAFF)


@dataclass
class _Item:
    key: str
    line: str
    url: str


@dataclass
class _Batch:
    """What is to be told, grouped by (kind, user); items already told are left out."""

    today: dt.date
    items: dict = field(default_factory=lambda: defaultdict(list))
    users: dict = field(default_factory=dict)

    def add(self, kind: str, user, key: str, line: str, url: str) -> None:
        self.users[user.pk] = user
        self.items[(kind, user.pk)].append(_Item(f"{key}:{user.pk}", line, url))

    def send(self) -> dict[str, int]:
        keys = [i.key for items in self.items.values() for i in items]
        told = set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
        counts = dict.fromkeys(KINDS, 0)
        for (kind, user_pk), items in sorted(self.items.items()):
            fresh = [i for i in items if i.key not in told]
            if not fresh:
                continue
            # Built here, so each message is in the language active when it is sent.
            title, fallback = _titles()[kind](len(fresh))
            url = fresh[0].url if len(fresh) == 1 else fallback
            try:
                # The keys and the notification are written together; a second run racing this one
                # loses on the unique key and tells nobody.
                with transaction.atomic():
                    Reminder.objects.bulk_create([Reminder(key=i.key) for i in fresh])
                    notify([self.users[user_pk]], title, "\n".join(i.line for i in fresh), url)
            except IntegrityError:
                continue
            told.update(i.key for i in fresh)
            counts[kind] += 1
        return counts


def _titles():
    return {
        "call_closing": lambda n: (
            _("申报即将截止：您有%(n)s份申报书尚未提交") % {"n": n},
            _url(["programme_applications"]),
        ),
        "endorsement_due": lambda n: (
            _("待推荐：%(n)s个申报项目已等待%(d)s天以上") % {"n": n, "d": ENDORSEMENT_WAIT_DAYS},
            _url(["programme_applications"]),
        ),
        "review_due": lambda n: (
            _("评审即将截止：您有%(n)s份评分尚未提交") % {"n": n},
            _url(["programme_my_reviews"]),
        ),
        "milestone_due": lambda n: (
            _("合同节点即将到期：%(n)s个节点") % {"n": n},
            _url(["programme_awards"]),
        ),
        "notice_ended": lambda n: (
            _("公示期已结束：%(n)s个项目待确认立项") % {"n": n},
            _url(["programme_awards"]),
        ),
        "bids_due": lambda n: (
            _("揭榜已截止：%(n)s个榜单待结束揭榜、进入遴选") % {"n": n},
            _url(["challenge_board"]),
        ),
        "bid_deadline": lambda n: (
            _("揭榜即将截止：%(n)s个榜单") % {"n": n},
            _url(["challenge_board"]),
        ),
        "rectify_due": lambda n: (
            _("整改期限临近：%(n)s个项目") % {"n": n},
            _url(["programme_awards"]),
        ),
        "recheck_due": lambda n: (
            _("整改期限已过：%(n)s个项目待复查") % {"n": n},
            _url(["programme_awards"]),
        ),
        "gate_due": lambda n: (
            _("赛马节点考核临近：%(n)s个榜单") % {"n": n},
            _url(["challenge_board"]),
        ),
    }


# ----------------------------------------------------------------------------------- what is due


def _call_closing(batch: _Batch) -> None:
    today = batch.today
    drafts = (
        Application.objects.filter(
            status=Application.Status.DRAFT,
            call__status=Call.Status.PUBLISHED,
            call__closes_on__gte=today,
            call__closes_on__lte=today + dt.timedelta(days=CALL_CLOSING_DAYS),
        )
        .select_related("call")
        .order_by("call_id", "pk")
    )
    drafts = list(drafts)
    people = _org_users(a.applicant_id for a in drafts)
    for app in drafts:
        call = app.call
        for user in people.get(app.applicant_id, []):
            batch.add(
                "call_closing",
                user,
                f"call-closing:{call.pk}:{app.pk}:{call.closes_on}",
                _("“%(app)s”（%(call)s）尚未提交，申报将于%(day)s截止")
                % {"app": app.title, "call": call.title, "day": call.closes_on},
                _url(["programme_application_detail"], app.pk),
            )


def _endorsement_due(batch: _Batch) -> None:
    start = timezone.make_aware(dt.datetime.combine(batch.today, dt.time.min))
    waiting = list(
        Application.objects.filter(
            status=Application.Status.SUBMITTED,
            call__needs_endorsement=True,
            submitted_at__lt=start - dt.timedelta(days=ENDORSEMENT_WAIT_DAYS - 1),
            applicant__district_id__isnull=False,
        )
        .select_related("applicant")
        .order_by("pk")
    )
    staff = defaultdict(list)
    for user in _users(role=Role.DISTRICT_STAFF, district_id__in={a.applicant.district_id for a in waiting}):
        staff[user.district_id].append(user)
    for app in waiting:
        submitted = timezone.localdate(app.submitted_at)
        for user in staff.get(app.applicant.district_id, []):
            batch.add(
                "endorsement_due",
                user,
                f"endorse:{app.pk}:{submitted}",
                _("%(org)s的“%(app)s”于%(day)s提交，等待区县推荐")
                % {"org": app.applicant.name, "app": app.title, "day": submitted},
                _url(["programme_application_detail"], app.pk),
            )


def _review_due(batch: _Batch) -> None:
    from kechuang.experts.models import Assignment

    today = batch.today
    rounds = ReviewRound.objects.filter(
        status=ReviewRound.Status.SCORING,
        closes_on__gte=today,
        closes_on__lte=today + dt.timedelta(days=REVIEW_CLOSING_DAYS),
    ).select_related("call")
    for rnd in rounds.order_by("pk"):
        # Who must score what: the seated panel of each entry (not reserves, withdrawn seats or
        # declared conflicts) and anyone who has started a review; less whoever has submitted.
        pending: dict = defaultdict(set)  # expert → entry ids
        experts = {}
        seats = Assignment.objects.filter(
            item__programme_entry__round=rnd, reserve=False, withdrawn=False
        ).exclude(declaration=Assignment.Declaration.CONFLICT)
        for seat in seats.select_related("expert__user", "item__programme_entry"):
            pending[seat.expert_id].add(seat.item.programme_entry.pk)
            experts[seat.expert_id] = seat.expert
        for review in Review.objects.filter(entry__round=rnd).select_related("expert__user", "assignment"):
            seat = review.assignment
            if review.status == Review.Status.SUBMITTED:
                pending[review.expert_id].discard(review.entry_id)
            elif seat is not None and (
                seat.withdrawn or seat.reserve or seat.declaration == Assignment.Declaration.CONFLICT
            ):
                # A draft left on a seat that was withdrawn (or found in conflict) can no longer be
                # submitted: its expert has nothing to do here.
                continue
            else:
                pending[review.expert_id].add(review.entry_id)
                experts[review.expert_id] = review.expert
        for expert_id, entries in sorted(pending.items()):
            user = experts[expert_id].user if entries else None
            if user is None or not user.is_active:
                continue
            batch.add(
                "review_due",
                user,
                f"review-due:{rnd.pk}:{rnd.closes_on}",
                _("“%(round)s”还有%(n)s个项目未提交评分，评审将于%(day)s截止")
                % {"round": rnd, "n": len(entries), "day": rnd.closes_on},
                _url(["programme_my_reviews"]),
            )


def _milestone_due(batch: _Batch) -> None:
    today = batch.today
    due = list(
        Milestone.objects.filter(
            status=Milestone.Status.PENDING,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=MILESTONE_DAYS),
            award__status__in=ACTIVE_AWARD,
        )
        .select_related("award__application")
        .order_by("due_on", "pk")
    )
    people = _org_users(m.award.application.applicant_id for m in due)
    for milestone in due:
        award = milestone.award
        for user in people.get(award.application.applicant_id, []):
            batch.add(
                "milestone_due",
                user,
                f"milestone:{milestone.pk}:{milestone.due_on}",
                _("“%(award)s”的合同节点“%(m)s”将于%(day)s到期")
                % {"award": award.application.title, "m": milestone.title, "day": milestone.due_on},
                _url(["programme_award_detail", "award_detail"], award.pk, fallback="programme_awards"),
            )


def _notice_ended(batch: _Batch) -> None:
    ended = list(
        Award.objects.filter(status=Award.Status.IN_NOTICE, notice_ends__lt=batch.today)
        .select_related("application")
        .order_by("notice_ends", "pk")
    )
    if not ended:
        return
    for award in ended:
        open_objections = award.objections.filter(status="open").count()
        line = _("“%(award)s”公示已于%(day)s结束，待确认立项") % {
            "award": award.application.title,
            "day": award.notice_ends,
        }
        if open_objections:
            line += _("（尚有%(n)s件异议待处理）") % {"n": open_objections}
        for user in _city_staff():
            batch.add(
                "notice_ended",
                user,
                f"notice-ended:{award.pk}:{award.notice_ends}",
                line,
                _url(["programme_award_detail", "award_detail"], award.pk, fallback="programme_awards"),
            )


def _challenge_url(challenge: Challenge) -> str:
    return _url(["challenge_detail", "programme_challenge_detail"], challenge.pk, fallback="challenge_board")


def _bids_due(batch: _Batch) -> None:
    overdue = list(
        Challenge.objects.filter(status=Challenge.Status.POSTED, deadline__lt=batch.today).order_by(
            "deadline", "pk"
        )
    )
    if not overdue:
        return
    city = _city_staff()
    posters = _org_users(c.poster_id for c in overdue if c.poster_id)
    for challenge in overdue:
        bids = challenge.bids.filter(status=Bid.Status.SUBMITTED).count()
        line = _("“%(c)s”已于%(day)s截止揭榜（%(n)s个团队揭榜），请结束揭榜并组织遴选") % {
            "c": challenge.title,
            "day": challenge.deadline,
            "n": bids,
        }
        for user in city + posters.get(challenge.poster_id, []):
            batch.add(
                "bids_due",
                user,
                f"bids-due:{challenge.pk}:{challenge.deadline}",
                line,
                _challenge_url(challenge),
            )


def _bid_deadline(batch: _Batch) -> None:
    today = batch.today
    bids = list(
        Bid.objects.filter(
            status=Bid.Status.SUBMITTED,
            challenge__status=Challenge.Status.POSTED,
            challenge__deadline__gte=today,
            challenge__deadline__lte=today + dt.timedelta(days=BID_DEADLINE_DAYS),
        )
        .select_related("challenge")
        .order_by("challenge_id", "pk")
    )
    people = _org_users(b.organisation_id for b in bids)
    for bid in bids:
        challenge = bid.challenge
        for user in people.get(bid.organisation_id, []):
            batch.add(
                "bid_deadline",
                user,
                f"bid-deadline:{challenge.pk}:{bid.pk}:{challenge.deadline}",
                _("“%(c)s”将于%(day)s截止揭榜，截止后进入遴选；如需撤回或补充材料，请在截止前办理")
                % {"c": challenge.title, "day": challenge.deadline},
                _challenge_url(challenge),
            )


def _gate_due(batch: _Batch) -> None:
    today = batch.today
    bids = list(
        Bid.objects.filter(
            status=Bid.Status.SELECTED,
            challenge__status=Challenge.Status.RUNNING,
            challenge__mode=Challenge.Mode.HORSE_RACE,
            challenge__gate_on__gte=today,
            challenge__gate_on__lte=today + dt.timedelta(days=GATE_DAYS),
        )
        .select_related("challenge")
        .order_by("challenge_id", "pk")
    )
    people = _org_users(b.organisation_id for b in bids)
    for bid in bids:
        challenge = bid.challenge
        line = _("“%(c)s”的赛马节点考核定于%(day)s，考核后只保留%(k)s个团队继续攻关") % {
            "c": challenge.title,
            "day": challenge.gate_on,
            "k": challenge.gate_keep or "—",
        }
        for user in people.get(bid.organisation_id, []):
            batch.add(
                "gate_due",
                user,
                f"gate:{challenge.pk}:{bid.pk}:{challenge.gate_on}",
                line,
                _challenge_url(challenge),
            )


def _rectifying(batch: _Batch) -> None:
    """限期整改: the applicant is told a week before the deadline, city staff once it has passed."""
    from .models import ProjectCheck

    today = batch.today
    awards = list(
        Award.objects.filter(status=Award.Status.RECTIFYING).select_related("application").order_by("pk")
    )
    checks = {}
    for check in ProjectCheck.objects.filter(
        award__in=awards, kind=ProjectCheck.Kind.MIDTERM, deadline__isnull=False
    ).order_by("held_on", "pk"):
        checks[check.award_id] = check  # the latest mid-term check of each award
    people = _org_users(a.application.applicant_id for a in awards)
    city = None
    for award in awards:
        check = checks.get(award.pk)
        if check is None:
            continue
        url = _url(["programme_award_detail", "award_detail"], award.pk, fallback="programme_awards")
        title = award.application.title
        if today <= check.deadline <= today + dt.timedelta(days=RECTIFY_DAYS):
            line = _("“%(a)s”中期检查要求限期整改，整改期限为%(day)s") % {"a": title, "day": check.deadline}
            for user in people.get(award.application.applicant_id, []):
                batch.add("rectify_due", user, f"rectify:{check.pk}:{check.deadline}", line, url)
        elif check.deadline < today:
            city = _city_staff() if city is None else city
            line = _("“%(a)s”的整改期限%(day)s已过，请组织复查") % {"a": title, "day": check.deadline}
            for user in city:
                batch.add("recheck_due", user, f"recheck:{check.pk}:{check.deadline}", line, url)


STEPS = (
    _call_closing, _endorsement_due, _review_due, _milestone_due, _notice_ended, _bids_due, _bid_deadline,
    _gate_due, _rectifying,
)  # fmt: skip


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Tell everyone of what falls due (see the module docstring), each item once. Returns how many
    people were told, by kind."""
    batch = _Batch(today or timezone.localdate())
    for step in STEPS:
        step(batch)
    return batch.send()


@db_periodic_task(crontab(hour="7", minute="30"))
@lock_task("programmes-reminders")
def daily_reminders() -> dict[str, int]:
    return send_reminders()
