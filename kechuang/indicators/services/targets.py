"""Targets: the spreadsheet import (all or nothing, with a row report) and 分解下达, splitting a city
target across the districts with the check that the parts add up."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, ImportRun
from kechuang.core.permissions import Decision, role_of
from kechuang.core.reading import Refused, cell_text, read_rows
from kechuang.core.rowreport import RowError
from kechuang.core.spreadsheets import Column

from .. import progress
from ..models import Indicator, Target
from .definitions import sync_indicators

KIND = "indicator_targets"
HEADERS = ["指标代码", "年度", "区县", "目标类型", "目标值", "依据文件"]
KIND_WORDS = {
    "目标": Target.Kind.TARGET,
    "target": Target.Kind.TARGET,
    "不低于": Target.Kind.MIN,
    "底线目标": Target.Kind.MIN,
    "min_target": Target.Kind.MIN,
    "力争": Target.Kind.STRETCH,
    "力争目标": Target.Kind.STRETCH,
    "stretch": Target.Kind.STRETCH,
}
ADDITIVE = {Indicator.Unit.COUNT, Indicator.Unit.YUAN, Indicator.Unit.PERSONS}
MAX_ROWS = 5000


def can_set_targets(user) -> Decision:
    if role_of(user) in ("admin", "bureau_staff"):
        return Decision(True)
    return Decision(False, _("仅市局工作人员可以下达和导入指标目标"))


def template_columns() -> list[Column]:
    return [Column(h) for h in HEADERS]


def template_rows() -> list[list]:
    return [
        ["high_tech_count", 2022, "", "目标", 1260, "2022年全市科技工作要点"],
        ["high_tech_count", 2022, "张店区", "目标", 300, "2022年全市科技工作要点"],
        ["rd_active_share", 2022, "", "不低于", "45%", "2022年全市科技工作要点"],
    ]


def parse_value(text: str, unit: str) -> Decimal:
    """A target value as the file holds it: ratios as 0.45 or 45%; money in yuan; counts whole."""
    raw = text.replace(",", "").replace("，", "").strip()
    percent = raw.endswith(("%", "％"))
    if percent:
        raw = raw[:-1].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("须为数字")) from None
    if not value.is_finite():
        raise ValueError(_("须为数字"))
    if percent:
        if unit != Indicator.Unit.RATIO:
            raise ValueError(_("只有比例类指标可以填百分数"))
        value = value / 100
    if value < 0:
        raise ValueError(_("不能为负数"))
    if unit == Indicator.Unit.RATIO and value > 1:
        raise ValueError(_("比例须在 0 至 1 之间（或填写百分数，如 45%）"))
    if unit in (Indicator.Unit.COUNT, Indicator.Unit.PERSONS) and value != value.to_integral_value():
        raise ValueError(_("数量须为整数"))
    return value


def import_targets(user, data: bytes, filename: str) -> ImportRun:
    """Read the file through core.reading; with any bad row nothing is written and the run carries
    the row report. Rows equal to what is stored change nothing."""
    run = ImportRun.objects.create(
        kind=KIND,
        user=user if getattr(user, "pk", None) else None,
        filename=str(filename)[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
    )
    errors: list[RowError] = []
    parsed = []
    try:
        if user is not None:
            can_set_targets(user).enforce()
        sync_indicators()  # every seed and rule indicator exists before the file names them
        rows = iter(read_rows(data, filename))
        header = [cell_text(c) for c in next(rows, [])]
        missing = [h for h in HEADERS[:5] if h not in header]
        if missing:
            raise Refused(_("表头缺少：%(cols)s（请使用目标导入模板）") % {"cols": "、".join(missing)})
        at = {h: header.index(h) for h in HEADERS if h in header}
        indicators = {i.code: i for i in Indicator.objects.all()}
        by_name = {i.name: i for i in indicators.values()}
        districts = {d.name: d for d in District.objects.all()}
        seen = set()
        for n, row in enumerate(rows, start=2):
            cells = {h: (cell_text(row[i]) if i < len(row) else "").strip() for h, i in at.items()}
            if not any(cells.values()):
                continue
            if len(parsed) + len(errors) >= MAX_ROWS:
                raise Refused(_("每个文件最多 %(n)s 行目标") % {"n": MAX_ROWS})
            row_errors = []
            code = cells["指标代码"]
            indicator = indicators.get(code) or by_name.get(code)
            if indicator is None:
                row_errors.append(
                    RowError(n, "指标代码", code, _("指标代码未定义（可填指标代码或指标名称）"))
                )
            year = None
            try:
                year = int(Decimal(cells["年度"]))
                if not 1990 <= year <= 2100:
                    raise ValueError
            except (InvalidOperation, ValueError):
                row_errors.append(RowError(n, "年度", cells["年度"], _("须为四位年度，例如 2025")))
            district = None
            if cells["区县"] and cells["区县"] not in ("全市", "市级"):
                district = districts.get(cells["区县"])
                if district is None:
                    row_errors.append(
                        RowError(n, "区县", cells["区县"], _("区县名称不在本市区县名单中（全市留空）"))
                    )
            kind = KIND_WORDS.get(cells["目标类型"] or "目标")
            if kind is None:
                row_errors.append(RowError(n, "目标类型", cells["目标类型"], _("须为“目标”“不低于”或“力争”")))
            value = None
            if indicator is not None:
                try:
                    value = parse_value(cells["目标值"], indicator.unit)
                except ValueError as exc:
                    row_errors.append(RowError(n, "目标值", cells["目标值"], str(exc)))
            key = (code, year, cells["区县"], kind)
            if not row_errors and key in seen:
                row_errors.append(
                    RowError(n, "指标代码", code, _("与前面某行的指标、年度、区县和目标类型重复"))
                )
            seen.add(key)
            if row_errors:
                errors.extend(row_errors)
            else:
                parsed.append((indicator, year, district, kind, value, cells.get("依据文件", "")[:200]))
        if not parsed and not errors:
            raise Refused(_("文件中没有目标数据行"))
    except Refused as exc:
        errors = [RowError(0, "", "", str(exc))]
    except PermissionDenied as exc:
        errors = [RowError(0, "", "", str(exc))]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not errors:
        with transaction.atomic():
            for indicator, year, district, kind, value, document in parsed:
                counts[_save_target(user, indicator, year, district, kind, value, document)] += 1
    run.status = ImportRun.Status.REFUSED if errors else ImportRun.Status.ACCEPTED
    run.rows = len(parsed) + len({e.row for e in errors if e.row})
    run.errors = [e.as_dict() for e in errors]
    run.counts = counts if not errors else {}
    run.finished_at = timezone.now()
    run.save()
    return run


def _save_target(user, indicator, year, district, kind, value, document) -> str:
    current = Target.objects.filter(indicator=indicator, year=year, district=district, kind=kind).first()
    if current is not None and current.value == value and current.document == (document or current.document):
        return "unchanged"
    if current is None:
        current = Target(indicator=indicator, year=year, district=district, kind=kind)
    current.value = value
    current.document = document or current.document
    current.set_by = user if getattr(user, "pk", None) else None
    current._change_reason = _("下达指标目标")
    created = current.pk is None
    current.save()
    return "created" if created else "updated"


@dataclass(frozen=True)
class SplitCheck:
    total: Decimal | None  # the city target
    parts_sum: Decimal
    gap: Decimal | None  # city target − sum of parts (0 when they add up); None when not additive
    additive: bool


def check_split(indicator: Indicator, city_target: Decimal | None, parts: dict) -> SplitCheck:
    parts_sum = sum((Decimal(v) for v in parts.values() if v is not None), Decimal(0))
    additive = indicator.unit in ADDITIVE
    gap = None if not additive or city_target is None else Decimal(city_target) - parts_sum
    return SplitCheck(city_target, parts_sum, gap, additive)


def suggest_split(indicator: Indicator, total: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """Parts in proportion to ``weights`` (e.g. each district's actual last year) that add up exactly;
    a ratio target is the same for every district."""
    ids = list(weights)
    if indicator.unit not in ADDITIVE:
        return {i: Decimal(total) for i in ids}
    # Money is split in whole 万元 (what a total holds below 万元 stays with the first part).
    places = -4 if indicator.unit == Indicator.Unit.YUAN else 0
    parts = progress.split(Decimal(total), [weights[i] for i in ids], places=places)
    return {i: Decimal(format(p, "f")) for i, p in zip(ids, parts, strict=True)}


@transaction.atomic
def split_target(user, indicator: Indicator, year: int, kind: str, parts: dict[int, Decimal]) -> SplitCheck:
    """分解下达: save each district's part of the city's ``kind`` target of ``year``. For an additive
    indicator the parts must add up to the city target; otherwise nothing is saved and the error says
    by how much they differ."""
    can_set_targets(user).enforce()
    city = Target.objects.filter(indicator=indicator, year=year, district=None, kind=kind).first()
    if city is None:
        raise ValidationError(
            _("%(year)s年“%(name)s”尚未设定全市目标，请先设定全市目标再分解")
            % {"year": year, "name": indicator.name}
        )
    districts = {d.pk: d for d in District.objects.filter(pk__in=list(parts))}
    unknown = [k for k in parts if k not in districts]
    if unknown:
        raise ValidationError(_("区县不存在：%(ids)s") % {"ids": ", ".join(map(str, unknown))})
    for pk, value in parts.items():
        if value is None or Decimal(value) < 0:
            raise ValidationError(_("%(d)s的分解值须为不小于 0 的数字") % {"d": districts[pk].name})
    check = check_split(indicator, city.value, parts)
    if check.gap is not None and check.gap != 0:
        raise ValidationError(
            _("各区县合计 %(sum)s，与全市目标 %(total)s 相差 %(gap)s，未保存。请调整后再下达。")
            % {"sum": _plain(check.parts_sum), "total": _plain(city.value), "gap": _plain(check.gap)}
        )
    for pk, value in parts.items():
        _save_target(user, indicator, year, districts[pk], kind, Decimal(value), city.document)
    return check


def _plain(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def split_weights(indicator: Indicator, year: int, districts) -> dict[int, Decimal]:
    """Each district's weight for a suggested split: its figure of the latest earlier year, else its
    number of enterprises."""
    from django.db.models import Count

    from kechuang.enterprises.models import Enterprise

    from ..models import Actual

    ids = [d.pk for d in districts]
    latest = (
        Actual.objects.filter(indicator=indicator, year__lt=year, district__in=ids, value__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if latest is not None:
        found = dict(
            Actual.objects.filter(indicator=indicator, year=latest, district__in=ids).values_list(
                "district_id", "value"
            )
        )
        if any(found.values()):
            return {i: Decimal(found.get(i) or 0) for i in ids}
    counts = dict(
        Enterprise.objects.filter(organisation__district__in=ids)
        .values_list("organisation__district")
        .annotate(n=Count("pk"))
        .values_list("organisation__district", "n")
    )
    return {i: Decimal(counts.get(i, 0)) for i in ids}
