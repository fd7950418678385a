"""The 指标监测简报: a Word document in 公文 style (headline figures, a table by district, a chart drawn
on the server with matplotlib and a CJK font from Debian's fonts packages) and its tables as .xlsx.
A report is made for a date; made again for the same period and date it replaces the stored files."""

import datetime as dt
import io
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import word
from kechuang.core.models import Role, User
from kechuang.core.notify import notify
from kechuang.core.permissions import Decision, role_of
from kechuang.core.spreadsheets import Column, xlsx_bytes

from ..models import Actual, Report
from ..templatetags.indicators import measure, pct, signed_pct
from . import cockpit

log = logging.getLogger(__name__)
MONTH, QUARTER = Report.Period.MONTH, Report.Period.QUARTER
CITY_NAME = "淄博市"
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP")


def can_make(user) -> Decision:
    if role_of(user) in (Role.ADMIN, Role.BUREAU_STAFF):
        return Decision(True)
    return Decision(False, _("仅市局工作人员可以生成指标监测简报"))


def period_label(period: str, as_of: dt.date) -> str:
    if period == QUARTER:
        return _("%(y)s年第%(q)s季度") % {"y": as_of.year, "q": (as_of.month - 1) // 3 + 1}
    return _("%(y)s年%(m)s月") % {"y": as_of.year, "m": as_of.month}


def title(report: Report) -> str:
    return _("科技创新指标监测简报（%(p)s）") % {"p": period_label(report.period, report.as_of)}


def report_year(as_of: dt.date) -> int:
    """The latest year up to the report's date that has computed figures (yearly facts arrive after
    the year closes, so a monthly report reads the last complete year)."""
    year = (
        Actual.objects.filter(year__lte=as_of.year).order_by("-year").values_list("year", flat=True).first()
    )
    return year or as_of.year - 1


class _Reader:
    """The cockpit's figures read as the whole city sees them (a report is the city's)."""

    role = Role.LEADER
    district_id = None
    is_authenticated = True
    is_active = True
    is_superuser = False


def _data(year: int, as_of: dt.date, district_id=None, user=None) -> dict:
    return cockpit.cockpit(user or _Reader(), year=year, district_id=district_id, today=as_of)


def table_rows(user, year: int, *, district_id=None):
    data = _data(year, timezone.localdate(), district_id, user)
    columns = [
        Column(_("指标")),
        Column(_("区域")),
        Column(_("年度"), "int"),
        Column(_("实际值")),
        Column(_("数据来源")),
        Column(_("目标值")),
        Column(_("完成进度"), "ratio"),
        Column(_("同比变化"), "ratio"),
        Column(_("状态")),
    ]
    rows = []
    for f in data["cards"]:
        rows.append(_row(f, data["area_name"]))
    for f in data["ranking"]:
        rows.append(_row(f, f.district.name))
    return columns, rows


def _row(f, area: str) -> list:
    unit = f.indicator.unit
    return [
        f.indicator.name,
        area,
        f.year,
        measure(f.value, unit),
        f.source,
        measure(f.target_value, unit) if f.target else "",
        f.assessment.progress,
        f.change,
        f.light,
    ]


def _chart_png(data: dict) -> bytes | None:
    """The chosen indicator by district against each district's target, as a PNG; None when
    matplotlib or a CJK font is missing (the report then carries the table alone)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import font_manager
        from matplotlib import pyplot as plt
    except ImportError:
        return None
    names = {f.name for f in font_manager.fontManager.ttflist}
    font = next((n for n in CJK_FONTS if n in names), None)
    if font is None:
        return None
    ranking = [f for f in data["ranking"] if f.value is not None]
    if not ranking or data["chosen"] is None:
        return None
    unit = data["chosen"].unit
    scale = (
        (lambda v: float(v) * 100)
        if unit == "ratio"
        else (lambda v: float(v) / 10000)
        if unit == "yuan"
        else float
    )
    plt.rcParams["font.sans-serif"] = [font]
    plt.rcParams["axes.unicode_minus"] = False
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=150)
    xs = range(len(ranking))
    ax.bar(xs, [scale(f.value) for f in ranking], color="#2f6fb3", label=_("实际"))
    targets = [scale(f.target_value) if f.target_value is not None else None for f in ranking]
    if any(t is not None for t in targets):
        ax.scatter(
            [x for x, t in zip(xs, targets, strict=True) if t is not None],
            [t for t in targets if t is not None],
            color="#d9534f",
            marker="_",
            s=400,
            linewidths=3,
            label=_("目标"),
        )
    ax.set_xticks(list(xs), [f.district.name for f in ranking], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(cockpit.chart_unit(unit))
    ax.set_title(data["chosen"].name, fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def build(period: str, as_of: dt.date) -> tuple[bytes, bytes, int]:
    year = report_year(as_of)
    data = _data(year, as_of)
    label = period_label(period, as_of)
    doc = word.document()
    word.title(doc, _("%(city)s科技创新指标监测简报") % {"city": CITY_NAME})
    word.paragraph(doc, _("（%(p)s）") % {"p": label}, align="center")
    cards = [c for c in data["cards"] if c.value is not None]
    counts = {
        k: sum(1 for c in cards if c.assessment.light == k) for k in ("ahead", "met", "on_track", "behind")
    }
    word.heading(doc, _("一、总体情况"))
    word.paragraph(
        doc,
        _(
            "截至%(date)s，纳入监测的重点指标 %(n)s 项（%(year)s年度数据），其中超额完成 %(ahead)s 项、达标 %(met)s 项、"
            "进度正常 %(on)s 项、滞后 %(behind)s 项。"
        )
        % {
            "date": f"{as_of.year}年{as_of.month}月{as_of.day}日",
            "n": len(cards),
            "year": year,
            "ahead": counts["ahead"],
            "met": counts["met"],
            "on": counts["on_track"],
            "behind": counts["behind"],
        },
    )
    word.heading(doc, _("二、重点指标完成情况"))
    rows = [[_("指标"), _("实际值"), _("目标值"), _("完成进度"), _("同比"), _("状态")]]
    for c in cards:
        rows.append(
            [
                c.indicator.name,
                measure(c.value, c.indicator.unit),
                measure(c.target_value, c.indicator.unit) if c.target else "—",
                pct(c.assessment.progress),
                signed_pct(c.change),
                c.light,
            ]
        )
    word.table(doc, rows)
    chosen = data["chosen"]
    if chosen is not None:
        word.heading(doc, _("三、分区县情况（%(name)s）") % {"name": chosen.name})
        rows = [[_("区县"), _("实际值"), _("目标值"), _("完成进度"), _("状态")]]
        for f in data["ranking"]:
            rows.append(
                [
                    f.district.name,
                    measure(f.value, chosen.unit),
                    measure(f.target_value, chosen.unit) if f.target else "—",
                    pct(f.assessment.progress),
                    f.light,
                ]
            )
        word.table(doc, rows)
        png = _chart_png(data)
        if png:
            from docx.shared import Mm

            doc.add_picture(io.BytesIO(png), width=Mm(150))
        if data["behind"]:
            word.paragraph(
                doc,
                _("进度滞后的区县：%(names)s，请相关区县科技局加快推进。")
                % {"names": "、".join(f.district.name for f in data["behind"])},
            )
    word.paragraph(doc, "")
    word.paragraph(doc, _("市科学技术局"), align="right")
    word.paragraph(doc, f"{as_of.year}年{as_of.month}月{as_of.day}日", align="right")
    columns, table = table_rows(_Reader(), year)
    return word.to_bytes(doc), xlsx_bytes(columns, table, sheet_title=_("指标监测表")), year


@transaction.atomic
def make_report(period: str, as_of: dt.date, user=None) -> Report:
    if period not in (MONTH, QUARTER):
        raise ValidationError(_("简报周期须为月报或季报"))
    docx, xlsx, year = build(period, as_of)
    report, _created = Report.objects.update_or_create(
        period=period,
        as_of=as_of,
        defaults={
            "docx": docx,
            "xlsx": xlsx,
            "year": year,
            "made_by": user if getattr(user, "pk", None) else None,
        },
    )
    return report


def make_and_notify(period: str, as_of: dt.date) -> Report:
    report = make_report(period, as_of)
    leaders = User.objects.filter(role=Role.LEADER, is_active=True)
    notify(
        leaders,
        _("%(title)s已生成") % {"title": title(report)},
        _("请在指标驾驶舱的“监测简报”中查阅。"),
        reverse("indicators_reports"),
    )
    return report


def make_report_from_form(user, data) -> Report:
    can_make(user).enforce()
    period = data.get("period", "")
    raw = data.get("as_of", "").strip()
    try:
        as_of = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("截至日期须为 年-月-日 格式，例如 2026-11-30")) from None
    if as_of > timezone.localdate():
        raise ValidationError(_("截至日期不能晚于今天"))
    if as_of.year < 2000:
        raise ValidationError(_("截至日期须在 2000 年之后"))
    return make_report(period, as_of, user)
