"""Demo data of the award stage: last year's major-breakthrough call, reviewed some fifteen months
ago, with awards in every stage of their life — contracted (the ``ent_hightech`` demo account's, one
tranche paid), mid-term passed with an open audit finding, under rectification, accepted, evaluated,
failed acceptance, approved and not yet signed, exited and replaced from the waiting list, and the
replacement in public notice with an open objection.

The applications reach REVIEWED through their model transitions plus ``workflow.log`` and a closed
review round with ranked entries (the stages before this one); everything from the approval list on
goes through ``services.awards``. Each scene runs on its day (``kechuang.core.demo_clock``), so a
tranche is paid after its contract is signed and its milestone done, and the projects accepted by
now are those signed for twelve months.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role

from . import services, workflow
from .demo import guide
from .models import Application, Award, Call, ProgrammeType, ReviewRound, RoundEntry
from .services import awards

OPENING = "围绕新材料、高端装备、生物医药、新一代信息技术等产业链关键环节，支持企业牵头联合高校院所开展关键核心技术攻关。"
# (title, abstract, requested 万元, mean score)
PROJECTS = [
    ("高导热氮化铝陶瓷基板制备关键技术", "突破高纯氮化铝粉体合成和流延成型技术，基板热导率达到170W/m·K以上。", 350, Decimal("91.4")),
    ("高端聚烯烃催化剂国产化研究", "开发高活性茂金属催化剂及配套工艺，实现高端聚烯烃牌号国产替代。", 300, Decimal("89.2")),
    ("工业机器人精密减速器研制", "研制高精度RV减速器，传动误差不大于1弧分，寿命达到6000小时。", 280, Decimal("87.6")),
    ("生物可降解医用镁合金支架开发", "开发可控降解镁合金心血管支架材料与加工工艺，完成动物实验。", 250, Decimal("86.0")),
    ("耐高温聚酰亚胺薄膜连续化生产技术", "突破聚酰亚胺薄膜双向拉伸和亚胺化工艺，建成连续化示范线。", 320, Decimal("84.3")),
    ("氢燃料电池膜电极批量制备技术", "开发低铂膜电极涂布工艺，功率密度达到1.5W/cm²，建成中试线。", 400, Decimal("82.9")),
    ("工业互联网边缘计算网关研制", "研制支持多协议接入的边缘计算网关，实现产线设备数据实时采集。", 200, Decimal("80.7")),
    ("高性能碳化硅功率器件封装技术", "突破碳化硅模块银烧结封装和可靠性测试技术，形成系列产品。", 380, Decimal("78.5")),
    ("废旧光伏组件高值化回收技术", "开发光伏组件无损拆解和银、硅高值回收工艺，回收率达到95%。", 280, Decimal("76.2")),
    ("中药配方颗粒质量一致性评价技术", "建立中药配方颗粒指纹图谱和质量追溯体系，覆盖30个品种。", 220, Decimal("72.8")),
    ("智能矿山井下定位系统研发", "研发基于UWB的井下人员和设备高精度定位系统，定位精度优于0.3米。", 260, Decimal("65.1")),
    ("传统铸造车间节能改造技术", "对铸造车间熔炼和热处理环节实施余热回收改造。", 150, Decimal("55.0")),
]  # fmt: skip
AWARDED = 8  # the budget below holds exactly the first eight
# Stage of each awarded project, in rank order.
STAGES = [
    "contracted",
    "midterm_passed",
    "rectifying",
    "accepted",
    "evaluated",
    "exited",
    "approved",
    "failed",
]


# Stages whose project ran on a twelve-month contract and so has reached its end by now.
SHORT = ("accepted", "evaluated", "failed")


def _walk(obj, methods: list[str], user=None) -> None:
    for method in methods:
        before = obj.status
        getattr(obj, method)()
        if method == "submit":
            obj.submitted_at = timezone.now()
        obj.save()
        workflow.log(obj, method, before, user)


def call_title(year: int) -> str:
    return _("%(y)s年度重大技术攻关项目申报通知") % {"y": year}


def _reviewed_call(staff, ptype, enterprises, today) -> Call:
    opens, closes = today - dt.timedelta(days=520), today - dt.timedelta(days=480)
    with on(opens - dt.timedelta(days=20), 10):
        call = Call.objects.create(
            programme_type=ptype, year=opens.year, title=call_title(opens.year), guide=guide(ptype, OPENING),
            topics=["先进材料", "高端装备", "生物医药", "新一代信息技术"], budget_cap_yuan=ptype.max_grant_yuan,
            opens_on=opens, closes_on=closes, form_schema=services.DEFAULT_SCHEMA, notice_days=7, created_by=staff,
        )  # fmt: skip
    for methods, day in ((["send_for_review"], opens - dt.timedelta(days=15)), (["approve"], opens - dt.timedelta(days=13)), (["publish"], opens - dt.timedelta(days=1))):  # fmt: skip
        with on(day, 10):
            _walk(call, methods, staff)
    apps = []
    for rank, (ent, (title, abstract, amount, _score)) in enumerate(
        zip(enterprises, PROJECTS, strict=False), 1
    ):
        stage = STAGES[rank - 1] if rank <= AWARDED else ""
        with on(opens + dt.timedelta(days=1 + rank), 9):
            app = Application.objects.create(
                call=call, applicant_id=ent.pk, title=title, abstract=abstract, requested_yuan=Decimal(amount) * 10000,
                months=12 if stage in SHORT else 24, schema_version=call.schema_version,
                form_data={"leader": "李明", "goals": abstract, "staff": 15, "self_funding_yuan": amount * 20000},
            )  # fmt: skip
            _walk(app, ["submit"])
        with on(opens + dt.timedelta(days=4 + rank), 15):
            _walk(app, ["endorse"], staff)
        apps.append(app)
    with on(closes + dt.timedelta(days=1), 9):
        _walk(call, ["close"], staff)
        for app in apps:
            _walk(app, ["formal_pass"], staff)
    with on(closes + dt.timedelta(days=10), 9):
        _walk(call, ["start_review"], staff)
        rnd = ReviewRound.objects.create(
            call=call, seq=1, name=_("会议答辩"), kind=ReviewRound.Kind.PANEL,
            opens_on=closes + dt.timedelta(days=20), closes_on=closes + dt.timedelta(days=30), created_by=staff,
        )  # fmt: skip
        for app in apps:
            _walk(app, ["enter_review"], staff)
    with on(rnd.opens_on, 9):
        _walk(rnd, ["open"], staff)
    with on(rnd.closes_on + dt.timedelta(days=1), 10):
        _walk(rnd, ["close"], staff)
        for rank, (app, (*_text, score)) in enumerate(zip(apps, PROJECTS, strict=False), 1):
            _walk(app, ["finish_review"], staff)
            RoundEntry.objects.create(
                round=rnd, application=app, mean=score, n_reviews=7, rank=rank, advanced=True,
                spread=Decimal("8.5"),
            )  # fmt: skip
    return call


def _contract(staff, award, start: dt.date, short: bool) -> Award:
    """Signed on ``start`` for 24 months (twelve for the projects finished by now): 40 % on signing,
    40 % on the first milestone, the rest on the second."""
    amount = award.amount_yuan
    first = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
    second = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
    m1, m2, end = (150, 330, 365) if short else (240, 600, 700)
    return awards.sign(
        staff, award, contract_no=f"KJ{award.call.year}-{award.rank:03d}", signed_on=start, starts_on=start,
        ends_on=start + dt.timedelta(days=end),
        milestones=[
            {"title": _("关键技术突破"), "deliverable": _("完成小试，主要指标达到合同要求"), "due_on": start + dt.timedelta(days=m1)},
            {"title": _("中试与示范应用"), "deliverable": _("建成中试线并在用户单位示范应用"), "due_on": start + dt.timedelta(days=m2)},
        ],
        tranches=[
            {"amount_yuan": first, "milestone": None},
            {"amount_yuan": second, "milestone": 0},
            {"amount_yuan": amount - first - second, "milestone": 1},
        ],
    )  # fmt: skip


def load_awards(ctx: dict, stdout) -> None:
    users = ctx.get("users", {})
    staff = (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    enterprises = list(ctx.get("enterprises") or [])
    today = ctx.get("today") or dt.date.today()
    year = (today - dt.timedelta(days=520)).year
    if (
        staff is None
        or len(enterprises) < len(PROJECTS)
        or Call.objects.filter(title=call_title(year)).exists()
    ):
        return
    services.seed_programme_types()
    ptype = ProgrammeType.objects.get(code="major_breakthrough")
    # The demo enterprise account's firm leads the ranking, so signing in as ent_hightech shows a contract.
    ent_users = users.get(Role.ENTERPRISE, [])
    lead = next((u for u in ent_users if u.username == "ent_hightech"), ent_users[0] if ent_users else None)
    own = lead.organisation_id if lead else None
    ordered = sorted(enterprises, key=lambda e: (e.pk != own, -e.pk))[: len(PROJECTS)]
    call = _reviewed_call(staff, ptype, ordered, today)

    budget = sum(Decimal(p[2]) for p in PROJECTS[:AWARDED]) * 10000
    t0 = today - dt.timedelta(days=440)
    with on(t0 - dt.timedelta(days=5), 10):
        awards.propose_awards(staff, call, total_budget_yuan=budget)
    with on(t0, 9):
        awards.start_notice(staff, call)
    with on(t0 + dt.timedelta(days=call.notice_days), 10):
        awards.approve_all(staff, call)
    start = t0 + dt.timedelta(days=30)
    for award, stage in zip(call.awards.order_by("rank"), STAGES, strict=True):
        if stage == "approved":
            continue
        short = stage in SHORT
        with on(start, 10):
            award = _contract(staff, award, start, short)
        t1, t2, t3 = award.tranches.all()
        m1, m2 = award.milestones.all()
        with on(start + dt.timedelta(days=10), 10):
            awards.pay_tranche(staff, t1)
        if stage == "contracted":
            continue
        if stage == "exited":
            with on(today - dt.timedelta(days=60), 10):
                awards.exit_award(
                    staff, award, _("核心技术人员离职，承担单位申请终止项目，经专家论证同意退出")
                )
            continue
        done1, paid2, mid = (140, 150, 180) if short else (230, 245, 360)
        with on(start + dt.timedelta(days=done1), 16):
            awards.mark_milestone(staff, m1, "done", _("小试指标经第三方检测达标"))
        with on(start + dt.timedelta(days=paid2), 10):
            awards.pay_tranche(staff, t2)
        if stage == "rectifying":
            with on(start + dt.timedelta(days=mid), 10):
                awards.midterm(
                    staff, award, "rectify", _("中试线建设进度滞后，自筹资金到位不足"),
                    deadline=today + dt.timedelta(days=45),
                )  # fmt: skip
            continue
        with on(start + dt.timedelta(days=mid), 10):
            awards.midterm(staff, award, "pass", _("按计划推进，阶段指标全部完成"))
        if stage == "midterm_passed":
            with on(today - dt.timedelta(days=20), 10):
                awards.record_finding(
                    staff, award, auditor=_("山东某会计师事务所"), found_on=today - dt.timedelta(days=20),
                    severity="major", text=_("设备购置费中有一笔采购未履行比价程序"), amount_yuan=Decimal(180000),
                )  # fmt: skip
            continue
        if stage == "failed":
            with on(m2.due_on + dt.timedelta(days=5), 10):
                awards.mark_milestone(staff, m2, "missed", _("中试线未能建成"))
            with on(award.ends_on + dt.timedelta(days=15), 10):
                awards.acceptance(staff, award, False, _("中试线未建成，主要考核指标未完成"))
            continue
        with on(m2.due_on - dt.timedelta(days=10), 16):
            awards.mark_milestone(staff, m2, "done", _("中试线投运并完成示范应用"))
        with on(m2.due_on, 10):
            awards.pay_tranche(staff, t3)
        with on(award.ends_on + dt.timedelta(days=15), 10):
            awards.acceptance(staff, award, True, _("全面完成合同约定的考核指标"))
        if stage == "evaluated":
            with on(today - dt.timedelta(days=5), 10):
                awards.evaluate(staff, award, Decimal("92.5"), _("技术指标先进，带动上下游投资显著"))
    # The replacement of the exited project is in its public notice now, with an objection open.
    with on(today - dt.timedelta(days=2), 9):
        awards.start_notice(staff, call)
    replacement = call.awards.filter(status=Award.Status.IN_NOTICE).first()
    if replacement is not None:
        with on(today - dt.timedelta(days=1), 14):
            awards.submit_objection(
                None, replacement, _("赵先生"), "13905330000",
                _("该项目申报的回收率指标与我单位已公开的技术成果高度一致，请核查是否存在成果归属争议。"),
            )  # fmt: skip
    stdout.write(
        _("  立项管理：立项项目 {n} 项（{s}）").format(
            n=call.awards.count(),
            s="、".join(
                f"{label}{call.awards.filter(status=value).count()}"
                for value, label in Award.Status.choices
                if call.awards.filter(status=value).exists()
            ),
        )
    )
