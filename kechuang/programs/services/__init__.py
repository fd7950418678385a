"""Use-cases of the programmes app: programme types, calls, applications, the formal check.

Every refusal raises ``ValidationError`` naming the field and the rule (or ``PermissionDenied`` with
the reason) before anything is written, so a refused request changes nothing.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Organisation, Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, role_of, scope_q
from kechuang.engines import textmatch
from kechuang.enterprises.models import YearlyFacts

from .. import workflow
from ..models import Application, Call, FormalFinding, ProgrammeType

WAN = Decimal(10000)
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
        "leader": {"type": "string", "title": "项目负责人", "maxLength": 32},
        "goals": {"type": "string", "title": "主要研究内容与考核指标", "maxLength": 2000},
        "self_funding_yuan": {"type": "number", "title": "自筹资金（元）", "minimum": 0},
        "staff": {"type": "integer", "title": "项目团队人数", "minimum": 1, "maximum": 500},
    },
}


def can_manage(user) -> Decision:
    """Calls and formal decisions are the city bureau's (市局) business."""
    if role_of(user) in CITY_WRITERS:
        return Decision(True)
    return Decision(False, _("只有市局工作人员可以管理申报通知和形式审查"))


def can_apply(user) -> Decision:
    if role_of(user) == Role.ENTERPRISE and user.organisation_id:
        return Decision(True)
    return Decision(False, _("只有企业用户可以为本单位申报项目"))


def wan(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    # normalize() alone would print 400 as 4E+2.
    value = (amount / WAN).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


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
    properties with required, maxLength, minimum and maximum."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValidationError({"form_schema": _("表单定义须为 type 为 object 的 JSON Schema")})
    props = schema.get("properties")
    if not isinstance(props, dict) or not props:
        raise ValidationError({"form_schema": _("表单定义须至少包含一个字段（properties）")})
    for name, prop in props.items():
        if not isinstance(prop, dict) or prop.get("type") not in ("string", "number", "integer"):
            raise ValidationError(
                {"form_schema": _("字段 %(name)s 的类型须为 string、number 或 integer") % {"name": name}}
            )
    required = schema.get("required", [])
    if not isinstance(required, list) or any(r not in props for r in required):
        raise ValidationError({"form_schema": _("required 只能列出已定义的字段")})


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
        if kind == "string":
            if not isinstance(value, str):
                errors[key] = _("“%(title)s”须为文字") % {"title": title}
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


def visible_calls(user) -> QuerySet[Call]:
    """Published and closed calls are public guides; drafts are the bureau's."""
    qs = Call.objects.select_related("programme_type")
    if role_of(user) in CITY_READERS:
        return qs
    return qs.exclude(status=Call.Status.DRAFT)


CALL_FIELDS = (
    "programme_type", "year", "title", "guide", "topics", "eligibility", "budget_cap_yuan", "opens_on",
    "closes_on", "form_schema",
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
    if errors:
        raise ValidationError(errors)
    check_schema(call.form_schema)
    call.full_clean()


@transaction.atomic
def save_call(user, data: dict, call: Call | None = None) -> Call:
    """Create a call or edit a draft one. Changing a draft's form bumps its schema version so a
    draft application always knows which form it was filled against."""
    can_manage(user).enforce()
    if call is not None and call.status != Call.Status.DRAFT:
        raise ValidationError({"status": _("已发布的申报通知不能修改")})
    record = call or Call(created_by=user, form_schema=DEFAULT_SCHEMA)
    old_schema = record.form_schema if call is not None else None
    for name in CALL_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _check_call(record)
    if call is not None and record.form_schema != old_schema:
        record.schema_version += 1
    record.save()
    return record


_log = workflow.log
_illegal = workflow.guard


@transaction.atomic
def publish_call(user, call: Call) -> Call:
    can_manage(user).enforce()
    call = Call.objects.select_for_update().get(pk=call.pk)
    _illegal(call, "publish", _("发布"))
    _check_call(call)
    before = call.status
    call.publish()
    call.save()
    _log(call, "publish", before, user)
    return call


@transaction.atomic
def close_call(user, call: Call, reason: str = "") -> Call:
    can_manage(user).enforce()
    call = Call.objects.select_for_update().get(pk=call.pk)
    _illegal(call, "close", _("截止"))
    before = call.status
    call.close()
    call.save()
    _log(call, "close", before, user, reason)
    return call


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
    app.schema_version = call.schema_version
    _fill(app, data)
    co = [o for o in co_applicants if o.pk != app.applicant_id]
    if any(o.kind not in (Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE) for o in co):
        raise ValidationError({"co_applicants": _("合作单位须为企业或高校院所")})
    app.save()
    app.co_applicants.set(co)
    return app


@transaction.atomic
def submit(user, app: Application) -> Application:
    _check_own(user, app)
    app = Application.objects.select_for_update().select_related("call__programme_type").get(pk=app.pk)
    _illegal(app, "submit", _("提交"))
    _check_open(app.call)
    if app.schema_version != app.call.schema_version:
        raise ValidationError({"schema_version": _("申报表单已更新，请按新表单重新保存后再提交")})
    validate_form_data(app.call.form_schema, app.form_data)
    errors = _check_caps(app)
    if errors:
        raise ValidationError(errors)
    before = app.status
    app.submit()
    # Findings of an earlier submission describe content that may have changed since.
    app.findings.all().delete()
    app.submitted_at = timezone.now()
    app.save()
    _log(app, "submit", before, user)
    return app


@transaction.atomic
def revise(user, app: Application) -> Application:
    """A returned application goes back to draft for the applicant to correct and resubmit."""
    _check_own(user, app)
    app = Application.objects.select_for_update().get(pk=app.pk)
    _illegal(app, "revise", _("退回修改"))
    before = app.status
    app.revise()
    app.save()
    _log(app, "revise", before, user)
    return app


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
    index = textmatch.TextIndex(encoder=None)
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


@transaction.atomic
def formal_check(user, app: Application) -> list[FormalFinding]:
    """Run the machine part of 形式审查 and store its findings (replacing earlier ones)."""
    can_manage(user).enforce()
    app = (
        Application.objects.select_for_update()
        .select_related("call__programme_type", "applicant")
        .get(pk=app.pk)
    )
    if app.status != Application.Status.SUBMITTED:
        raise ValidationError({"status": _("只有已提交的申报才能进行形式审查")})
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
    app = Application.objects.select_for_update().get(pk=app.pk)
    method, label = DECISIONS[decision]
    _illegal(app, method, label)
    reason = (reason or "").strip()
    if not app.findings.exists():
        raise ValidationError({"findings": _("请先运行形式审查，再作出结论")})
    if decision == "return" and not reason:
        raise ValidationError({"reason": _("退回时必须说明原因")})
    if decision == "pass" and not reason and app.findings.filter(ok=False).exists():
        raise ValidationError({"reason": _("形式审查发现问题，如仍通过须说明理由")})
    before = app.status
    getattr(app, method)()
    app.decision_reason = reason
    app.save()
    _log(app, decision, before, user, reason)
    return app


# ------------------------------------------------------------------------------------- reporting


def status_counts() -> list[dict]:
    """Per programme type: calls and applications by status (for `kechuang programmes status`)."""
    calls = Counter()
    for row in Call.objects.values("programme_type_id", "status").annotate(n=Count("pk")):
        calls[(row["programme_type_id"], row["status"])] = row["n"]
    apps = Counter()
    for row in Application.objects.values("call__programme_type_id", "status").annotate(n=Count("pk")):
        apps[(row["call__programme_type_id"], row["status"])] = row["n"]
    return [
        {
            "type": t,
            "calls": {s: calls[(t.pk, s)] for s in Call.Status.values},
            "applications": {s: apps[(t.pk, s)] for s in Application.Status.values},
        }
        for t in ProgrammeType.objects.all()
    ]


def export_rows(qs) -> list[list]:
    return [
        [
            a.pk, a.call.title, a.applicant.name, a.applicant.district.name if a.applicant.district_id else "",
            a.title, wan(a.requested_yuan), a.months, a.get_status_display(),
            timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M") if a.submitted_at else "",
        ]
        for a in qs
    ]  # fmt: skip


def open_calls(on: dt.date | None = None) -> QuerySet[Call]:
    on = on or timezone.localdate()
    return Call.objects.filter(status=Call.Status.PUBLISHED, opens_on__lte=on, closes_on__gte=on)
