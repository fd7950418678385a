"""Demo data of the award stage: the 2025 major-breakthrough call, reviewed a year ago, with awards in
every stage of their life — contracted (the ``ent_hightech`` demo account's, one tranche paid),
mid-term passed with an open audit finding, under rectification, accepted, evaluated, failed
acceptance, approved and not yet signed, exited and replaced from the waiting list, and the
replacement in public notice with an open objection.

The applications reach REVIEWED through their model transitions plus ``workflow.log`` and a closed
review round with ranked entries (the stages before this one); everything from the approval list on
goes through ``services.awards`` with the dates of a year's work passed as arguments.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from kechuang.core.models import Role

from . import services, workflow
from .models import Application, Award, Call, ProgrammeType, ReviewRound, RoundEntry
from .services import awards

TITLE = "2025年度重大技术攻关项目申报通知"
GUIDE = (
    "围绕新材料、高端装备、生物医药、新一代信息技术等产业链关键环节，支持企业牵头联合高校院所开展"
    "关键核心技术攻关。实施期不超过24个月，单项支持不超过500万元。"
)
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


def _walk(obj, methods: list[str], user=None) -> None:
    for method in methods:
        before = obj.status
        getattr(obj, method)()
        obj.save()
        workflow.log(obj, method, before, user)


def _reviewed_call(staff, ptype, enterprises, today) -> Call:
    call = Call.objects.create(
        programme_type=ptype, year=2025, title=_(TITLE), guide=GUIDE,
        topics=["先进材料", "高端装备", "生物医药", "新一代信息技术"], budget_cap_yuan=Decimal(5_000_000),
        opens_on=today - dt.timedelta(days=520), closes_on=today - dt.timedelta(days=480),
        form_schema=services.DEFAULT_SCHEMA, notice_days=7, created_by=staff,
    )  # fmt: skip
    _walk(call, ["send_for_review", "approve", "publish", "close", "start_review"], staff)
    rnd = ReviewRound.objects.create(
        call=call, seq=1, name=_("会议答辩"), kind=ReviewRound.Kind.PANEL,
        opens_on=today - dt.timedelta(days=460), closes_on=today - dt.timedelta(days=450), created_by=staff,
    )  # fmt: skip
    _walk(rnd, ["open", "close"], staff)
    for rank, (ent, (title, abstract, amount, score)) in enumerate(
        zip(enterprises, PROJECTS, strict=False), 1
    ):
        app = Application.objects.create(
            call=call, applicant_id=ent.pk, title=title, abstract=abstract, requested_yuan=Decimal(amount) * 10000,
            months=24, schema_version=call.schema_version,
            form_data={"leader": "李明", "goals": abstract, "staff": 15, "self_funding_yuan": amount * 20000},
        )  # fmt: skip
        _walk(app, ["submit", "endorse", "formal_pass", "enter_review", "finish_review"], staff)
        RoundEntry.objects.create(
            round=rnd, application=app, mean=score, n_reviews=7, rank=rank, advanced=True,
            spread=Decimal("8.5"),
        )  # fmt: skip
    return call


def _contract(staff, award, start: dt.date) -> Award:
    amount = award.amount_yuan
    first = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
    second = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
    return awards.sign(
        staff, award, contract_no=f"KJ2025-{award.rank:03d}", signed_on=start, starts_on=start,
        ends_on=start + dt.timedelta(days=700),
        milestones=[
            {"title": _("关键技术突破"), "deliverable": _("完成小试，主要指标达到合同要求"), "due_on": start + dt.timedelta(days=240)},
            {"title": _("中试与示范应用"), "deliverable": _("建成中试线并在用户单位示范应用"), "due_on": start + dt.timedelta(days=600)},
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
    if staff is None or len(enterprises) < len(PROJECTS) or Call.objects.filter(title=_(TITLE)).exists():
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
    awards.propose_awards(staff, call, total_budget_yuan=budget)
    t0 = today - dt.timedelta(days=440)
    awards.start_notice(staff, call, today=t0)
    awards.approve_all(staff, call, today=t0 + dt.timedelta(days=call.notice_days + 1))
    start = t0 + dt.timedelta(days=30)
    for award, stage in zip(call.awards.order_by("rank"), STAGES, strict=True):
        if stage == "approved":
            continue
        award = _contract(staff, award, start)
        t1, t2, t3 = award.tranches.all()
        m1, m2 = award.milestones.all()
        awards.pay_tranche(staff, t1, paid_on=start + dt.timedelta(days=10))
        if stage == "contracted":
            continue
        if stage == "exited":
            awards.exit_award(staff, award, _("核心技术人员离职，承担单位申请终止项目，经专家论证同意退出"))
            continue
        awards.mark_milestone(
            staff, m1, "done", _("小试指标经第三方检测达标"), on=start + dt.timedelta(days=230)
        )
        awards.pay_tranche(staff, t2, paid_on=start + dt.timedelta(days=245))
        if stage == "rectifying":
            awards.midterm(
                staff, award, "rectify", _("中试线建设进度滞后，自筹资金到位不足"), start + dt.timedelta(days=360),
                today + dt.timedelta(days=45),
            )  # fmt: skip
            continue
        awards.midterm(
            staff, award, "pass", _("按计划推进，阶段指标全部完成"), start + dt.timedelta(days=360)
        )
        if stage == "midterm_passed":
            awards.record_finding(
                staff, award, auditor=_("山东某会计师事务所"), found_on=today - dt.timedelta(days=20),
                severity="major", text=_("设备购置费中有一笔采购未履行比价程序"), amount_yuan=Decimal(180000),
            )  # fmt: skip
            continue
        if stage == "failed":
            awards.mark_milestone(staff, m2, "missed", _("中试线未能建成"))
            awards.acceptance(
                staff, award, False, _("中试线未建成，主要考核指标未完成"), today - dt.timedelta(days=10)
            )
            continue
        awards.mark_milestone(
            staff, m2, "done", _("中试线投运并完成示范应用"), on=start + dt.timedelta(days=580)
        )
        awards.pay_tranche(staff, t3, paid_on=start + dt.timedelta(days=600))
        awards.acceptance(staff, award, True, _("全面完成合同约定的考核指标"), start + dt.timedelta(days=690))
        if stage == "evaluated":
            awards.evaluate(
                staff,
                award,
                Decimal("92.5"),
                _("技术指标先进，带动上下游投资显著"),
                today - dt.timedelta(days=5),
            )
    # The replacement of the exited project is in its public notice now, with an objection open.
    awards.start_notice(staff, call, today=today - dt.timedelta(days=2))
    replacement = call.awards.filter(status=Award.Status.IN_NOTICE).first()
    if replacement is not None:
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
