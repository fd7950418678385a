"""Demo data of open challenges (揭榜挂帅): one challenge in every stage, from a draft to completed,
failed and cancelled, including an enterprise's draft awaiting the bureau, a horse race before its
gate and one past it, and two posted without a fixed bounty (不限定榜额): one being selected, one whose
amount was agreed with its team and is under way.

Each scene runs on its day (``kechuang.core.demo_clock``) through the services of this stage, so each
challenge is posted, bid for, closed after its deadline, selected, started and paid in that order and
by the rules of those days. Bids from organisations without a demo account are written directly (with
their audit row); the demo enterprise account's bid goes through the service.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role

from . import workflow
from .models import Bid, Challenge
from .services import challenges as svc

WAN = Decimal(10000)

# (title, field, problem, requirements, bounty 万元 (None: 不限定榜额), months, mode, stage)
CHALLENGES = [
    (
        "工业互联网边缘网关国产化攻关",
        "新一代信息技术",
        "现有边缘网关芯片和操作系统依赖进口，协议适配能力不足。",
        "支持20种以上工业协议，国产芯片和操作系统，时延≤10ms。",
        200, 18, "single", "draft",
    ),
    (
        "陶瓷膜过滤元件高通量制备技术",
        "新材料",
        "本企业陶瓷膜元件通量低、寿命短，急需提升孔结构控制水平。",
        "纯水通量提升50%，使用寿命≥5年，完成千支级验证。",
        150, 12, "single", "awaiting",
    ),
    (
        "高端轴承钢超纯净冶炼工艺",
        "高端装备",
        "轴承钢氧含量和夹杂物控制水平与国外差距明显，制约高端轴承国产化。",
        "氧含量≤5ppm，DS类夹杂≤0.5级，通过主机厂台架试验。",
        400, 24, "several", "posted",
    ),
    (
        "生物基可降解材料连续聚合工艺",
        "新材料",
        "聚乳酸连续聚合工艺能耗高、分子量分布宽。",
        "单线产能万吨级，分子量分布≤1.8，能耗下降20%。",
        None, 18, "several", "selecting",
    ),
    (
        "数控机床热误差补偿系统",
        "高端装备",
        "精密加工中心热变形导致批量零件尺寸漂移。",
        "热误差补偿后定位精度提升60%，在10台机床上稳定运行。",
        None, 12, "single", "running",
    ),
    (
        "氢燃料电池膜电极批量制备技术",
        "新能源",
        "膜电极一致性差、铂载量高，成本居高不下。",
        "铂载量≤0.3mg/cm²，功率密度≥1.2W/cm²，批量一致性≥95%。",
        500, 24, "horse_race", "running_race",
    ),
    (
        "创新药关键中间体绿色合成",
        "生物医药",
        "关键手性中间体合成路线长、三废多。",
        "收率提升30%，三废排放减少50%，完成公斤级验证。",
        450, 24, "horse_race", "gated",
    ),
    (
        "煤化工废水近零排放技术",
        "节能环保",
        "高盐废水处理成本高，结晶盐难以资源化。",
        "吨水处理成本≤30元，结晶盐纯度≥98%。",
        250, 12, "single", "completed",
    ),
    (
        "碳化硅功率器件封装可靠性提升",
        "新一代信息技术",
        "碳化硅模块高温循环可靠性不足。",
        "功率循环寿命提升3倍，通过AEC-Q101认证。",
        180, 12, "single", "failed",
    ),
    (
        "农业机械智能导航控制器",
        "智能农机",
        "丘陵地区农机作业导航精度差。",
        "直线作业精度±2.5cm，适配5种以上机型。",
        100, 12, "single", "cancelled",
    ),
]  # fmt: skip

PLANS = [
    "组建产学研联合团队，分三阶段完成关键工艺开发、中试验证和产业化示范。",
    "依托省级重点实验室，先开展机理研究和小试，再在合作企业生产线上中试。",
    "采用已验证的核心技术路线，结合企业现有装备改造，缩短攻关周期。",
]


# Days before today of each stage's posting, bidding deadline (negative: still ahead), start of the
# work and horse-race gate (negative: still ahead).
TIMELINE = {
    "draft": (None, -45, None, None),
    "awaiting": (None, -45, None, None),
    "posted": (10, -35, None, None),
    "selecting": (50, 4, None, None),
    "running": (150, 90, 80, None),
    "running_race": (120, 75, 60, -100),
    "gated": (330, 280, 270, 30),
    "completed": (420, 380, 370, None),
    "failed": (400, 360, 350, None),
    "cancelled": (60, -10, None, None),
}
# What the teams of an open-bounty challenge ask for, in 万元, and what is agreed with a selected one.
OPEN_REQUESTS = (150, 120, 100)
OPEN_AGREED = Decimal("0.8")


def _bid_direct(challenge: Challenge, org, i: int, requested: Decimal) -> Bid:
    bid = Bid.objects.create(
        challenge=challenge, organisation=org, leader=["刘洋", "陈静", "张伟"][i % 3], plan=PLANS[i % 3],
        team=[{"name": "王芳", "title": "教授"}, {"name": "孙杰", "title": "高级工程师"}], requested_yuan=requested,
        months=max(challenge.months - 2, 1),
    )  # fmt: skip
    workflow.log(bid, "submit", "", None)
    return bid


def _plans(c: Challenge, bids: list[Bid], start: dt.date) -> dict:
    """Half of each team's amount on signing the task book, the rest on acceptance (a horse race: a
    quarter before the gate, half after it), every row due within the term."""
    plans = {}
    for b in bids:
        half = (svc.team_amount(b) / 2).quantize(Decimal(1))
        first = {"milestone": _("签订任务书"), "due_on": start + dt.timedelta(days=10)}
        if c.mode == Challenge.Mode.HORSE_RACE:
            plans[b.pk] = [
                {**first, "amount_yuan": half / 2},
                {
                    "milestone": _("通过验收"),
                    "due_on": c.gate_on + dt.timedelta(days=150),
                    "amount_yuan": half,
                },
            ]
        else:
            plans[b.pk] = [
                {**first, "amount_yuan": half},
                {"milestone": _("通过验收"), "due_on": start + dt.timedelta(days=310), "amount_yuan": half},
            ]
    return plans


def load_challenges(ctx: dict, stdout) -> None:
    users = ctx.get("users", {})
    staff = (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    enterprises = [e.organisation for e in ctx.get("enterprises") or []]
    institutes = list(ctx.get("institutes") or [])
    accounts = [u for u in users.get(Role.ENTERPRISE, []) if u.organisation_id]
    if staff is None or len(enterprises) < 8 or not accounts:
        return
    today = ctx.get("today") or svc.today()
    bidder_account = accounts[0]
    poster_account = accounts[1] if len(accounts) > 1 else None
    taken = {bidder_account.organisation_id} | ({poster_account.organisation_id} if poster_account else set())
    pool = [o for o in enterprises[:40] if o.pk not in taken][:12] + institutes[:4]
    k = 0

    def teams(n: int) -> list:
        nonlocal k
        out = [pool[(k + j) % len(pool)] for j in range(n)]
        k += n
        return out

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    for title, field, problem, requirements, bounty, months, mode, stage in CHALLENGES:
        posted_ago, deadline_ago, start_ago, gate_ago = TIMELINE[stage]
        deadline = ago(deadline_ago)
        data = {
            "title": _(title), "field": _(field), "problem": _(problem), "requirements": _(requirements),
            "bounty_open": bounty is None, "bounty_yuan": None if bounty is None else Decimal(bounty) * WAN,
            "deadline": deadline, "months": months, "mode": mode, "max_teams": 1 if mode == "single" else 3,
        }  # fmt: skip
        if mode == "horse_race":
            data.update(gate_on=ago(gate_ago), gate_keep=1 if stage == "running_race" else 2)
        drafter = poster_account if stage == "awaiting" and poster_account else staff
        with on(ago(posted_ago + 2) if posted_ago else ago(3 if stage == "draft" else 2), 10):
            c = svc.save_challenge(drafter, data)
        if stage in ("draft", "awaiting"):
            continue
        with on(ago(posted_ago), 9):
            c = svc.post_challenge(staff, c)
        n = 1 if stage in ("running", "completed", "failed") else 3
        bids = []
        for i, org in enumerate(teams(n)):
            requested = (
                Decimal(OPEN_REQUESTS[i]) * WAN if c.bounty_open else (c.bounty_yuan / 2).quantize(Decimal(1))
            )
            with on(ago(posted_ago - 2 - 3 * i), 11):
                bids.append(_bid_direct(c, org, i, requested))
        if stage == "posted":
            with on(ago(1), 15):
                svc.submit_bid(
                    bidder_account, c,
                    {
                        "leader": "周明", "plan": PLANS[2], "requested_yuan": 150 * WAN, "months": 18,
                        "team": [{"name": "吴磊", "title": "研发总监"}],
                    },
                )  # fmt: skip
            continue
        if stage == "cancelled":
            with on(ago(20), 10):
                svc.cancel_challenge(staff, c, _("发榜企业已通过自主研发解决该问题"))
            continue
        with on(deadline + dt.timedelta(days=1), 9):
            c = svc.close_bids(staff, c)
        with on(deadline + dt.timedelta(days=3), 14):
            for i, b in enumerate(bids):
                svc.score_bid(
                    staff, b, [88, 82, 75][i], _("技术路线清晰，团队基础较好") if i < 2 else _("方案可行，产业化基础一般")
                )  # fmt: skip
        if stage == "selecting":
            continue
        agreed = (
            {b.pk: (b.requested_yuan * OPEN_AGREED).quantize(Decimal(1)) for b in bids}
            if c.bounty_open
            else None
        )
        with on(deadline + dt.timedelta(days=5), 10):
            c = svc.select_bids(staff, c, [b.pk for b in bids], _("按遴选得分择优"), agreed)
        for b in bids:
            b.refresh_from_db()
        start = ago(start_ago)
        with on(start, 10):
            c = svc.start(staff, c, _plans(c, bids, start))
        if stage == "running_race":
            continue
        with on(start + dt.timedelta(days=12), 10):
            for b in bids:
                svc.pay(staff, b.payments.get(seq=1))
        if stage == "running":
            continue
        if stage == "gated":
            with on(c.gate_on + dt.timedelta(days=1), 10):
                for b, score in zip(bids, (86, 79, 64), strict=True):
                    svc.record_gate_score(
                        staff,
                        b,
                        score,
                        _("中试数据达到阶段目标") if score > 70 else _("关键指标未达阶段目标"),
                    )
            with on(c.gate_on + dt.timedelta(days=2), 10):
                svc.pass_gate(staff, c, reason=_("按节点考核得分保留前两名"))
            continue
        (b,) = bids
        if stage == "completed":
            due = b.payments.get(seq=2).due_on
            with on(due + dt.timedelta(days=2), 10):
                svc.pay(staff, b.payments.get(seq=2))
            with on(due + dt.timedelta(days=10), 10):
                svc.finish_bid(staff, b, "deliver", _("通过第三方验收"))
            with on(due + dt.timedelta(days=15), 10):
                svc.conclude(staff, c, _("攻关目标全部实现"))
        else:
            with on(ago(30), 10):
                svc.finish_bid(staff, b, "fail", _("功率循环寿命未达到指标"))
            with on(ago(25), 10):
                svc.conclude(staff, c, _("唯一揭榜团队攻关失败"))
    stdout.write(
        _("  揭榜挂帅：榜单 {n} 个，揭榜 {b} 个").format(n=Challenge.objects.count(), b=Bid.objects.count())
    )
