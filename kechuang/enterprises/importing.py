"""Import of the yearly-facts template (.xlsx / .csv): the use-case behind the upload page, the
``kechuang facts import`` command and the background task.

A file is validated row by row and is all-or-nothing: with any bad row nothing is written and the
answer is a per-row report (row, column, value, rule). An import is idempotent: rows equal to what is
stored are not written and leave no history, so the same file twice changes nothing the second time.
A blank cell means unknown: it never becomes 0 or False and never erases a value already stored.
Every upload is kept as a ``core.ImportRun`` with the stored file, accepted or refused.

Scope (DESIGN.md): city staff may import any district's enterprises; district staff only their own
district's; an enterprise user only its own USCC; leaders, experts and institutes may not import.
"""

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kechuang.core.models import District, ImportRun, Organisation, Role
from kechuang.core.permissions import Decision
from kechuang.core.spreadsheets import csv_bytes, display_width

from . import services
from .models import Enterprise, YearlyFacts
from .signals import facts_imported
from .template import (
    COLUMNS,
    EXAMPLES,
    FACT_COLUMNS,
    LABELS_ZH,
    REQUIRED,
    RULES_ZH,
    RowError,
    latest_static,
    read_facts_bytes,
)

KIND = "yearly_facts"
BATCH = 2000  # rows per bulk INSERT/UPDATE statement group
LOOKUP_CHUNK = 900  # ids per IN (...) lookup: under SQLite's oldest bound-parameter limit (999)

ProgressFn = Callable[[str, int, int], None]  # (stage in Chinese, done, total)


@dataclass
class ImportOutcome:
    run: ImportRun
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    counts: dict = field(default_factory=dict)
    enterprises: list[dict] = field(default_factory=list)  # {"id", "name", "uscc", "status"}, file order
    timings: dict = field(default_factory=dict)  # seconds per stage

    @property
    def ok(self) -> bool:
        return not self.errors


def can_import(user) -> Decision:
    """Who may upload yearly facts at all; which rows they may touch is checked row by row.

    ``None`` is the operator at the server's console (``kechuang facts import`` without --user), who
    already holds the database and imports with city-wide scope; pages always pass ``request.user``.
    """
    if user is None:
        return Decision(True)
    if not user.is_authenticated or not user.is_active:
        return Decision(False, _("请先登录"))
    if user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF):
        return Decision(True)
    if user.role == Role.DISTRICT_STAFF and user.district_id:
        return Decision(True)
    if user.role == Role.ENTERPRISE and user.organisation_id:
        return Decision(True)
    return Decision(False, _("当前角色无权导入年度数据"))


def error_message(error: RowError) -> str:
    """One line a civil servant can act on: 第5行「研发费用（元）」：金额不能为负数."""
    label = LABELS_ZH.get(error.column, error.column)
    if error.row == 0:
        return _("文件：%(rule)s") % {"rule": error.rule}
    where = _("第%(row)s行") % {"row": error.row}
    if label:
        where += f"「{label}」"
    value = f"（{_('填写的是')}“{error.value}”）" if error.value else ""
    return f"{where}：{error.rule}{value}"


REPORT_HEADERS = (
    gettext_noop("行号"),
    gettext_noop("列名"),
    gettext_noop("列"),
    gettext_noop("填写的值"),
    gettext_noop("问题说明"),
)


def report_headers() -> list[str]:
    """``REPORT_HEADERS`` in the user's language."""
    return [_(h) for h in REPORT_HEADERS]


def report_rows(errors: Iterable[dict]) -> Iterator[list]:
    """The rows of the downloadable report (headers: ``REPORT_HEADERS``)."""
    for e in errors:
        yield [e["row"] or "", e["column"], LABELS_ZH.get(e["column"], ""), e["value"], e["rule"]]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _district_index() -> dict[str, District]:
    index: dict[str, District] = {}
    for d in District.objects.all():
        index[d.name] = d
        index[d.code] = d
    return index


def start_import(data: bytes, filename: str, user, *, status: str = ImportRun.Status.RUNNING) -> ImportRun:
    """Check the role, keep the upload and open its ImportRun (before anything is parsed)."""
    can_import(user).enforce()
    run = ImportRun(
        kind=KIND,
        user=user,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=status,
        stage=_("排队等待") if status == ImportRun.Status.QUEUED else _("读取文件"),
    )
    run.stored_file.save(filename, ContentFile(data), save=False)
    run.save()
    return run


def import_facts(data: bytes, filename: str, user, *, progress: ProgressFn | None = None) -> ImportOutcome:
    """Validate and import one filled-in template; see the module docstring for the rules."""
    run = start_import(data, filename, user)
    return run_import(run, data=data, progress=progress)


def run_import(
    run: ImportRun, *, data: bytes | None = None, progress: ProgressFn | None = None
) -> ImportOutcome:
    """Carry out an opened ImportRun (in-line, or from the background task) and record its outcome."""
    if data is None:
        with run.stored_file.open("rb") as fh:
            data = fh.read()
    user = run.user
    reporter = _Reporter(run, progress)
    timings: dict[str, float] = {}
    outcome = ImportOutcome(run=run, timings=timings)
    try:
        if not can_import(user):
            raise PermissionDenied(can_import(user).reason)

        started = time.perf_counter()
        # A CSV's line count is a cheap estimate of its rows; a workbook's is unknown until read.
        hint = max(0, data.count(b"\n") - 1) if run.filename.lower().endswith(".csv") else 0
        reporter.stage(_("读取并校验文件"), 0, hint)
        parsed = read_facts_bytes(
            data, run.filename, progress=lambda n: reporter.stage(_("读取并校验文件"), n, hint)
        )
        outcome.rows = parsed.rows
        timings["parse"] = time.perf_counter() - started

        started = time.perf_counter()
        plan = _Plan(user, parsed.records, parsed.record_rows, reporter)
        plan.validate()
        outcome.errors = sorted(parsed.errors + plan.errors, key=_error_order)
        timings["validate"] = time.perf_counter() - started

        if outcome.errors:
            timings.update(write=0.0, labels=0.0)
            return _finish(run, outcome, accepted=False, reporter=reporter, timings=timings)

        started = time.perf_counter()
        # Inside the transaction the polling page cannot see progress rows; say what is happening now.
        reporter.stage(_("写入数据库并更新衍生标签"), 0, len(parsed.records), force=True)
        with transaction.atomic():
            plan.write(_change_reason(run))
            timings["write"] = time.perf_counter() - started
            started = time.perf_counter()
            changed = sorted(plan.changed_enterprises)
            for n, ids in enumerate(_chunks(changed, 5000)):
                reporter.stage(_("更新衍生标签"), n * 5000, len(changed))
                services.recompute_labels(ids)
            timings["labels"] = time.perf_counter() - started
            if changed:
                # Other apps (policy matching) react once the facts are committed, never to a rollback.
                transaction.on_commit(
                    lambda: facts_imported.send(sender=ImportRun, enterprise_ids=changed, user=user)
                )
        outcome.counts = plan.counts
        outcome.enterprises = plan.enterprise_summary()
        return _finish(run, outcome, accepted=True, reporter=reporter, timings=timings)
    except PermissionDenied as exc:
        outcome.errors = [RowError(0, "", "", str(exc) or _("无权导入"))]
        return _finish(run, outcome, accepted=False, reporter=reporter, timings=timings)
    except IntegrityError:
        # Another import wrote the same new enterprise or year meanwhile; ours was rolled back whole.
        outcome.errors = [
            RowError(0, "", "", _("另一个导入同时写入了相同的企业或年度，本次未写入任何数据，请重新导入"))
        ]
        return _finish(run, outcome, accepted=False, reporter=reporter, timings=timings)
    except Exception:
        # Keep the run honest (refused, with the reason) before the error propagates to the caller.
        outcome.errors = [RowError(0, "", "", _("导入过程中发生系统错误，未写入任何数据，请联系管理员"))]
        _finish(run, outcome, accepted=False, reporter=reporter, timings=timings)
        raise


def _finish(run: ImportRun, outcome: ImportOutcome, *, accepted: bool, reporter, timings) -> ImportOutcome:
    started = time.perf_counter()
    run.status = ImportRun.Status.ACCEPTED if accepted else ImportRun.Status.REFUSED
    run.rows = outcome.rows
    run.counts = {**outcome.counts, "enterprises": outcome.enterprises} if accepted else {}
    run.errors = [e.as_dict() for e in outcome.errors]
    run.stage = ""
    run.progress_done = run.progress_total = outcome.rows
    run.finished_at = timezone.now()
    run.save()
    timings["record"] = time.perf_counter() - started
    reporter.stage(_("完成"), outcome.rows, outcome.rows)
    return outcome


def _change_reason(run: ImportRun) -> str:
    text = _("导入年度数据：%(file)s（导入记录#%(run)s）") % {"file": run.filename, "run": run.pk}
    return text[:100]  # simple_history's change-reason column holds 100 characters


def _error_order(e: RowError):
    return (e.row, _COLUMN_ORDER.get(e.column, -1))


_COLUMN_ORDER = {c: i for i, c in enumerate(LABELS_ZH)}


class _Reporter:
    """Relays progress to the caller and, at most once a second, to the ImportRun the page polls."""

    def __init__(self, run: ImportRun, progress: ProgressFn | None):
        self.run, self.progress, self.last = run, progress, 0.0

    def stage(self, stage: str, done: int, total: int, *, force: bool = False) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)
        now = time.monotonic()
        if (force or now - self.last >= 1.0) and not transaction.get_connection().in_atomic_block:
            self.last = now
            ImportRun.objects.filter(pk=self.run.pk).update(
                stage=stage, progress_done=done, progress_total=total, heartbeat_at=timezone.now()
            )


class _Plan:
    """What one file will change, worked out with a few chunked queries and no per-row query."""

    def __init__(self, user, records: list[dict], record_rows: list[int], reporter: _Reporter):
        self.user, self.records, self.record_rows, self.reporter = user, records, record_rows, reporter
        self.errors: list[RowError] = []
        self.counts = dict.fromkeys(
            (
                "enterprises_created",
                "enterprises_updated",
                "enterprises_unchanged",
                "facts_created",
                "facts_updated",
                "facts_unchanged",
            ),
            0,
        )
        self.changed_enterprises: set[int] = set()
        self.status: dict[str, str] = {}  # uscc -> created / updated / unchanged

    # -- validation against the database -------------------------------------------------------
    def validate(self) -> None:
        user = self.user
        districts = _district_index()
        self.district_of_row: list[District | None] = []
        is_city = user is None or user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF)
        own_district = user.district if not is_city and user.role == Role.DISTRICT_STAFF else None
        own_org = user.organisation if not is_city and user.role == Role.ENTERPRISE else None

        usccs = self.usccs = list(dict.fromkeys(r["uscc"] for r in self.records))
        self.orgs: dict[str, Organisation] = {}
        for chunk in _chunks(usccs, LOOKUP_CHUNK):
            for org in Organisation.objects.filter(uscc__in=chunk).select_related("district"):
                self.orgs[org.uscc] = org
        org_ids = [o.pk for o in self.orgs.values()]
        self.enterprises: dict[int, Enterprise] = {}
        for chunk in _chunks(org_ids, LOOKUP_CHUNK):
            for ent in Enterprise.objects.filter(pk__in=chunk):
                self.enterprises[ent.pk] = ent
        enterprise_ids = set(self.enterprises)

        for n, (rec, row) in enumerate(zip(self.records, self.record_rows, strict=True)):
            if n % 5000 == 0:
                self.reporter.stage(_("核对区县和企业"), n, len(self.records))
            district = districts.get(rec["district"])
            self.district_of_row.append(district)
            if district is None:
                self._error(
                    row, "district", rec["district"], _("系统中没有这个区县，请填写区县全称或6位区划代码")
                )
            org = self.orgs.get(rec["uscc"])
            if org is not None and org.pk not in enterprise_ids:
                self._error(
                    row,
                    "uscc",
                    rec["uscc"],
                    _("该统一社会信用代码已登记为“%(name)s”（%(kind)s），不是企业")
                    % {"name": org.name, "kind": org.get_kind_display()},
                )
            if is_city:
                continue
            if own_district is not None:
                if district is not None and district.pk != own_district.pk:
                    self._error(
                        row,
                        "district",
                        rec["district"],
                        _("区县工作人员只能导入本区县（%(own)s）的企业") % {"own": own_district.name},
                    )
                if org is not None and org.district_id != own_district.pk:
                    self._error(
                        row,
                        "uscc",
                        rec["uscc"],
                        _("该企业登记在%(other)s，区县工作人员只能导入本区县（%(own)s）的企业")
                        % {"other": org.district.name, "own": own_district.name},
                    )
            elif own_org is not None:
                if rec["uscc"] != own_org.uscc:
                    self._error(
                        row,
                        "uscc",
                        rec["uscc"],
                        _("企业用户只能导入本企业（统一社会信用代码 %(own)s）的数据") % {"own": own_org.uscc},
                    )
                elif district is not None and district.pk != own_org.district_id:
                    self._error(
                        row,
                        "district",
                        rec["district"],
                        _("企业用户不能更改所属区县（已登记为%(own)s），如需变更请联系区县科技局")
                        % {"own": own_org.district.name},
                    )

        if self.errors:
            return
        ent_ids = [self.orgs[u].pk for u in usccs if u in self.orgs]
        years = sorted({r["year"] for r in self.records})
        # Plain dicts, not model instances: building 100,000 instances cost more than the query.
        attnames = [f.attname for f in YearlyFacts._meta.concrete_fields]
        self.facts: dict[tuple[int, int], dict] = {}
        for n, chunk in enumerate(_chunks(ent_ids, LOOKUP_CHUNK)):
            if n % 10 == 0:
                self.reporter.stage(_("读取已有年度数据"), n * LOOKUP_CHUNK, len(ent_ids))
            for facts in YearlyFacts.objects.filter(enterprise_id__in=chunk, year__in=years).values(
                *attnames
            ):
                self.facts[(facts["enterprise_id"], facts["year"])] = facts

    def _error(self, row: int, column: str, value, rule: str) -> None:
        self.errors.append(RowError(row, column, "" if value is None else str(value), rule))

    # -- writing --------------------------------------------------------------------------------
    def write(self, reason: str) -> None:
        writer = _Writer(self.user, timezone.now(), reason)
        static = latest_static(self.records)
        # The district of a USCC's latest year, resolved (rows are already checked).
        district_for: dict[str, District] = {}
        for rec, district in sorted(
            zip(self.records, self.district_of_row, strict=True), key=lambda p: p[0]["year"]
        ):
            district_for[rec["uscc"]] = district

        new_usccs: list[str] = []
        changed_orgs: list[Organisation] = []
        changed_ents: list[Enterprise] = []
        for uscc in self.usccs:
            values, district, org = static[uscc], district_for[uscc], self.orgs.get(uscc)
            if org is None:
                new_usccs.append(uscc)
                self.status[uscc] = "created"
                continue
            self.status[uscc] = "unchanged"
            wanted = {"name": values["name"], "district_id": district.pk}
            if any(getattr(org, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(org, k, v)
                changed_orgs.append(org)
                self.status[uscc] = "updated"
            ent = self.enterprises[org.pk]
            # A blank static cell is unknown too: it keeps the stored value.
            ent_diff = {
                k: values[k]
                for k in ("registered_on", "industry_code")
                if values.get(k) is not None and getattr(ent, k) != values[k]
            }
            if ent_diff:
                for k, v in ent_diff.items():
                    setattr(ent, k, v)
                changed_ents.append(ent)
                self.status[uscc] = "updated"

        self.reporter.stage(_("写入企业"), 0, len(new_usccs))
        if new_usccs:
            writer.insert(
                Organisation,
                [
                    {
                        "name": static[u]["name"],
                        "uscc": u,
                        "kind": Organisation.Kind.ENTERPRISE,
                        "district_id": district_for[u].pk,
                    }
                    for u in new_usccs
                ],
            )
            for chunk in _chunks(new_usccs, LOOKUP_CHUNK):
                for org in Organisation.objects.filter(uscc__in=chunk).select_related("district"):
                    self.orgs[org.uscc] = org
            writer.history(Organisation, [_as_row(self.orgs[u]) for u in new_usccs], "+")
            ent_rows = [
                {
                    "organisation_id": self.orgs[u].pk,
                    "registered_on": static[u].get("registered_on"),
                    "industry_code": static[u].get("industry_code") or "",
                    "created_at": writer.now,
                }
                for u in new_usccs
            ]
            writer.insert(Enterprise, ent_rows)
            writer.history(Enterprise, ent_rows, "+")
            self.changed_enterprises.update(self.orgs[u].pk for u in new_usccs)
        if changed_orgs:
            writer.update(Organisation, [_as_row(o) for o in changed_orgs], ["name", "district_id"])
            self.changed_enterprises.update(o.pk for o in changed_orgs)
        if changed_ents:
            writer.update(Enterprise, [_as_row(e) for e in changed_ents], ["registered_on", "industry_code"])
            self.changed_enterprises.update(e.pk for e in changed_ents)

        # A chunk of records at a time, written before the next is built: a million rows as dicts
        # for INSERT/UPDATE all at once would double what the import holds.
        total, done = len(self.records), 0
        for records in _chunks(self.records, 10 * BATCH):
            self.reporter.stage(_("写入年度数据"), done, total)
            new_facts: list[dict] = []
            changed_facts: list[dict] = []
            for rec in records:
                ent_id = self.orgs[rec["uscc"]].pk
                existing = self.facts.get((ent_id, rec["year"]))
                if existing is None:
                    row = {c: rec[c] for c in FACT_COLUMNS}
                    row.update(enterprise_id=ent_id, year=rec["year"], updated_at=writer.now)
                    new_facts.append(row)
                    self.changed_enterprises.add(ent_id)
                    self.counts["facts_created"] += 1
                    continue
                # A blank cell is "unknown": it leaves a stored value alone rather than erasing it.
                diff = {c: rec[c] for c in FACT_COLUMNS if rec[c] is not None and existing[c] != rec[c]}
                if not diff:
                    self.counts["facts_unchanged"] += 1
                    continue
                row = {**existing, **diff, "updated_at": writer.now}
                changed_facts.append(row)
                self.changed_enterprises.add(ent_id)
                self.counts["facts_updated"] += 1
                if self.status[rec["uscc"]] == "unchanged":
                    self.status[rec["uscc"]] = "updated"
            if new_facts:
                writer.insert(YearlyFacts, new_facts)
                ids = {}
                for ent_chunk in _chunks(sorted({r["enterprise_id"] for r in new_facts}), LOOKUP_CHUNK):
                    for pk, ent_id, year in YearlyFacts.objects.filter(
                        enterprise_id__in=ent_chunk
                    ).values_list("pk", "enterprise_id", "year"):
                        ids[(ent_id, year)] = pk
                for row in new_facts:
                    row["id"] = ids[(row["enterprise_id"], row["year"])]
                writer.history(YearlyFacts, new_facts, "+")
            if changed_facts:
                writer.update(YearlyFacts, changed_facts, [*FACT_COLUMNS, "updated_at"])
            done += len(records)
        self.reporter.stage(_("写入年度数据"), done, total)

        for state in self.status.values():
            self.counts[f"enterprises_{state}"] += 1

    def enterprise_summary(self, limit: int = 500) -> list[dict]:
        out = []
        for uscc in self.usccs[:limit]:
            state = self.status[uscc]
            org = self.orgs[uscc]
            out.append({"id": org.pk, "name": org.name, "uscc": uscc, "status": state})
        return out


def _as_row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


class _Writer:
    """Plain INSERT/UPDATE statements for rows and their django-simple-history rows.

    Why not ``bulk_create_with_history``: Django compiles every value of a bulk INSERT through the ORM
    (about 0.4 ms per row of a 30-column model on this machine), so 100,000 facts plus their history
    spent ~80 s before anything else. These statements write the same rows the ORM and
    simple_history would (same columns, ``history_type`` "+"/"~", the importing user as
    ``history_user``, one shared ``history_date`` and change reason) with executemany on SQLite and
    COPY on PostgreSQL. Only models without custom save() logic and signals go through here.
    """

    def __init__(self, user, now, reason: str):
        self.user_id = user.pk if user is not None else None
        self.now = now
        self.reason = reason
        self.vendor = connection.vendor

    def _tuples(self, fields: list, rows: Iterable[dict], extra: dict | None = None) -> Iterator[list]:
        """Rows in column order. Only datetime columns need the backend's adaptation (SQLite stores
        naive UTC text); deciding that per column, not per value, keeps 3 million cells cheap."""
        attnames = [f.attname for f in fields]
        datetimes = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
        adapt = connection.ops.adapt_datetimefield_value
        now, now_db = self.now, adapt(self.now)
        for r in rows:
            src = {**r, **extra} if extra else r
            values = [src.get(a) for a in attnames]
            for i in datetimes:
                v = values[i]
                if v is not None:
                    values[i] = now_db if v is now else adapt(v)
            yield values

    def _write(self, table: str, columns: list[str], rows: Iterable[list]) -> None:
        qn = connection.ops.quote_name
        names = ", ".join(qn(c) for c in columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})", list(rows))

    def insert(self, model, rows: list[dict]) -> None:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        self._write(model._meta.db_table, [f.column for f in fields], self._tuples(fields, rows))

    def history(self, model, rows: list[dict], history_type: str) -> None:
        historical = model.history.model
        fields = [f for f in historical._meta.concrete_fields if f.attname != "history_id"]
        extra = {
            "history_date": self.now,
            "history_change_reason": self.reason,
            "history_type": history_type,
            "history_user_id": self.user_id,
        }
        self._write(historical._meta.db_table, [f.column for f in fields], self._tuples(fields, rows, extra))

    def update(self, model, rows: list[dict], attnames: list[str]) -> None:
        """UPDATE by primary key (executemany), then one "~" history row per updated row."""
        meta = model._meta
        qn = connection.ops.quote_name
        by_attname = {f.attname: f for f in meta.concrete_fields}
        sets = ", ".join(f"{qn(by_attname[a].column)} = %s" for a in attnames)
        sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"
        fields = [by_attname[a] for a in attnames] + [meta.pk]
        params = list(self._tuples(fields, rows))
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        self.history(model, rows, "~")


# -- the empty template, for download ---------------------------------------------------------------
def template_headings() -> list[str]:
    """The first row of the template: Chinese headings (the parser also takes the English codes, so
    files made from the old template still import)."""
    return [LABELS_ZH[c] for c in COLUMNS]


def template_csv_bytes() -> bytes:
    """The header row only."""
    return csv_bytes(template_headings(), [])


def template_xlsx_bytes() -> bytes:
    """Sheet 1 "年度数据": the header row with the Chinese column headings. Sheet 2 "填写说明":
    every column with its rule, an example and the English code the old template used."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("年度数据")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    sheet.append(template_headings())
    for n, heading in enumerate(template_headings(), start=1):
        cell = sheet.cell(row=1, column=n)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = min(30, max(12, display_width(heading) + 2))
    sheet.freeze_panes = "A2"
    # Text format for the code columns: Excel would otherwise turn all-digit codes into numbers.
    for col in ("uscc", "district", "industry_code", "registered_on"):
        letter = sheet.cell(row=1, column=COLUMNS.index(col) + 1).column_letter
        for row in range(2, 1002):
            sheet[f"{letter}{row}"].number_format = "@"

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("英文列名（旧版模板）"), _("是否必填"), _("填写规则"), _("示例")])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for col in COLUMNS:
        notes.append(
            [LABELS_ZH[col], col, _("必填") if col in REQUIRED else _("选填"), RULES_ZH[col], EXAMPLES[col]]
        )
    notes.append([])
    for line in (
        _("1. 第一个工作表的第一行是列名，请勿修改；每个企业每个年度填一行，从第二行开始填写。"),
        _("2. 金额一律以“元”为单位；日期用 YYYY-MM-DD；是/否 列可填 是/否、true/false 或 1/0。"),
        _("3. 空白单元格表示“未知”，不会当作0或“否”，也不会覆盖系统中已有的数据。"),
        _("4. 企业名称、所属区县、成立日期、行业代码可在每个年度重复填写，以最近年度为准。"),
        _("5. 整个文件逐行校验，只要有一行不合格，整个文件都不会导入；系统会列出每个问题的行、列和规则。"),
        _("6. 同一文件重复导入不会产生重复数据，未变化的行不会被改写。"),
        _("7. 用旧版模板（第一行为英文列名）填写的文件仍可导入。"),
    ):
        notes.append([line])
    for letter, width in zip("ABCDE", (30, 22, 10, 80, 24), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
