"""This app's contributions to the workbench (to-dos, charts) and to the global search."""

import datetime as dt
from decimal import Decimal

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, role_of
from kechuang.core.registry import Chart, SearchGroup, SearchHit, Todo

from . import services
from .models import Application, Award, Call, Milestone, Objection, Review, ReviewRound
from .services import awards as awards_services
from .services import challenges as challenge_services
from .services import review as review_services

# A milestone shows on the enterprise's workbench this many days before it falls due.
MILESTONE_NOTICE_DAYS = 30
WAN = Decimal(10000)


def _url(qs, detail: str, list_url: str) -> str:
    """One waiting item: straight to it; several: to the list where they are done."""
    first = qs.first()
    return reverse(detail, args=[first.pk]) if qs.count() == 1 and first else list_url


def todos(user):
    role = role_of(user)
    today = timezone.localdate()
    items = []
    if role == Role.DISTRICT_STAFF:
        queue = services.endorsement_queue(user)
        n = queue.count()
        if n:
            due = queue.order_by("call__closes_on").values_list("call__closes_on", flat=True).first()
            url = _url(queue, "programme_application_detail", reverse("programme_endorsements"))
            items.append(Todo(_("待区县推荐的申报"), n, url, due))
    if role in CITY_WRITERS:
        formal = services.visible_applications(user).filter(
            Q(status=Application.Status.ENDORSED)
            | Q(status=Application.Status.SUBMITTED, call__needs_endorsement=False)
        )
        n = formal.count()
        if n:
            url = _url(
                formal.order_by("submitted_at", "pk"),
                "programme_application_detail",
                reverse("programme_applications") + "?" + urlencode({"status": Application.Status.ENDORSED}),
            )
            items.append(Todo(_("待形式审查的申报"), n, url))
        reported = Milestone.objects.filter(
            status=Milestone.Status.REPORTED, award__status__in=awards_services.RUNNING
        ).order_by("due_on")
        n = reported.count()
        if n:
            first = reported.first()
            url = (
                reverse("programme_award_detail", args=[first.award_id])
                if n == 1
                else reverse("programme_awards")
            )
            items.append(Todo(_("承担单位已报告完成、待确认的合同节点"), n, url, first.due_on))
        objections = Objection.objects.filter(status=Objection.Status.OPEN).order_by("created_at")
        n = objections.count()
        if n:
            award = objections.first().award_id
            url = reverse("programme_award_detail", args=[award]) if n == 1 else reverse("programme_notices")
            items.append(Todo(_("待处理的公示异议"), n, url))
    if role in (Role.LEADER, Role.ADMIN, Role.BUREAU_STAFF):
        guides = [
            c
            for c in Call.objects.filter(status=Call.Status.IN_REVIEW)
            if services.can_approve_guide(user, c)
        ]
        if guides:
            url = (
                reverse("programme_call_detail", args=[guides[0].pk])
                if len(guides) == 1
                else reverse("programme_calls")
            )
            items.append(Todo(_("待审核的申报指南"), len(guides), url))
    if role in (Role.LEADER, Role.ADMIN):
        waiting = awards_services.awaiting_approval(today)
        n = waiting.count()
        if n:
            calls = set(waiting.values_list("call_id", flat=True)[:2])
            if n == 1:
                url = reverse("programme_award_detail", args=[waiting.first().pk])
            elif len(calls) == 1:
                url = reverse("programme_call_awards", args=[calls.pop()])
            else:
                url = reverse("programme_awards")
            items.append(Todo(_("公示期满、待正式立项的项目"), n, url))
    if role == Role.EXPERT:
        items.extend(_expert_todos(user, today))
    if role == Role.ENTERPRISE and user.organisation_id:
        items.extend(_milestone_todos(user, today))
    return items


def _expert_todos(user, today: dt.date):
    seats = review_services.my_reviews(user).filter(
        item__programme_entry__round__status=ReviewRound.Status.SCORING
    )
    submitted = set(
        Review.objects.filter(expert__user=user, status=Review.Status.SUBMITTED).values_list(
            "entry_id", flat=True
        )
    )
    waiting = [s for s in seats if s.item.programme_entry.pk not in submitted and s.declaration != "conflict"]
    if not waiting:
        return []
    waiting.sort(key=lambda s: s.item.programme_entry.round.closes_on)
    due = waiting[0].item.programme_entry.round.closes_on
    first = waiting[0]
    url = (
        reverse("programme_review_score", args=[first.item.programme_entry.pk])
        if len(waiting) == 1 and first.declaration == "no_conflict"
        else reverse("programme_my_reviews")
    )
    return [Todo(_("待评分的项目"), len(waiting), url, due, due < today)]


def _milestone_todos(user, today: dt.date):
    due = Milestone.objects.filter(
        award__application__applicant_id=user.organisation_id,
        status=Milestone.Status.PENDING,
        due_on__lte=today + dt.timedelta(days=MILESTONE_NOTICE_DAYS),
    ).order_by("due_on")
    overdue = due.filter(due_on__lt=today)
    soon = due.filter(due_on__gte=today)
    items = []
    for qs, label, late in ((overdue, _("已逾期的合同节点"), True), (soon, _("即将到期的合同节点"), False)):
        n = qs.count()
        if n:
            first = qs.first()
            url = (
                reverse("programme_award_detail", args=[first.award_id])
                if n == 1
                else reverse("programme_awards")
            )
            items.append(Todo(label, n, url, first.due_on, late))
    return items


def pipeline_chart(user):
    """The funding pipeline (资金漏斗): what was asked for, what passed the formal check, what was
    awarded, what was contracted, in 万元."""
    if role_of(user) not in CITY_READERS:
        return None
    apps = services.visible_applications(user)
    passed = (
        Application.Status.FORMAL_PASSED, Application.Status.IN_REVIEW, Application.Status.REVIEWED,
        Application.Status.AWARDED, Application.Status.WAITLISTED, Application.Status.REJECTED,
    )  # fmt: skip
    asked = apps.exclude(status=Application.Status.DRAFT).aggregate(s=Sum("requested_yuan"))["s"]
    checked = apps.filter(status__in=passed).aggregate(s=Sum("requested_yuan"))["s"]
    awards = Award.objects.exclude(status=Award.Status.CANCELLED)
    awarded = awards.aggregate(s=Sum("amount_yuan"))["s"]
    contracted = awards.exclude(signed_on=None).aggregate(s=Sum("amount_yuan"))["s"]
    values = [asked, checked, awarded, contracted]
    if not any(values):
        return None
    return Chart(
        _("科技计划资金流程"),
        [_("申请"), _("通过形式审查"), _("立项"), _("签订合同")],
        [{"name": _("金额"), "data": [float(((v or 0) / WAN).quantize(Decimal("0.01"))) for v in values]}],
        unit=_("万元"),
    )


def _words(q: str) -> list[str]:
    return [w for w in q.split() if w.isprintable()][:8]


def search(user, q: str, limit: int):
    if role_of(user) == Role.EXPERT:
        return None  # experts read applications only through their review seats
    apps = services.visible_applications(user)
    for w in _words(q):
        apps = apps.filter(Q(title__contains=w) | Q(applicant__name__contains=w))
    hits = [
        SearchHit(
            a.title,
            reverse("programme_application_detail", args=[a.pk]),
            f"{a.applicant.name} · {a.get_status_display()}",
        )
        for a in apps.order_by("-pk")[:limit]
    ]
    return SearchGroup(_("项目申报"), hits, apps.count())


def search_challenges(user, q: str, limit: int):
    qs = challenge_services.visible_challenges(user)
    for w in _words(q):
        qs = qs.filter(Q(title__contains=w) | Q(poster__name__contains=w))
    total = qs.count()
    hits = [
        SearchHit(
            c.title, reverse("challenge_detail", args=[c.pk]), f"{c.poster.name} · {c.get_status_display()}"
        )
        for c in qs.order_by("-pk")[:limit]
    ]
    return SearchGroup(_("揭榜挂帅榜单"), hits, total)
