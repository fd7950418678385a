"""Demo data of the programmes app: the seeded programme types, this year's major-breakthrough call
(open now, applications from demo enterprises in every stage of intake), next year's calls being
drafted, and the idea solicitations that feed next year's guide.

Each scene runs on its day (``kechuang.core.demo_clock``): the guide drafted, reviewed and published
before the call opens, each application created, submitted, endorsed and checked inside the call's
period, in that order.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role

from . import services, workflow
from .models import Application, Call, Idea, ProgrammeType
from .services import wan

BREAKTHROUGH_GUIDE = (
    "围绕全市新材料、高端装备、生物医药、新能源等主导产业，支持企业牵头开展关键核心技术攻关。"
    "申报单位须为本市注册的高新技术企业，无失信记录；"
)
TRANSFER_GUIDE = "支持企业承接高校院所科技成果在本市转化和产业化，对银行贷款给予贴息。申报单位须为本市注册企业，无失信记录；"


def guide(ptype: ProgrammeType, opening: str) -> str:
    """A guide whose stated limits are the programme type's own, so that the guide and the call's cap
    (and the amounts applied for) can never disagree."""
    money = "单项贴息" if ptype.support == ProgrammeType.Support.INTEREST_SUBSIDY else "单项支持"
    return f"{opening}项目实施期不超过{ptype.max_months}个月，{money}不超过{wan(ptype.max_grant_yuan)}万元。"


TOPICS = ["高性能陶瓷与先进耐火材料", "高端化工新材料", "智能装备关键零部件", "创新药与高端医疗器械"]
PROJECTS = [
    (
        "氮化硅陶瓷轴承球近净成形关键技术",
        "开发氮化硅陶瓷球气压烧结和精密研磨工艺，实现G5级轴承球批量制备，替代进口。",
        3_000_000,
        24,
    ),
    (
        "高纯电子级氢氟酸连续精馏工艺",
        "突破电子级氢氟酸深度除杂和连续精馏技术，产品达到SEMI G4标准，建成千吨级示范线。",
        4_500_000,
        24,
    ),
    (
        "伺服压力机高动态控制系统研制",
        "研制伺服压力机专用控制器和力位复合控制算法，提升冲压节拍和成形精度。",
        2_000_000,
        18,
    ),
    (
        "缓控释制剂关键辅料国产化",
        "开发缓控释制剂用高分子辅料合成和质量控制技术，完成关联审评登记。",
        1_500_000,
        20,
    ),
    (
        "锂电池正极材料回收再生技术",
        "研究废旧锂电池正极材料短流程回收和直接再生工艺，金属回收率达到98%。",
        2_500_000,
        24,
    ),
]


MORE_PROJECTS = [
    (
        "高端伺服减速器精密加工工艺",
        "突破RV减速器摆线轮精密磨削和装配工艺，传动精度达到1弧分以内，实现进口替代。",
        3_500_000,
        24,
    ),
    (
        "生物基可降解聚酯材料连续聚合技术",
        "开发生物基聚酯连续聚合和改性技术，建成万吨级生产线，产品通过可降解认证。",
        4_000_000,
        24,
    ),
    (
        "工业互联网设备预测性维护平台",
        "面向化工园区关键机泵开发振动监测和寿命预测模型，实现非计划停机下降30%。",
        1_800_000,
        18,
    ),
]
# One stage per project, in order: the 2026 breakthrough call needs district endorsement.
STAGES = [
    "draft", "submitted", "endorsed", "not_endorsed", "formal_passed", "formal_passed", "formal_failed",
    "formal_passed",
]  # fmt: skip

IDEAS_BOTTOM_UP = [
    (
        "高温合金增材制造粉末制备",
        "航空发动机高温合金零件增材制造所需球形粉末依赖进口，氧含量和粒度分布不稳定。",
    ),
    ("化工园区危化品泄漏智能预警", "园区现有监测点位稀疏，泄漏发现滞后，需多源感知融合和扩散模拟。"),
    ("中药配方颗粒质量一致性控制", "配方颗粒批间差异大，缺少指纹图谱在线检测手段。"),
    ("陶瓷膜分离材料国产化", "高端陶瓷膜通量和寿命与进口产品差距明显。"),
]
IDEAS_TOP_DOWN = [
    ("氢能储运关键装备", "围绕全市氢能产业链，突破高压储氢瓶和加氢站关键部件。"),
    ("新一代功率半导体封装", "支持SiC功率模块封装材料和工艺攻关，服务新能源汽车产业。"),
    ("农业种质资源精准鉴定", "建立主要农作物种质资源表型和基因型精准鉴定平台。"),
]


def tiny_pdf(text: str = "Kechuang demo") -> bytes:
    """A small valid one-page PDF (with a correct cross-reference table), built in memory."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _attach(app: Application, user, kinds=("plan", "finance")) -> None:
    """Demo attachments, written directly (the applicants of the demo mostly have no account)."""
    import hashlib

    from django.core.files.base import ContentFile

    from .models import Attachment

    names = {k["code"]: k["name"] for k in app.call.attachment_kinds}
    for kind in kinds:
        content = tiny_pdf(f"{kind} #{app.pk}")
        name = f"{names.get(kind, kind)}.pdf"
        att = Attachment(
            application=app, kind=kind, name=name, size=len(content), content_type="application/pdf",
            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user,
        )  # fmt: skip
        att.file.save(name, ContentFile(content), save=False)
        att.save()


def _eligible_first(enterprises, own: set[int]) -> list:
    """Eligible firms first, and among them the demo accounts' own, so signing in shows an application."""
    from kechuang.policies.models import PolicyResult

    good = set(
        PolicyResult.objects.filter(
            version__policy__code="high_tech", is_current=True, status=PolicyResult.Status.ELIGIBLE
        ).values_list("enterprise_id", flat=True)
    )
    return sorted(enterprises, key=lambda e: (e.pk not in good, e.pk not in own, e.pk))


def _user_of(org_id, users) -> object | None:
    return next((u for u in users if u.organisation_id == org_id), None)


def _district_user(district_id, users) -> object | None:
    return next((u for u in users if u.district_id == district_id), None)


def _guide_review(staff, leader, call: Call, day: dt.date) -> Call:
    """The guide's internal review: sent on ``day``, approved two days later by a leader (or, in a
    city without one, through the model transitions, audited)."""
    with on(day, 10):
        call = services.send_for_review(staff, call)
    with on(day + dt.timedelta(days=2), 15):
        if leader is not None:
            return services.approve_call(leader, call, _("指南内容完整，同意发布"))
        before = call.status
        call.approve()
        call.save()
        workflow.log(call, "approve", before, None)
        return call


def _draft_call(staff, ptype, title, opening, topics, drafted: dt.date, opens: dt.date) -> Call:
    with on(drafted, 10):
        return services.save_call(
            staff,
            {
                "programme_type": ptype, "year": opens.year, "title": title, "guide": guide(ptype, opening),
                "topics": topics, "budget_cap_yuan": ptype.max_grant_yuan, "opens_on": opens,
                "closes_on": opens + dt.timedelta(days=60),
            },
        )  # fmt: skip


def load_programmes(ctx: dict, stdout) -> None:
    users = ctx.get("users", {})
    staffs = users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or []
    staff = staffs[0] if staffs else None
    # The guide is approved by a leader, or by another member of staff when there is no leader.
    leader = (users.get(Role.LEADER) or staffs[1:] or users.get(Role.ADMIN) or [None])[0]
    enterprises = ctx.get("enterprises") or []
    today = ctx.get("today") or dt.date.today()
    projects = PROJECTS + MORE_PROJECTS
    if staff is None or len(enterprises) < len(projects):
        return
    from kechuang.core.models import Organisation
    from kechuang.policies.models import Policy

    services.seed_programme_types()
    ent_users = users.get(Role.ENTERPRISE, [])
    district_users = users.get(Role.DISTRICT_STAFF, [])
    institutes = list(
        ctx.get("institutes") or Organisation.objects.filter(kind=Organisation.Kind.INSTITUTE)[:5]
    )
    ptype = ProgrammeType.objects.get(code="major_breakthrough")
    opens = today - dt.timedelta(days=20)
    with on(today - dt.timedelta(days=35), 10):
        call = services.save_call(
            staff,
            {
                "programme_type": ptype, "year": opens.year, "title": call_title(opens.year),
                "guide": guide(ptype, BREAKTHROUGH_GUIDE), "topics": TOPICS,
                "eligibility": ["high_tech"] if Policy.objects.filter(code="high_tech").exists() else [],
                "budget_cap_yuan": ptype.max_grant_yuan, "opens_on": opens,
                "closes_on": today + dt.timedelta(days=40), "form_schema": services.DEFAULT_SCHEMA,
                "total_budget_yuan": Decimal(30_000_000), "max_awards": 10, "needs_endorsement": True,
            },
        )  # fmt: skip
    call = _guide_review(staff, leader, call, today - dt.timedelta(days=30))
    with on(opens - dt.timedelta(days=1), 10):
        call = services.publish_call(staff, call)
    own = [u.organisation_id for u in ent_users]
    by_pk = {e.pk: e for e in enterprises}
    # The demo accounts' firms come first (draft, endorsed, not endorsed, passed: signing in shows
    # each of them something), then eligible firms; the second slot (submitted, waiting for its
    # district) goes to a firm of 张店区, so the district account has something to endorse.
    ordered = _eligible_first(enterprises, set(own))
    picks = [by_pk[pk] for pk in dict.fromkeys(own) if pk in by_pk]
    picks += [e for e in ordered if e.pk not in set(own)]
    zhangdian = next(
        (u for u in district_users if u.username.endswith("zhangdian")), (district_users or [None])[0]
    )
    if zhangdian is not None:
        local = next(
            (
                e
                for e in picks
                if e.organisation.district_id == zhangdian.district_id and e.pk not in set(own)
            ),
            None,
        )
        if local is not None:
            picks.remove(local)
            picks.insert(1, local)
    picks = picks[: len(projects)]
    for n, (ent, project, stage) in enumerate(zip(picks, projects, STAGES, strict=True)):
        # Each application's own days: written, submitted the next day, endorsed two days later,
        # checked two days after that — all inside the call's period and before today.
        _application(
            call, ent, project, stage, n, opens + dt.timedelta(days=2 + n), staff, ent_users,
            district_users, institutes,
        )  # fmt: skip
    transfer = ProgrammeType.objects.get(code="major_transfer")
    next_year = opens.year + 1
    draft = _draft_call(
        staff, transfer, _("%(y)s年度重大成果转化项目申报通知（草稿）") % {"y": next_year}, TRANSFER_GUIDE,
        ["高校院所科技成果本地转化"], today - dt.timedelta(days=12), today + dt.timedelta(days=75),
    )  # fmt: skip
    if leader is not None:
        approved = _draft_call(
            staff, ptype, call_title(next_year), BREAKTHROUGH_GUIDE, TOPICS[:2],
            today - dt.timedelta(days=16), today + dt.timedelta(days=60),
        )  # fmt: skip
        _guide_review(staff, leader, approved, today - dt.timedelta(days=14))
        second = _draft_call(
            staff, ptype, _("%(y)s年度重大技术攻关项目第二批申报通知（送审稿）") % {"y": next_year},
            BREAKTHROUGH_GUIDE, TOPICS[2:], today - dt.timedelta(days=6), today + dt.timedelta(days=150),
        )  # fmt: skip
        with on(today - dt.timedelta(days=5), 10):
            services.send_for_review(staff, second)
    _load_ideas(staff, enterprises, institutes, ent_users, users.get(Role.INSTITUTE, []), draft, today)
    counts = Application.objects.filter(call=call).values_list("status", flat=True)
    stdout.write(
        _("  科技计划：计划类型 {t} 类，申报通知 {c} 个，申报项目 {a} 项").format(
            t=ProgrammeType.objects.count(), c=Call.objects.count(), a=len(counts)
        )
    )


def call_title(year: int) -> str:
    return _("%(y)s年度重大技术攻关项目申报通知") % {"y": year}


def _application(call, ent, project, stage, n, day, staff, ent_users, district_users, institutes) -> None:
    title, abstract, amount, months = project
    user = _user_of(ent.pk, ent_users)
    with on(day, 9):
        app = Application.objects.create(
            call=call, applicant_id=ent.pk, title=title, abstract=abstract, requested_yuan=Decimal(amount),
            months=months, schema_version=call.schema_version, created_by=user,
            form_data={"leader": "张伟", "goals": abstract, "staff": 12, "self_funding_yuan": amount},
        )  # fmt: skip
        if institutes and n % 2 == 0:
            app.co_applicants.set([institutes[n % len(institutes)]])
        _attach(app, user, ("plan", "finance") if stage != "draft" else ("plan",))
    if stage == "draft":
        return
    with on(day + dt.timedelta(days=1), 11):
        _submit(app, user)
    if stage == "submitted":
        return
    endorser = _district_user(ent.organisation.district_id, district_users)
    with on(day + dt.timedelta(days=3), 14):
        app.refresh_from_db()
        if stage == "not_endorsed":
            reason = _("项目与本区产业布局关联度不高，建议明年结合区级项目再行申报")
            if endorser:
                services.decline_endorsement(endorser, app, reason)
            else:
                app.decline_endorsement()
                app.endorsement_note = reason
                app.save()
                workflow.log(app, "decline_endorsement", "submitted", None, reason)
            return
        note = _("企业研发基础较好，同意推荐")
        if endorser:
            app = services.endorse(endorser, app, note)
        else:
            app.endorse()
            app.endorsement_note = note
            app.save()
            workflow.log(app, "endorse", "submitted", None, note)
    if stage == "endorsed":
        return
    with on(day + dt.timedelta(days=5), 10):
        findings = services.formal_check(staff, app)
        problems = [f.text for f in findings if not f.ok]
        if stage == "formal_passed":
            services.decide(staff, app, "pass", _("机器提示已人工核实") if problems else "")
        else:
            services.decide(
                staff, app, "return", "；".join(problems) or _("申报材料不齐全，请补充后重新提交")
            )


def _submit(app: Application, user) -> None:
    """Submitted through the model transition, audited (the intake rules themselves are the intake
    tests' business; the demo needs each stage, including an applicant that the check will return)."""
    from django.utils import timezone

    app.submit()
    app.submitted_at = timezone.now()
    app.save()
    workflow.log(app, "submit", "draft", user)


def _idea(sol, org, user, title, problem) -> Idea:
    idea = Idea.objects.create(
        solicitation=sol, source=Idea.Source.BOTTOM_UP if org else Idea.Source.TOP_DOWN, organisation=org,
        title=title, problem=problem, goals=_("形成可推广的关键技术和示范应用"), submitted_by=user,
        suggested_yuan=Decimal(3_000_000),
    )  # fmt: skip
    workflow.log(idea, "submit", "", user)
    return idea


def _load_ideas(staff, enterprises, institutes, ent_users, inst_users, draft_call, today) -> None:
    """An open solicitation with bottom-up and top-down ideas in each status, and a closed one."""
    from .services import ideas

    ptype = ProgrammeType.objects.get(code="major_breakthrough")
    opened = today - dt.timedelta(days=300)
    with on(opened - dt.timedelta(days=5), 10):
        closed = ideas.save_solicitation(
            staff,
            {
                "programme_type": ptype, "year": opened.year,
                "title": _("%(y)s年度重大技术攻关项目建议征集") % {"y": opened.year},
                "description": _("征集本年度重大技术攻关方向建议。"), "opens_on": opened,
                "closes_on": today - dt.timedelta(days=240),
            },
        )  # fmt: skip
    with on(opened, 9):
        closed = ideas.open_solicitation(staff, closed)
    with on(opened + dt.timedelta(days=20), 10):
        old = _idea(closed, enterprises[-2].organisation, None, *IDEAS_BOTTOM_UP[3])
    with on(today - dt.timedelta(days=238), 10):
        ideas.decline(staff, old, _("已列入上一年度指南"))
        ideas.close_solicitation(staff, closed, _("征集期满"))

    opened = today - dt.timedelta(days=10)
    with on(opened - dt.timedelta(days=2), 10):
        sol = ideas.save_solicitation(
            staff,
            {
                "programme_type": ptype, "year": today.year + 1,
                "title": _("%(y)s年度科技计划项目建议征集") % {"y": today.year + 1},
                "description": _("面向全市企业和高校院所征集下一年度重大技术攻关和成果转化方向建议，"
                                 "采纳的建议纳入年度申报指南。"),
                "opens_on": opened, "closes_on": today + dt.timedelta(days=20),
            },
        )  # fmt: skip
    with on(opened, 9):
        sol = ideas.open_solicitation(staff, sol)
    # Bottom-up: the demo accounts' organisations first, so signing in shows one's own ideas.
    submitters = [(u.organisation, u) for u in [*ent_users, *inst_users]]
    submitters += [(e.organisation, None) for e in enterprises[:3]] + [(o, None) for o in institutes[:1]]
    made = []
    for k, ((org, user), (title, problem)) in enumerate(zip(submitters, IDEAS_BOTTOM_UP[:3], strict=False)):
        with on(opened + dt.timedelta(days=1 + k), 10):
            made.append(_idea(sol, org, user, title, problem))
    with on(opened + dt.timedelta(days=5), 10):
        top = [_idea(sol, None, staff, title, problem) for title, problem in IDEAS_TOP_DOWN]
    with on(today - dt.timedelta(days=1), 15):
        if len(made) >= 3:
            ideas.adopt(staff, made[0], draft_call, _("纳入下一年度指南方向"))
            ideas.decline(staff, made[1], _("与现有指南方向重复，建议关注揭榜挂帅榜单"))
        ideas.adopt(staff, top[0], draft_call, _("列入指南"))
        ideas.decline(staff, top[1], _("由其他部门专项支持"))
