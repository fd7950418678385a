"""Indicators as data: the seed file (shared/seed-data/indicators.yaml, kept in data/) and the rules."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.core.models import District
from kechuang.core.registry import indicator_rules

from ..models import EnteredValue, Indicator, Target

SEED = Path(__file__).resolve().parent.parent / "data" / "indicators.yaml"
UNITS = {u.value for u in Indicator.Unit}
KINDS = {"target": Target.Kind.TARGET, "min_target": Target.Kind.MIN, "stretch": Target.Kind.STRETCH}
# Flows that build up through the year: judged against 序时进度 in the running year.
CUMULATIVE = {
    "tech_contract_turnover",
    "new_provincial_platforms",
    "transfer_loans",
    "foreign_expert_visits",
    "upper_funding",
}
# The cockpit's cards, in this order.
KEY = [
    "high_tech_count",
    "above_scale_count",
    "rd_active_share",
    "enterprise_rd_expense",
    "enterprise_high_tech_revenue_share",
    "tech_sme_count",
    "rd_intensity",
    "high_tech_output_share",
    "tech_contract_turnover",
]


def _order(code: str, fallback: int) -> int:
    return KEY.index(code) + 1 if code in KEY else fallback


def read_seed(text: str | None = None) -> dict:
    try:
        data = yaml.safe_load(text if text is not None else SEED.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(_("指标文件格式有误：%(e)s") % {"e": str(exc).splitlines()[0]}) from None
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise ValidationError(_("指标文件须包含 indicators 列表"))
    return data


@transaction.atomic
def sync_indicators(data: dict | None = None) -> int:
    """Create or update every indicator of the seed file and every registered rule's indicator.
    Names and units an editor changed since are kept; the source kind follows what exists."""
    data = data or read_seed()
    rules = {r.code: r for r in indicator_rules()}
    seen = set()
    for n, item in enumerate(data["indicators"], start=1):
        code, name, unit = str(item.get("code", "")), str(item.get("name", "")), item.get("unit")
        if not code or not name or unit not in UNITS:
            raise ValidationError(
                _("第 %(n)s 个指标的代码、名称或单位有误（单位须为 count、yuan、ratio 或 persons）")
                % {"n": n}
            )
        rule = rules.get(code)
        _upsert(code, name, unit, rule, both=rule is not None, order=_order(code, 100 + n))
        seen.add(code)
    for code, rule in rules.items():
        if code not in seen:
            _upsert(
                code,
                str(rule.name or code),
                rule.unit,
                rule,
                both=False,
                order=_order(code, 200 + rule.order),
            )
    return len(seen | set(rules))


def _upsert(code, name, unit, rule, *, both: bool, order: int) -> Indicator:
    source = Indicator.Source.ENTERED
    if rule is not None:
        source = Indicator.Source.BOTH if both else Indicator.Source.COMPUTED
    indicator, created = Indicator.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "unit": unit,
            "source": source,
            "rule": rule.code if rule else "",
            "cumulative": code in CUMULATIVE,
            "key": code in KEY,
            "order": order,
        },
    )
    if not created and (indicator.source != source or indicator.rule != (rule.code if rule else "")):
        indicator.source, indicator.rule = source, rule.code if rule else ""
        indicator._change_reason = _("计算规则变化")
        indicator.save(update_fields=["source", "rule"])
    return indicator


def _decimal(value, where: str) -> Decimal:
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("%(where)s的数值“%(v)s”不是数字") % {"where": where, "v": value}) from None
    if not out.is_finite():
        raise ValidationError(_("%(where)s的数值“%(v)s”不是数字") % {"where": where, "v": value})
    return out


@transaction.atomic
def load_city(city: str, *, data: dict | None = None, user=None, districts: dict | None = None) -> dict:
    """Load one city's published figures (as entered values) and targets (city-wide) from the seed
    file's format. All or nothing: a bad row refuses the whole file with its place named."""
    data = data or read_seed()
    sync_indicators(data)
    block = next((c for c in data.get("cities") or [] if c.get("city") == city), None)
    if block is None:
        raise ValidationError(_("指标文件中没有“%(city)s”的数据") % {"city": city})
    indicators = {i.code: i for i in Indicator.objects.all()}
    document = str(block.get("source") or city)[:200]
    doc_date = _source_date(document)
    counts = {"entered": 0, "targets": 0}
    for n, row in enumerate(block.get("values") or [], start=1):
        where = _("%(city)s第 %(n)s 条") % {"city": city, "n": n}
        indicator = indicators.get(row.get("code"))
        if indicator is None:
            raise ValidationError(
                _("%(where)s：指标代码“%(c)s”未定义") % {"where": where, "c": row.get("code")}
            )
        year, kind = row.get("year"), row.get("kind")
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            raise ValidationError(_("%(where)s：年度须为四位数字") % {"where": where})
        value = _decimal(row.get("value"), where)
        if kind == "actual":
            EnteredValue.objects.update_or_create(
                indicator=indicator,
                year=year,
                district=None,
                defaults={
                    "value": value,
                    "document": document,
                    "document_date": doc_date,
                    "note": str(row.get("note") or "")[:200],
                    "entered_by": user,
                },
            )
            counts["entered"] += 1
        elif kind in KINDS:
            Target.objects.update_or_create(
                indicator=indicator,
                year=year,
                district=None,
                kind=KINDS[kind],
                defaults={"value": value, "document": document, "set_by": user},
            )
            counts["targets"] += 1
        else:
            raise ValidationError(
                _("%(where)s：类型“%(k)s”无法识别（须为 actual、target、min_target 或 stretch）")
                % {"where": where, "k": kind}
            )
    return counts


def _source_date(document: str) -> dt.date | None:
    """The date in brackets at the end of a seed source, e.g. "… (2022-04-01)"."""
    try:
        return dt.date.fromisoformat(document.rsplit("(", 1)[1].rstrip(")").strip())
    except (IndexError, ValueError):
        return None


def district_by_name(name: str) -> District | None:
    return District.objects.filter(name=name.strip()).first()
