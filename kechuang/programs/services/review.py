"""Use-cases of the review stage (专家评审): rounds over a call's applications, panels drawn by the
experts app, the experts' scores, the results table and the final ranking the award stage uses.

Who may do what:
    city staff (admin, bureau staff)  create rounds, draw panels, open and close scoring, see names
    leaders                           read rounds and results
    experts                           their own seats on locked panels: declare, then score
    the applicant's own users         the scores and comments of closed rounds, reviewers anonymous
                                      (专家1, 专家2…) unless the call reveals them
    everyone else                     nothing (404)

Every refusal raises ValidationError naming the field and the rule, or PermissionDenied with the
reason, before anything is written; every status change goes through ``workflow.step``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role, User
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of
from kechuang.engines import review_stats
from kechuang.experts import services as experts
from kechuang.experts.models import Assignment, SelectionRound

from .. import workflow
from ..models import Application, Call, Review, ReviewRound, RoundEntry
from . import check_rubric

# ----------------------------------------------------------------------------------- permissions


def can_manage(user) -> Decision:
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以组织专家评审"))


def can_view(user) -> Decision:
    if role_of(user) in CITY_READERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以查看评审轮次"))


def visible_rounds(user) -> QuerySet[ReviewRound]:
    if not can_view(user):
        return ReviewRound.objects.none()
    return ReviewRound.objects.select_related("call__programme_type", "selection")


def get_round(user, pk: int) -> ReviewRound:
    rnd = visible_rounds(user).filter(pk=pk).first()
    if rnd is None:
        raise Http404(_("未找到该评审轮次"))
    return rnd


def reviewable_calls(user) -> QuerySet[Call]:
    """Calls staff may start or continue reviewing: closed, or already in review."""
    if not can_view(user):
        return Call.objects.none()
    return Call.objects.filter(
        status__in=[Call.Status.CLOSED, Call.Status.REVIEWING, Call.Status.AWARDING, Call.Status.FINISHED]
    ).select_related("programme_type")


# --------------------------------------------------------------------------------- final ranking


def final_ranking(call: Call) -> list[dict]:
    """Every REVIEWED application of ``call``, best first: by the deepest closed round it reached
    (later rounds first), then by its rank in that round (then by application id, for a total order).

    Each row: {"application", "score" (Decimal: the normalised mean if the call corrects reviewer
    severity, else the mean; None if it had no review), "rank" (1-based overall), "round"}."""
    apps = {
        a.pk: a
        for a in Application.objects.filter(call=call, status=Application.Status.REVIEWED).select_related(
            "applicant"
        )
    }
    deepest: dict[int, RoundEntry] = {}
    for entry in RoundEntry.objects.filter(
        application_id__in=list(apps), round__status=ReviewRound.Status.CLOSED
    ).select_related("round"):
        best = deepest.get(entry.application_id)
        if best is None or entry.round.seq > best.round.seq:
            deepest[entry.application_id] = entry
    big = 10**6
    ordered = sorted(
        deepest.values(),
        key=lambda e: (-e.round.seq, e.rank if e.rank is not None else big, e.application_id),
    )
    return [
        {
            "application": apps[e.application_id],
            "score": e.normalised if call.normalise_scores else e.mean,
            "rank": k,
            "round": e.round,
        }
        for k, e in enumerate(ordered, start=1)
    ]


# ---------------------------------------------------------------------------------------- rounds


def _check_round_fields(name: str, kind: str, opens_on, closes_on, advance) -> None:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写评审轮次名称")
    elif len(name.strip()) > 100:
        errors["name"] = _("评审轮次名称不能超过100字")
    if kind not in ReviewRound.Kind.values:
        errors["kind"] = _("评审方式须为网络评审或会议答辩")
    if opens_on is None:
        errors["opens_on"] = _("请填写评审开始日期")
    if closes_on is None:
        errors["closes_on"] = _("请填写评审截止日期")
    elif opens_on is not None and closes_on < opens_on:
        errors["closes_on"] = _("评审截止日期不能早于开始日期")
    if advance is not None and (isinstance(advance, bool) or not isinstance(advance, int) or advance < 1):
        errors["advance"] = _("晋级项目数须为正整数，留空表示本轮为最后一轮")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_round(user, call: Call, name: str, kind: str, opens_on, closes_on, advance=None) -> ReviewRound:
    """Round 1 takes every application that passed the formal check and moves the call into review;
    round n takes the entries round n−1 advanced."""
    can_manage(user).enforce()
    _check_round_fields(name, kind, opens_on, closes_on, advance)
    call = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
    previous = call.review_rounds.order_by("-seq").first()
    if previous is None:
        if call.status != Call.Status.CLOSED:
            raise ValidationError(
                {
                    "call": _("第一轮评审须在申报通知截止后开始，当前状态为“%(s)s”")
                    % {"s": call.get_status_display()}
                }
            )
        check_rubric(call.rubric)
        apps = list(call.applications.filter(status=Application.Status.FORMAL_PASSED).order_by("pk"))
        if not apps:
            raise ValidationError({"call": _("该申报通知没有通过形式审查的申报，无法组织评审")})
    else:
        if previous.status != ReviewRound.Status.CLOSED:
            raise ValidationError({"call": _("上一轮“%(r)s”尚未结束，不能开始下一轮") % {"r": previous.name}})
        if previous.advance is None:
            raise ValidationError(
                {
                    "call": _("上一轮“%(r)s”为最后一轮（未设晋级项目数），不能再开始新一轮")
                    % {"r": previous.name}
                }
            )
        apps = [
            e.application
            for e in previous.entries.filter(advanced=True).select_related("application").order_by("rank")
        ]
        if not apps:
            raise ValidationError({"call": _("上一轮没有晋级的项目")})
    rnd = ReviewRound.objects.create(
        call=call,
        seq=(previous.seq + 1) if previous else 1,
        name=name.strip(),
        kind=kind,
        opens_on=opens_on,
        closes_on=closes_on,
        advance=advance,
        created_by=user,
    )
    workflow.log(rnd, "create", "", user)
    if previous is None:
        workflow.step(user, call, "start_review", _("开始评审"))
        for app in apps:
            workflow.step(user, app, "enter_review", _("进入专家评审"), reason=rnd.name)
    RoundEntry.objects.bulk_create([RoundEntry(round=rnd, application=a) for a in apps])
    return rnd


def _members(app: Application) -> list[dict]:
    leader = str((app.form_data or {}).get("leader") or "").strip()
    members = [{"name": leader[:64], "organisation": app.applicant.name}] if leader else []
    members += [{"name": "", "organisation": o.name} for o in app.co_applicants.all()]
    return members


def _item_text(app: Application) -> str:
    goals = str((app.form_data or {}).get("goals") or "").strip()
    return "\n".join(p for p in (app.title, app.abstract, goals) if p)


@transaction.atomic
def draw_panel(
    user,
    rnd: ReviewRound,
    *,
    per_item: int = 5,
    rule: str = SelectionRound.Rule.DRAW,
    min_load: int = 0,
    max_load: int = 5,
    max_probability: str | Decimal = "0.500",
    best_n: int | None = None,
    max_per_org: int | None = None,
    reserves: int = 1,
    collab_years: int = 3,
    avoid_same_district: bool = False,
    seed: int | None = None,
) -> SelectionRound:
    """Create the round's selection (遴选批次) in the experts app with one review item per entry;
    staff then run and lock it on the experts pages (the experts app avoids conflicts and records
    the draw so it can be replayed)."""
    can_manage(user).enforce()
    rnd = ReviewRound.objects.select_for_update(of=("self",)).get(pk=rnd.pk)
    if rnd.status != ReviewRound.Status.DRAFT:
        raise ValidationError({"status": _("只有准备中的评审轮次可以抽取专家")})
    if rnd.selection_id:
        raise ValidationError(
            {"selection": _("本轮已建立专家遴选批次，请在专家遴选页面调整参数、遴选并锁定")}
        )
    if rule not in SelectionRound.Rule.values:
        raise ValidationError({"rule": _("未知的遴选方式")})
    selection = SelectionRound(
        name=_("%(call)s · %(round)s") % {"call": rnd.call.title, "round": rnd.name},
        rule=rule,
        per_item=per_item,
        min_load=min_load,
        max_load=max_load,
        max_probability=Decimal(str(max_probability)),
        best_n=best_n,
        max_per_org=max_per_org,
        reserves=reserves if rule != SelectionRound.Rule.OPTIMAL else 0,
        collab_years=collab_years,
        avoid_same_district=avoid_same_district,
        seed=seed,
        created_by=user,
    )
    experts.validate_round(selection)
    selection.name = selection.name[:200]
    selection.save()
    entries = list(
        rnd.entries.select_related("application__applicant__district")
        .prefetch_related("application__co_applicants")
        .order_by("pk")
    )
    rows = [
        {
            "code": f"{rnd.call.year}-{e.application_id:05d}",
            "title": e.application.title[:200],
            "text": _item_text(e.application),
            "applicant": e.application.applicant,
            "applicant_name": e.application.applicant.name[:200],
            "district": e.application.applicant.district,
            "members": _members(e.application),
            "link": reverse("programme_review_score", args=[e.pk]),
        }
        for e in entries
    ]
    items = experts.add_review_items(user, selection, rows)
    for entry, item in zip(entries, items, strict=True):
        entry.item = item
    RoundEntry.objects.bulk_update(entries, ["item"])
    rnd.selection = selection
    rnd.save(update_fields=["selection"])
    return selection


def seats(rnd: ReviewRound) -> QuerySet[Assignment]:
    """The panel seats of the round: drawn (not reserve) and not withdrawn."""
    if not rnd.selection_id:
        return Assignment.objects.none()
    return Assignment.objects.filter(
        round_id=rnd.selection_id, reserve=False, withdrawn=False, item__programme_entry__round=rnd
    )


def progress(rnd: ReviewRound) -> dict:
    """Submitted reviews against panel seats."""
    n_seats = seats(rnd).count()
    submitted = Review.objects.filter(entry__round=rnd, status=Review.Status.SUBMITTED).count()
    return {"seats": n_seats, "submitted": submitted, "pending": max(n_seats - submitted, 0)}


@transaction.atomic
def open_round(user, rnd: ReviewRound) -> ReviewRound:
    """Start scoring once the panel is locked; the panel's experts are told."""
    can_manage(user).enforce()
    fresh = ReviewRound.objects.select_for_update(of=("self",)).get(pk=rnd.pk)
    workflow.guard(fresh, "open", _("开始评分"))
    if not fresh.selection_id or fresh.selection.status != SelectionRound.Status.LOCKED:
        raise ValidationError({"selection": _("须先抽取专家并锁定专家名单，才能开始评分")})
    rnd = workflow.step(user, fresh, "open", _("开始评分"))
    users = User.objects.filter(expert_profile__assignments__in=seats(rnd)).distinct()
    notify(
        users,
        _("请在%(d)s前完成评审：%(r)s") % {"d": rnd.closes_on, "r": rnd.call.title},
        _("“%(r)s”已开始评分。请先声明是否存在利益冲突，再查看申报材料并打分。") % {"r": rnd.name},
        reverse("programme_my_reviews"),
    )
    return rnd


def _submitted_missing(rnd: ReviewRound) -> int:
    done = set(
        Review.objects.filter(entry__round=rnd, status=Review.Status.SUBMITTED).values_list(
            "entry__item_id", "expert_id"
        )
    )
    return sum(1 for pair in seats(rnd).values_list("item_id", "expert_id") if pair not in done)


def _outlier_rows(result: review_stats.EntryResult, names: dict[int, str]) -> list[dict]:
    return [
        {
            "expert_id": o.reviewer,
            "expert": names.get(o.reviewer, ""),
            "total": str(review_stats.to_decimal(o.total)),
            "median": str(review_stats.to_decimal(o.median)),
            "deviation": str(review_stats.to_decimal(o.deviation)),
            "threshold": str(review_stats.to_decimal(o.threshold)),
        }
        for o in result.outliers
    ]


def compute(rnd: ReviewRound) -> review_stats.RoundResult:
    """The engine's results for the round's submitted reviews (nothing is written)."""
    entries = list(rnd.entries.order_by("application_id"))
    reviews = Review.objects.filter(entry__round=rnd, status=Review.Status.SUBMITTED).order_by("pk")
    triples = [(r.entry_id, r.expert_id, Fraction(r.total)) for r in reviews]
    return review_stats.summarise(
        [e.pk for e in entries],
        triples,
        normalised=rnd.call.normalise_scores,
        order={e.pk: k for k, e in enumerate(entries)},
    )


@transaction.atomic
def close_round(user, rnd: ReviewRound, reason: str = "") -> ReviewRound:
    """End scoring: every seat submitted, or a reason to close anyway. Stores the results table,
    advances the top ``advance`` entries (all when the round is the last), and finishes the review of
    every application that goes no further."""
    can_manage(user).enforce()
    fresh = ReviewRound.objects.select_for_update(of=("self",)).select_related("call").get(pk=rnd.pk)
    workflow.guard(fresh, "close", _("结束评分"))
    reason = (reason or "").strip()
    missing = _submitted_missing(fresh)
    if missing and not reason:
        raise ValidationError(
            {"reason": _("尚有%(n)s份评分未提交；如需提前结束本轮，须说明理由") % {"n": missing}}
        )
    result = compute(fresh)
    names = dict(
        Review.objects.filter(entry__round=fresh).values_list("expert_id", "expert__name").distinct()
    )
    rnd = workflow.step(user, fresh, "close", _("结束评分"), reason=reason)
    entries = {e.pk: e for e in rnd.entries.select_related("application")}
    final = rnd.advance is None
    for row in result.entries:
        e = entries[row.entry]
        e.mean = review_stats.to_decimal(row.mean)
        e.normalised = review_stats.to_decimal(row.normalised)
        e.spread = review_stats.to_decimal(row.spread)
        e.n_reviews = row.n
        e.rank = row.rank
        e.outliers = _outlier_rows(row, names)
        # An application nobody scored (the round closed early) does not go on to the next round.
        e.advanced = final or (row.n > 0 and row.rank <= rnd.advance)
    RoundEntry.objects.bulk_update(
        list(entries.values()), ["mean", "normalised", "spread", "n_reviews", "rank", "outliers", "advanced"]
    )
    done = [e for e in entries.values() if final or not e.advanced]
    for e in done:
        workflow.step(user, e.application, "finish_review", _("完成评审"), reason=rnd.name)
    applicants = User.objects.filter(
        role__in=[Role.ENTERPRISE, Role.INSTITUTE],
        organisation_id__in=[e.application.applicant_id for e in entries.values()],
    )
    by_org: dict[int, list] = {}
    for u in applicants:
        by_org.setdefault(u.organisation_id, []).append(u)
    for e in entries.values():
        notify(
            by_org.get(e.application.applicant_id, []),
            _("评审意见已反馈：%(t)s") % {"t": e.application.title},
            _("“%(r)s”已结束，可查看专家评分和意见。") % {"r": rnd.name},
            reverse("programme_application_feedback", args=[e.application_id]),
        )
    return rnd


def results(rnd: ReviewRound) -> list[RoundEntry]:
    return list(
        rnd.entries.select_related("application__applicant").order_by(
            "rank", "application_id"
        )  # unranked (open) rounds in application order
    )


# (title, column kind of kechuang.core.spreadsheets)
EXPORT_HEADERS = [
    ("排名", "int"), ("项目名称", "text"), ("申报单位", "text"), ("平均分", "number"), ("校正后得分", "number"),
    ("极差", "number"), ("有效评分数", "int"), ("晋级", "text"), ("离群评分", "text"),
]  # fmt: skip


def export_rows(rnd: ReviewRound) -> list[list]:
    rows = []
    for e in results(rnd):
        outliers = "；".join(
            _("%(e)s %(t)s分（偏离中位数%(d)s）") % {"e": o["expert"], "t": o["total"], "d": o["deviation"]}
            for o in e.outliers
        )
        rows.append(
            [
                e.rank, e.application.title, e.application.applicant.name, e.mean, e.normalised, e.spread,
                e.n_reviews, _("是") if e.advanced else _("否"), outliers,
            ]
        )  # fmt: skip
    return rows


# ----------------------------------------------------------------------------------- an expert's


def my_reviews(user) -> QuerySet[Assignment]:
    """The expert's seats on locked panels of programme rounds (not reserves, not withdrawn)."""
    return (
        experts.my_assignments(user)
        .filter(withdrawn=False, item__programme_entry__isnull=False)
        .select_related("expert", "item__programme_entry__round__call", "item__programme_entry__application")
    )


def get_my_seat(user, entry_pk: int) -> Assignment:
    """The expert's seat for the entry, or 404: nobody learns of an application not assigned to them."""
    seat = my_reviews(user).filter(item__programme_entry__pk=entry_pk).first()
    if seat is None:
        raise Http404(_("未找到分配给您的该评审项目"))
    return seat


def declare(user, seat: Assignment, *, conflict: bool, note: str = "") -> Assignment:
    """The expert's declaration (回避声明), through the experts app."""
    return experts.declare(user, seat, conflict=conflict, note=note)


def open_application(user, seat: Assignment) -> Application:
    """The application, only after the expert declared no conflict (the experts app enforces it)."""
    experts.open_item(user, seat)
    return seat.item.programme_entry.application


def review_of(seat: Assignment) -> Review | None:
    return Review.objects.filter(entry=seat.item.programme_entry, expert_id=seat.expert_id).first()


def _plain(value: Fraction) -> str:
    """A score as people write it: 10, 7.5 (never 1E+1)."""
    return format(review_stats.to_decimal(value).normalize(), "f")


def _check_scores(rubric: list[dict], scores: dict, *, complete: bool) -> dict:
    """Each given score a number in 0..max, messages naming the criterion; all present if ``complete``."""
    errors, clean = {}, {}
    for c in rubric:
        code, name = c["code"], c["name"]
        top = review_stats.to_fraction(c["max"])
        raw = scores.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if complete:
                errors[f"scores.{code}"] = _("请填写“%(n)s”的得分") % {"n": name}
            continue
        try:
            value = review_stats.to_fraction(raw.strip() if isinstance(raw, str) else raw)
        except ValueError:
            errors[f"scores.{code}"] = _("“%(n)s”的得分须为数字") % {"n": name}
            continue
        if not 0 <= value <= top:
            errors[f"scores.{code}"] = _("“%(n)s”的得分须在0至%(m)s之间") % {"n": name, "m": _plain(top)}
            continue
        if value * 100 != int(value * 100):
            errors[f"scores.{code}"] = _("“%(n)s”的得分最多保留两位小数") % {"n": name}
            continue
        clean[code] = _plain(value)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def save_review(user, seat: Assignment, scores: dict, comment: str = "", *, submit: bool = False) -> Review:
    """Save the expert's scores as a draft, or submit them (final). A draft may leave criteria
    empty; submitting needs every criterion and a comment."""
    if role_of(user) != Role.EXPERT or seat.expert.user_id != user.pk or seat.reserve or seat.withdrawn:
        raise PermissionDenied(_("只能为分配给本人的项目评分"))
    experts.open_item(user, seat)  # declared no conflict first
    return _record(seat, scores, comment, submit=submit, actor=user)


def _record(seat: Assignment, scores: dict, comment: str, *, submit: bool, actor) -> Review:
    """Validate and store one seat's review (the permission checks are the caller's: ``save_review``
    for an expert's own; the demo for experts without an account)."""
    entry = RoundEntry.objects.select_related("round__call").get(pk=seat.item.programme_entry.pk)
    if entry.round.status != ReviewRound.Status.SCORING:
        raise ValidationError(
            {"status": _("本轮评审当前为“%(s)s”，不能评分") % {"s": entry.round.get_status_display()}}
        )
    review = (
        Review.objects.select_for_update(of=("self",)).filter(entry=entry, expert_id=seat.expert_id).first()
    )
    if review is not None and review.status == Review.Status.SUBMITTED:
        raise ValidationError({"status": _("评分已提交，不能修改")})
    if not isinstance(scores, dict):
        raise ValidationError({"scores": _("得分须为各评审指标到分值的对应")})
    rubric = entry.round.call.rubric
    clean = _check_scores(rubric, scores, complete=submit)
    comment = (comment or "").strip()
    if len(comment) > 4000:
        raise ValidationError({"comment": _("评审意见不能超过4000字")})
    if submit and not comment:
        raise ValidationError({"comment": _("提交评分时须填写评审意见")})
    complete = all(c["code"] in clean for c in rubric)
    total = review_stats.to_decimal(review_stats.review_total(clean, rubric)) if complete else None
    if review is None:
        review = Review(entry=entry, expert_id=seat.expert_id, assignment=seat)
    review.scores, review.comment, review.total = clean, comment, total
    if submit:
        review.status, review.submitted_at = Review.Status.SUBMITTED, timezone.now()
    review.save()
    if submit:
        workflow.log(review, "submit", Review.Status.DRAFT, actor)
    return review


# ----------------------------------------------------------------------------------- feedback


def feedback(user, app_pk: int) -> dict:
    """What the applicant (or city staff) sees of an application's review: for each closed round,
    the mean and each submitted review's scores and comment. Reviewers are 专家1, 专家2… to the
    applicant unless the call reveals them; staff always see names. Anyone else: 404."""
    app = Application.objects.select_related("call", "applicant").filter(pk=app_pk).first()
    role = role_of(user)
    staff = role in CITY_READERS
    own = (
        app is not None
        and role in (Role.ENTERPRISE, Role.INSTITUTE)
        and user.organisation_id == app.applicant_id
    )
    if app is None or not (staff or own):
        raise Http404(_("未找到该申报项目"))
    names = staff or app.call.reveal_reviewers
    rubric = app.call.rubric or []
    rounds = []
    for entry in (
        app.round_entries.filter(round__status=ReviewRound.Status.CLOSED)
        .select_related("round")
        .order_by("round__seq")
    ):
        reviews = entry.reviews.filter(status=Review.Status.SUBMITTED).select_related("expert").order_by("pk")
        rows = []
        for k, r in enumerate(reviews, start=1):
            rows.append(
                {
                    "label": r.expert.name if names else _("专家%(k)s") % {"k": k},
                    "total": r.total,
                    "scores": [(c["name"], r.scores.get(c["code"], ""), c["max"]) for c in rubric],
                    "comment": r.comment,
                }
            )
        rounds.append({"entry": entry, "round": entry.round, "reviews": rows})
    return {"application": app, "rounds": rounds, "names": names, "staff": staff}
