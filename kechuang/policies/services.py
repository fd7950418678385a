"""Use-cases of the policy library: what pages, the API, the task and the demo call.

Evaluation of many enterprises goes through the engine's vectorised path (``evaluate_bulk`` over a
``FactsTable`` built from one query of yearly facts); one enterprise's package page uses the exact
single path with its trace, for each condition's value, threshold and gap.
"""

import datetime as dt
import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import summaries
from kechuang.core.models import District, Role, User
from kechuang.core.notify import notify as notify_users
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, Decision, can_read, role_of
from kechuang.core.spreadsheets import Column
from kechuang.engines import rules as engine
from kechuang.enterprises.models import Enterprise, YearlyFacts

from . import declarations
from .models import Policy, PolicyCase, PolicyResult, PolicyRun, PolicyVersion

logger = logging.getLogger(__name__)
BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
YEARLY = [n for n, (_kind, static, _label) in engine.FACT_KINDS.items() if not static]
YEARLY_FIELDS = [n for n in YEARLY if n in {f.name for f in YearlyFacts._meta.concrete_fields}]
CHUNK = 5000
SQLITE_IN = 900  # stay under SQLite's bound-parameter limit

# ------------------------------------------------------------------------------------ permissions


def can_manage(user) -> Decision:
    """Write, edit and publish policies: the city bureau's staff (leaders read only)."""
    role = role_of(user)
    if role in CITY_WRITERS:
        return Decision(True)
    if role == Role.LEADER:
        return Decision(False, _("局领导账号为只读"))
    return Decision(False, _("仅市局工作人员可以编辑和发布政策"))


def can_view_library(user) -> Decision:
    """The policy library and coverage: city staff and leaders (all), district staff (their district)."""
    role = role_of(user)
    if role in CITY_READERS or role == Role.DISTRICT_STAFF:
        return Decision(True)
    return Decision(False, _("当前角色无权查看政策库"))


def _district_scope(user, field: str) -> Q:
    if role_of(user) == Role.DISTRICT_STAFF:
        return Q(**{field: user.district_id})
    return Q()


def visible_districts(user) -> QuerySet[District]:
    if role_of(user) == Role.DISTRICT_STAFF:
        return District.objects.filter(pk=user.district_id)
    return District.objects.all()


def get_policy(user, pk: int | None = None, *, code: str | None = None) -> Policy:
    can_view_library(user).enforce()
    qs = Policy.objects.select_related("current_version")
    policy = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code).first()
    if policy is None:
        from django.http import Http404

        raise Http404(_("未找到该政策"))
    return policy


def package_enterprise(user, pk: int) -> Enterprise:
    """The enterprise whose package ``user`` asks for: its own, its district's, or any for city staff."""
    enterprise = Enterprise.objects.select_related("organisation__district").filter(pk=pk).first()
    if enterprise is None:
        from django.http import Http404

        raise Http404(_("未找到该企业"))
    role = role_of(user)
    if role in (Role.INSTITUTE, Role.EXPERT):
        raise PermissionDenied(_("当前角色无权查看企业政策包"))
    can_read(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk).enforce()
    return enterprise


# ------------------------------------------------------------------------------------ facts


def _key(pk: int) -> str:
    # The engine keys enterprises by a sortable string; zero-padded ids sort as the ids do and,
    # unlike the USCC, are never blank.
    return f"{pk:015d}"


def facts_records(
    enterprise_ids: Sequence[int] | None, on: dt.date, fields: Sequence[str] = YEARLY_FIELDS
) -> list[dict]:
    """Engine records (one per enterprise-year) for the given enterprises (all when None): one query
    of yearly facts, and one of the enterprises, so that an enterprise without any facts still gets
    a (blank) record and comes out unknown instead of missing."""
    records: list[dict] = []
    seen: set[int] = set()
    static = ("enterprise__registered_on", "enterprise__industry_code")
    for ids in _id_chunks(enterprise_ids):
        qs = YearlyFacts.objects.filter(year__lt=on.year)
        ents = Enterprise.objects.all()
        if ids is not None:
            qs, ents = qs.filter(enterprise_id__in=ids), ents.filter(pk__in=ids)
        rows = qs.order_by("enterprise_id", "year").values("enterprise_id", "year", *static, *fields)
        for row in rows.iterator(chunk_size=5000):
            pk = row.pop("enterprise_id")
            seen.add(pk)
            row["uscc"] = _key(pk)
            row["registered_on"] = row.pop("enterprise__registered_on")
            row["industry_code"] = row.pop("enterprise__industry_code") or None
            records.append(row)
        for pk, registered_on, industry in ents.values_list("pk", "registered_on", "industry_code"):
            if pk not in seen:  # a year the engine ignores (not completed on ``on``): static facts only
                records.append(
                    {
                        "uscc": _key(pk),
                        "year": on.year,
                        "registered_on": registered_on,
                        "industry_code": industry or None,
                    }
                )
    return records


def _frame_dtype(name: str):
    kind = engine.FACT_KINDS[name][0]
    if kind in ("money", "number"):
        return pl.Decimal(20, 2)  # the database keeps two decimals; the engine refuses floats
    return {"count": pl.Int64, "bool": pl.Boolean, "date": pl.Date}.get(kind, pl.Utf8)


def facts_table(
    enterprise_ids: Sequence[int] | None, on: dt.date, depth: int, facts: set[str] | None = None
) -> engine.FactsTable:
    """The engine's FactsTable of the given enterprises (all when None), through a polars frame: the
    engine's ``from_frame`` converts whole Decimal columns, about three times faster than records.
    ``facts``: only these yearly facts are read (``engine.required_facts`` of the policies)."""
    fields = [f for f in YEARLY_FIELDS if facts is None or f in facts]
    records = facts_records(enterprise_ids, on, fields)
    names = ["uscc", "year", "registered_on", "industry_code", *fields]
    schema = {n: pl.Utf8 if n == "uscc" else pl.Int64 if n == "year" else _frame_dtype(n) for n in names}
    frame = pl.DataFrame({n: [r.get(n) for r in records] for n in names}, schema=schema)
    return engine.FactsTable.from_frame(frame, on, depth=depth, facts=facts)


def _id_chunks(ids: Sequence[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    ids = sorted(set(ids))
    for start in range(0, len(ids), SQLITE_IN):
        yield ids[start : start + SQLITE_IN]


# ------------------------------------------------------------------------------------ bulk results


def _bulk_rows(bulk: engine.BulkPolicyResult, index: int) -> dict:
    """One enterprise's row of a bulk result, in the stored shape."""
    status = engine.POLICY_STATUS[int(bulk.status[index])]
    conditions, failed, missing, gap = [], [], set(), 0.0
    for cid, statuses in bulk.conditions.items():
        cstatus = engine.CONDITION_STATUS[int(statuses[index])]
        norm = float(bulk.gap_norm[cid][index])
        facts = [f for f, mask in bulk.missing.get(cid, {}).items() if mask[index]]
        conditions.append(
            {"id": cid, "status": cstatus, "gap_norm": None if math.isnan(norm) else norm, "missing": facts}
        )
        if status != "eligible":
            if cstatus == "unmet":
                failed.append(cid)
                gap += norm
            missing.update(facts)
    score = None
    if bulk.score_lo is not None and bulk.score_lo[index] == bulk.score_hi[index]:
        score = int(bulk.score_lo[index])
    return {
        "status": status,
        "score": score,
        "gap": None if status == "eligible" else round(gap, 6),
        "failed": failed,
        "missing": sorted(missing),
        "conditions": conditions,
    }


def evaluate_many(versions: Sequence[PolicyVersion], enterprise_ids: Sequence[int] | None, on: dt.date):
    """Evaluate published versions over the enterprises (all when None) without storing anything.

    Yields (enterprise_id, fiscal_year, {version_pk: row}) per enterprise. Versions not in force on
    ``on`` are left out.
    """
    compiled = [(v, declarations.compile_text(v.yaml_text)) for v in versions]
    compiled = [(v, p) for v, p in compiled if p.in_force(on)]
    if not compiled:
        return
    depth = max(p.lookback for _v, p in compiled)
    table = facts_table(enterprise_ids, on, depth, engine.required_facts([p for _v, p in compiled]))
    if not len(table):
        return
    result = engine.evaluate_bulk([p for _v, p in compiled], table)
    ids = [int(k) for k in table.uscc.to_list()]
    years = table.reference_year.tolist()
    for i, pk in enumerate(ids):
        yield pk, int(years[i]), {v.pk: _bulk_rows(result.policies[p.code], i) for v, p in compiled}


def preview(version: PolicyVersion, user, *, on: dt.date | None = None, sample: int = 10) -> dict:
    """Who would qualify under ``version`` (a draft, usually): counts by status and by district, and a
    sample of eligible firms and of the nearest misses. Nothing is stored."""
    on = on or timezone.localdate()
    declarations.compile_text(version.yaml_text)
    districts = {d.pk: d for d in visible_districts(user)}
    ents = Enterprise.objects.filter(_district_scope(user, "organisation__district_id"))
    district_of = dict(ents.values_list("pk", "organisation__district_id"))
    totals = {"eligible": 0, "ineligible": 0, "unknown": 0}
    by_district: dict[int, dict[str, int]] = {pk: dict.fromkeys(totals, 0) for pk in districts}
    eligible, near = [], []
    ids = None if role_of(user) != Role.DISTRICT_STAFF else list(district_of)
    for pk, year, rows in evaluate_many([version], ids, on):
        if pk not in district_of:
            continue
        row = rows[version.pk]
        totals[row["status"]] += 1
        by_district.setdefault(district_of[pk], dict.fromkeys(totals, 0))[row["status"]] += 1
        if row["status"] == "eligible":
            eligible.append((pk, year, row))
        elif row["status"] == "ineligible":
            near.append((pk, year, row))
    near.sort(key=lambda item: (item[2]["gap"], len(item[2]["failed"])))
    names = _names([pk for pk, _y, _r in eligible[:sample] + near[:sample]])
    current = {}
    if version.policy.current_version_id and version.policy.current_version_id != version.pk:
        current = dict(
            PolicyResult.objects.filter(version_id=version.policy.current_version_id, is_current=True)
            .filter(_district_scope(user, "enterprise__organisation__district_id"))
            .values_list("status")
            .annotate(n=Count("pk"))
        )
    compiled = declarations.compile_text(version.yaml_text)
    labels = {c.full_id: c.label_zh for c in compiled.conditions}
    return {
        "on": on,
        "in_force": compiled.in_force(on),
        "totals": totals,
        "current": current,
        "districts": [
            {"district": districts[pk], **counts} for pk, counts in by_district.items() if pk in districts
        ],
        "eligible": [
            {"name": names.get(pk, pk), "year": y, "score": r["score"]} for pk, y, r in eligible[:sample]
        ],
        "near": [
            {
                "name": names.get(pk, pk),
                "year": y,
                "failed": [labels.get(c, c) for c in r["failed"]],
                "gap": r["gap"],
            }
            for pk, y, r in near[:sample]
        ],
    }


def _names(ids: Iterable[int]) -> dict[int, str]:
    return dict(Enterprise.objects.filter(pk__in=list(ids)).values_list("pk", "organisation__name"))


@transaction.atomic
def store_results(version: PolicyVersion, rows: list[tuple[int, int, dict]], on: dt.date) -> list[int]:
    """Store (enterprise_id, fiscal_year, row) results of ``version``; they become the current results
    of these enterprises for its policy (earlier results, of any version, are kept but no longer
    current). A re-evaluation of the same version and year replaces that result. Returns the
    enterprises that are eligible now and had no case for the policy yet (the newly qualified)."""
    policy_id = version.policy_id
    ids = [pk for pk, _y, _r in rows]
    by_year: dict[int, list[int]] = defaultdict(list)
    for pk, year, _row in rows:
        by_year[year].append(pk)
    for year, pks in by_year.items():
        for chunk in _id_chunks(pks):
            PolicyResult.objects.filter(version=version, fiscal_year=year, enterprise_id__in=chunk).delete()
    with_case: set[int] = set()
    for chunk in _id_chunks(ids):
        PolicyResult.objects.filter(
            version__policy_id=policy_id, enterprise_id__in=chunk, is_current=True
        ).update(is_current=False)
        with_case.update(
            PolicyCase.objects.filter(policy_id=policy_id, enterprise_id__in=chunk).values_list(
                "enterprise_id", flat=True
            )
        )
    _insert_results(version.pk, rows, on)
    return [pk for pk, _y, row in rows if row["status"] == "eligible" and pk not in with_case]


def _insert_results(version_id: int, rows: list[tuple[int, int, dict]], on: dt.date) -> None:
    """Multi-row INSERTs of result rows. The ORM's bulk_create spent most of a run preparing the three
    JSON fields value by value; here each row is dumped once and sent with a few hundred others."""
    if not rows:
        return
    table = PolicyResult._meta.db_table
    columns = (
        "enterprise_id, version_id, fiscal_year, evaluated_on, status, score, gap, failed, missing, "
        "conditions, is_current, computed_at"
    )
    json_ph = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    one = f"(%s, %s, %s, %s, %s, %s, %s, {json_ph}, {json_ph}, {json_ph}, %s, %s)"
    per_statement = 80 if connection.vendor == "sqlite" else 1000  # SQLite allows 999 parameters
    day = connection.ops.adapt_datefield_value(on)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params: list = []
            for pk, year, row in part:
                params += [
                    pk, version_id, year, day, row["status"], row["score"], row["gap"],
                    json.dumps(row["failed"]), json.dumps(row["missing"]),
                    json.dumps(row["conditions"], separators=(",", ":")), True, now,
                ]  # fmt: skip
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}", params)


# ------------------------------------------------------------------------------------ cases, notifications


def _open_cases(version: PolicyVersion, newly: list[tuple[int, int]]) -> list[PolicyCase]:
    policy = version.policy
    now = timezone.now()
    state = PolicyCase.State.GRANTED if policy.auto_grant else PolicyCase.State.NOTIFIED
    cases = [
        PolicyCase(
            enterprise_id=pk,
            policy=policy,
            version=version,
            fiscal_year=year,
            state=state,
            auto_granted=policy.auto_grant,
            notified_at=now,
            granted_at=now if policy.auto_grant else None,
        )
        for pk, year in newly
    ]
    from simple_history.utils import bulk_create_with_history

    return bulk_create_with_history(cases, PolicyCase, batch_size=1000, default_change_reason=_("系统判定"))


def notify(version: PolicyVersion, enterprise_ids: list[int]) -> int:
    """In-app notice and e-mail to the users of each newly qualified enterprise. Returns notices made."""
    policy = version.policy
    users = list(
        User.objects.filter(
            role=Role.ENTERPRISE, is_active=True, organisation_id__in=enterprise_ids
        ).select_related("organisation")
    )
    if not users:
        return 0
    if policy.auto_grant:
        title = _("“%(policy)s”已为贵企业免申即享") % {"policy": policy.name}
        body = _("经系统按贵企业的年度数据核验，贵企业符合“%(policy)s”的条件，无需申报，将直接兑现。") % {
            "policy": policy.name
        }
    else:
        title = _("贵企业符合“%(policy)s”的申报条件") % {"policy": policy.name}
        body = _(
            "经系统按贵企业的年度数据核验，贵企业符合“%(policy)s”的条件，请在政策包中查看详情并及时申报。"
        ) % {"policy": policy.name}
    return notify_users(users, title, body, reverse("policy_my_package"))


# ------------------------------------------------------------------------------------ runs


def current_versions() -> list[PolicyVersion]:
    return list(
        PolicyVersion.objects.filter(
            status=PolicyVersion.Status.PUBLISHED,
            pk__in=Policy.objects.filter(current_version__isnull=False).values("current_version_id"),
        )
        .select_related("policy")
        .order_by("policy__code")
    )


def start_run(
    kind: str, *, user=None, version: PolicyVersion | None = None, enterprise_ids=None
) -> PolicyRun:
    """Open a PolicyRun and queue its task once the surrounding transaction commits."""
    from . import tasks

    ids = sorted(set(enterprise_ids)) if enterprise_ids is not None else []
    total = len(ids) if enterprise_ids is not None else Enterprise.objects.count()
    run = PolicyRun.objects.create(
        kind=kind,
        version=version,
        enterprise_ids=ids,
        total=total,
        created_by=user if user and user.pk else None,
    )
    transaction.on_commit(lambda: tasks.evaluate_policies(run.pk))
    return run


def execute_run(run_id: int, *, on: dt.date | None = None) -> PolicyRun | None:
    """Carry out a queued run: evaluate, store, open cases and notify the newly qualified."""
    claimed = PolicyRun.objects.filter(pk=run_id, status=PolicyRun.Status.QUEUED).update(
        status=PolicyRun.Status.RUNNING
    )
    if not claimed:
        return None
    run = PolicyRun.objects.get(pk=run_id)
    on = on or timezone.localdate()
    try:
        versions = [run.version] if run.version else current_versions()
        versions = [v for v in versions if v.status == PolicyVersion.Status.PUBLISHED]
        ids = run.enterprise_ids if run.kind == PolicyRun.Kind.FACTS else None
        all_ids = (
            ids if ids is not None else list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
        )
        counts = {"eligible": 0, "ineligible": 0, "unknown": 0, "newly": 0, "notified": 0}
        run.total, run.done = len(all_ids), 0
        run.save(update_fields=["total", "done"])
        for start in range(0, len(all_ids), CHUNK):
            chunk = all_ids[start : start + CHUNK]
            per_version: dict[int, list] = defaultdict(list)
            for pk, year, rows in evaluate_many(versions, chunk, on):
                for vpk, row in rows.items():
                    per_version[vpk].append((pk, year, row))
            for version in versions:
                rows = per_version.get(version.pk, [])
                with transaction.atomic():
                    # One run at a time per policy: two runs writing the same enterprises' results and
                    # cases would collide on their unique keys, and a run of a version retired meanwhile
                    # must not overwrite the new version's results.
                    Policy.objects.select_for_update().filter(pk=version.policy_id).first()
                    if not PolicyVersion.objects.filter(
                        pk=version.pk, status=PolicyVersion.Status.PUBLISHED
                    ).exists():
                        continue
                    newly = store_results(version, rows, on)
                    years = {pk: y for pk, y, _r in rows}
                    _open_cases(version, [(pk, years[pk]) for pk in newly])
                for _pk, _y, row in rows:
                    counts[row["status"]] += 1
                counts["newly"] += len(newly)
                counts["notified"] += notify(version, newly)
            run.done = min(start + CHUNK, len(all_ids))
            run.counts = counts
            run.save(update_fields=["done", "counts"])
        run.status = PolicyRun.Status.DONE
        run.message = _("已判定 %(n)s 家企业，新符合条件 %(newly)s 家") % {
            "n": len(all_ids),
            "newly": counts["newly"],
        }
    except Exception as exc:
        run.status = PolicyRun.Status.FAILED
        run.message = (_("判定失败：%(error)s") % {"error": exc})[:300]
        run.finished_at = timezone.now()
        run.save()
        raise
    run.finished_at = timezone.now()
    run.save()
    return run


def on_facts_changed(enterprise_ids: Iterable[int], *, user=None) -> PolicyRun | None:
    """Re-evaluate the enterprises whose facts changed, in the background; notifies the newly qualified."""
    ids = sorted(set(enterprise_ids))
    if not ids or not PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).exists():
        return None
    return start_run(PolicyRun.Kind.FACTS, user=user, enterprise_ids=ids)


# ------------------------------------------------------------------------------------ editing, publishing


def next_number(policy: Policy) -> int:
    last = policy.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def save_draft(
    user, *, policy: Policy | None, yaml_text: str, auto_grant: bool, note: str = ""
) -> PolicyVersion:
    """A new draft version (and the policy, for a new code) from a declaration the engine accepts."""
    can_manage(user).enforce()
    compiled = declarations.compile_text(yaml_text)
    for name, parameter in compiled.parameters.items():
        # Each threshold must have a value from the first day the policy applies: the engine refuses
        # to guess one, so a gap would only show up later as a failed evaluation.
        if parameter.values[0].start > compiled.effective_from:
            raise ValidationError(
                {
                    "yaml_text": _("参数“%(name)s”的最早取值自 %(start)s 起，晚于政策生效日期 %(from)s")
                    % {"name": name, "start": parameter.values[0].start, "from": compiled.effective_from}
                }
            )
    if policy is None:
        if Policy.objects.filter(code=compiled.code, jurisdiction=compiled.jurisdiction).exists():
            raise ValidationError(
                {
                    "yaml_text": _("发文层级 %(j)s 的政策代码“%(code)s”已存在，请在该政策下新建版本")
                    % {"code": compiled.code, "j": compiled.jurisdiction}
                }
            )
        policy = Policy.objects.create(
            code=compiled.code,
            name=compiled.name_zh,
            jurisdiction=compiled.jurisdiction,
            source=compiled.source,
            auto_grant=auto_grant,
        )
    elif (compiled.code, compiled.jurisdiction) != (policy.code, policy.jurisdiction):
        raise ValidationError(
            {
                "yaml_text": _("政策代码和发文层级不能修改：应为“%(code)s”（%(j)s），实为“%(got)s”（%(gj)s）")
                % {
                    "code": policy.code,
                    "j": policy.jurisdiction,
                    "got": compiled.code,
                    "gj": compiled.jurisdiction,
                }
            }
        )
    return PolicyVersion.objects.create(
        policy=policy,
        number=next_number(policy),
        label=compiled.version,
        yaml_text=yaml_text,
        effective_from=compiled.effective_from,
        effective_until=compiled.effective_until,
        auto_grant=auto_grant,
        note=note,
        created_by=user,
    )


@transaction.atomic
def publish(user, version: PolicyVersion, *, evaluate: bool = True) -> PolicyRun | None:
    """Make ``version`` the policy's current one. The previous version is retired, and it keeps its
    stored results; the enterprises are then re-evaluated in the background (a PolicyRun)."""
    can_manage(user).enforce()
    version = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
    if version.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(_("只能发布草稿版本（当前状态：%(s)s）") % {"s": version.get_status_display()})
    compiled = declarations.compile_text(version.yaml_text)
    policy = version.policy
    policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).update(status=PolicyVersion.Status.RETIRED)
    version.status = PolicyVersion.Status.PUBLISHED
    version.published_by = user if user and user.pk else None
    version.published_at = timezone.now()
    version.save()
    policy.name, policy.jurisdiction, policy.source = compiled.name_zh, compiled.jurisdiction, compiled.source
    policy.auto_grant = version.auto_grant
    policy.current_version = version
    policy.save()
    if evaluate:
        return start_run(PolicyRun.Kind.PUBLISH, user=user, version=version)
    return None


def load_builtin(user=None, *, auto_grant: Iterable[str] = ("rd_super_deduction",)) -> list[PolicyVersion]:
    """The built-in declarations as policies with a published version each (skipping codes that exist)."""
    made = []
    auto = set(auto_grant)
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        compiled = declarations.compile_text(text)
        if Policy.objects.filter(code=compiled.code, jurisdiction=compiled.jurisdiction).exists():
            continue
        policy = Policy.objects.create(
            code=compiled.code,
            name=compiled.name_zh,
            jurisdiction=compiled.jurisdiction,
            source=compiled.source,
            auto_grant=compiled.code in auto,
        )
        version = PolicyVersion.objects.create(
            policy=policy,
            number=1,
            label=compiled.version,
            yaml_text=text,
            effective_from=compiled.effective_from,
            effective_until=compiled.effective_until,
            auto_grant=policy.auto_grant,
            status=PolicyVersion.Status.PUBLISHED,
            published_at=timezone.now(),
            note=_("内置政策"),
        )
        policy.current_version = version
        policy.save(update_fields=["current_version"])
        made.append(version)
    return made


# ------------------------------------------------------------------------------------ cases by people


def mark_applied(user, enterprise: Enterprise, policy: Policy) -> PolicyCase:
    """The enterprise says it has applied (申报) for an eligible policy."""
    if not (role_of(user) == Role.ENTERPRISE and user.organisation_id == enterprise.pk) and not can_manage(
        user
    ):
        raise PermissionDenied(_("只能由本企业或市局工作人员登记申报"))
    case, _created = PolicyCase.objects.get_or_create(
        enterprise=enterprise, policy=policy, defaults={"version": policy.current_version}
    )
    if case.state == PolicyCase.State.NOTIFIED:
        case.state, case.applied_at = PolicyCase.State.APPLIED, timezone.now()
        case._change_reason = _("企业登记申报")
        case.save()
    return case


def mark_granted(user, enterprise: Enterprise, policy: Policy) -> PolicyCase:
    """Staff confirm that the support was granted (兑现)."""
    role = role_of(user)
    if role == Role.DISTRICT_STAFF and enterprise.organisation.district_id == user.district_id:
        pass
    else:
        can_manage(user).enforce()
    case, _created = PolicyCase.objects.get_or_create(
        enterprise=enterprise, policy=policy, defaults={"version": policy.current_version}
    )
    if case.state != PolicyCase.State.GRANTED:
        case.state, case.granted_at = PolicyCase.State.GRANTED, timezone.now()
        case._change_reason = _("确认兑现")
        case.save()
    return case


# ------------------------------------------------------------------------------------ package


def _condition_view(c: engine.Condition, r: engine.ConditionResult) -> dict:
    gap = None
    if r.status == "unmet" and r.gap not in (None, 0):
        gap = declarations.display(r.gap, c.unit, gap=True)
    exact = r.as_dict()
    return {
        "id": c.id,
        "unit": c.unit,
        "exact_value": exact["value"],
        "exact_threshold": exact["threshold"],
        "exact_gap": exact["gap"],
        "text": c.text_zh,
        "status": r.status,
        "message": r.text_zh,
        "value": declarations.display(r.value, c.unit) if r.value is not None else "—",
        "threshold": declarations.display(r.threshold, c.unit) if r.threshold is not None else "—",
        "gap": gap,
        "gap_norm": r.gap_norm,
        "reference": c.reference,
        "missing": [
            "、".join(f"{y}年" for y in years) + engine.fact_label(name) if years else engine.fact_label(name)
            for name, years in sorted(r.missing_years.items())
        ],
    }


def _rule_refs(rule) -> set[str]:
    """Condition ids a route's rule combines (a Ref has ``id``; all/any ``items``; not ``item``)."""
    if hasattr(rule, "items"):
        return set().union(*(_rule_refs(x) for x in rule.items))
    if hasattr(rule, "item"):
        return _rule_refs(rule.item)
    return {rule.id}


def _closest_route(compiled: engine.Policy, result: engine.PolicyResult, conditions: list[dict]):
    """(unmet conditions, missing facts, route label) of the route nearest to qualifying: for a policy
    with alternative routes (科小: by score, or directly with a high-tech certificate) the gaps of
    one route are what the enterprise has to close, not those of every route at once."""
    by_id = {c["id"]: c for c in conditions}
    statuses = {r.id: r.status for r in result.routes}
    options = []
    for route in compiled.routes:
        mine = [by_id[cid] for cid in sorted(_rule_refs(route.rule), key=list(by_id).index)]
        unmet = [c for c in mine if c["status"] == "unmet"]
        missing = sorted({m for c in mine if c["status"] == "unknown" for m in c["missing"]})
        rank = (sum(c["gap_norm"] or 0.0 for c in unmet), len(unmet), len(missing))
        options.append((statuses[route.id] != result.status, rank, unmet, missing, route.label_zh))
    _other, _rank, unmet, missing, label = min(options, key=lambda o: (o[0], o[1]))
    return unmet, missing, label if len(compiled.routes) > 1 else ""


def package(user, enterprise: Enterprise, *, on: dt.date | None = None) -> dict:
    """The enterprise's policy package: eligible first, then near misses (a total shortfall within
    ``KECHUANG_NEAR_GAP`` of the thresholds) by smallest gap, the other misses, then unknowns with the
    facts to fill in. Evaluated live with the exact path, so every figure is traced."""
    on = on or timezone.localdate()
    records = facts_records([enterprise.pk], on)
    cases = {c.policy_id: c for c in PolicyCase.objects.filter(enterprise=enterprise)}
    eligible, near, unknown = [], [], []
    for policy in Policy.objects.filter(
        current_version__status=PolicyVersion.Status.PUBLISHED
    ).select_related("current_version"):
        try:
            compiled = declarations.compile_text(policy.current_version.yaml_text)
        except ValidationError:
            # A stored version the engine no longer accepts must not take the whole package down.
            logger.exception("policy %s v%s does not compile", policy.code, policy.current_version.number)
            continue
        if not compiled.in_force(on):
            continue
        try:
            result = engine.evaluate(compiled, records, on, trace=True)
        except engine.PolicyError:
            logger.exception("policy %s v%s cannot be evaluated", policy.code, policy.current_version.number)
            continue
        by_id = {r.id: r for r in result.conditions}
        conditions = [_condition_view(c, by_id[c.full_id]) for c in compiled.conditions]
        unmet, missing, route_hint = _closest_route(compiled, result, conditions)
        item = {
            "policy": policy,
            "version": policy.current_version,
            "status": result.status,
            "fiscal_year": result.fiscal_year,
            "score": result.score,
            "score_range": result.score_range if result.score is None else None,
            "score_label": compiled.score_label_zh if compiled.score is not None else "",
            "route": next((r.label_zh for r in result.routes if r.id == result.route), ""),
            "conditions": conditions,
            "gaps": unmet,
            "gap": sum(c["gap_norm"] or 0.0 for c in unmet),
            "missing": missing,
            "route_hint": route_hint,
            "case": cases.get(policy.pk),
            "source": compiled.source,
        }
        {"eligible": eligible, "ineligible": near, "unknown": unknown}[result.status].append(item)
    near.sort(key=lambda item: (item["gap"], len(item["gaps"])))
    unknown.sort(key=lambda item: len(item["missing"]))
    # Only a policy within reach is "接近符合": one 60 percentage points short, or failing a yes/no test
    # (gap 1.0), is listed apart so that the word keeps its meaning.
    within = settings.KECHUANG_NEAR_GAP
    far = [item for item in near if item["gap"] > within]
    near = [item for item in near if item["gap"] <= within]
    return {
        "enterprise": enterprise, "on": on, "eligible": eligible, "near": near, "far": far,
        "unknown": unknown, "near_gap": within,
    }  # fmt: skip


def package_summary(enterprise: Enterprise) -> dict:
    """Counts of the stored current results, for the home panel (no evaluation)."""
    rows = (
        PolicyResult.objects.filter(
            enterprise=enterprise, is_current=True, version__status=PolicyVersion.Status.PUBLISHED
        )
        .select_related("version__policy")
        .order_by("version__policy__code")
    )
    out = {"eligible": [], "ineligible": [], "unknown": []}
    for r in rows:
        out[r.status].append(r.version.policy)
    return out


# ------------------------------------------------------------------------------------ coverage


def coverage(user, policy: Policy) -> dict:
    """应享尽享 per district: eligible (current results), applied and granted (cases), and the rate."""
    can_view_library(user).enforce()
    districts = list(visible_districts(user))
    keys = ("eligible", "ineligible", "unknown", "applied", "granted")
    rows = {d.pk: dict.fromkeys(keys, 0) for d in districts}
    # Counted once per change of the data (kechuang.core.summaries), for every district at once.
    if policy.current_version_id:
        for (version_id, status, district_id), n in _result_counts(published_only=False).items():
            if version_id == policy.current_version_id and district_id in rows:
                rows[district_id][status] += n
    for (policy_id, state, district_id), n in _case_counts().items():
        if policy_id != policy.pk or district_id not in rows:
            continue
        if state in (PolicyCase.State.APPLIED, PolicyCase.State.GRANTED):
            rows[district_id]["applied"] += n
        if state == PolicyCase.State.GRANTED:
            rows[district_id]["granted"] += n
    table = [{"district": d, **rows[d.pk], "rate": _rate(rows[d.pk])} for d in districts]
    totals = {k: sum(r[k] for r in table) for k in keys}
    totals["rate"] = _rate(totals)
    return {"policy": policy, "rows": table, "totals": totals}


def _rate(row: dict) -> float | None:
    return row["granted"] / row["eligible"] if row["eligible"] else None


def eligible_list(user, policy: Policy) -> QuerySet[PolicyResult]:
    """Current eligible results of the policy in the user's scope, with enterprise and district."""
    can_view_library(user).enforce()
    return (
        PolicyResult.objects.filter(
            version_id=policy.current_version_id, is_current=True, status=PolicyResult.Status.ELIGIBLE
        )
        .filter(_district_scope(user, "enterprise__organisation__district_id"))
        .select_related("enterprise__organisation__district", "version")
        .order_by("enterprise__organisation__district__order", "enterprise_id")
    )


def export_rows(user, policy: Policy):
    """The 免申即享 list (for an auto-grant policy) or the list of eligible firms, as spreadsheet rows."""
    headers = [
        _("统一社会信用代码"), _("企业名称"), _("所属区县"), _("政策"), _("版本"), _("数据年度"),
        Column(_("判定日期"), "date"), Column(_("得分"), "number"), _("兑现状态"),
    ]  # fmt: skip
    states = dict(PolicyCase.State.choices)
    qs = eligible_list(user, policy)

    def rows():
        last = 0
        while True:
            page = list(qs.filter(pk__gt=last).order_by("pk")[:2000])
            if not page:
                return
            last = page[-1].pk
            cases = dict(
                PolicyCase.objects.filter(
                    policy=policy, enterprise_id__in=[r.enterprise_id for r in page]
                ).values_list("enterprise_id", "state")
            )
            for r in page:
                org = r.enterprise.organisation
                yield [
                    org.uscc, org.name, org.district.name, policy.name, f"v{r.version.number}（{r.version.label}）",
                    r.fiscal_year, r.evaluated_on, r.score, str(states.get(cases.get(r.enterprise_id), _("未推送"))),
                ]  # fmt: skip

    return headers, rows()


def library(user) -> list[dict]:
    """Every policy with its current version and the counts of its current results in scope."""
    can_view_library(user).enforce()
    district = user.district_id if role_of(user) == Role.DISTRICT_STAFF else None
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for (vpk, status, d), n in _result_counts().items():
        if district is None or d == district:
            counts[vpk][status] = counts[vpk].get(status, 0) + n
    granted: dict[int, int] = defaultdict(int)
    for (policy_id, d), n in _granted_counts().items():
        if district is None or d == district:
            granted[policy_id] += n
    out = []
    for p in Policy.objects.select_related("current_version").annotate(
        drafts=Count("versions", filter=Q(versions__status=PolicyVersion.Status.DRAFT))
    ):
        c = counts.get(p.current_version_id, {})
        out.append({"policy": p, "counts": c, "granted": granted.get(p.pk, 0), "drafts": p.drafts})
    return out


def _result_counts(*, published_only: bool = True) -> dict[tuple[int, str, int | None], int]:
    """Current results, {(version, status, district): n} (of published versions only, or of every
    version), counted once per change of the policy data or of the enterprises' districts
    (kechuang.core.summaries)."""

    def count():
        rows = (
            PolicyResult.objects.filter(is_current=True)
            .values_list("version_id", "version__status", "status", "enterprise__organisation__district_id")
            .annotate(n=Count("pk"))
        )
        return {(v, vs, s, d): n for v, vs, s, d, n in rows}

    every = summaries.cached((summaries.POLICIES, summaries.FACTS), "result_counts", count)
    out: dict[tuple[int, str, int | None], int] = defaultdict(int)
    for (v, vs, s, d), n in every.items():
        if not published_only or vs == PolicyVersion.Status.PUBLISHED:
            out[(v, s, d)] += n
    return out


def _case_counts() -> dict[tuple[int, str, int | None], int]:
    """Cases, {(policy, state, district): n}, counted once per change (as ``_result_counts``)."""

    def count():
        rows = PolicyCase.objects.values_list(
            "policy_id", "state", "enterprise__organisation__district_id"
        ).annotate(n=Count("pk"))
        return {(p, s, d): n for p, s, d, n in rows}

    return summaries.cached((summaries.POLICIES, summaries.FACTS), "case_counts", count)


def _granted_counts() -> dict[tuple[int, int | None], int]:
    out: dict[tuple[int, int | None], int] = defaultdict(int)
    for (policy_id, state, district_id), n in _case_counts().items():
        if state == PolicyCase.State.GRANTED:
            out[(policy_id, district_id)] += n
    return out


def warm_figures() -> None:
    """Count the cached coverage figures now (the policy task calls this after a run)."""
    _result_counts()
    _case_counts()
