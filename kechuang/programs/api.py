"""Programme and challenge API (django-ninja router mounted at /api/programmes).

Scoping is the pages' own: calls as ``services.visible_calls`` (published guides are public),
applications as ``services.visible_applications`` (city all, a district its district's applicants, an
organisation its own, an expert none), awards as ``services.awards.visible_awards`` (the same rule by
the applicant), challenges as ``services.challenges.visible_challenges``. A record outside the caller's
scope answers **404**, exactly as one that does not exist. Every write and every status change goes
through the same services as the pages (``save_draft``, ``submit``, ``revise``), so a refused request
answers 403 (the reason) or 422 (``errors``: field → the rule broken) and changes nothing.

The call list and the challenge board are public: they answer without authentication, and an
anonymous caller (or one whose token is not valid) sees the public fields only.

Money is sent and returned as decimal strings in yuan (``"3000000.00"``), never as floats.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict, StrictInt

from kechuang.core.api_auth import BearerToken, SessionAuth
from kechuang.core.api_schemas import ERRORS, WRITE_ERRORS, ErrorOut, decimal_text
from kechuang.core.models import Organisation, Role
from kechuang.core.permissions import role_of

from . import services
from .models import Application, Award, Call, Challenge

router = Router(tags=["programmes"])

MAX_ID = 2**63 - 1
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def _anyone(request):
    """The last resort of the public routes: no (valid) credentials, so the caller is anonymous."""
    return "anonymous"


PUBLIC = [BearerToken(), SessionAuth(), _anyone]


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


# ----------------------------------------------------------------------------------------- schemas


# 401: an expired token is refused outright (not taken as anonymous), so its holder learns to renew it.
PUBLIC_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _status_label(obj) -> str:
    return obj.get_status_display()


class CallOut(Schema):
    id: int
    programme_type: str = Field(description="计划类型代码")
    programme_type_name: str = Field(description="计划类型")
    year: int
    title: str
    status: str
    status_label: str
    budget_cap_yuan: Decimal = Field(description="单项申请上限（元，本通知与计划类型上限中的较低者）")
    opens_on: dt.date
    closes_on: dt.date
    needs_endorsement: bool = Field(description="须经区县推荐")

    @staticmethod
    def resolve_programme_type(obj) -> str:
        return obj.programme_type.code

    @staticmethod
    def resolve_programme_type_name(obj) -> str:
        return obj.programme_type.name

    @staticmethod
    def resolve_budget_cap_yuan(obj) -> Decimal:
        return obj.cap_yuan()

    resolve_status_label = staticmethod(_status_label)


class CallDetail(CallOut):
    guide: str = Field(description="申报指南")
    topics: list[str] = Field(description="指南方向")
    eligibility: list[str] = Field(description="申报条件（政策代码）")
    max_months: int = Field(description="最长实施期（月）")
    form_schema: dict[str, Any] = Field(description="申报书表单（JSON Schema）")
    schema_version: int = Field(description="表单版本")
    attachment_kinds: list[dict[str, Any]] = Field(description="附件类型")

    @staticmethod
    def resolve_max_months(obj) -> int:
        return obj.programme_type.max_months


class OrganisationRef(Schema):
    id: int
    name: str


class ApplicationOut(Schema):
    id: int
    call_id: int
    call_title: str
    applicant: OrganisationRef
    title: str
    requested_yuan: Decimal
    months: int
    status: str
    status_label: str
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_call_title(obj) -> str:
        return obj.call.title

    resolve_status_label = staticmethod(_status_label)


class FindingOut(Schema):
    code: str
    ok: bool
    text: str


class ApplicationDetail(ApplicationOut):
    abstract: str
    form_data: dict[str, Any]
    schema_version: int = Field(description="填报所用表单版本")
    co_applicants: list[OrganisationRef]
    decision_reason: str = Field(description="形式审查意见")
    findings: list[FindingOut] = Field(description="形式审查结果")

    @staticmethod
    def resolve_co_applicants(obj) -> list[Organisation]:
        return list(obj.co_applicants.order_by("pk"))

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.all())


# The model's DecimalField (16 digits, 2 of them after the point) and its MinValueValidator(0).
Money = decimal_text(digits=14, example="3000000.00")


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ApplicationFields(_Strict):
    title: str = Field(description="项目名称", max_length=200)
    abstract: str = Field(description="项目摘要", max_length=4000)
    requested_yuan: Money = Field(description='申请支持金额（元），十进制字符串（例如 "3000000.00"）或整数')
    months: StrictInt = Field(description="实施期（月）", ge=1, le=600)
    form_data: dict[str, Any] = Field(default_factory=dict, description="申报书内容（按通知的表单）")
    co_applicant_ids: list[StrictInt] | None = Field(
        None, description="合作单位编号（企业或高校院所）；修改时省略则保持不变"
    )


class ApplicationIn(ApplicationFields):
    call_id: StrictInt = Field(description="申报通知编号", ge=1, le=MAX_ID)


def _one_of(choices) -> Any:
    """The values of a model's choices as an inline enum.

    Application.Status, Call.Status and Challenge.Status are all classes named "Status": as schema
    components they collided, and the OpenAPI document listed the challenge states for every filter,
    so a documented value such as status=cancelled on calls was refused.
    """
    return Literal[tuple(choices.values)]


class ApplicationFilters(Schema):
    call_id: int | None = Field(None, ge=1, le=MAX_ID, description="申报通知编号")
    status: _one_of(Application.Status) | None = Field(None, description="状态")


class CallFilters(Schema):
    status: _one_of(Call.Status) | None = Field(None, description="状态")
    year: int | None = Field(None, ge=1990, le=2100, description="年度")


class TeamOut(Schema):
    organisation: str
    status: str
    status_label: str


class ChallengeOut(Schema):
    id: int
    title: str
    poster: str = Field(description="发榜单位（市科技局发榜时为“市科技局”）")
    field: str = Field(description="技术领域")
    problem: str
    requirements: str
    bounty_open: bool = Field(description="不限定榜额：揭榜方提出经费需求，遴选时商定")
    bounty_yuan: Decimal | None = Field(
        description="榜额（元）；不限定榜额的榜单在遴选商定前为空，商定后为各入选团队商定榜额之和"
    )
    deadline: dt.date = Field(description="揭榜截止日期")
    months: int
    mode: str
    mode_label: str
    status: str
    status_label: str
    teams: list[TeamOut] = Field(description="入选团队（攻关开始后公开）")
    bids: int = Field(description="揭榜团队数（不含已撤回的），与公开榜单一致")
    my_bid: str | None = Field(None, description="本单位揭榜的状态（企业、高校院所用户）")


class ChallengeFilters(Schema):
    status: _one_of(Challenge.Status) | None = Field(None, description="状态")
    field: str = Field("", max_length=100, description="技术领域")


class MilestoneOut(Schema):
    seq: int
    title: str
    due_on: dt.date
    status: str
    status_label: str
    done_on: dt.date | None

    resolve_status_label = staticmethod(_status_label)


class TrancheOut(Schema):
    seq: int
    amount_yuan: Decimal
    status: str
    status_label: str
    paid_on: dt.date | None

    resolve_status_label = staticmethod(_status_label)


class AwardOut(Schema):
    id: int
    call_id: int
    call_title: str
    application_id: int
    title: str
    applicant: OrganisationRef
    amount_yuan: Decimal = Field(description="支持金额（元）")
    rank: int | None
    status: str
    status_label: str
    notice_starts: dt.date | None
    notice_ends: dt.date | None
    contract_no: str
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    grade: str

    @staticmethod
    def resolve_call_title(obj) -> str:
        return obj.call.title

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.application.title

    @staticmethod
    def resolve_applicant(obj) -> Organisation:
        return obj.application.applicant

    resolve_status_label = staticmethod(_status_label)


class AwardDetail(AwardOut):
    milestones: list[MilestoneOut]
    tranches: list[TrancheOut]

    @staticmethod
    def resolve_milestones(obj) -> list:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_tranches(obj) -> list:
        return list(obj.tranches.all())


def _id(description: str):
    return Path(..., ge=1, le=MAX_ID, description=description)


CALL_ID, APPLICATION_ID = _id("申报通知编号"), _id("申报项目编号")
CHALLENGE_ID, AWARD_ID = _id("榜单编号"), _id("立项项目编号")


# ------------------------------------------------------------------------------------------ calls


@router.get("/calls", response={200: list[CallOut], **PUBLIC_ERRORS}, auth=PUBLIC, summary="申报通知")
def list_calls(request, filters: Query[CallFilters]):
    """Published guides for everyone (no authentication needed); drafts and guides under review for
    city staff and leaders."""
    qs = services.visible_calls(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return list(qs)


@router.get(
    "/calls/{call_id}", response={200: CallDetail, **PUBLIC_ERRORS}, auth=PUBLIC, summary="申报通知详情"
)
def get_call(request, call_id: int = CALL_ID):
    call = services.visible_calls(request.user).filter(pk=call_id).first()
    if call is None:
        raise _not_found()
    return call


def _not_found():
    from django.http import Http404

    return Http404(_("未找到该记录"))


# ----------------------------------------------------------------------------------- applications


def _application(request, pk: int) -> Application:
    return services.get_application(request.user, pk)


def _renamed(exc: ValidationError) -> ValidationError:
    """The services name the call ``call``; this API's field is ``call_id``."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({("call_id" if k == "call" else k): v for k, v in exc.message_dict.items()})


def _co_applicants(ids) -> list[Organisation]:
    found = {o.pk: o for o in Organisation.objects.filter(pk__in=set(ids))}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationError(
            {"co_applicant_ids": _("没有这些编号的单位：%(ids)s") % {"ids": "、".join(unknown)}}
        )
    return [found[i] for i in dict.fromkeys(ids)]


def _data(payload: ApplicationFields) -> dict:
    return payload.model_dump(include={"title", "abstract", "requested_yuan", "months", "form_data"})


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS}, summary="申报项目")
@paginate(Page)
def list_applications(request, filters: Query[ApplicationFilters]):
    """The applications the caller may see: city staff all, district staff their district's
    applicants', an enterprise or institute its own; experts see theirs on the review pages."""
    qs = services.visible_applications(request.user).select_related("call", "applicant")
    if filters.call_id:
        qs = qs.filter(call_id=filters.call_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("pk")


@router.get(
    "/applications/{application_id}", response={200: ApplicationDetail, **ERRORS}, summary="申报项目详情"
)
def get_application(request, application_id: int = APPLICATION_ID):
    return _application(request, application_id)


@router.post("/applications", response={201: ApplicationDetail, **WRITE_ERRORS}, summary="新建申报书（草稿）")
def create_application(request, payload: ApplicationIn):
    """Save a draft for the caller's organisation in a call open for applications. The form content
    may be incomplete (it is checked on submit); the caps are checked now."""
    call = services.visible_calls(request.user).filter(pk=payload.call_id).first()
    if call is None:
        raise ValidationError({"call_id": _("没有编号为%(id)s的申报通知") % {"id": payload.call_id}})
    co = _co_applicants(payload.co_applicant_ids or [])
    try:
        app = services.save_draft(request.user, call, _data(payload), co_applicants=co)
    except ValidationError as exc:
        raise _renamed(exc) from exc
    return Status(201, app)


@router.put(
    "/applications/{application_id}",
    response={200: ApplicationDetail, **WRITE_ERRORS},
    summary="修改申报书（草稿）",
)
def update_application(request, payload: ApplicationFields, application_id: int = APPLICATION_ID):
    """Replace a draft's content (only drafts change; co-applicants stay as they are when omitted)."""
    app = _application(request, application_id)
    if payload.co_applicant_ids is None:
        co = list(app.co_applicants.all())
    else:
        co = _co_applicants(payload.co_applicant_ids)
    return services.save_draft(request.user, app.call, _data(payload), app=app, co_applicants=co)


@router.post(
    "/applications/{application_id}/submit", response={200: ApplicationDetail, **ERRORS}, summary="提交申报书"
)
def submit_application(request, application_id: int = APPLICATION_ID):
    """Submit a draft: the form is checked against the call's schema, the caps and the required
    attachments; the call must be open."""
    app = _application(request, application_id)
    try:
        services.submit(request.user, app)
    except ValidationError as exc:
        raise _renamed(exc) from exc
    return _application(request, application_id)


@router.post(
    "/applications/{application_id}/revise", response={200: ApplicationDetail, **ERRORS}, summary="退回后修改"
)
def revise_application(request, application_id: int = APPLICATION_ID):
    """Take an application returned by the formal check (or not endorsed) back to draft."""
    services.revise(request.user, _application(request, application_id))
    return _application(request, application_id)


# ------------------------------------------------------------------------------------- challenges


def _challenge_row(user, challenge: Challenge) -> dict:
    from .services import challenges as board

    role = role_of(user)
    row = {
        "id": challenge.pk,
        "title": challenge.title,
        "poster": challenge.poster.name if challenge.poster_id else _("市科技局"),
        "field": challenge.field,
        "problem": challenge.problem,
        "requirements": challenge.requirements,
        "bounty_open": challenge.bounty_open,
        "bounty_yuan": challenge.bounty_yuan,
        "deadline": challenge.deadline,
        "months": challenge.months,
        "mode": challenge.mode,
        "mode_label": challenge.get_mode_display(),
        "status": challenge.status,
        "status_label": challenge.get_status_display(),
        "teams": board.public_teams(challenge),
        # The public board shows how many teams have bid; who they are and what they plan is not public.
        "bids": challenge.bids.exclude(status="withdrawn").count(),
        "my_bid": None,
    }
    if role in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        mine = challenge.bids.filter(organisation_id=user.organisation_id).exclude(status="withdrawn").first()
        row["my_bid"] = mine.status if mine else None
    return row


@router.get(
    "/challenges", response={200: list[ChallengeOut], **PUBLIC_ERRORS}, auth=PUBLIC, summary="揭榜挂帅榜单"
)
def list_challenges(request, filters: Query[ChallengeFilters]):
    """The public challenge board (no authentication needed): posted challenges and those under way,
    with the selected teams once they run. Staff also see drafts and the number of bids; a posting
    enterprise its own drafts; a bidder the state of its own bid."""
    from .services import challenges as board

    qs = board.visible_challenges(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.field:
        qs = qs.filter(field=filters.field)
    return [_challenge_row(request.user, c) for c in qs.order_by("-pk")]


@router.get(
    "/challenges/{challenge_id}",
    response={200: ChallengeOut, **PUBLIC_ERRORS},
    auth=PUBLIC,
    summary="榜单详情",
)
def get_challenge(request, challenge_id: int = CHALLENGE_ID):
    from .services import challenges as board

    return _challenge_row(request.user, board.get_challenge(request.user, challenge_id))


# ----------------------------------------------------------------------------------------- awards


def _visible_awards(user):
    from .services import awards

    return awards.visible_awards(user).select_related("call", "application__applicant")


@router.get("/awards", response={200: list[AwardOut], **ERRORS}, summary="立项项目")
@paginate(Page)
def list_awards(request, call_id: int | None = Query(None, ge=1, le=MAX_ID, description="申报通知编号")):
    """Awarded projects the caller may see: city staff all, district staff their district's, an
    organisation its own."""
    qs = _visible_awards(request.user)
    if call_id:
        qs = qs.filter(call_id=call_id)
    return qs.order_by("pk")


@router.get("/awards/{award_id}", response={200: AwardDetail, **ERRORS}, summary="立项项目详情")
def get_award(request, award_id: int = AWARD_ID) -> Award:
    award = _visible_awards(request.user).filter(pk=award_id).first()
    if award is None:
        raise _not_found()
    return award
