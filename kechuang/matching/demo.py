"""The demo city's matching data: demands of demo enterprises, achievements of demo institutes in
Zibo's industries, their computed matches, and a local brokering event with a few recorded outcomes.

Only the demo city's own events are loaded: ``TAIAN_EVENT`` (the figures that 泰安 published for its
"双百行动" launch day, ``shared/seed-data/indicators.yaml``) is kept as a reference record for tests of
the event figures, not shown among 淄博's events. Each scene runs on its day
(``kechuang.core.demo_clock``): demands and achievements are posted weeks before the event, and the
cases brokered there move on after it.

Texts are written for the demo; firms and people are the demo generator's, so any likeness to a
real firm is coincidental. The step creates no organisations and no users.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core.demo_clock import on
from kechuang.core.models import Organisation, Role

from . import services
from .models import Achievement, Demand, Event, EventParticipant, Match, TechField

F = TechField
M = Achievement.Maturity
IP = Achievement.IpKind
T = Achievement.TransferMode

# (industry code prefixes of a fitting firm, field, title, problem, budget in yuan or None)
DEMANDS = (
    (("C26",), F.RESOURCES_ENV, "高盐有机废水处理与盐资源化技术",
     "我公司有机化学原料生产过程中每天产生约300吨高盐有机废水，COD在8000mg/L以上，现有生化工艺难以稳定达标，"
     "蒸发结晶能耗高、杂盐难以资源化。希望引进催化湿式氧化、高级氧化或膜分离等技术，实现废水达标排放和盐的资源化利用。",
     Decimal("3000000")),
    (("C2651", "C2652", "C26"), F.NEW_MATERIALS, "高性能聚烯烃催化剂国产化替代",
     "公司聚丙烯装置长期使用进口催化剂，价格高、供货周期长。需要开发活性高、氢调敏感性好、耐高温的国产聚烯烃催化剂，"
     "并完成工业装置试用，产品等规度和熔指满足管材料、薄膜料牌号要求。", Decimal("5000000")),
    (("C3071", "C3072", "C3074", "C307"), F.NEW_ENERGY, "陶瓷辊道窑余热回收与节能降耗",
     "建筑陶瓷辊道窑排烟温度高达250℃，天然气单耗偏高。希望对窑炉烟气和冷却带余热进行梯级回收，用于坯体干燥和厂区供暖，"
     "综合能耗降低10%以上，并满足超低排放要求。", Decimal("1500000")),
    (("C3073", "C30"), F.NEW_MATERIALS, "氮化硅陶瓷球致密化烧结工艺",
     "我公司生产轴承用氮化硅陶瓷球，现有气压烧结产品致密度和批次一致性不足，存在微气孔，滚动接触疲劳寿命达不到高端轴承要求。"
     "需要优化烧结助剂配方和气压烧结制度，提高致密度和可靠性。", Decimal("800000")),
    (("C3089", "C30"), F.NEW_MATERIALS, "低碳镁碳耐火材料抗氧化性能提升",
     "钢包用低碳镁碳砖在使用过程中脱碳氧化严重，抗热震性下降，寿命偏短。希望开发新型抗氧化复合添加剂和结合剂，"
     "在碳含量降低的同时保持抗渣侵蚀和抗热震性能。", Decimal("600000")),
    (("C3441", "C3443", "C34"), F.ADVANCED_MANUFACTURING, "化工流程泵机械密封寿命提升",
     "公司生产的化工流程泵在输送含颗粒、高温介质时机械密封泄漏频繁，平均无故障运行时间不足4000小时。"
     "希望在密封结构、摩擦副材料和冲洗方案上取得突破，并能预测密封剩余寿命。", Decimal("1000000")),
    (("C3441", "C35", "C34"), F.ELECTRONIC_INFO, "泵类设备智能运维与故障预警",
     "用户要求我们提供泵机组远程监测服务。需要一套基于振动、温度、电流数据的旋转机械故障诊断与预警系统，"
     "能识别轴承磨损、气蚀和不对中等典型故障，并接入用户的设备管理平台。", None),
    (("C2710", "C2720", "C27"), F.BIOMEDICINE, "原料药结晶工艺优化与晶型控制",
     "某原料药产品在放大生产中晶型不稳定、粒度分布宽，过滤干燥困难，影响制剂溶出。"
     "希望开展晶型筛选、结晶过程在线监测与控制研究，建立稳定的结晶工艺并完成一致性评价所需的研究资料。", Decimal("2000000")),
    (("C2761", "C27"), F.BIOMEDICINE, "重组蛋白表达量提升与纯化工艺开发",
     "公司开发的重组蛋白药物发酵表达量偏低，下游纯化收率不到40%，宿主蛋白残留偏高。"
     "希望合作开展高密度发酵工艺优化和层析纯化工艺开发，提高表达量和纯化收率。", Decimal("2500000")),
    (("C3061", "C30"), F.NEW_MATERIALS, "高模量玻璃纤维配方开发",
     "风电叶片客户对玻璃纤维弹性模量提出更高要求。需要开发高模量玻璃纤维组分配方，解决熔制温度高、析晶倾向大和拉丝作业困难等问题，"
     "降低单位成本。", Decimal("1200000")),
    (("C3985", "C3982", "C39", "C26"), F.NEW_MATERIALS, "电子级化学品金属杂质深度去除",
     "公司计划生产电子级氢氟酸和硫酸，金属离子含量需控制在ppt级。现有精馏提纯工艺难以稳定达到G4等级，"
     "需要引进金属杂质深度去除、洁净灌装和痕量分析检测技术。", Decimal("4000000")),
    (("C3841", "C38"), F.NEW_ENERGY, "磷酸锰铁锂正极材料制备技术",
     "为拓展储能电池市场，公司拟建设磷酸锰铁锂正极材料产线，需要解决锰溶出、导电性差和压实密度低等问题，"
     "希望获得共沉淀前驱体制备和碳包覆工艺技术。", Decimal("3500000")),
    (("I65", "I6531", "I6513"), F.ELECTRONIC_INFO, "化工园区安全生产风险监测预警平台",
     "受园区委托建设安全生产风险监测预警平台，需要接入重大危险源的温度、压力、液位和可燃有毒气体监测数据，"
     "实现风险分级预警、视频智能识别和应急联动，寻求物联网与数据分析方面的技术合作。", Decimal("900000")),
    (("C3670", "C36", "C32"), F.ADVANCED_MANUFACTURING, "汽车零部件轻量化铝合金压铸",
     "整车厂要求减重，我公司需要将铸铁转向节改为铝合金一体化压铸件，需要高强韧铝合金材料、真空压铸工艺和模具设计方面的技术支持，"
     "解决气孔和热裂问题。", Decimal("2000000")),
    (("C2631", "C26"), F.RESOURCES_ENV, "农药中间体连续流微通道合成工艺",
     "农药中间体硝化反应放热剧烈，釜式间歇工艺安全风险高、收率低。希望采用微通道连续流反应技术改造工艺，"
     "提高本质安全水平和收率，减少三废排放。", Decimal("1800000")),
    (("A05", "M7330", "C14"), F.AGRICULTURE, "耐盐碱小麦品种选育与配套栽培",
     "黄河三角洲盐碱地小麦产量低。公司希望与科研单位合作选育耐盐碱、抗倒伏的小麦新品种，并建立配套的栽培和测土施肥技术体系。", None),
)  # fmt: skip

# (institute name, field, title, abstract, leader, maturity, ip kind, ip detail, transfer mode, price yuan or None)
ACHIEVEMENTS = (
    ("山东理工大学", F.RESOURCES_ENV, "高盐有机废水催化湿式氧化处理技术",
     "针对化工高盐高COD有机废水，开发了负载型贵金属催化剂和催化湿式氧化工艺，COD去除率达95%以上，出水可直接进入生化系统；"
     "结合分盐结晶实现氯化钠、硫酸钠资源化利用。已在两家化工企业完成中试。", "王建华", M.PILOT, IP.INVENTION,
     "ZL202110458273.6", T.COOPERATION, Decimal("2000000")),
    ("中国科学院兰州化学物理研究所淄博中心", F.NEW_MATERIALS, "耐高温高活性聚烯烃催化剂",
     "开发了新型内给电子体的Ziegler-Natta聚丙烯催化剂，活性高、氢调敏感性好、耐高温，所得聚丙烯等规度高，"
     "适用于管材料和薄膜料牌号，可替代进口催化剂。", "李明", M.PILOT, IP.INVENTION, "ZL201910873456.1",
     T.LICENSE, Decimal("6000000")),
    ("淄博市先进陶瓷研究院", F.NEW_MATERIALS, "氮化硅陶瓷球气压烧结致密化技术",
     "通过稀土氧化物复合烧结助剂和两步气压烧结制度，氮化硅陶瓷球相对致密度达99.8%以上，无微气孔，"
     "滚动接触疲劳寿命显著提高，可用于高速精密轴承。", "张伟", M.SMALL_BATCH, IP.INVENTION, "ZL202010236781.X",
     T.ASSIGNMENT, Decimal("900000")),
    ("山东理工大学", F.NEW_ENERGY, "陶瓷窑炉烟气余热梯级回收利用系统",
     "针对陶瓷辊道窑和隧道窑，集成烟气换热、冷却带热风回用和热泵提温技术，回收余热用于坯体干燥和供暖，"
     "窑炉综合能耗降低12%，已在淄川区陶瓷企业示范应用。", "刘洋", M.INDUSTRIAL, IP.UTILITY, "ZL202220567812.3",
     T.SERVICE, Decimal("500000")),
    ("山东省科学院新材料研究所淄博分所", F.NEW_MATERIALS, "低碳镁碳砖抗氧化复合添加剂",
     "以硼化物和金属铝硅复合作为抗氧化剂，配合纳米炭黑结合剂，在碳含量降低30%的条件下，镁碳砖抗氧化性和抗热震性优于传统产品，"
     "钢包寿命提高15%。", "陈静", M.PILOT, IP.INVENTION, "ZL202111029384.7", T.LICENSE, Decimal("400000")),
    ("淄博市泵业技术研究所", F.ADVANCED_MANUFACTURING, "化工流程泵集装式机械密封及寿命预测",
     "研制了适用于含颗粒、高温介质的集装式双端面机械密封，采用碳化硅摩擦副和优化冲洗方案，平均无故障运行时间超过8000小时；"
     "基于泄漏量和温度数据建立密封剩余寿命预测模型。", "赵磊", M.SMALL_BATCH, IP.UTILITY, "ZL202320145678.9",
     T.COOPERATION, None),
    ("天津大学淄博研究院", F.ELECTRONIC_INFO, "旋转机械振动监测与故障诊断预警系统",
     "基于振动、温度和电流多源数据与深度学习模型，实现泵、风机、电机等旋转机械的轴承磨损、气蚀、不对中等故障识别和早期预警，"
     "提供边缘采集终端和云平台，可对接企业设备管理系统。", "孙浩", M.INDUSTRIAL, IP.SOFTWARE, "2023SR0456789",
     T.LICENSE, Decimal("300000")),
    ("山东大学淄博生物医药研究院", F.BIOMEDICINE, "原料药晶型筛选与结晶过程控制技术",
     "建立了高通量晶型筛选平台和基于在线拉曼、FBRM的结晶过程监测与控制方法，可稳定获得目标晶型、控制粒度分布，"
     "改善过滤干燥性能，支撑仿制药一致性评价。", "周敏", M.PILOT, IP.INVENTION, "ZL202210345612.8",
     T.SERVICE, Decimal("1500000")),
    ("山东大学淄博生物医药研究院", F.BIOMEDICINE, "重组蛋白高密度发酵与层析纯化平台",
     "形成毕赤酵母和大肠杆菌高密度发酵工艺包，目标蛋白表达量提高2至5倍；建立多步层析纯化工艺，收率达60%以上，"
     "宿主蛋白残留符合药典要求。", "吴婷", M.PILOT, IP.KNOW_HOW, "技术秘密（工艺包）", T.COOPERATION, None),
    ("中国科学院过程工程研究所淄博分院", F.RESOURCES_ENV, "微通道连续流硝化合成技术",
     "采用微通道反应器实现硝化等强放热反应的连续化生产，持液量小、传热效率高，本质安全水平大幅提升，"
     "收率提高5至10个百分点，已用于农药和医药中间体生产。", "郑涛", M.INDUSTRIAL, IP.INVENTION, "ZL201810567234.5",
     T.LICENSE, Decimal("2500000")),
    ("山东理工大学", F.NEW_ENERGY, "磷酸锰铁锂正极材料共沉淀制备技术",
     "通过共沉淀法制备锰铁均匀分布的前驱体，结合离子掺杂和原位碳包覆，抑制锰溶出、提高导电性和压实密度，"
     "材料克容量和循环性能达到储能电池要求。", "何鹏", M.PILOT_SMALL, IP.INVENTION, "ZL202310112233.4",
     T.COOPERATION, Decimal("3000000")),
    ("淄博职业学院", F.ELECTRONIC_INFO, "化工园区危险源物联网监测预警平台",
     "面向化工园区和危化品企业，接入温度、压力、液位、可燃有毒气体等监测数据，实现重大危险源风险分级预警、"
     "视频智能识别和应急联动，已在园区试运行。", "高杰", M.SMALL_BATCH, IP.SOFTWARE, "2022SR1234567",
     T.SERVICE, Decimal("600000")),
    ("淄博市农业科学研究院", F.AGRICULTURE, "耐盐碱小麦新品种及配套栽培技术",
     "选育的耐盐碱小麦新品种在含盐量0.3%的土壤中亩产可达450公斤以上，抗倒伏、抗病性好，配套测土施肥和节水栽培技术规程。",
     "林芳", M.INDUSTRIAL, IP.NEW_VARIETY, "鲁审麦20230012", T.LICENSE, Decimal("800000")),
    ("山东省科学院新材料研究所淄博分所", F.ADVANCED_MANUFACTURING, "高强韧铝合金真空压铸工艺",
     "开发了免热处理高强韧铝合金材料和真空高压压铸工艺，解决了薄壁复杂铸件的气孔和热裂问题，"
     "适用于汽车转向节、副车架等轻量化结构件。", "罗斌", M.PILOT, IP.INVENTION, "ZL202210998877.2",
     T.COOPERATION, Decimal("1800000")),
    ("淄博市化工研究所", F.NEW_MATERIALS, "电子级湿化学品金属杂质深度纯化技术",
     "采用亚沸精馏、特种树脂吸附和超净过滤组合工艺，可将氢氟酸、硫酸等湿化学品中的金属杂质降至ppt级，"
     "达到SEMI G4等级，配套痕量金属ICP-MS分析方法。", "梁宇", M.PILOT, IP.INVENTION, "ZL202011223344.5",
     T.ASSIGNMENT, Decimal("4500000")),
    ("中国科学院兰州化学物理研究所淄博中心", F.NEW_MATERIALS, "高模量玻璃纤维组分设计与制备",
     "基于硅铝镁体系和稀土氧化物改性设计高模量玻璃组分，降低熔制温度和析晶上限温度，弹性模量达到90GPa以上，"
     "适用于大型风电叶片。", "唐欣", M.PILOT_SMALL, IP.INVENTION, "ZL202120876543.0", T.LICENSE, None),
)  # fmt: skip

TAIAN_EVENT = {
    # Reference record, not demo data: shared/seed-data/indicators.yaml, `events`, the figures 泰安
    # published for its "双百行动" launch day (2023-03-01).
    "name": "百名专家泰安行 百家企业进院所 启动仪式",
    "kind": Event.Kind.DOUBLE_HUNDRED,
    "date": dt.date(2023, 3, 1),
    "place": "泰安市",
    "organiser": "泰安市科学技术局",
    "institutes": 52,
    "experts": 163,
    "achievements_published": 125,
    "achievements_transferred": 45,
    "meetings": 12,
    "enterprises_attending": 219,
    "enterprises_visited": 60,
    "problems_solved": 55,
    "intentions": 72,
}


CHANGE_REASON = "演示数据"


def _phone(rng) -> str:
    return f"0533-{rng.integers(2000000, 8999999)}"


def _pick_enterprise(enterprises, prefixes, used, rng):
    for prefix in prefixes:
        fits = [e for e in enterprises if e.industry_code.startswith(prefix) and e.pk not in used]
        if fits:
            return fits[int(rng.integers(len(fits)))]
    rest = [e for e in enterprises if e.pk not in used] or list(enterprises)
    return rest[int(rng.integers(len(rest)))]


def load_matching(ctx: dict, stdout) -> None:
    today = ctx["today"]
    with on(today - dt.timedelta(days=45), 10):
        demands = _post(ctx, stdout)
    if demands is None:
        return
    staff = demands.pop()
    _broker(ctx, staff, demands, today)
    stdout.write(_("  对接活动 1 场"))


def _post(ctx: dict, stdout) -> list | None:
    """The demands and achievements, and their matches. Returns the demands followed by the member of
    staff who brokers (None when there is nothing to post)."""
    from kechuang.enterprises.demo import person_name

    rng = ctx["rng_for"]("matching")
    users = ctx.get("users", {})
    staff = next((u for u in users.get(Role.BUREAU_STAFF, []) if u.username == "staff_cooperation"), None)
    staff = staff or (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    enterprises = ctx.get("enterprises") or []
    institutes = {o.name: o for o in ctx.get("institutes") or []}
    if not enterprises or not institutes:
        return None
    # Each demo enterprise account's firm gets a demand too, so that signing in as one shows its own.
    own = {u.organisation_id for u in users.get(Role.ENTERPRISE, [])}
    by_org = {e.pk: e for e in enterprises}
    used: set[int] = set()
    demands = []
    for i, (prefixes, field, title, problem, budget) in enumerate(DEMANDS):
        enterprise = _pick_enterprise(enterprises, prefixes, used, rng)
        used.add(enterprise.pk)
        demands.append(
            Demand(
                organisation_id=enterprise.pk, title=title, problem=problem, field=field,
                industry_code=enterprise.industry_code, budget=budget,
                deadline=ctx["today"] + dt.timedelta(days=int(rng.integers(20, 365))),
                contact_name=person_name(rng), contact_phone=_phone(rng),
                visibility="private" if i % 5 == 4 else "public", created_by=staff,
            )
        )  # fmt: skip
    # Each demo account's firm posts one of these, in turn, so that no two read the same.
    own_demands = [
        (_("生产线数字化改造与质量在线检测"),
         _("公司计划对主要生产线进行数字化改造，需要在线检测关键质量参数，减少人工抽检，"
           "希望获得机器视觉检测和生产数据采集分析方面的技术支持。"), TechField.ADVANCED_MANUFACTURING),
        (_("车间能耗监测与余热利用改造"),
         _("车间蒸汽和电力消耗偏高，希望建立分项能耗监测系统，并对窑炉、干燥设备的余热进行回收利用，"
           "降低单位产品能耗。"), TechField.NEW_ENERGY),
        (_("产品检测方法开发与实验室能力提升"),
         _("公司新产品缺少成熟的检测方法，需要合作开发关键性能指标的检测方法和标准样品，"
           "并指导企业实验室通过CNAS认可。"), TechField.TECH_SERVICES),
        (_("工业软件国产化替代与数据平台建设"),
         _("现有生产管理软件依赖国外产品，希望与高校合作开发适合本行业的生产执行系统，"
           "打通设备数据采集、质量追溯和排产优化。"), TechField.ELECTRONIC_INFO),
    ]  # fmt: skip
    for k, account_org in enumerate(sorted(own - used)):
        if account_org in by_org:
            e = by_org[account_org]
            title, problem, field = own_demands[k % len(own_demands)]
            demands.append(
                Demand(
                    organisation_id=e.pk, title=title, problem=problem, field=field,
                    industry_code=e.industry_code, budget=Decimal("500000"),
                    deadline=ctx["today"] + dt.timedelta(days=180), contact_name=person_name(rng),
                    contact_phone=_phone(rng), visibility="public",
                )
            )  # fmt: skip
    demands = bulk_create_with_history(demands, Demand, default_change_reason=CHANGE_REASON)
    achievements = []
    fallback = next(iter(institutes.values()))
    for name, field, title, abstract, leader, maturity, ip_kind, ip_detail, mode, price in ACHIEVEMENTS:
        achievements.append(
            Achievement(
                organisation=institutes.get(name, fallback), title=title, abstract=abstract, field=field,
                leader=leader, maturity=maturity, ip_kind=ip_kind, ip_detail=ip_detail, transfer_mode=mode,
                asking_price=price, contact_name=leader, contact_phone=_phone(rng), created_by=staff,
            )
        )  # fmt: skip
    achievements = bulk_create_with_history(achievements, Achievement, default_change_reason=CHANGE_REASON)
    services.refresh_all(rebuild=True)
    stdout.write(
        _("  技术需求 {d} 项，科技成果 {a} 项，推荐对接 {m} 条").format(
            d=len(demands), a=len(achievements), m=Match.objects.count()
        )
    )

    return [*demands, staff]


def _broker(ctx: dict, staff, demands: list, today: dt.date) -> None:
    """A local brokering event twenty days ago: planned ten days before, four cases taken up there and
    carried on in the weeks after it, its figures recorded at the end."""
    institutes = {o.name: o for o in ctx.get("institutes") or []}
    with on(today - dt.timedelta(days=30), 10):
        local = Event.objects.create(
            name=_("淄博市产学研合作对接会（新材料与化工专场）"), kind=Event.Kind.MEETING,
            date=today - dt.timedelta(days=20), place=_("淄博高新区科技创新大厦"),
            district=ctx["districts"].get("3703Z1"), organiser=_("淄博市科学技术局"), created_by=staff,
        )  # fmt: skip
    participants = [
        EventParticipant(event=local, kind="institute", organisation=o, name=o.name)
        for o in list(institutes.values())[:4]
    ]
    participants += [
        EventParticipant(event=local, kind="enterprise", organisation_id=d.organisation_id, name=Organisation.objects.get(pk=d.organisation_id).name)
        for d in demands[:4]
    ]  # fmt: skip
    with on(today - dt.timedelta(days=25), 10):
        EventParticipant.objects.bulk_create(participants)
    if staff is None:
        return
    # A few brokered cases, so that the workflow, the event's figures and the exports have content:
    # contacted at the event, an intention a week later, an agreement signed after another week.
    steps = [("contact",), ("contact", "express_intention"), ("contact", "express_intention", "sign")]
    days = {"contact": 20, "express_intention": 13, "sign": 6}
    top = [
        Match.objects.filter(demand=d, kind=Match.Kind.DEMAND_ACHIEVEMENT).order_by("rank").first()
        for d in Demand.objects.filter(pk__in=[d.pk for d in demands[:4]]).order_by("pk")
    ]
    for match, actions in zip([m for m in top if m], steps, strict=False):
        for action in actions:
            amount = Decimal("1500000") if action == "sign" else None
            with on(today - dt.timedelta(days=days[action]), 16):
                services.advance_match(
                    staff, match.pk, action, reason=_("对接会现场洽谈"), event=local, amount=amount
                )
    last = next((m for m in top[3:] if m), None)
    with on(today - dt.timedelta(days=4), 10):
        if last is not None:
            services.advance_match(staff, last.pk, "invalidate", reason=_("企业已与其他单位合作解决"))
        recorded = {f["name"]: f["recorded"] for f in services.event_figures(local)}
        Event.objects.filter(pk=local.pk).update(
            institutes=recorded["institutes"], enterprises_attending=recorded["enterprises_attending"],
            intentions=recorded["intentions"], agreements=recorded["agreements"], meetings=4,
            agreement_amount=Decimal("1500000"),
        )  # fmt: skip
