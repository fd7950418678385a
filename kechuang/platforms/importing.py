"""The platform list import (创新平台名录): an .xlsx or .csv read through ``core.reading``, checked row by
row, all-or-nothing. With any bad row nothing is written and the answer is the row report (row,
column, value, rule). Every upload is kept as a ``core.ImportRun``. A platform is identified by its
host and name, so importing the same file twice changes nothing the second time.
"""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import ImportRun, Organisation
from kechuang.core.money import WAN
from kechuang.core.reading import Refused, cell_text, read_rows
from kechuang.core.rowreport import BadCell as _Bad
from kechuang.core.rowreport import Outcome, RowError
from kechuang.core.uscc import normalise
from kechuang.programs import workflow

from .models import Level, Platform
from .services import can_manage

KIND = "platforms"
MAX_ROWS = 20000

COLUMNS = {
    "name": ("平台名称", "必填，不超过200字"),
    "kind": ("平台类型", "、".join(str(label) for _v, label in Platform.Kind.choices)),
    "level": ("级别", "国家级、省级 或 市级"),
    "host": ("依托单位", "机构库中的企业或高校院所全称"),
    "uscc": ("依托单位统一社会信用代码", "18位；填写时以代码为准，可留空"),
    "tech_field": ("技术领域", "可留空，不超过100字"),
    "recognised_on": ("认定日期", "日期，如 2024-06-30；不能晚于今天"),
    "document": ("认定文件", "文号或文件名称，可留空"),
    "staff": ("固定人员（人）", "不小于0的整数，可留空"),
    "senior_staff": ("高级职称人员（人）", "不小于0的整数，不多于固定人员，可留空"),
    "equipment_wan": ("仪器设备原值（万元）", "不小于0的数字，可留空"),
}
REQUIRED = ("name", "kind", "level", "host")
EXAMPLE = {
    "name": "淄博市先进陶瓷材料重点实验室", "kind": "重点实验室", "level": "市级", "host": "山东理工大学",
    "uscc": "", "tech_field": "先进陶瓷", "recognised_on": "2024-06-30", "document": "淄科字〔2024〕12号",
    "staff": "35", "senior_staff": "12", "equipment_wan": "1280",
}  # fmt: skip


def _choice(text: str, choices) -> str:
    for value, label in choices:
        if text in (value, str(label)):
            return value
    raise _Bad(_("应为：%(c)s") % {"c": "、".join(str(label) for _v, label in choices)})


def _int(text: str) -> int | None:
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad(_("须为不小于0的整数")) from None
    if number != number.to_integral() or number < 0 or number > 10**6:
        raise _Bad(_("须为不小于0的整数"))
    return int(number)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(_("须为日期，如 2024-06-30")) from None
    if day > timezone.localdate():
        raise _Bad(_("不能晚于今天"))
    return day


def _money(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        wan = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _Bad(_("须为不小于0的数字（万元）")) from None
    if not wan.is_finite() or wan < 0 or wan > Decimal("1e9"):
        raise _Bad(_("须为不小于0的数字（万元）"))
    yuan = wan * WAN
    if yuan != yuan.quantize(Decimal("0.01")):
        raise _Bad(_("最多精确到分"))
    return yuan.quantize(Decimal("0.01"))


def _host(record: dict, by_uscc: dict, by_name: dict) -> Organisation:
    code = normalise(record.get("uscc", "")) if record.get("uscc") else ""
    if code:
        org = by_uscc.get(code)
        if org is None:
            raise _Bad(_("机构库中没有统一社会信用代码为%(c)s的企业或高校院所") % {"c": code})
        return org
    matches = by_name.get(record["host"], [])
    if not matches:
        raise _Bad(_("机构库中没有名为“%(n)s”的企业或高校院所") % {"n": record["host"]})
    if len(matches) > 1:
        raise _Bad(_("机构库中有多家名为“%(n)s”的单位，请填写统一社会信用代码") % {"n": record["host"]})
    return matches[0]


def _records(rows):
    if not rows:
        return [], [RowError(1, "", "", _("文件为空：第一行应为表头"))]
    aliases = {**{k: k for k in COLUMNS}, **{zh: k for k, (zh, _r) in COLUMNS.items()}}
    header = [aliases.get(h.strip()) for h in rows[0]]
    errors = [
        RowError(1, h, "", _("第%(n)s列表头不是模板中的列名") % {"n": pos + 1})
        for pos, (h, name) in enumerate(zip(rows[0], header, strict=True))
        if name is None and h.strip()
    ]
    errors += [RowError(1, COLUMNS[c][0], "", _("缺少必填列")) for c in REQUIRED if c not in header]
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


def _check(records) -> tuple[list[tuple[int, dict]], list[RowError]]:
    orgs = list(
        Organisation.objects.filter(kind__in=[Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE])
    )
    by_uscc = {o.uscc: o for o in orgs if o.uscc}
    by_name: dict[str, list] = {}
    for o in orgs:
        by_name.setdefault(o.name, []).append(o)
    seen: dict[tuple, int] = {}
    good, errors = [], []
    for row, record in records:
        out = {}
        for column, convert in (
            ("name", None), ("kind", lambda t: _choice(t, Platform.Kind.choices)),
            ("level", lambda t: _choice(t, Level.choices)), ("tech_field", None), ("recognised_on", _date),
            ("document", None), ("staff", _int), ("senior_staff", _int), ("equipment_wan", _money),
        ):  # fmt: skip
            text = record.get(column, "").strip()
            try:
                if column in REQUIRED and not text:
                    raise _Bad(_("必填"))
                limit = {"name": 200, "tech_field": 100, "document": 200}.get(column)
                if limit and len(text) > limit:
                    raise _Bad(_("不能超过%(n)s字") % {"n": limit})
                out[column] = convert(text) if convert else text
            except _Bad as bad:
                errors.append(RowError(row, COLUMNS[column][0], text, bad.rule))
        try:
            out["host"] = _host(record, by_uscc, by_name)
        except _Bad as bad:
            errors.append(RowError(row, COLUMNS["host"][0], record.get("host", ""), bad.rule))
        if (
            out.get("staff") is not None
            and out.get("senior_staff") is not None
            and out["senior_staff"] > out["staff"]
        ):
            errors.append(
                RowError(row, COLUMNS["senior_staff"][0], str(out["senior_staff"]), _("不能多于固定人员数"))
            )
        if "host" in out and out.get("name"):
            key = (out["host"].pk, out["name"])
            if key in seen:
                errors.append(
                    RowError(
                        row,
                        COLUMNS["name"][0],
                        out["name"],
                        _("与第%(r)s行重复（同一依托单位的同名平台）") % {"r": seen[key]},
                    )
                )
            seen[key] = row
        good.append((row, out))
    return good, errors


def import_platforms(data: bytes, filename: str, user) -> Outcome:
    can_manage(user).enforce()
    run = ImportRun(
        kind=KIND, user=user, filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
    )  # fmt: skip
    run.stored_file.save(filename, ContentFile(data), save=False)
    run.save()
    outcome = Outcome(run)
    rows = 0
    try:
        table = [[cell_text(c) for c in row] for row in read_rows(data, filename)]
        records, errors = _records(table)
        rows = len(records)
        if not errors:
            good, errors = _check(records)
        outcome.errors = errors
        if not errors:
            outcome.counts = _write(good, user)
    except Refused as refused:
        outcome.errors = [RowError(0, "", filename, refused.message)]
    run.status = ImportRun.Status.REFUSED if outcome.errors else ImportRun.Status.ACCEPTED
    run.rows = rows
    run.errors = [e.as_dict() for e in sorted(outcome.errors, key=lambda e: e.row)]
    run.counts = outcome.counts
    run.finished_at = timezone.now()
    run.save()
    return outcome


@transaction.atomic
def _write(good, user) -> dict:
    created = updated = unchanged = 0
    for _row, out in good:
        values = {
            "kind": out["kind"], "level": out["level"], "tech_field": out["tech_field"],
            "recognised_on": out["recognised_on"], "document": out["document"], "staff": out["staff"],
            "senior_staff": out["senior_staff"], "equipment_yuan": out["equipment_wan"],
        }  # fmt: skip
        platform = Platform.objects.filter(host=out["host"], name=out["name"]).first()
        if platform is None:
            platform = Platform.objects.create(host=out["host"], name=out["name"], **values)
            workflow.log(platform, "register", "", user, _("导入入库"))
            created += 1
            continue
        if all(getattr(platform, k) == v for k, v in values.items()):
            unchanged += 1
            continue
        for k, v in values.items():
            setattr(platform, k, v)
        platform.save()
        updated += 1
    return {"created": created, "updated": updated, "unchanged": unchanged}


def template_rows() -> tuple[list[str], list[list[str]]]:
    headers = [zh for zh, _r in COLUMNS.values()]
    return headers, [[EXAMPLE[k] for k in COLUMNS]]
