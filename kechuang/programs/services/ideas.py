"""Use-cases of 项目征集 (solicitation of project ideas).

City staff create a solicitation, open it and close it; while it is open, enterprises and
universities/institutes submit ideas (bottom-up) and staff add their own (top-down). Staff then adopt
an idea into a draft call (its title becomes one of the guide's topics) or decline it with a note, and
the submitter is told. Submitters see their own organisation's ideas, district staff their district's
organisations', city staff all.

Every refusal raises ``ValidationError`` naming the field and the rule (or ``PermissionDenied`` with
the reason) before anything is written.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_READERS, Decision, role_of, scope_q

from .. import workflow
from ..models import Call, Idea, Solicitation
from . import _url, can_manage, wan

SOLICITATION_FIELDS = ("programme_type", "year", "title", "description", "opens_on", "closes_on")
IDEA_FIELDS = ("title", "problem", "goals", "suggested_yuan")


def can_suggest(user) -> Decision:
    """Enterprises and universities/institutes suggest ideas for their own organisation."""
    if role_of(user) in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        return Decision(True)
    return Decision(False, _("只有企业或高校院所用户可以提交项目建议"))


# ------------------------------------------------------------------------------ solicitations


def visible_solicitations(user) -> QuerySet[Solicitation]:
    """Drafts are the bureau's; open and closed solicitations are visible to every signed-in user."""
    qs = (
        Solicitation.objects.select_related("programme_type")
        .annotate(idea_count=Count("ideas"))
        .order_by("-year", "-opens_on", "-pk")
    )
    if role_of(user) in CITY_READERS:
        return qs
    if role_of(user) is None:
        return qs.none()
    return qs.exclude(status=Solicitation.Status.DRAFT)


def get_solicitation(user, pk: int) -> Solicitation:
    sol = visible_solicitations(user).filter(pk=pk).first()
    if sol is None:
        raise Http404(_("未找到该项目征集"))
    return sol


@transaction.atomic
def save_solicitation(user, data: dict, sol: Solicitation | None = None) -> Solicitation:
    """Create a solicitation or edit one that is not yet closed."""
    can_manage(user).enforce()
    if sol is not None:
        sol = Solicitation.objects.select_for_update(of=("self",)).get(pk=sol.pk)
        if sol.status == Solicitation.Status.CLOSED:
            raise ValidationError({"status": _("已结束的项目征集不能修改")})
    record = sol or Solicitation(created_by=user)
    for name in SOLICITATION_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    if record.opens_on and record.closes_on and record.closes_on < record.opens_on:
        raise ValidationError({"closes_on": _("征集截止日期不能早于开始日期")})
    record.full_clean()
    record.save()
    return record


def open_solicitation(user, sol: Solicitation) -> Solicitation:
    can_manage(user).enforce()
    return workflow.step(user, sol, "open", _("开始征集"))


def close_solicitation(user, sol: Solicitation, reason: str = "") -> Solicitation:
    can_manage(user).enforce()
    return workflow.step(user, sol, "close", _("结束征集"), reason=(reason or "").strip())


# -------------------------------------------------------------------------------------- ideas


def visible_ideas(user) -> QuerySet[Idea]:
    """City staff see all; district staff their district's organisations'; enterprises and institutes
    their own organisation's; others none. Top-down ideas (no organisation) are the bureau's."""
    qs = Idea.objects.select_related("solicitation", "organisation__district", "adopted_into", "submitted_by")
    return qs.filter(
        scope_q(user, district_field="organisation__district_id", organisation_field="organisation_id")
    )


def get_idea(user, pk: int) -> Idea:
    idea = visible_ideas(user).filter(pk=pk).first()
    if idea is None:
        raise Http404(_("未找到该项目建议"))
    return idea


def _fill(idea: Idea, data: dict) -> None:
    for name in IDEA_FIELDS:
        if name in data:
            setattr(idea, name, data[name])
    if idea.suggested_yuan is not None and idea.suggested_yuan <= Decimal(0):
        raise ValidationError({"suggested_yuan": _("建议支持金额须大于0")})
    if (
        idea.suggested_yuan is not None
        and idea.solicitation.programme_type.max_grant_yuan < idea.suggested_yuan
    ):
        raise ValidationError(
            {
                "suggested_yuan": _("建议支持金额不能超过该计划类型的上限%(cap)s万元")
                % {"cap": wan(idea.solicitation.programme_type.max_grant_yuan)}
            }
        )
    idea.full_clean(exclude=["adopted_into"])


def _locked(sol: Solicitation) -> Solicitation:
    return (
        Solicitation.objects.select_for_update(of=("self",)).select_related("programme_type").get(pk=sol.pk)
    )


@transaction.atomic
def submit_idea(user, sol: Solicitation, data: dict) -> Idea:
    """Bottom-up: an enterprise or institute suggests a direction while the solicitation is open."""
    can_suggest(user).enforce()
    sol = _locked(sol)
    today = timezone.localdate()
    if sol.status != Solicitation.Status.OPEN or not sol.opens_on <= today <= sol.closes_on:
        raise ValidationError(
            {
                "solicitation": _("该项目征集不在征集期内（%(a)s 至 %(b)s，且须已开始征集）")
                % {"a": sol.opens_on, "b": sol.closes_on}
            }
        )
    idea = Idea(
        solicitation=sol,
        source=Idea.Source.BOTTOM_UP,
        organisation_id=user.organisation_id,
        submitted_by=user,
    )
    _fill(idea, data)
    idea.save()
    workflow.log(idea, "submit", "", user)
    return idea


@transaction.atomic
def add_top_down(user, sol: Solicitation, data: dict) -> Idea:
    """Top-down: staff add a direction of their own to a solicitation that is not closed."""
    can_manage(user).enforce()
    sol = _locked(sol)
    if sol.status == Solicitation.Status.CLOSED:
        raise ValidationError({"solicitation": _("已结束的项目征集不能再添加建议")})
    idea = Idea(solicitation=sol, source=Idea.Source.TOP_DOWN, submitted_by=user)
    _fill(idea, data)
    idea.save()
    workflow.log(idea, "submit", "", user)
    return idea


def _tell_submitter(idea: Idea, title: str, body: str) -> None:
    if idea.submitted_by_id:
        notify([idea.submitted_by], title, body, _url("programme_idea_detail", idea.pk))


@transaction.atomic
def adopt(user, idea: Idea, call: Call, note: str = "") -> Idea:
    """Adopt the idea into a draft call: its title is appended to the call's topics."""
    can_manage(user).enforce()
    if call is None:
        raise ValidationError({"call": _("请选择要纳入的指南（申报通知草稿）")})
    call = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
    if call.status != Call.Status.DRAFT:
        raise ValidationError(
            {
                "call": _("只能纳入草稿状态的指南，“%(t)s”当前为“%(s)s”")
                % {"t": call.title, "s": call.get_status_display()}
            }
        )
    note = (note or "").strip()
    idea = workflow.step(
        user, idea, "adopt", _("纳入指南"), reason=note, adopted_into=call, decision_note=note
    )
    if idea.title not in call.topics:
        call.topics = [*call.topics, idea.title]
        call.save(update_fields=["topics"])
    _tell_submitter(
        idea,
        _("项目建议已纳入指南：%(t)s") % {"t": idea.title},
        _("您的建议已纳入“%(c)s”的指南方向。%(n)s") % {"c": call.title, "n": note},
    )
    return idea


@transaction.atomic
def decline(user, idea: Idea, note: str) -> Idea:
    can_manage(user).enforce()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("不予采纳时必须说明原因")})
    idea = workflow.step(user, idea, "decline", _("不予采纳"), reason=note, decision_note=note)
    _tell_submitter(idea, _("项目建议未采纳：%(t)s") % {"t": idea.title}, note)
    return idea


def draft_calls() -> QuerySet[Call]:
    """The calls an idea may be adopted into."""
    return Call.objects.filter(status=Call.Status.DRAFT).order_by("-year", "-pk")


def can_see_idea(user, idea: Idea) -> bool:
    return visible_ideas(user).filter(pk=idea.pk).exists()


# (title, column kind of kechuang.core.spreadsheets)
EXPORT_HEADERS = [
    ("编号", "int"), ("项目征集", "text"), ("来源", "text"), ("建议单位", "text"), ("区县", "text"),
    ("方向名称", "text"), ("需解决的问题", "text"), ("预期目标与考核指标", "text"),
    ("建议支持金额（万元）", "wan_yuan"), ("状态", "text"), ("纳入的指南", "text"), ("处理意见", "text"),
    ("提交时间", "datetime"),
]  # fmt: skip


def export_rows(qs) -> list[list]:
    return [
        [
            i.pk, i.solicitation.title, i.get_source_display(), i.organisation.name if i.organisation_id else _("市科技局"),
            i.organisation.district.name if i.organisation_id else "", i.title, i.problem, i.goals,
            wan(i.suggested_yuan), i.get_status_display(), i.adopted_into.title if i.adopted_into_id else "",
            i.decision_note, i.created_at,
        ]
        for i in qs
    ]  # fmt: skip
