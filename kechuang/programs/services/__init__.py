"""Use-cases of the programmes app: programme types, calls, applications, the formal check.

Every refusal raises ``ValidationError`` naming the field and the rule (or ``PermissionDenied`` with
the reason) before anything is written, so a refused request changes nothing.
"""

import copy
import datetime as dt
import hashlib
import io
import math
import re
import zipfile
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Organisation, Role, User
from kechuang.core.money import WAN as WAN  # re-exported for the views and forms
from kechuang.core.money import wan
from kechuang.core.notify import notify
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of, scope_q
from kechuang.engines import textmatch
from kechuang.enterprises.models import YearlyFacts

from .. import workflow
from ..models import Application, Attachment, Call, FormalFinding, ProgrammeType
from .formschema import ordered_properties as ordered_properties  # re-exported for views and exports

# Two applications whose title+abstract share at least this Dice share of character bigrams are
# "near-identical": rewording a sentence or two stays above it, a different project on the same
# topic falls well below (checked in the tests).
SIMILAR = Decimal("0.8")
SIMILAR_CANDIDATES = 5

# ``programme_rules`` of shared/seed-data/indicators.yaml (泰安 "双十工程"), plus the open-challenge
# type that its 重大技术攻关 selection mode 揭榜挂帅 implies.
PROGRAMME_TYPES = [
    {
        "code": "major_breakthrough", "name": "重大技术攻关项目", "kind": ProgrammeType.Kind.BREAKTHROUGH,
        "support": ProgrammeType.Support.GRANT, "max_grant_yuan": Decimal(5_000_000), "max_months": 24,
        "per_year": 10, "selection_modes": ["揭榜挂帅", "竞争立项"],
    },
    {
        "code": "major_transfer", "name": "重大成果转化项目", "kind": ProgrammeType.Kind.TRANSFER,
        "support": ProgrammeType.Support.INTEREST_SUBSIDY, "max_grant_yuan": Decimal(3_000_000),
        "max_months": 12, "per_year": 10, "selection_modes": ["竞争立项"],
    },
    {
        "code": "open_challenge", "name": "揭榜挂帅项目", "kind": ProgrammeType.Kind.CHALLENGE,
        "support": ProgrammeType.Support.GRANT, "max_grant_yuan": Decimal(5_000_000), "max_months": 24,
        "per_year": None, "selection_modes": ["揭榜挂帅", "赛马制"],
    },
]  # fmt: skip

DEFAULT_SCHEMA = {
    "type": "object",
    "required": ["leader", "goals"],
    "properties": {
        "leader": {"type": "string", "title": "项目负责人", "maxLength": 32, "propertyOrder": 1},
        "goals": {"type": "string", "title": "主要研究内容与考核指标", "maxLength": 2000, "propertyOrder": 2},
        "self_funding_yuan": {
            "type": "number",
            "title": "自筹资金",
            "format": "money",
            "minimum": 0,
            "propertyOrder": 3,
        },
        "staff": {
            "type": "integer",
            "title": "项目团队人数",
            "minimum": 1,
            "maximum": 500,
            "propertyOrder": 4,
        },
    },
}


def is_money(name: str, prop: dict) -> bool:
    """A schema number holding money (stored in yuan): marked ``"format": "money"``; schemas written
    before the marker named such fields ``*_yuan``."""
    return prop.get("type") == "number" and (prop.get("format") == "money" or name.endswith("_yuan"))


def money_title(title: str) -> str:
    """The title without a unit typed into it (older schemas said 自筹资金（元）): the unit sits beside the box."""
    return re.sub(r"\s*[（(](万?元)[）)]\s*$", "", title)


# 评审指标: the default weighted rubric of a new call (weights sum to 100, each scored 0..max).
DEFAULT_RUBRIC = [
    {"code": "innovation", "name": "技术创新性", "weight": 30, "max": 10},
    {"code": "feasibility", "name": "技术方案可行性", "weight": 25, "max": 10},
    {"code": "team", "name": "团队与基础条件", "weight": 20, "max": 10},
    {"code": "benefit", "name": "经济社会效益", "weight": 25, "max": 10},
]

# 附件类型: the default attachments of a new call.
DEFAULT_ATTACHMENT_KINDS = [
    {"code": "plan", "name": "项目可行性研究报告", "required": True},
    {"code": "finance", "name": "近一年财务审计报告", "required": True},
    {"code": "agreement", "name": "合作协议", "required": False},
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _positive_number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or number <= 0:
        return None
    return number


def _plain(number: Decimal) -> str:
    """A Decimal as people write it: 50, 12.5 (never 5E+1)."""
    return format(number.normalize(), "f")


def check_rubric(rubric) -> list[dict]:
    """Check a call's weighted rubric (评审指标): a non-empty list of {code, name, weight, max} with
    unique slug codes, a name, weight > 0 and max > 0, the weights summing to exactly 100. Raises
    ValidationError({"rubric": message}) naming the item and the rule; returns the rubric."""
    if not isinstance(rubric, list) or not rubric:
        raise ValidationError({"rubric": _("评审指标须为至少一项的列表")})
    seen: set[str] = set()
    total = Decimal(0)
    for i, item in enumerate(rubric, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"rubric": _("评审指标第%(i)s项须包含 code、name、weight、max") % {"i": i}})
        unknown = sorted(set(item) - {"code", "name", "weight", "max"})
        if unknown:
            raise ValidationError(
                {"rubric": _("评审指标第%(i)s项有未定义的键：%(k)s") % {"i": i, "k": "、".join(unknown)}}
            )
        code = item.get("code")
        if not isinstance(code, str) or not _SLUG.match(code):
            raise ValidationError(
                {
                    "rubric": _("评审指标第%(i)s项的代码（code）须为小写字母、数字、下划线或连字符，最长32位")
                    % {"i": i}
                }
            )
        if code in seen:
            raise ValidationError({"rubric": _("评审指标代码“%(c)s”重复，代码须唯一") % {"c": code}})
        seen.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise ValidationError({"rubric": _("评审指标“%(c)s”须有名称（name），不超过100字") % {"c": code}})
        weight = _positive_number(item.get("weight"))
        if weight is None:
            raise ValidationError({"rubric": _("评审指标“%(n)s”的权重（weight）须为大于0的数") % {"n": name}})
        if _positive_number(item.get("max")) is None:
            raise ValidationError({"rubric": _("评审指标“%(n)s”的满分（max）须为大于0的数") % {"n": name}})
        total += weight
    if total != 100:
        raise ValidationError({"rubric": _("评审指标的权重合计须为100，现为%(t)s") % {"t": _plain(total)}})
    return rubric


def check_attachment_kinds(kinds) -> list[dict]:
    """Check a call's attachment kinds: a list of {code, name, required} with unique slug codes."""
    if not isinstance(kinds, list):
        raise ValidationError({"attachment_kinds": _("附件类型须为列表")})
    seen: set[str] = set()
    for i, item in enumerate(kinds, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                {"attachment_kinds": _("附件类型第%(i)s项须包含 code、name、required") % {"i": i}}
            )
        code = item.get("code")
        if not isinstance(code, str) or not _SLUG.match(code):
            raise ValidationError(
                {
                    "attachment_kinds": _(
                        "附件类型第%(i)s项的代码（code）须为小写字母、数字、下划线或连字符，最长32位"
                    )
                    % {"i": i}
                }
            )
        if code in seen:
            raise ValidationError(
                {"attachment_kinds": _("附件类型代码“%(c)s”重复，代码须唯一") % {"c": code}}
            )
        seen.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise ValidationError(
                {"attachment_kinds": _("附件类型“%(c)s”须有名称（name），不超过100字") % {"c": code}}
            )
        if not isinstance(item.get("required", False), bool):
            raise ValidationError(
                {"attachment_kinds": _("附件类型“%(n)s”的必交（required）须为 true 或 false") % {"n": name}}
            )
    return kinds


def can_manage(user) -> Decision:
    """Calls and formal decisions are the city bureau's (市局) business."""
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以管理申报通知和形式审查"))


def can_apply(user) -> Decision:
    """Enterprises and universities/institutes apply for their own organisation."""
    if role_of(user) in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        return Decision(True)
    return Decision(False, _("只有企业或高校院所用户可以为本单位申报项目"))


def _users_of(organisation_id) -> QuerySet:
    return User.objects.filter(organisation_id=organisation_id, is_active=True)


def _url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(name, args=[pk])


# ------------------------------------------------------------------------------- programme types


def seed_programme_types() -> list[ProgrammeType]:
    """Create or update the seeded types by code (idempotent)."""
    out = []
    for row in PROGRAMME_TYPES:
        obj, _created = ProgrammeType.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
        out.append(obj)
    return out


# ---------------------------------------------------------------------------------------- schema


def check_schema(schema) -> None:
    """The form schemas this app renders and validates: an object of string/number/integer
    properties with required, maxLength, minimum and maximum; strings may be dates
    (``format: date``) or one of ``enum``; an array of an ``enum`` is a 多选."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValidationError({"form_schema": _("表单定义须为 type 为 object 的 JSON Schema")})
    props = schema.get("properties")
    if not isinstance(props, dict) or not props:
        raise ValidationError({"form_schema": _("表单定义须至少包含一个字段（properties）")})
    for name, prop in props.items():
        if not isinstance(prop, dict) or prop.get("type") not in ("string", "number", "integer", "array"):
            raise ValidationError(
                {
                    "form_schema": _("字段 %(name)s 的类型须为 string、number、integer 或 array")
                    % {"name": name}
                }
            )
        # 单选 is a string with options (enum), 多选 an array of them.
        options = (prop.get("items") or {}).get("enum") if prop["type"] == "array" else prop.get("enum", [""])
        if (
            not isinstance(options, list)
            or not options
            or any(not isinstance(o, str) for o in options)
            or (prop["type"] == "array" and not isinstance(prop.get("items"), dict))
        ):
            raise ValidationError(
                {"form_schema": _("字段 %(name)s 的选项须为非空的文字列表") % {"name": name}}
            )
        if not isinstance(prop.get("title", name), str):
            raise ValidationError(
                {"form_schema": _("字段 %(name)s 的名称（title）须为文字") % {"name": name}}
            )
        order = prop.get("propertyOrder")
        if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
            # Fields are sorted by it: a non-number would break every page showing the form.
            raise ValidationError(
                {"form_schema": _("字段 %(name)s 的顺序（propertyOrder）须为整数") % {"name": name}}
            )
        length = prop.get("maxLength")
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 1):
            raise ValidationError(
                {"form_schema": _("字段 %(name)s 的最大长度（maxLength）须为正整数") % {"name": name}}
            )
        for key, label in (("minimum", _("最小值（minimum）")), ("maximum", _("最大值（maximum）"))):
            bound = prop.get(key)
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound)
            ):
                raise ValidationError(
                    {"form_schema": _("字段 %(name)s 的%(k)s须为数字") % {"name": name, "k": label}}
                )
    required = schema.get("required", [])
    if not isinstance(required, list) or any(not isinstance(r, str) or r not in props for r in required):
        raise ValidationError({"form_schema": _("required 只能列出已定义的字段")})


def _iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def validate_form_data(schema: dict, data) -> dict:
    """Check ``data`` against the subset of JSON Schema that ``check_schema`` admits; returns the
    data with numbers as Decimal-safe strings kept as given. Raises ValidationError keyed
    ``form_data.<field>`` naming the rule.

    Written by hand rather than with ``jsonschema`` (only a dev dependency here): the subset is five
    keywords, and each message must name the field's Chinese title and the rule in Chinese.
    """
    if not isinstance(data, dict):
        raise ValidationError({"form_data": _("申报书内容须为字段到取值的对象")})
    props = schema.get("properties", {})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(props))
    if unknown:
        errors["form_data"] = _("申报书中有表单未定义的字段：%(names)s") % {"names": "、".join(unknown)}
    for name, prop in props.items():
        title = prop.get("title", name)
        key = f"form_data.{name}"
        value = data.get(name)
        if value is None or value == "":
            if name in schema.get("required", []):
                errors[key] = _("“%(title)s”为必填项") % {"title": title}
            continue
        kind = prop["type"]
        if kind == "array":
            options = prop["items"]["enum"]
            if not isinstance(value, list) or any(v not in options for v in value):
                errors[key] = _("“%(title)s”只能从给出的选项中选择") % {"title": title}
            elif not value and name in schema.get("required", []):
                errors[key] = _("“%(title)s”为必填项") % {"title": title}
            continue
        if kind == "string":
            if not isinstance(value, str):
                errors[key] = _("“%(title)s”须为文字") % {"title": title}
            elif "enum" in prop and value not in prop["enum"]:
                errors[key] = _("“%(title)s”只能从给出的选项中选择") % {"title": title}
            elif prop.get("format") == "date" and not _iso_date(value):
                errors[key] = _("“%(title)s”须为日期（年-月-日）") % {"title": title}
            elif "maxLength" in prop and len(value) > prop["maxLength"]:
                errors[key] = _("“%(title)s”不能超过%(n)s个字") % {"title": title, "n": prop["maxLength"]}
            continue
        # JSON numbers arrive as int/float or, from forms, as Decimal/str; bool is not a number.
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
            errors[key] = _("“%(title)s”须为数字") % {"title": title}
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[key] = _("“%(title)s”须为数字") % {"title": title}
            continue
        if not number.is_finite():
            errors[key] = _("“%(title)s”须为数字") % {"title": title}
        elif kind == "integer" and number != number.to_integral_value():
            errors[key] = _("“%(title)s”须为整数") % {"title": title}
        elif "minimum" in prop and number < Decimal(str(prop["minimum"])):
            errors[key] = _("“%(title)s”不能小于%(n)s") % {"title": title, "n": prop["minimum"]}
        elif "maximum" in prop and number > Decimal(str(prop["maximum"])):
            errors[key] = _("“%(title)s”不能大于%(n)s") % {"title": title, "n": prop["maximum"]}
    if errors:
        raise ValidationError(errors)
    return data


# ----------------------------------------------------------------------------------------- calls


def eligibility_names(call: Call) -> list[tuple[str, str]]:
    """(code, name) of each policy a call's applicants must meet, by the policy's name where known."""
    from kechuang.policies.models import Policy

    names = dict(Policy.objects.filter(code__in=call.eligibility).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in call.eligibility]


def policy_choices() -> list[tuple[str, str]]:
    """(code, name) of the library's policies, by name, for choosing a call's eligibility."""
    from kechuang.policies.models import Policy

    names: dict[str, str] = {}
    for code, name in Policy.objects.order_by("name", "code").values_list("code", "name"):
        names.setdefault(code, name)
    return sorted(((code, name) for code, name in names.items()), key=lambda item: item[1])


def visible_calls(user) -> QuerySet[Call]:
    """Published calls and later are public guides; drafts and guides under review are the bureau's."""
    qs = Call.objects.select_related("programme_type")
    if role_of(user) in CITY_READERS:
        return qs
    return qs.exclude(status__in=[Call.Status.DRAFT, Call.Status.IN_REVIEW, Call.Status.APPROVED])


CALL_FIELDS = (
    "programme_type", "year", "title", "guide", "topics", "eligibility", "budget_cap_yuan", "opens_on",
    "closes_on", "form_schema", "total_budget_yuan", "max_awards", "needs_endorsement", "rubric",
    "blind_review", "reveal_reviewers", "normalise_scores", "notice_days", "attachment_kinds",
)  # fmt: skip


def _check_call(call: Call) -> None:
    errors = {}
    if call.closes_on and call.opens_on and call.closes_on < call.opens_on:
        errors["closes_on"] = _("申报截止日期不能早于开始日期")
    ptype = call.programme_type if call.programme_type_id else None
    if ptype and call.budget_cap_yuan is not None and call.budget_cap_yuan > ptype.max_grant_yuan:
        errors["budget_cap_yuan"] = _("单项申请上限不能超过该计划类型的上限%(cap)s万元") % {
            "cap": wan(ptype.max_grant_yuan)
        }
    if (
        call.total_budget_yuan is not None
        and call.budget_cap_yuan is not None
        and call.total_budget_yuan < call.budget_cap_yuan
    ):
        errors["total_budget_yuan"] = _("本批资金总额不能少于单项申请上限")
    if call.max_awards is not None and call.max_awards < 1:
        errors["max_awards"] = _("立项数上限须至少为1")
    if call.notice_days is not None and not 1 <= call.notice_days <= 30:
        errors["notice_days"] = _("公示天数须为1至30天")
    if not isinstance(call.topics, list) or not all(isinstance(t, str) for t in call.topics):
        errors["topics"] = _("指南方向须为文字列表")
    if not isinstance(call.eligibility, list) or not all(isinstance(t, str) for t in call.eligibility):
        errors["eligibility"] = _("申报条件须为政策代码列表")
    else:
        from kechuang.policies.models import Policy

        known = set(Policy.objects.filter(code__in=call.eligibility).values_list("code", flat=True))
        unknown = [c for c in call.eligibility if c not in known]
        if unknown:
            errors["eligibility"] = _("政策库中没有这些政策代码：%(codes)s") % {"codes": "、".join(unknown)}
    for check in (check_rubric, check_attachment_kinds):
        try:
            check(call.rubric if check is check_rubric else call.attachment_kinds)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    check_schema(call.form_schema)
    call.full_clean()


@transaction.atomic
def save_call(user, data: dict, call: Call | None = None) -> Call:
    """Create a call or edit a draft one. Changing a draft's form bumps its schema version so a
    draft application always knows which form it was filled against. A new call starts with the
    default rubric and attachment kinds."""
    can_manage(user).enforce()
    if call is not None:
        call = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
        if call.status != Call.Status.DRAFT:
            raise ValidationError(
                {
                    "status": _("只有草稿状态的申报通知可以修改，当前状态为“%(s)s”")
                    % {"s": call.get_status_display()}
                }
            )
    record = call or Call(
        created_by=user,
        form_schema=copy.deepcopy(DEFAULT_SCHEMA),
        rubric=copy.deepcopy(DEFAULT_RUBRIC),
        attachment_kinds=copy.deepcopy(DEFAULT_ATTACHMENT_KINDS),
    )
    old_schema = record.form_schema if call is not None else None
    for name in CALL_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _check_call(record)
    if call is not None and record.form_schema != old_schema:
        record.schema_version += 1
    record.save()
    return record


_illegal = workflow.guard


def _drafters(call: Call) -> set[int]:
    """Who drafted the guide: its creator and whoever sent it for review."""
    ids = {call.created_by_id} if call.created_by_id else set()
    ids.update(
        workflow.history(call)
        .filter(action="send_for_review")
        .exclude(actor=None)
        .values_list("actor_id", flat=True)
    )
    return ids


def can_approve_guide(user, call: Call) -> Decision:
    """A leader or administrator, or city staff other than the drafter, approves (or sends back) a
    guide; never the one who drafted it."""
    role = role_of(user)
    if role not in (Role.LEADER, Role.ADMIN, Role.BUREAU_STAFF):
        return Decision(False, _("只有局领导或市局其他工作人员可以审核指南"))
    if user.pk in _drafters(call):
        return Decision(False, _("指南起草人不能审核自己起草的指南"))
    return Decision(True)


def _leaders():
    return User.objects.filter(role=Role.LEADER, is_active=True)


@transaction.atomic
def send_for_review(user, call: Call) -> Call:
    """The drafter sends a complete draft guide for internal review; the leaders are told."""
    can_manage(user).enforce()
    fresh = Call.objects.get(pk=call.pk)
    workflow.guard(fresh, "send_for_review", _("送审"))
    _check_call(fresh)
    call = workflow.step(user, fresh, "send_for_review", _("送审"))
    notify(
        _leaders(),
        _("指南待审核：%(t)s") % {"t": call.title},
        _("%(u)s 提交了申报指南，请审核。") % {"u": user.get_full_name() or user.username},
        _url("programme_call_detail", call.pk),
    )
    return call


def _tell_drafter(call: Call, title: str, body: str) -> None:
    if call.created_by_id:
        notify([call.created_by], title, body, _url("programme_call_detail", call.pk))


@transaction.atomic
def approve_call(user, call: Call, reason: str = "") -> Call:
    can_approve_guide(user, call).enforce()
    call = workflow.step(user, call, "approve", _("审定指南"), reason=(reason or "").strip())
    _tell_drafter(call, _("指南已审定：%(t)s") % {"t": call.title}, reason or _("指南已审定，可以发布。"))
    return call


@transaction.atomic
def send_back(user, call: Call, reason: str) -> Call:
    can_approve_guide(user, call).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回修改时必须说明原因")})
    call = workflow.step(user, call, "send_back", _("退回修改"), reason=reason)
    _tell_drafter(call, _("指南退回修改：%(t)s") % {"t": call.title}, reason)
    return call


@transaction.atomic
def publish_call(user, call: Call) -> Call:
    """Only an approved guide is published."""
    can_manage(user).enforce()
    fresh = Call.objects.get(pk=call.pk)
    workflow.guard(fresh, "publish", _("发布"))
    _check_call(fresh)
    return workflow.step(user, fresh, "publish", _("发布"))


@transaction.atomic
def close_call(user, call: Call, reason: str = "") -> Call:
    can_manage(user).enforce()
    return workflow.step(user, call, "close", _("截止"), reason=(reason or "").strip())


# ---------------------------------------------------------------------------------- applications


def visible_applications(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("call__programme_type", "applicant__district")
    return qs.filter(
        scope_q(user, district_field="applicant__district_id", organisation_field="applicant_id")
    )


def get_application(user, pk: int) -> Application:
    app = visible_applications(user).filter(pk=pk).first()
    if app is None:
        from django.http import Http404

        raise Http404(_("未找到该申报项目"))
    return app


MAX_CO_APPLICANTS = 10
APPLICATION_FIELDS = ("title", "abstract", "requested_yuan", "months", "form_data")


def _check_own(user, app: Application) -> None:
    can_apply(user).enforce()
    if app.applicant_id != user.organisation_id:
        raise PermissionDenied(_("只能修改本单位的申报项目"))


def _check_caps(app: Application) -> dict:
    errors = {}
    call = app.call
    if app.requested_yuan is not None:
        cap = call.cap_yuan()
        if app.requested_yuan > cap:
            errors["requested_yuan"] = _("申请金额不能超过%(cap)s万元（本通知和计划类型上限中的较低者）") % {
                "cap": wan(cap)
            }
        elif app.requested_yuan <= 0:
            errors["requested_yuan"] = _("申请金额须大于0")
    if app.months is not None and not 1 <= app.months <= call.programme_type.max_months:
        errors["months"] = _("实施期须为1至%(n)s个月") % {"n": call.programme_type.max_months}
    return errors


def _fill(app: Application, data: dict) -> None:
    for name in APPLICATION_FIELDS:
        if name in data:
            setattr(app, name, data[name])
    errors = _check_caps(app)
    if errors:
        raise ValidationError(errors)
    app.full_clean(exclude=["co_applicants"])


def _check_open(call: Call, field: str = "call") -> None:
    if not call.is_open_on(timezone.localdate()):
        raise ValidationError(
            {
                field: _("该通知不在申报期内（%(a)s 至 %(b)s，且须已发布）")
                % {"a": call.opens_on, "b": call.closes_on}
            }
        )


def _check_window(app: Application) -> None:
    """A draft is edited and submitted within the call's period. One returned for correction (by the
    district or the formal check) may still be corrected and resubmitted after the deadline, until the
    call goes to review: returns often come after the deadline, and the applicant must be able to act."""
    call = app.call
    if call.is_open_on(timezone.localdate()):
        return
    returned = app.pk and app.transitions.filter(action="revise").exists()
    if returned and call.status in (Call.Status.PUBLISHED, Call.Status.CLOSED):
        return
    _check_open(call)


@transaction.atomic
def save_draft(user, call: Call, data: dict, app: Application | None = None, co_applicants=()) -> Application:
    """Create or update the applicant's draft. Drafts may be incomplete in the form itself (checked
    on submit) but never exceed the caps."""
    can_apply(user).enforce()
    if app is None:
        _check_open(call)
        app = Application(call=call, applicant_id=user.organisation_id, created_by=user)
    else:
        _check_own(user, app)
        if app.status != Application.Status.DRAFT:
            raise ValidationError(
                {"status": _("只有草稿可以修改，当前状态为“%(s)s”") % {"s": app.get_status_display()}}
            )
        _check_window(app)
    app.schema_version = call.schema_version
    _fill(app, data)
    co = [o for o in co_applicants if o.pk != app.applicant_id]
    if any(o.kind not in (Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE) for o in co):
        raise ValidationError({"co_applicants": _("合作单位须为企业或高校院所")})
    if len(co) > MAX_CO_APPLICANTS:
        raise ValidationError({"co_applicants": _("合作单位不能超过%(n)s家") % {"n": MAX_CO_APPLICANTS}})
    app.save()
    app.co_applicants.set(co)
    return app


def co_applicant_choices() -> QuerySet[Organisation]:
    """The organisations that may be named as co-applicants: enterprises and institutes."""
    return Organisation.objects.filter(
        kind__in=[Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE]
    ).order_by("-kind", "name")


@transaction.atomic
def submit(user, app: Application) -> Application:
    _check_own(user, app)
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__programme_type", "applicant")
        .get(pk=app.pk)
    )
    _illegal(app, "submit", _("提交"))
    _check_window(app)
    if app.schema_version != app.call.schema_version:
        raise ValidationError({"schema_version": _("申报表单已更新，请按新表单重新保存后再提交")})
    validate_form_data(app.call.form_schema, app.form_data)
    errors = _check_caps(app)
    if errors:
        raise ValidationError(errors)
    missing = missing_attachments(app)
    if missing:
        raise ValidationError(
            {"attachments": _("缺少必交附件：%(k)s") % {"k": "、".join(k["name"] for k in missing)}}
        )
    # Findings of an earlier submission describe content that may have changed since.
    app.findings.all().delete()
    app = workflow.step(user, app, "submit", _("提交"), submitted_at=timezone.now())
    if app.call.needs_endorsement:
        notify(
            district_staff(app.applicant.district_id),
            _("待推荐：%(t)s") % {"t": app.title},
            _("%(o)s 提交了“%(c)s”的申报，请审核推荐。") % {"o": app.applicant.name, "c": app.call.title},
            _url("programme_application_detail", app.pk),
        )
    return app


@transaction.atomic
def revise(user, app: Application) -> Application:
    """A returned application goes back to draft for the applicant to correct and resubmit."""
    _check_own(user, app)
    # The district's endorsement (or refusal) was of the earlier submission: the next one is
    # endorsed afresh. The note stays in the audit trail.
    return workflow.step(user, app, "revise", _("退回修改"), endorsed_by=None, endorsement_note="")


# ----------------------------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# extension → (MIME type, magic prefix, what a zip must contain to be this Office type)
FILE_TYPES = {
    "pdf": ("application/pdf", b"%PDF-", None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04", "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04", "xl/"),
    "doc": ("application/msword", OLE, None),
    "xls": ("application/vnd.ms-excel", OLE, None),
    "jpg": ("image/jpeg", b"\xff\xd8\xff", None),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff", None),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n", None),
}  # fmt: skip


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PROGRAMME_ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES))


def sniff(name: str, content: bytes) -> str:
    """The MIME type of an upload whose extension and leading bytes agree; ValidationError on "file"
    otherwise (a renamed executable or a truncated file is refused)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FILE_TYPES:
        raise ValidationError(
            {
                "file": _("不支持的文件类型“%(e)s”，只能上传 PDF、Word、Excel、JPG 或 PNG 文件")
                % {"e": ext or "—"}
            }
        )
    mime, magic, member = FILE_TYPES[ext]
    if not content.startswith(magic):
        raise ValidationError({"file": _("文件内容与扩展名“.%(e)s”不符，请上传真实的%(e)s文件") % {"e": ext}})
    if member is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            names = []
        if "[Content_Types].xml" not in names or not any(n.startswith(member) for n in names):
            raise ValidationError(
                {"file": _("文件内容与扩展名“.%(e)s”不符，请上传真实的%(e)s文件") % {"e": ext}}
            )
    return mime


def _kinds(call: Call) -> dict[str, dict]:
    return {k["code"]: k for k in call.attachment_kinds or []}


def missing_attachments(app: Application) -> list[dict]:
    have = set(app.attachments.values_list("kind", flat=True))
    return [k for k in app.call.attachment_kinds or [] if k.get("required") and k["code"] not in have]


def _check_draft(user, app: Application) -> Application:
    _check_own(user, app)
    app = Application.objects.select_for_update(of=("self",)).select_related("call").get(pk=app.pk)
    if app.status != Application.Status.DRAFT:
        raise ValidationError(
            {"status": _("只有草稿可以修改附件，当前状态为“%(s)s”") % {"s": app.get_status_display()}}
        )
    _check_window(app)
    return app


@transaction.atomic
def add_attachment(user, app: Application, kind: str, upload) -> Attachment:
    """Attach ``upload`` (a Django UploadedFile or File with ``name`` and ``size``) to the applicant's
    draft as an attachment of ``kind``: the size, the extension and the leading bytes are checked
    before anything is stored; the stored name is the file's SHA-256."""
    app = _check_draft(user, app)
    kinds = _kinds(app.call)
    if kind not in kinds:
        raise ValidationError({"kind": _("附件类型须为本通知规定的类型之一：%(k)s") % {
            "k": "、".join(k["name"] for k in kinds.values()) or "—"
        }})  # fmt: skip
    if upload is None:
        raise ValidationError({"file": _("请选择要上传的文件")})
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1]
    if len(name) > 200:  # shorten the stem, never the extension the type check reads
        stem, dot, ext = name.rpartition(".")
        name = stem[: 199 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:200]
    limit = max_attachment_bytes()
    size = upload.size
    if size is None or size > limit:
        raise ValidationError(
            {"file": _("文件不能超过%(n)sMB") % {"n": _plain(Decimal(limit) / (1024 * 1024))}}
        )
    if size == 0:
        raise ValidationError({"file": _("文件为空")})
    upload.seek(0)
    content = upload.read()
    mime = sniff(name, content)
    digest = hashlib.sha256(content).hexdigest()
    if app.attachments.filter(kind=kind, sha256=digest).exists():
        raise ValidationError({"file": _("该文件已作为“%(k)s”上传过") % {"k": kinds[kind]["name"]}})
    att = Attachment(
        application=app, kind=kind, name=name, size=len(content), content_type=mime, sha256=digest,
        uploaded_by=user,
    )  # fmt: skip
    att.file.save(name, ContentFile(content), save=False)
    att.save()
    return att


@transaction.atomic
def delete_attachment(user, att: Attachment) -> None:
    _check_draft(user, att.application)
    storage, path = att.file.storage, att.file.name
    att.delete()
    # The file goes only when the row is gone for good (and no other row shares the checksum path).
    if not Attachment.objects.filter(file=path).exists():
        transaction.on_commit(lambda: storage.delete(path))


def _expert_may_read(user, application_id: int) -> bool:
    """A reviewer reads an application's attachments only on a seat of a locked panel for it, after
    declaring no conflict, and never in a blind review (the files name the applicant)."""
    from kechuang.experts.models import Assignment, SelectionRound

    return Assignment.objects.filter(
        expert__user=user,
        reserve=False,
        withdrawn=False,
        declaration=Assignment.Declaration.NO_CONFLICT,
        round__status=SelectionRound.Status.LOCKED,
        item__programme_entry__application_id=application_id,
        item__programme_entry__round__call__blind_review=False,
    ).exists()


def get_attachment(user, pk: int) -> Attachment:
    """An attachment of an application ``user`` may see; an expert only as ``_expert_may_read`` says."""
    from django.http import Http404

    att = Attachment.objects.select_related("application").filter(pk=pk).first()
    if att is None:
        raise Http404(_("未找到该附件"))
    if role_of(user) == Role.EXPERT:
        if not _expert_may_read(user, att.application_id):
            raise PermissionDenied(_("只有声明无利益冲突的评审专家可以查看所评项目的附件"))
        return att
    if not visible_applications(user).filter(pk=att.application_id).exists():
        raise Http404(_("未找到该附件"))
    return att


def kind_name(call: Call, code: str) -> str:
    return _kinds(call).get(code, {}).get("name", code)


# ----------------------------------------------------------------------------------- endorsement


def district_staff(district_id) -> QuerySet:
    return User.objects.filter(role=Role.DISTRICT_STAFF, district_id=district_id, is_active=True)


def can_endorse(user, app: Application) -> Decision:
    """The applicant's own district bureau endorses (推荐)."""
    if role_of(user) != Role.DISTRICT_STAFF or not user.district_id:
        return Decision(False, _("只有区县科技局工作人员可以推荐"))
    if app.applicant.district_id != user.district_id:
        return Decision(False, _("只能推荐本区县单位的申报"))
    return Decision(True)


def endorsement_queue(user) -> QuerySet[Application]:
    """待推荐: submitted applications of the user's district to calls that ask for endorsement."""
    if role_of(user) != Role.DISTRICT_STAFF or not user.district_id:
        return Application.objects.none()
    return (
        visible_applications(user)
        .filter(status=Application.Status.SUBMITTED, call__needs_endorsement=True)
        .order_by("submitted_at", "pk")
    )


def _tell_applicant(app: Application, title: str, body: str) -> None:
    notify(_users_of(app.applicant_id), title, body, _url("programme_application_detail", app.pk))


@transaction.atomic
def endorse(user, app: Application, note: str = "") -> Application:
    app = Application.objects.select_related("call", "applicant").get(pk=app.pk)
    can_endorse(user, app).enforce()
    if not app.call.needs_endorsement:
        raise ValidationError({"status": _("本通知无须区县推荐")})
    note = (note or "").strip()
    app = workflow.step(user, app, "endorse", _("推荐"), reason=note, endorsed_by=user, endorsement_note=note)
    _tell_applicant(app, _("区县已推荐：%(t)s") % {"t": app.title}, note or _("区县科技局已推荐您的申报。"))
    return app


@transaction.atomic
def decline_endorsement(user, app: Application, reason: str) -> Application:
    app = Application.objects.select_related("call", "applicant").get(pk=app.pk)
    can_endorse(user, app).enforce()
    if not app.call.needs_endorsement:
        raise ValidationError({"status": _("本通知无须区县推荐")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("不予推荐时必须说明原因")})
    app = workflow.step(
        user, app, "decline_endorsement", _("不予推荐"), reason=reason, endorsed_by=user,
        endorsement_note=reason,
    )  # fmt: skip
    _tell_applicant(app, _("区县未推荐：%(t)s") % {"t": app.title}, reason)
    return app


def ready_for_formal_check(app: Application) -> bool:
    """Endorsed, or submitted to a call that needs no endorsement."""
    if app.status == Application.Status.ENDORSED:
        return True
    return app.status == Application.Status.SUBMITTED and not app.call.needs_endorsement


# -------------------------------------------------------------------------------- formal check


def _condition_labels(version) -> dict[str, str]:
    try:
        from kechuang.policies import declarations

        return {c.full_id: c.label_zh for c in declarations.compile_text(version.yaml_text).conditions}
    except Exception:  # a retired version that no longer compiles still has its ids to show
        return {}


def _fact_label(name: str) -> str:
    try:
        return str(YearlyFacts._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _eligibility(app: Application) -> list[tuple[str, bool, str]]:
    from kechuang.policies.models import Policy, PolicyResult

    out = []
    for code in app.call.eligibility:
        policies = list(Policy.objects.filter(code=code))
        name = policies[0].name if policies else code
        results = list(
            PolicyResult.objects.filter(
                enterprise_id=app.applicant_id, version__policy__code=code, is_current=True
            ).select_related("version")
        )
        good = [r for r in results if r.status == PolicyResult.Status.ELIGIBLE]
        if good:
            out.append(
                (
                    f"eligibility:{code}",
                    True,
                    _("符合“%(p)s”（%(y)s年度数据）") % {"p": name, "y": good[0].fiscal_year},
                )
            )
            continue
        if not results:
            out.append(
                (f"eligibility:{code}", False, _("尚无“%(p)s”的政策匹配结果，无法确认申报资格") % {"p": name})
            )
            continue
        r = results[0]
        labels = _condition_labels(r.version)
        parts = []
        if r.failed:
            parts.append(_("未满足：%(c)s") % {"c": "；".join(labels.get(c, c) for c in r.failed)})
        if r.missing:
            parts.append(_("缺少数据：%(f)s") % {"f": "、".join(_fact_label(m) for m in r.missing)})
        text = _("不符合“%(p)s”（%(s)s，%(y)s年度数据）") % {
            "p": name, "s": r.get_status_display(), "y": r.fiscal_year,
        }  # fmt: skip
        out.append((f"eligibility:{code}", False, text + ("：" + "；".join(parts) if parts else "")))
    return out


def _integrity(app: Application) -> tuple[str, bool, str]:
    facts = YearlyFacts.objects.filter(enterprise_id=app.applicant_id).order_by("-year").first()
    if facts is None or facts.dishonest is None:
        return ("integrity", False, _("未填报是否列入失信名单，需人工核实"))
    if facts.dishonest:
        return ("integrity", False, _("%(y)s年度数据显示申报单位列入失信名单") % {"y": facts.year})
    return ("integrity", True, _("%(y)s年度未列入失信名单") % {"y": facts.year})


def _bigrams(text: str) -> Counter:
    return Counter(textmatch.char_bigrams(textmatch.normalize(text)))


def similarity(a: str, b: str) -> Decimal:
    """Dice coefficient of the two texts' character-bigram multisets, exact (0..1)."""
    ca, cb = _bigrams(a), _bigrams(b)
    total = sum(ca.values()) + sum(cb.values())
    if not total:
        return Decimal(0)
    return Decimal(2 * sum((ca & cb).values())) / Decimal(total)


def _similar(app: Application) -> list[tuple[str, bool, str]]:
    """BM25 picks the candidates among other non-draft applications; the exact bigram overlap decides."""
    others = list(
        Application.objects.exclude(pk=app.pk)
        .exclude(status=Application.Status.DRAFT)
        .select_related("call", "applicant")
    )
    if not others:
        return []
    index = textmatch.TextIndex(tokenizer=textmatch.shared_tokenizer(), encoder=None)
    index.add(textmatch.Document(str(o.pk), o.text()) for o in others)
    by_id = {str(o.pk): o for o in others}
    out = []
    mine = app.text()
    for hit in index.search(mine, k=SIMILAR_CANDIDATES, explain=False):
        other = by_id[hit.doc_id]
        score = similarity(mine, other.text())
        if score >= SIMILAR:
            out.append(
                (
                    f"similar:{other.pk}",
                    False,
                    _("与“%(t)s”（%(o)s，%(c)s）的名称和摘要高度相似（相似度%(s)s%%），疑似重复申报")
                    % {
                        "t": other.title,
                        "o": other.applicant.name,
                        "c": other.call.title,
                        "s": round(score * 100),
                    },
                )
            )
    return out


# An application still competing or under way, as opposed to a draft or one that ended.
LIVE = [
    Application.Status.SUBMITTED, Application.Status.ENDORSED, Application.Status.FORMAL_PASSED,
    Application.Status.IN_REVIEW, Application.Status.REVIEWED, Application.Status.AWARDED,
    Application.Status.WAITLISTED,
]  # fmt: skip


def _same_team(app: Application) -> list[tuple[str, bool, str]]:
    """The same project leader of the same applicant in another live application of the same year,
    in any call: one team should not carry two projects (重复申报) at once."""
    leader = str(app.form_data.get("leader") or "").strip()
    if not leader:
        return []
    others = [
        o
        for o in Application.objects.filter(
            applicant_id=app.applicant_id, call__year=app.call.year, status__in=LIVE
        )
        .exclude(pk=app.pk)
        .select_related("call")
        if str(o.form_data.get("leader") or "").strip() == leader
    ]
    if not others:
        return [("same_team", True, _("项目负责人%(l)s本年度无其他在申或在研项目") % {"l": leader})]
    return [
        (
            f"same_team:{o.pk}",
            False,
            _("项目负责人%(l)s本年度还在“%(c)s”中申报了“%(t)s”（%(s)s）")
            % {"l": leader, "c": o.call.title, "t": o.title, "s": o.get_status_display()},
        )
        for o in others
    ]


@transaction.atomic
def formal_check(user, app: Application) -> list[FormalFinding]:
    """Run the machine part of 形式审查 and store its findings (replacing earlier ones)."""
    can_manage(user).enforce()
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__programme_type", "applicant")
        .get(pk=app.pk)
    )
    if not ready_for_formal_check(app):
        raise ValidationError(
            {
                "status": _(
                    "只有已提交（须区县推荐的通知为区县已推荐）的申报才能进行形式审查，当前状态为“%(s)s”"
                )
                % {"s": app.get_status_display()}
            }
        )
    call, ptype = app.call, app.call.programme_type
    rows = _eligibility(app)
    rows.append(_integrity(app))
    cap = call.cap_yuan()
    rows.append(
        (
            "budget",
            app.requested_yuan <= cap,
            _("申请%(r)s万元，上限%(c)s万元") % {"r": wan(app.requested_yuan), "c": wan(cap)},
        )
    )
    rows.append(
        (
            "duration",
            app.months <= ptype.max_months,
            _("实施期%(m)s个月，上限%(n)s个月") % {"m": app.months, "n": ptype.max_months},
        )
    )
    same = (
        Application.objects.filter(call=call, applicant_id=app.applicant_id)
        .exclude(pk=app.pk)
        .exclude(status=Application.Status.DRAFT)
    )
    titles = [a.title for a in same]
    rows.append(
        (
            "duplicate_call",
            not titles,
            _("同一单位在本通知下还申报了：%(t)s") % {"t": "、".join(titles)}
            if titles
            else _("本通知下无同一单位的其他申报"),
        )
    )
    rows.extend(_same_team(app))
    similar = _similar(app)
    rows.extend(similar or [("similar", True, _("未发现名称和摘要高度相似的其他申报"))])
    app.findings.all().delete()
    return FormalFinding.objects.bulk_create(
        [FormalFinding(application=app, code=code, ok=ok, text=text) for code, ok, text in rows]
    )


DECISIONS = {"pass": ("formal_pass", _("通过形式审查")), "return": ("formal_return", _("退回"))}


@transaction.atomic
def decide(user, app: Application, decision: str, reason: str = "") -> Application:
    """The staff's formal decision. Returning needs a reason; passing despite a machine finding of a
    problem needs one too, so the record says why the finding was overruled."""
    can_manage(user).enforce()
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("审查结论须为通过或退回")})
    app = Application.objects.select_for_update(of=("self",)).select_related("call").get(pk=app.pk)
    method, label = DECISIONS[decision]
    _illegal(app, method, label)
    reason = (reason or "").strip()
    if not app.findings.exists():
        raise ValidationError({"findings": _("请先运行形式审查，再作出结论")})
    if decision == "return" and not reason:
        raise ValidationError({"reason": _("退回时必须说明原因")})
    if decision == "pass" and not reason and app.findings.filter(ok=False).exists():
        raise ValidationError({"reason": _("形式审查发现问题，如仍通过须说明理由")})
    app = workflow.step(user, app, method, label, reason=reason, action=decision, decision_reason=reason)
    if decision == "pass":
        title = _("形式审查通过：%(t)s") % {"t": app.title}
        body = reason or _("您的申报已通过形式审查，将进入专家评审。")
    else:
        title = _("形式审查退回：%(t)s") % {"t": app.title}
        body = _("退回原因：%(r)s。请修改后重新提交。") % {"r": reason}
    _tell_applicant(app, title, body)
    return app


# ------------------------------------------------------------------------------------- reporting


def export_rows(qs) -> list[list]:
    return [
        [
            a.pk, a.call.title, a.applicant.name, a.applicant.district.name if a.applicant.district_id else "",
            a.title, wan(a.requested_yuan), a.months, a.get_status_display(),
            a.submitted_at,
        ]
        for a in qs
    ]  # fmt: skip


def open_calls(on: dt.date | None = None) -> QuerySet[Call]:
    on = on or timezone.localdate()
    return Call.objects.filter(status=Call.Status.PUBLISHED, opens_on__lte=on, closes_on__gte=on)
