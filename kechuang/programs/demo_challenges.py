"""Demo data of open challenges (揭榜挂帅): one challenge in every stage, from a draft to completed,
failed and cancelled, including an enterprise's draft awaiting the bureau, a horse race before its
gate and one past it.

The demo drives the services of this stage. Two things a demo cannot wait for are set in the
database instead: a deadline or gate date moved into the past once bidding or the first phase is
over. Bids from organisations without a demo account are written directly (with their audit row);
the demo enterprise account's bid goes through the service.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from kechuang.core.models import Role

from . import workflow
from .models import Bid, Challenge
from .services import challenges as svc

WAN = Decimal(10000)

# (title, field, problem, requirements, bounty 万元, months, mode, stage)
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
        300, 18, "several", "selecting",
    ),
    (
        "数控机床热误差补偿系统",
        "高端装备",
        "精密加工中心热变形导致批量零件尺寸漂移。",
        "热误差补偿后定位精度提升60%，在10台机床上稳定运行。",
        120, 12, "single", "running",
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


def _bid_direct(challenge: Challenge, org, i: int) -> Bid:
    bid = Bid.objects.create(
        challenge=challenge, organisation=org, leader=["刘洋", "陈静", "张伟"][i % 3], plan=PLANS[i % 3],
        team=[{"name": "王芳", "title": "教授"}, {"name": "孙杰", "title": "高级工程师"}],
        requested_yuan=(challenge.bounty_yuan * Decimal("0.5")).quantize(Decimal(1)),
        months=max(challenge.months - 2, 1),
    )  # fmt: skip
    workflow.log(bid, "submit", "", None)
    return bid


def _past(challenge: Challenge, today: dt.date, field: str = "deadline", days: int = 1) -> Challenge:
    Challenge.objects.filter(pk=challenge.pk).update(**{field: today - dt.timedelta(days=days)})
    challenge.refresh_from_db()
    return challenge


def load_challenges(ctx: dict, stdout) -> None:
    users = ctx.get("users", {})
    staff = (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    enterprises = [e.organisation for e in ctx.get("enterprises") or []]
    institutes = list(ctx.get("institutes") or [])
    accounts = [u for u in users.get(Role.ENTERPRISE, []) if u.organisation_id]
    if staff is None or len(enterprises) < 8 or not accounts:
        return
    today = svc.today()
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

    counts = {}
    for title, field, problem, requirements, bounty, months, mode, stage in CHALLENGES:
        data = {
            "title": _(title), "field": _(field), "problem": _(problem), "requirements": _(requirements),
            "bounty_yuan": Decimal(bounty) * WAN, "deadline": today + dt.timedelta(days=45), "months": months,
            "mode": mode, "max_teams": 1 if mode == "single" else 3,
        }  # fmt: skip
        if mode == "horse_race":
            data.update(
                gate_on=today + dt.timedelta(days=45 + 180), gate_keep=1 if stage == "running_race" else 2
            )
        drafter = poster_account if stage == "awaiting" and poster_account else staff
        c = svc.save_challenge(drafter, data)
        counts[stage] = c
        if stage in ("draft", "awaiting"):
            continue
        c = svc.post_challenge(staff, c)
        n = 1 if stage in ("running", "completed", "failed") else 3
        bids = [_bid_direct(c, org, i) for i, org in enumerate(teams(n))]
        if stage == "posted":
            svc.submit_bid(
                bidder_account,
                c,
                {
                    "leader": "周明", "plan": PLANS[2], "requested_yuan": 150 * WAN, "months": 18,
                    "team": [{"name": "吴磊", "title": "研发总监"}],
                },
            )  # fmt: skip
            continue
        if stage == "cancelled":
            svc.cancel_challenge(staff, c, _("发榜企业已通过自主研发解决该问题"))
            continue
        # Bidding closed a few days ago for the one being selected, two months ago for the others.
        c = svc.close_bids(staff, _past(c, today, days=3 if stage == "selecting" else 60))
        for i, b in enumerate(bids):
            svc.score_bid(
                staff,
                b,
                [88, 82, 75][i],
                _("技术路线清晰，团队基础较好") if i < 2 else _("方案可行，产业化基础一般"),
            )
        if stage == "selecting":
            continue
        svc.select_bids(staff, c, [b.pk for b in bids], _("按遴选得分择优"))
        c.refresh_from_db()
        plans = {}
        for b in bids:
            half = (b.requested_yuan / 2).quantize(Decimal(1))
            if mode == "horse_race":
                plans[b.pk] = [
                    {
                        "milestone": _("签订任务书"),
                        "due_on": today + dt.timedelta(days=10),
                        "amount_yuan": half / 2,
                    },
                    {
                        "milestone": _("通过验收"),
                        "due_on": c.gate_on + dt.timedelta(days=150),
                        "amount_yuan": half,
                    },
                ]
            else:
                plans[b.pk] = [
                    {
                        "milestone": _("签订任务书"),
                        "due_on": today + dt.timedelta(days=10),
                        "amount_yuan": half,
                    },
                    {
                        "milestone": _("通过验收"),
                        "due_on": today + dt.timedelta(days=300),
                        "amount_yuan": half,
                    },
                ]
        c = svc.start(staff, c, plans)
        if stage == "running_race":
            continue
        for b in bids:
            svc.pay(staff, b.payments.get(seq=1))
        if stage == "running":
            continue
        if stage == "gated":
            c = _past(c, today, "gate_on")
            for b, score in zip(bids, (86, 79, 64), strict=True):
                svc.record_gate_score(
                    staff, b, score, _("中试数据达到阶段目标") if score > 70 else _("关键指标未达阶段目标")
                )
            svc.pass_gate(staff, c, reason=_("按节点考核得分保留前两名"))
            continue
        (b,) = bids
        if stage == "completed":
            svc.pay(staff, b.payments.get(seq=2))
            svc.finish_bid(staff, b, "deliver", _("通过第三方验收"))
            svc.conclude(staff, c, _("攻关目标全部实现"))
        else:
            svc.finish_bid(staff, b, "fail", _("功率循环寿命未达到指标"))
            svc.conclude(staff, c, _("唯一揭榜团队攻关失败"))
    stdout.write(
        _("  揭榜挂帅：榜单 {n} 个，揭榜 {b} 个").format(n=Challenge.objects.count(), b=Bid.objects.count())
    )
