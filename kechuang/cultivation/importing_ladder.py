"""Import of the province's lists into the ladder: the tech-SME register (科技型中小企业入库名单) and the
high-tech certificate list (高新技术企业认定名单).

A file is read through ``core.reading`` (hostile uploads are refused before parsing), checked row by row
and is all-or-nothing: with any bad row nothing is written and the answer is a per-row report (row,
column, value, rule). Rows are matched to the registry by USCC. Every upload is kept as a
``core.ImportRun``. Importing the same file twice changes nothing the second time.
"""

import datetime as dt
import hashlib
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.models import ImportRun, Organisation
from kechuang.core.reading import Refused, cell_text, read_rows
from kechuang.core.rowreport import Outcome, RowError
from kechuang.core.uscc import normalise, uscc_error

from .models.ladder import Rung, RungSource
from .services_ladder import access, pool, rungs

TECH_SME = "tech_sme_register"
HIGH_TECH = "high_tech_certificates"
KINDS = (TECH_SME, HIGH_TECH)
MAX_ROWS = 50_000

COLUMNS = {
    TECH_SME: {
        "uscc": (gettext_lazy("统一社会信用代码"), gettext_lazy("必填，18位，须为本市企业库中的企业")),
        "name": (gettext_lazy("企业名称"), gettext_lazy("可留空，仅供核对")),
        "year": (gettext_lazy("入库年度"), gettext_lazy("必填，四位年份，如 2025")),
        "register_no": (gettext_lazy("入库登记编号"), gettext_lazy("必填，省科技厅公布的入库登记编号")),
    },
    HIGH_TECH: {
        "uscc": (gettext_lazy("统一社会信用代码"), gettext_lazy("必填，18位，须为本市企业库中的企业")),
        "name": (gettext_lazy("企业名称"), gettext_lazy("可留空，仅供核对")),
        "certificate_no": (gettext_lazy("证书编号"), gettext_lazy("必填，如 GR202537000123")),
        "certified_on": (gettext_lazy("发证日期"), gettext_lazy("必填，日期，如 2025-11-20；有效期为三年")),
    },
}
REQUIRED = {TECH_SME: ("uscc", "year", "register_no"), HIGH_TECH: ("uscc", "certificate_no", "certified_on")}
TITLES = {TECH_SME: gettext_lazy("科技型中小企业入库名单"), HIGH_TECH: gettext_lazy("高新技术企业认定名单")}
_CERT = re.compile(r"^[A-Z]{1,4}\d{8,14}$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def label_of(kind: str, column: str) -> str:
    return str(COLUMNS[kind].get(column, (column,))[0])


def template_columns(kind: str) -> tuple[list[str], list[list]]:
    headers = [str(zh) for zh, _rule in COLUMNS[kind].values()]
    year = timezone.localdate().year
    if kind == TECH_SME:
        example = ["91370303MA3C000011", _("淄博某某科技有限公司"), year, f"{year}3703030001"]
    else:
        example = ["91370303MA3C000011", _("淄博某某科技有限公司"), f"GR{year}37000123", f"{year}-11-20"]
    return headers, [example]


def _open_run(kind: str, data: bytes, filename: str, user) -> ImportRun:
    run = ImportRun(
        kind=kind,
        user=user,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
    )
    run.stored_file.save(filename, ContentFile(data), save=False)
    run.save()
    return run


def _close(run: ImportRun, outcome: Outcome, rows: int) -> Outcome:
    run.status = ImportRun.Status.REFUSED if outcome.errors else ImportRun.Status.ACCEPTED
    run.rows = rows
    run.errors = [e.as_dict() for e in sorted(outcome.errors, key=lambda e: (e.row, e.column))]
    run.counts = outcome.counts if not outcome.errors else {}
    run.finished_at = timezone.now()
    run.save()
    return outcome


def _records(kind: str, rows: list[list[str]]):
    """(records with their row numbers, header errors)."""
    columns = COLUMNS[kind]
    if not rows:
        return [], [RowError(1, "", "", _("文件为空：第一行应为表头"))]
    aliases = {**{k: k for k in columns}, **{str(zh): k for k, (zh, _rule) in columns.items()}}
    header = [aliases.get(h.strip()) for h in rows[0]]
    errors = [
        RowError(1, "", h, _("第%(n)s列表头不是模板中的列名") % {"n": pos + 1})
        for pos, (h, name) in enumerate(zip(rows[0], header, strict=True))
        if name is None and h.strip()
    ]
    errors += [RowError(1, c, "", _("缺少必填列")) for c in REQUIRED[kind] if c not in header]
    if errors:
        return [], errors
    out = []
    for offset, cells in enumerate(rows[1:], start=2):
        record = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(header) if n}
        if any(record.values()):
            out.append((offset, record))
    if not out:
        errors.append(RowError(2, "", "", _("文件中没有数据行")))
    if len(out) > MAX_ROWS:
        errors.append(RowError(0, "", "", _("一次最多导入%(n)s行") % {"n": MAX_ROWS}))
    return out, errors


def parse_date(raw: str) -> dt.date:
    """2025-11-20, 2025/11/20, 2025.11.20, 2025年11月20日 or 20251120; ValueError otherwise."""
    raw = raw.strip()
    if re.fullmatch(r"\d{8}", raw):
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    m = _DATE.match(raw)
    if not m:
        raise ValueError(raw)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def import_list(kind: str, data: bytes, filename: str, user) -> Outcome:
    """Validate and import one provincial list (``kind``: TECH_SME or HIGH_TECH); city staff only."""
    access.require_city_writer(user)
    if kind not in KINDS:
        raise ValueError(kind)
    run = _open_run(kind, data, filename, user)
    outcome = Outcome(run)
    try:
        table = [[cell_text(c) for c in row] for row in read_rows(data, filename)]
    except Refused as refused:
        outcome.errors = [RowError(0, "", filename, refused.message)]
        return _close(run, outcome, 0)
    records, errors = _records(kind, table)
    outcome.errors = errors
    if errors:
        return _close(run, outcome, len(records))
    usccs = {normalise(r.get("uscc", "")) for _row, r in records}
    orgs = {
        o.uscc: o
        for o in Organisation.objects.filter(
            uscc__in=usccs, kind=Organisation.Kind.ENTERPRISE
        ).select_related("enterprise")
    }
    today = timezone.localdate()
    seen: dict[tuple, int] = {}
    plan = []
    for row, rec in records:
        errs: list[RowError] = []
        raw_uscc = rec.get("uscc", "")
        code = normalise(raw_uscc)
        org = None
        if not code:
            errs.append(RowError(row, "uscc", "", _("必填，不能为空")))
        elif uscc_error(code):
            errs.append(RowError(row, "uscc", raw_uscc, uscc_error(code)))
        elif code not in orgs:
            errs.append(RowError(row, "uscc", raw_uscc, _("企业库中没有这个统一社会信用代码的企业")))
        else:
            org = orgs[code]
        if kind == TECH_SME:
            raw_year, number = rec.get("year", ""), rec.get("register_no", "").strip()
            year = None
            if not re.fullmatch(r"\d{4}", raw_year):
                errs.append(RowError(row, "year", raw_year, _("应为四位年份，如 2025")))
            elif not 2000 <= int(raw_year) <= today.year + 1:
                errs.append(
                    RowError(row, "year", raw_year, _("年度应在 2000 至 %(y)s 之间") % {"y": today.year + 1})
                )
            else:
                year = int(raw_year)
            if not number:
                errs.append(RowError(row, "register_no", "", _("必填，不能为空")))
            elif len(number) > 40:
                errs.append(RowError(row, "register_no", number[:20] + "…", _("不能超过40个字符")))
            key = (code, year)
            item = {"org": org, "year": year, "register_no": number}
        else:
            number = rec.get("certificate_no", "").strip().upper()
            raw_date = rec.get("certified_on", "")
            issued = None
            if not number:
                errs.append(RowError(row, "certificate_no", "", _("必填，不能为空")))
            elif not _CERT.match(number):
                errs.append(
                    RowError(row, "certificate_no", number, _("证书编号应为字母加数字，如 GR202537000123"))
                )
            if not raw_date:
                errs.append(RowError(row, "certified_on", "", _("必填，不能为空")))
            else:
                try:
                    issued = parse_date(raw_date)
                except ValueError:
                    errs.append(RowError(row, "certified_on", raw_date, _("应为日期，如 2025-11-20")))
                else:
                    if issued > today:
                        errs.append(RowError(row, "certified_on", raw_date, _("发证日期不能晚于今天")))
                        issued = None
                    elif issued.year < 2000:
                        errs.append(RowError(row, "certified_on", raw_date, _("发证日期不能早于2000年")))
                        issued = None
            key = (code, number)
            item = {"org": org, "certificate_no": number, "certified_on": issued}
        if code and key in seen:
            errs.append(RowError(row, "uscc", raw_uscc, _("与第%(n)s行重复") % {"n": seen[key]}))
        seen.setdefault(key, row)
        if errs:
            outcome.errors.extend(errs)
        else:
            plan.append(item)
    if outcome.errors:
        return _close(run, outcome, len(records))
    reason = (_("导入%(list)s：%(file)s") % {"list": TITLES[kind], "file": filename})[:100]
    counts = {"memberships": 0, "enterprises": 0, "certified_candidates": 0}
    with transaction.atomic():
        touched: set[int] = set()
        for item in plan:
            ent = item["org"].enterprise
            touched.add(ent.pk)
            if kind == TECH_SME:
                rungs.grant_rung(
                    ent, item["year"], Rung.TECH_SME, source=RungSource.PROVINCIAL, actor=user,
                    reason=reason, register_no=item["register_no"], import_run=run,
                )  # fmt: skip
                counts["memberships"] += 1
                continue
            issued = item["certified_on"]
            for year in range(issued.year, min(issued.year + rungs.CERT_YEARS - 1, today.year) + 1):
                rungs.grant_rung(
                    ent, year, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, actor=user, reason=reason,
                    certificate_no=item["certificate_no"], certified_on=issued, import_run=run,
                )  # fmt: skip
                counts["memberships"] += 1
            counts["certified_candidates"] += pool.certify_from_certificates(
                user, [ent.pk], issued.year, reason=reason
            )
        counts["enterprises"] = len(touched)
        rungs.check_contradictions(enterprise_ids=touched)
        outcome.counts = counts
        _close(run, outcome, len(records))
    return outcome
