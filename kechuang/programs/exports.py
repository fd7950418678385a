"""Documents of the programmes app: the award list (.xlsx), the award notice (立项通知书, .docx) and the
application pack (申报书, .pdf).

The PDF is set in the house font of ``kechuang.core.pdf`` (embedded), like the experts' draw record.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import word
from kechuang.core.pdf import styles as _styles
from kechuang.core.pdf import table as _table
from kechuang.core.spreadsheets import Column, xlsx_bytes

from . import workflow
from .models import Application, Award, Call
from .services import awards as award_services
from .services import wan
from .services.formschema import ordered_properties, show_answer

DOCX_TYPE = word.DOCX_TYPE

AWARD_HEADERS = [
    ("评审排名", "text"), ("项目名称", "text"), ("承担单位", "text"), ("区县", "text"),
    ("申请金额（万元）", "wan_yuan"), ("支持金额（万元）", "wan_yuan"), ("已拨付（万元）", "wan_yuan"),
    ("状态", "text"), ("合同编号", "text"), ("实施开始", "date"), ("实施结束", "date"), ("绩效等级", "text"),
    ("递补自", "text"),
]  # fmt: skip


def bureau_name() -> str:
    return getattr(settings, "KECHUANG_BUREAU_NAME", "") or _("市科学技术局")


def award_list_xlsx(call: Call, awards) -> bytes:
    awards = awards.select_related(
        "application__applicant__district", "replaces__application"
    ).prefetch_related("tranches")
    return xlsx_bytes(
        [Column(_(h), kind) for h, kind in AWARD_HEADERS],
        award_services.award_rows(awards.order_by("rank", "pk")),
        sheet_title=_("立项名单"),
    )


# ------------------------------------------------------------------------------------ award notice


def award_notice_docx(award: Award) -> bytes:
    """立项通知书 for one award, in the bureau's house style."""
    app = award.application
    doc = word.document()
    word.title(doc, _("项目立项通知书"))
    word.paragraph(
        doc, _("编号：%(n)s") % {"n": award.contract_no or f"{award.call.year}-{award.pk:04d}"}, align="right"
    )
    word.paragraph(doc, _("%(o)s：") % {"o": app.applicant.name}, indent=False)
    word.paragraph(
        doc,
        _(
            "经专家评审、社会公示，你单位申报的“%(t)s”项目列入%(c)s，予以立项支持，"
            "支持经费%(a)s万元。请按照合同约定组织实施，按期完成考核指标。"
        )
        % {"t": app.title, "c": award.call.title, "a": wan(award.amount_yuan)},
    )
    term = (
        _("%(a)s至%(b)s") % {"a": award.starts_on, "b": award.ends_on}
        if award.starts_on
        else _("%(m)s个月（以合同约定为准）") % {"m": app.months}
    )
    word.table(
        doc,
        [
            (_("项目名称"), app.title),
            (_("承担单位"), app.applicant.name),
            (_("计划类别"), award.call.programme_type.name),
            (_("支持金额"), _("%(a)s万元") % {"a": wan(award.amount_yuan)}),
            (_("实施期"), term),
            (_("合同编号"), award.contract_no or _("待签订")),
        ],
        header=False,
    )

    milestones = list(award.milestones.all())
    if milestones:
        word.heading(doc, _("考核节点"))
        word.table(
            doc,
            [(_("序号"), _("节点名称"), _("考核内容"), _("到期日"))]
            + [(m.seq, m.title, m.deliverable, m.due_on.isoformat()) for m in milestones],
        )
    tranches = list(award.tranches.select_related("milestone"))
    if tranches:
        word.heading(doc, _("资金拨付计划"))
        word.table(
            doc,
            [(_("批次"), _("金额（万元）"), _("拨付条件"))]
            + [
                (
                    tr.seq,
                    wan(tr.amount_yuan),
                    _("节点“%(t)s”完成后") % {"t": tr.milestone.title}
                    if tr.milestone_id
                    else _("合同签订后"),
                )
                for tr in tranches
            ],
        )
    word.paragraph(doc)
    for text in (bureau_name(), (award.signed_on or timezone.localdate()).strftime("%Y年%m月%d日")):
        word.paragraph(doc, text, align="right")
    return word.to_bytes(doc)


# -------------------------------------------------------------------------------- application pack


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(show_answer(value))


S = Application.Status
# Statuses an application reaches only after passing each stage: the pack reads the stage as done
# even when an older record has no transition row for it.
LATER_THAN_FORMAL = {S.FORMAL_PASSED, S.IN_REVIEW, S.REVIEWED, S.AWARDED, S.WAITLISTED, S.REJECTED}
LATER_THAN_ENDORSEMENT = {S.ENDORSED, *LATER_THAN_FORMAL}


def _stages(app: Application) -> dict:
    """What the application's own history says: the latest formal-check and endorsement decisions since
    it was last sent back to draft (a revised application is checked and endorsed afresh), and every
    step in order."""
    steps = list(workflow.history(app))
    current = steps
    for k, t in enumerate(steps):
        if t.to_status == S.DRAFT:
            current = steps[k + 1 :]

    def last(*statuses):
        return next((t for t in reversed(current) if t.to_status in statuses), None)

    return {
        "formal": last(S.FORMAL_PASSED, S.FORMAL_FAILED),
        "endorsement": last(S.ENDORSED, S.NOT_ENDORSED),
        "steps": steps,
    }


def _actor(t) -> str:
    return (t.actor.get_full_name() or t.actor.username) if t.actor_id else _("系统")


def _step_text(t) -> str:
    text = _("%(result)s（%(who)s，%(when)s）") % {
        "result": t.to_label,
        "who": _actor(t),
        "when": timezone.localtime(t.at).strftime("%Y-%m-%d"),
    }
    if t.reason:
        text += _("；意见：%(r)s") % {"r": t.reason}
    return text


def application_pdf(app: Application) -> bytes:
    """申报书: the fixed fields, the form fields per the call's schema (in the schema's order), the
    co-applicants, the attachments list, the formal check findings and the district endorsement."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    s = _styles()

    def P(text, style="body"):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), s[style])

    story = [P(_("科技计划项目申报书"), "title"), P(app.call.title, "h2")]
    rows = [
        [_("项目名称"), app.title],
        [_("申报单位"), app.applicant.name],
        [_("所在区县"), app.applicant.district.name if app.applicant.district_id else "—"],
        [_("申请支持金额"), _("%(a)s万元") % {"a": wan(app.requested_yuan)}],
        [_("实施期"), _("%(m)s个月") % {"m": app.months}],
        [_("状态"), app.get_status_display()],
        [
            _("提交时间"),
            timezone.localtime(app.submitted_at).strftime("%Y-%m-%d %H:%M") if app.submitted_at else "—",
        ],
        [_("填报表单版本"), str(app.schema_version)],
    ]
    story.append(_table([[P(a), P(b)] for a, b in rows], [35 * mm, 135 * mm], header=False))
    story.append(P(_("项目摘要"), "h2"))
    story.append(P(app.abstract))

    props = ordered_properties(app.call.form_schema)
    if props:
        story.append(P(_("申报书内容"), "h2"))
        story.append(
            _table(
                [[P(prop.get("title", name)), P(_value(app.form_data.get(name)))] for name, prop in props],
                [45 * mm, 125 * mm],
                header=False,
            )
        )
    story.append(P(_("合作单位"), "h2"))
    co = list(app.co_applicants.all())
    story.append(P("、".join(o.name for o in co) if co else _("无")))

    story.append(P(_("附件清单"), "h2"))
    attachments = list(app.attachments.all())
    if attachments:
        kinds = {
            k.get("code"): k.get("name") for k in (app.call.attachment_kinds or []) if isinstance(k, dict)
        }
        rows = [[P(_("附件类型")), P(_("文件名")), P(_("大小（KB）")), P(_("校验值（SHA-256前16位）"))]]
        rows += [
            [P(kinds.get(a.kind, a.kind)), P(a.name), P(f"{a.size / 1024:.0f}"), P(a.sha256[:16])]
            for a in attachments
        ]
        story.append(_table(rows, [35 * mm, 70 * mm, 20 * mm, 45 * mm]))
    else:
        story.append(P(_("无")))

    done = _stages(app)
    story.append(P(_("形式审查"), "h2"))
    findings = list(app.findings.all())
    formal = done["formal"]
    if formal is not None:
        story.append(P(_step_text(formal)))
    elif app.status in LATER_THAN_FORMAL:
        # Passed before the platform kept the record (an imported or migrated application).
        story.append(P(_("形式审查通过（无办理记录）")))
    if findings:
        rows = [[P(_("结果")), P(_("说明"))]]
        rows += [[P(_("符合") if f.ok else _("问题")), P(f.text)] for f in findings]
        story.append(_table(rows, [20 * mm, 150 * mm]))
        if formal is None and app.status not in LATER_THAN_FORMAL:
            story.append(P(_("已完成机器审查，尚待经办人作出审查结论")))
    elif formal is None and app.status not in LATER_THAN_FORMAL:
        story.append(P(_("尚未进行形式审查")))
    if app.decision_reason and formal is None:
        story.append(P(_("审查意见：%(r)s") % {"r": app.decision_reason}))

    story.append(P(_("区县推荐"), "h2"))
    endorsement = done["endorsement"]
    if not app.call.needs_endorsement:
        story.append(P(_("本通知无需区县推荐")))
    elif endorsement is not None:
        story.append(P(_step_text(endorsement)))
    elif app.status in LATER_THAN_ENDORSEMENT:
        story.append(P(_("已推荐（无办理记录）")))
    else:
        story.append(P(_("尚未推荐")))

    if done["steps"]:
        story.append(P(_("办理记录"), "h2"))
        rows = [[P(_("时间")), P(_("办理结果")), P(_("办理人")), P(_("说明"))]]
        rows += [
            [
                P(timezone.localtime(t.at).strftime("%Y-%m-%d %H:%M")),
                P(t.to_label),
                P(_actor(t)),
                P(t.reason or "—"),
            ]
            for t in done["steps"]
        ]
        story.append(_table(rows, [28 * mm, 30 * mm, 30 * mm, 82 * mm]))

    story.append(Spacer(1, 6 * mm))
    story.append(
        P(
            _("本申报书由%(b)s科技计划管理系统于%(d)s生成。")
            % {"b": bureau_name(), "d": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            "small",
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=app.title, author="Kechuang",
    )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
