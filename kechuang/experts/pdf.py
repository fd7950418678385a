"""The draw record (专家抽取记录) as a PDF for the file: parameters, seed, input digest, every panel
with affinities and probabilities, reserves, conflicts avoided, and signature lines.

Chinese text is set in the house font of ``kechuang.core.pdf``, embedded in the file.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from kechuang.core.pdf import styles as _styles
from kechuang.core.pdf import table as _table

from . import services
from .models import SelectionRound


def draw_record_pdf(rnd: SelectionRound) -> bytes:
    s = _styles()
    record = rnd.draw_records.first()
    P = Paragraph
    story = [P(_("专家抽取记录"), s["title"]), P(rnd.name, s["h2"])]
    params = [
        [_("遴选方式"), rnd.get_rule_display(), _("遴选时间"), timezone.localtime(rnd.run_at).strftime("%Y-%m-%d %H:%M") if rnd.run_at else ""],
        [_("每个项目专家人数"), str(rnd.per_item), _("每位专家评审项目数"), f"{rnd.min_load}–{rnd.max_load}"],
        [_("单人入选概率上限"), "—" if rnd.rule == rnd.Rule.OPTIMAL else str(rnd.max_probability), _("择优人数"), str(rnd.best_n or "—")],
        [_("候补专家人数"), str(rnd.reserves), _("同一单位专家上限"), str(rnd.max_per_org or _("不限"))],
        [_("合作回避年限"), str(rnd.collab_years), _("回避同区县专家"), _("是") if rnd.avoid_same_district else _("否")],
        [_("随机种子"), "—" if record is None or record.seed is None else str(record.seed), _("状态"), rnd.get_status_display()],
    ]  # fmt: skip
    story.append(
        _table(
            [[P(str(c), s["body"]) for c in row] for row in params],
            [32 * mm, 53 * mm, 32 * mm, 53 * mm],
            header=False,
        )
    )
    if record is not None:
        story.append(Spacer(1, 3 * mm))
        story.append(P(_("输入数据摘要（SHA-256）：%(d)s") % {"d": record.input_digest}, s["small"]))
        story.append(
            P(
                _("凭本记录保存的输入数据和随机种子可完整复现抽取结果（记录编号 %(id)s）。")
                % {"id": record.pk},
                s["small"],
            )
        )
    runs = rnd.draw_records.count()
    if runs > 1:
        # Every run is kept: a reader can see the panel was not chosen by re-drawing until it suited.
        story.append(
            P(
                _("本批次共遴选 %(n)s 次，每次的输入、种子和结果均留存备查；本记录为最后一次。")
                % {"n": runs},
                s["small"],
            )
        )
    for m in rnd.messages:
        story.append(P(m.get("text", ""), s["small"]))

    story.append(P(_("各项目专家名单"), s["h2"]))
    rows = [[_("项目"), _("专家"), _("单位"), _("匹配度"), _("入选概率"), _("已回避")]]
    for row in services.panels(rnd):
        item = row["item"]
        people = row["panel"] + row["reserves"]
        avoided = _("%(n)s 人") % {"n": len(row["conflicts"])} if row["conflicts"] else "—"
        for k, a in enumerate(people):
            name = (
                a.expert.name
                if not a.reserve
                else _("候补%(k)s：%(name)s") % {"k": a.reserve_rank, "name": a.expert.name}
            )
            if a.replaces_id:
                name += _("（递补）")
            rows.append(
                [
                    P(f"{item.code} {item.title}", s["small"]) if k == 0 else "",
                    P(name, s["small"]),
                    P(a.expert.organisation.name, s["small"]),
                    f"{a.affinity:.2f}",
                    "—" if a.probability is None else f"{a.probability:.2f}",
                    avoided if k == 0 else "",
                ]
            )
    story.append(_table(rows, [52 * mm, 28 * mm, 50 * mm, 14 * mm, 14 * mm, 14 * mm]))

    conflicts = [[_("项目"), _("回避专家"), _("回避原因")]]
    for row in services.panels(rnd):
        for c in row["conflicts"]:
            conflicts.append(
                [P(row["item"].title, s["small"]), P(c.expert.name, s["small"]), P(c.text, s["small"])]
            )
    if len(conflicts) > 1:
        story.append(P(_("回避情况"), s["h2"]))
        story.append(_table(conflicts, [55 * mm, 25 * mm, 92 * mm]))

    story.append(Spacer(1, 12 * mm))
    story.append(P(_("经办人：____________　　监督人：____________　　日期：____________"), s["body"]))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=str(_("专家抽取记录")), author="Kechuang",
    )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
