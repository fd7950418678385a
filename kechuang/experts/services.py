"""Use-cases of the expert database and of reviewer selection: what pages, the API and tasks call.

Who may do what (DESIGN.md: an expert sees only what they are assigned):
    city staff (admin, bureau staff)   everything: experts, approvals, rounds (create, run, lock)
    leaders                            read experts and rounds, change nothing
    district staff                     read the experts of their own district; no rounds
    experts                            their own profile, and their assignments in locked rounds
    enterprises, institutes            nothing here
"""

import time
from collections import Counter
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from simple_history.utils import bulk_create_with_history

from kechuang.core.models import Notification, Role
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of
from kechuang.engines import assignment as engine

from . import selection
from .models import (
    Assignment,
    ConflictFinding,
    DeclaredConflict,
    DrawRecord,
    Expert,
    ExpertField,
    ReviewItem,
    SelectionRound,
)

# The Chinese wording of each conflict reason; the engine's codes are the keys.
CONFLICT_TEXT = {
    "conflict_applicant_org": _lazy("与申报单位同属{org}"),
    "conflict_team_org": _lazy("与项目组成员{persons}同属{org}"),
    "conflict_declared": _lazy("已声明回避：{reason}"),
    "conflict_collaborator": _lazy("{since}年以来与项目组成员{persons}有合作（最近一次{year}年）"),
    "conflict_same_district": _lazy("与申报单位同在{district}（本批次要求回避同区县专家）"),
    "conflict_own_application": _lazy("本人为该项目组成员"),
}
CONFLICT_SHORT = {
    "conflict_applicant_org": _lazy("同单位"),
    "conflict_team_org": _lazy("与成员同单位"),
    "conflict_declared": _lazy("声明回避"),
    "conflict_collaborator": _lazy("近年合作"),
    "conflict_same_district": _lazy("同区县"),
    "conflict_own_application": _lazy("本人申报"),
}


# ------------------------------------------------------------------------------------- permissions


def can_manage(user) -> Decision:
    """Create, edit, run and lock rounds; approve and import experts."""
    role = role_of(user)
    if role in CITY_WRITERS:
        return Decision(True)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读"))
    return Decision(False, _("仅市局工作人员可以组织专家遴选"))


def can_view_rounds(user) -> Decision:
    if role_of(user) in CITY_READERS:
        return Decision(True)
    return Decision(False, _("仅市局工作人员可以查看遴选批次"))


def can_view_experts(user) -> Decision:
    role = role_of(user)
    if role in CITY_READERS or (role == Role.DISTRICT_STAFF and user.district_id):
        return Decision(True)
    return Decision(False, _("当前角色无权查看专家库"))


def visible_experts(user) -> QuerySet[Expert]:
    role = role_of(user)
    qs = Expert.objects.select_related("organisation", "district")
    if role in CITY_READERS:
        return qs
    if role == Role.DISTRICT_STAFF and user.district_id:
        return qs.filter(district_id=user.district_id)
    if role == Role.EXPERT:
        return qs.filter(user=user)
    return qs.none()


def get_expert(user, pk: int) -> Expert:
    expert = get_object_or_404(visible_experts(user), pk=pk)
    return expert


def can_edit_expert(user, expert: Expert) -> Decision:
    if can_manage(user):
        return Decision(True)
    if role_of(user) == Role.EXPERT and expert.user_id == user.pk:
        return Decision(True)
    return Decision(False, _("只能修改本人的专家信息"))


# ------------------------------------------------------------------------------------- expert database

TITLE_CHOICES = Expert.Title.choices


def search_experts(
    user, *, q: str = "", field: str = "", district: int | None = None, title: str = "", status: str = ""
) -> QuerySet[Expert]:
    """Name, organisation or keyword; discipline/industry code prefix; district; title; status."""
    qs = visible_experts(user)
    q = "".join(c for c in q.strip() if c.isprintable())
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(organisation__name__contains=q) | Q(keywords__contains=q))
    if field:
        code = field.strip().upper()
        qs = qs.filter(
            Exists(
                ExpertField.objects.filter(expert_id=OuterRef("pk")).filter(
                    Q(code__startswith=code) | Q(name__contains=field.strip())
                )
            )
        )
    if district:
        qs = qs.filter(district_id=district)
    if title:
        qs = qs.filter(title=title)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("pk")


def load_history(expert: Expert) -> list[dict]:
    """Reviews per year on locked rounds' panels: how busy the expert has been."""
    counts = Counter(
        expert.assignments.filter(
            reserve=False, withdrawn=False, round__status=SelectionRound.Status.LOCKED
        ).values_list("round__locked_at__year", flat=True)
    )
    return [{"year": y, "reviews": n} for y, n in sorted(counts.items(), reverse=True) if y]


def profile_text(expert: Expert) -> str:
    """What an expert works on, in words: keywords, representative achievements, field names."""
    names = [f.name or f.code for f in expert.fields.all()]
    return "\n".join(part for part in (expert.keywords, expert.achievements, "、".join(names)) if part)


def publish_to_matching(experts, *, refresh: bool = True) -> None:
    """Hand each expert's profile to the matching app, which recommends experts for enterprises'
    technology demands; an expert who leaves the pool (not approved, unavailable, integrity breach)
    is withdrawn from its recommendations."""
    from kechuang.matching.services import index_expert_profile

    for e in experts:
        index_expert_profile(
            e.pk,
            name=e.name,
            text=profile_text(e),
            fields=[f.code for f in e.fields.all()],
            affiliation=e.organisation.name,
            active=e.status == Expert.Status.APPROVED
            and e.available
            and e.integrity != Expert.Integrity.BREACH,
            refresh=refresh,
        )


def review_expert(user, expert: Expert, *, approve: bool, note: str = "") -> Expert:
    """Staff approve (入库) or reject an expert's entry."""
    can_manage(user).enforce()
    expert.status = Expert.Status.APPROVED if approve else Expert.Status.REJECTED
    expert.reviewed_by, expert.reviewed_at, expert.review_note = user, timezone.now(), note[:200]
    expert._change_reason = _("审核专家入库")
    expert.save()
    publish_to_matching([expert])
    return expert


def save_profile(user, expert: Expert, *, fields: list[tuple[str, str]] | None = None) -> Expert:
    """Save a profile edited by its expert or by staff. An expert's own edit goes back to staff for
    approval: entries in the database are always ones the bureau has checked."""
    can_edit_expert(user, expert).enforce()
    if not can_manage(user):
        expert.status = Expert.Status.PENDING
    with transaction.atomic():
        expert.save()
        if fields is not None:
            expert.fields.all().delete()
            ExpertField.objects.bulk_create(
                [ExpertField(expert=expert, kind=kind, code=code) for kind, code in dict.fromkeys(fields)]
            )
        publish_to_matching([expert])
    return expert


def apply_for_entry(user, expert: Expert, *, organisation_name: str, district, fields) -> Expert:
    """An expert's own first entry: linked to their account, pending until staff approve it."""
    if role_of(user) != Role.EXPERT:
        raise PermissionDenied(_("只有专家账号可以申请入库"))
    if Expert.objects.filter(user=user).exists():
        raise ValidationError(_("您已有专家信息，请直接修改"))
    from kechuang.core.models import Organisation

    with transaction.atomic():
        org = Organisation.objects.filter(name=organisation_name.strip()).first()
        if org is None:
            org = Organisation.objects.create(
                name=organisation_name.strip(), kind=Organisation.Kind.OTHER, district=district
            )
        expert.user, expert.organisation, expert.district = user, org, district
        expert.status = Expert.Status.PENDING
        expert._change_reason = _("专家申请入库")
        expert.save()
        ExpertField.objects.bulk_create(
            [ExpertField(expert=expert, kind=kind, code=code) for kind, code in dict.fromkeys(fields)]
        )
    return expert


def declare_organisation(user, expert: Expert, *, organisation: str, reason: str) -> DeclaredConflict:
    """An expert declares, once for all rounds, that they must step aside for an organisation."""
    can_edit_expert(user, expert).enforce()
    errors = {}
    if not organisation.strip():
        errors["organisation"] = _("请填写需回避的单位全称")
    if not reason.strip():
        errors["reason"] = _("请说明回避理由")
    if errors:
        raise ValidationError(errors)
    declared = DeclaredConflict(
        expert=expert,
        organisation_name=organisation.strip()[:200],
        reason=reason.strip()[:200],
        declared_by=user,
    )
    declared.save()
    return declared


# ------------------------------------------------------------------------------------- rounds


def visible_rounds(user) -> QuerySet[SelectionRound]:
    if not can_view_rounds(user):
        return SelectionRound.objects.none()
    return SelectionRound.objects.annotate(n_items=Count("items", distinct=True))


def get_round(user, pk: int, *, manage: bool = False) -> SelectionRound:
    (can_manage if manage else can_view_rounds)(user).enforce()
    return get_object_or_404(SelectionRound, pk=pk)


def add_review_items(user, rnd: SelectionRound, items: list[dict]) -> list[ReviewItem]:
    """Put review items into a round that is not locked: what the programmes app calls with its
    applications. Each dict has ``title``, ``applicant_name`` and optionally ``code``, ``text``,
    ``applicant`` (Organisation), ``district``, ``members`` ([{"name", "organisation"}]), ``link``."""
    can_manage(user).enforce()
    if not rnd.editable:
        raise ValidationError(_("该批次已锁定或正在遴选，不能添加项目"))
    rows = []
    for k, data in enumerate(items):
        item = ReviewItem(round=rnd, **data)
        try:
            item.full_clean(exclude=["round"])
        except ValidationError as exc:
            raise ValidationError(
                {f"{k}.{field}": errors for field, errors in exc.message_dict.items()}
            ) from None
        rows.append(item)
    return ReviewItem.objects.bulk_create(rows)


def validate_round(rnd: SelectionRound) -> None:
    """The parameters' own rules, before any solve (the engine explains what the data cannot meet)."""
    errors = {}
    q = Decimal(str(rnd.max_probability))
    if rnd.per_item < 1:
        errors["per_item"] = _("每个项目至少需要1位专家")
    if rnd.min_load > rnd.max_load:
        errors["min_load"] = _("最少评审项目数不能大于最多评审项目数")
    if rnd.max_load < 1:
        errors["max_load"] = _("每位专家至少可评审1个项目")
    if rnd.rule != SelectionRound.Rule.OPTIMAL and not (0 < q <= 1):
        errors["max_probability"] = _("概率上限应大于0且不超过1")
    if rnd.rule == SelectionRound.Rule.BEST_N_DRAW:
        if not rnd.best_n or rnd.best_n < rnd.per_item:
            errors["best_n"] = _("择优人数不能少于每个项目的专家人数")
        elif rnd.best_n * q < rnd.per_item:
            errors["best_n"] = _("择优人数乘以概率上限应不少于每个项目的专家人数，否则无法抽满")
    if rnd.rule == SelectionRound.Rule.OPTIMAL and rnd.reserves:
        errors["reserves"] = _("候补专家只在随机抽取时产生，最优匹配请填0")
    if errors:
        raise ValidationError(errors)


def start_run(user, rnd: SelectionRound) -> SelectionRound:
    """Queue the round for the background task (tests run it at once)."""
    can_manage(user).enforce()
    if not rnd.editable:
        raise ValidationError(_("该批次已锁定或正在遴选，不能重新遴选"))
    validate_round(rnd)
    if not rnd.items.exists():
        raise ValidationError(_("该批次还没有评审项目，请先导入"))
    updated = SelectionRound.objects.filter(pk=rnd.pk, status=rnd.status).update(
        status=SelectionRound.Status.QUEUED, stage=_("排队等待"), progress_done=0, progress_total=STEPS
    )
    if not updated:
        raise ValidationError(_("该批次状态已变化，请刷新页面"))
    from .tasks import run_round_task

    run_round_task(rnd.pk, user.pk)
    rnd.refresh_from_db()
    return rnd


STEPS = 4  # progress steps of a run (read and conflicts, affinity, solve, store)


class _Progress:
    def __init__(self, rnd: SelectionRound):
        self.rnd = rnd
        self.done = 0

    def __call__(self, stage: str) -> None:
        self.done += 1
        SelectionRound.objects.filter(pk=self.rnd.pk).update(
            stage=stage, progress_done=self.done, progress_total=STEPS
        )


def run_round(rnd: SelectionRound, user=None) -> SelectionRound:
    """Compute conflicts, affinities and panels of the round and store them with the draw record.

    On an infeasible round nothing is stored except the reasons (``messages``) and status ``failed``.
    """
    step = _Progress(rnd)
    rnd.status = SelectionRound.Status.RUNNING
    SelectionRound.objects.filter(pk=rnd.pk).update(status=rnd.status)
    try:
        step(_("读取评审项目和专家，计算回避关系"))
        data = selection.gather(rnd, today_year=timezone.localdate().year)
        if not data.experts:
            raise engine.AssignmentError([engine.Issue("no_feasible_assignment", {})])
        step(_("计算专家匹配度"))
        scores = selection.affinity(
            [f"{it.title} {it.text}" for it in data.items], [e.profile_text() for e in data.experts]
        )
        step(_("求解分配方案"))
        problem = selection.build_problem(rnd, data, scores)
        started = time.perf_counter()
        outcome = selection.solve(rnd, problem)
        solve_seconds = time.perf_counter() - started
    except engine.AssignmentError as exc:
        return _failed(
            rnd,
            [
                {"code": i.code, "params": i.params, "text": i.text(), "text_en": i.text_en()}
                for i in exc.issues
            ],
        )
    except Exception:
        # Keep the round honest (failed, with the reason) before the error reaches the task's log.
        _failed(
            rnd, [{"code": "system_error", "text": _("遴选过程中发生系统错误，未保存任何结果，请联系管理员")}]
        )
        raise
    step(_("保存遴选结果"))
    _store(rnd, data, problem, outcome, user)
    rnd.status = SelectionRound.Status.DONE
    rnd.seed = outcome.seed if outcome.seed is not None else rnd.seed
    rnd.messages = [
        {
            "code": "summary",
            "text": _(
                "共 {items} 个项目、{experts} 位可选专家，回避 {conflicts} 对，求解用时 {s:.2f} 秒"
            ).format(
                items=len(data.items),
                experts=len(data.experts),
                conflicts=len(data.conflicts),
                s=solve_seconds,
            ),
        }
    ]
    rnd.stage = ""
    rnd.run_at = timezone.now()
    rnd._change_reason = _("完成遴选")
    rnd.save()
    return rnd


def _failed(rnd: SelectionRound, messages: list[dict]) -> SelectionRound:
    rnd.status = SelectionRound.Status.FAILED
    rnd.messages = messages
    rnd.stage = ""
    rnd._change_reason = _("遴选未成功")
    rnd.save()
    return rnd


@transaction.atomic
def _store(rnd, data, problem, outcome, user) -> None:
    rnd.assignments.all().delete()
    rnd.conflicts.all().delete()
    items, experts = data.items, data.experts
    rows = [
        Assignment(
            round=rnd, item=items[i], expert=experts[j], affinity=score, probability=prob, reserve=False
        )
        for i, j, score, prob in outcome.panel
    ] + [
        Assignment(
            round=rnd,
            item=items[i],
            expert=experts[j],
            affinity=score,
            probability=prob,
            reserve=True,
            reserve_rank=rank,
        )
        for i, j, rank, score, prob in outcome.reserves
    ]
    bulk_create_with_history(rows, Assignment, default_change_reason=_("专家遴选"), default_user=user)
    findings = []
    cs = data.conflicts
    for i, j in zip(cs.app.tolist(), cs.expert.tolist(), strict=True):
        details = selection.conflict_details(data, i, j)
        findings.append(
            ConflictFinding(
                round=rnd,
                item=items[i],
                expert=experts[j],
                codes=details,
                text="；".join(conflict_text(d) for d in details)[:500],
            )
        )
    ConflictFinding.objects.bulk_create(findings, batch_size=500)
    DrawRecord.objects.create(
        round=rnd,
        rule=rnd.rule,
        seed=outcome.seed,
        input_digest=outcome.record["input_digest"],
        inputs=selection.problem_inputs(problem, [it.pk for it in items], [e.pk for e in experts]),
        record=outcome.record,
        created_by=user,
    )


def conflict_text(detail: dict) -> str:
    p = detail.get("params", {})
    template = CONFLICT_TEXT.get(detail["code"])
    if template is None:
        return detail["code"]
    return str(template).format(
        org=p.get("org", ""),
        persons="、".join(p.get("persons", [])),
        reason=p.get("reason", ""),
        since=p.get("since_year") or "",
        year=p.get("latest_year", ""),
        district=p.get("district", ""),
    )


def replay_latest(rnd: SelectionRound) -> dict:
    """Replay the round's latest draw record; says whether the stored panel was reproduced."""
    record = rnd.draw_records.first()
    if record is None:
        return {"ok": False, "text": _("该批次还没有抽取记录")}
    try:
        pairs = selection.replay(record.inputs, record.record)
    except engine.AssignmentError as exc:
        return {"ok": False, "text": "；".join(i.text() for i in exc.issues)}
    # The panel as drawn: seats later vacated stay on record, seats filled by replacement are not drawn.
    stored = set(
        rnd.assignments.filter(reserve=False, replaces__isnull=True).values_list("item_id", "expert_id")
    )
    if set(pairs) != stored:
        return {"ok": False, "text": _("复现结果与当前保存的专家名单不一致")}
    return {"ok": True, "text": _("按抽取记录复现，结果与保存的专家名单完全一致")}


def lock_round(user, rnd: SelectionRound) -> SelectionRound:
    """Fix the panels; the experts are told of their assignments."""
    can_manage(user).enforce()
    if rnd.status != SelectionRound.Status.DONE:
        raise ValidationError(_("只有已完成遴选的批次可以锁定"))
    with transaction.atomic():
        rnd.status, rnd.locked_by, rnd.locked_at = SelectionRound.Status.LOCKED, user, timezone.now()
        rnd._change_reason = _("锁定专家名单")
        rnd.save()
        notices = []
        panel = rnd.assignments.filter(reserve=False, expert__user__isnull=False).select_related("expert")
        for user_id, n in Counter(a.expert.user_id for a in panel).items():
            notices.append(
                Notification(
                    user_id=user_id,
                    title=_("评审任务：{round}").format(round=rnd.name),
                    body=_("您被抽取为 {n} 个项目的评审专家。打开项目前请先声明是否存在利益冲突。").format(
                        n=n
                    ),
                    url=reverse("expert_my_assignments"),
                )
            )
        Notification.objects.bulk_create(notices)
    return rnd


def replace(user, seat: Assignment, *, reason: str) -> Assignment:
    """Fill a locked panel's seat whose expert withdrew (declared a conflict, cannot attend).

    The engine picks the first reserve that still fits (not at maximum load, organisation cap kept);
    in an optimal round, or with no reserve left, the best available eligible expert. In a randomised
    round only reserves are used, so the probability cap still holds. Nothing else on the panels moves.
    """
    can_manage(user).enforce()
    rnd = seat.round
    if rnd.status != SelectionRound.Status.LOCKED:
        raise ValidationError(_("只有已锁定的专家名单需要递补；未锁定时请重新遴选"))
    if seat.reserve or seat.withdrawn:
        raise ValidationError(_("该专家不在正式名单中"))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明递补原因")})
    record = rnd.draw_records.first()
    if record is None:
        raise ValidationError(_("该批次没有抽取记录，无法递补"))
    problem = selection.problem_from_inputs(record.inputs)
    item_index = {pk: i for i, pk in enumerate(record.inputs["item_ids"])}
    expert_index = {pk: j for j, pk in enumerate(record.inputs["expert_ids"])}
    expert_ids = record.inputs["expert_ids"]
    seats = list(rnd.assignments.filter(reserve=False, withdrawn=False))
    reserves = list(
        rnd.assignments.filter(item=seat.item, reserve=True, withdrawn=False).order_by("reserve_rank")
    )
    gone = rnd.assignments.filter(item=seat.item, withdrawn=True).values_list("expert_id", flat=True)
    try:
        choice = engine.replace_expert(
            problem,
            [item_index[a.item_id] for a in seats],
            [expert_index[a.expert_id] for a in seats],
            item_index[seat.item_id],
            expert_index[seat.expert_id],
            reserves=[expert_index[a.expert_id] for a in reserves],
            exclude=[expert_index[pk] for pk in gone if pk in expert_index],
            reserves_only=rnd.rule != SelectionRound.Rule.OPTIMAL,
        )
    except engine.AssignmentError as exc:
        raise ValidationError("；".join(i.text() for i in exc.issues)) from None
    new_expert = expert_ids[choice.expert]
    with transaction.atomic():
        seat.withdrawn = True
        seat._change_reason = (_("退出评审：%(r)s") % {"r": reason.strip()})[:100]
        seat.save()
        taken = next((a for a in reserves if a.expert_id == new_expert), None)
        if taken is None:
            taken = Assignment(round=rnd, item=seat.item, expert_id=new_expert, affinity=choice.score)
        taken.reserve, taken.replaces = False, seat
        taken._change_reason = (_("递补：%(r)s") % {"r": reason.strip()})[:100]
        taken.save()
        taken.refresh_from_db()
        if taken.expert.user_id:
            notify(
                [taken.expert.user],
                title=_("评审任务：{round}").format(round=rnd.name)[:200],
                body=_("您已递补为项目“{item}”的评审专家。打开项目前请先声明是否存在利益冲突。").format(
                    item=seat.item.title
                ),
                url=reverse("expert_my_assignments"),
            )
    return taken


def update_round(user, rnd: SelectionRound) -> SelectionRound:
    can_manage(user).enforce()
    if not rnd.editable:
        raise ValidationError(_("该批次已锁定或正在遴选，不能修改"))
    validate_round(rnd)
    rnd.save()
    return rnd


def panels(rnd: SelectionRound) -> list[dict]:
    """Per item: the panel (affinity, probability), the reserves and the conflicts avoided."""
    by_item: dict[int, dict] = {}
    for it in rnd.items.select_related("district").order_by("pk"):
        by_item[it.pk] = {"item": it, "panel": [], "reserves": [], "withdrawn": [], "conflicts": []}
    for a in rnd.assignments.select_related("expert__organisation").order_by(
        "item_id", "reserve_rank", "-affinity"
    ):
        by_item[a.item_id]["withdrawn" if a.withdrawn else "reserves" if a.reserve else "panel"].append(a)
    for c in rnd.conflicts.select_related("expert__organisation"):
        by_item[c.item_id]["conflicts"].append(c)
    out = list(by_item.values())
    for row in out:
        row["short"] = sorted(
            {str(CONFLICT_SHORT.get(d["code"], "")) for c in row["conflicts"] for d in c.codes}
        )
    return out


def load_summary(rnd: SelectionRound) -> dict:
    loads = Counter(
        rnd.assignments.filter(reserve=False, withdrawn=False).values_list("expert_id", flat=True)
    )
    return {
        "experts": len(loads),
        "max": max(loads.values(), default=0),
        "min": min(loads.values(), default=0),
        "reviews": sum(loads.values()),
    }


# ------------------------------------------------------------------------------------- an expert's own


def my_assignments(user) -> QuerySet[Assignment]:
    """An expert's panel seats on locked rounds (reserves are told only when called up)."""
    if role_of(user) != Role.EXPERT:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(
            expert__user=user, reserve=False, round__status=SelectionRound.Status.LOCKED
        )
        .select_related("item", "round")
        .order_by("-round__locked_at", "item_id")
    )


def get_my_assignment(user, pk: int) -> Assignment:
    return get_object_or_404(my_assignments(user), pk=pk)


def declare(user, assignment: Assignment, *, conflict: bool, note: str = "") -> Assignment:
    """The expert's declaration before opening an item (回避声明); a declared conflict is final and
    staff are told so they can call a reserve."""
    if assignment.expert.user_id != user.pk:
        raise PermissionDenied(_("只能对分配给本人的项目作出声明"))
    if assignment.withdrawn:
        raise ValidationError(_("您已退出该项目的评审"))
    if assignment.declaration != Assignment.Declaration.PENDING:
        raise ValidationError(_("已经作出声明，不能更改"))
    if conflict and not note.strip():
        raise ValidationError({"note": _("声明回避时请说明理由")})
    assignment.declaration = (
        Assignment.Declaration.CONFLICT if conflict else Assignment.Declaration.NO_CONFLICT
    )
    assignment.declaration_note = note.strip()[:200]
    assignment.declared_at = timezone.now()
    assignment._change_reason = _("专家回避声明")
    assignment.save()
    if conflict and assignment.round.locked_by_id:
        notify(
            [assignment.round.locked_by],
            title=_("专家声明回避：{item}").format(item=assignment.item.title)[:200],
            body=_("{expert}声明需回避，理由：{note}。请从候补专家中递补。").format(
                expert=assignment.expert.name, note=assignment.declaration_note
            ),
            url=reverse("expert_round", args=[assignment.round_id]),
        )
    return assignment


def open_item(user, assignment: Assignment) -> ReviewItem:
    """The item's full text, only after the expert declared no conflict."""
    if assignment.expert.user_id != user.pk:
        raise PermissionDenied(_("只能查看分配给本人的项目"))
    if assignment.withdrawn:
        raise PermissionDenied(_("您已退出该项目的评审"))
    if assignment.declaration != Assignment.Declaration.NO_CONFLICT:
        raise PermissionDenied(_("请先声明与该项目不存在利益冲突，再查看项目材料"))
    return assignment.item


def search_for_picker(user, query: str, limit: int) -> list[tuple]:
    """Experts this user may see whose name or organisation contains ``query`` (type-ahead picker)."""
    qs = visible_experts(user)
    qs = qs.filter(name__icontains=query) | qs.filter(organisation__name__icontains=query)
    rows = qs.order_by("name", "pk")[:limit]
    return [(x.pk, x.name, x.organisation.name if x.organisation_id else "") for x in rows]
