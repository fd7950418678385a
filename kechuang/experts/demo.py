"""Demo step (``kechuang demo``, order 400): ~150 experts in the demo city's industries, the demo expert
accounts linked to profiles, and a stand-alone round (the acceptance review of 20 projects of earlier
years) ready for a draw.

The experts are in the database from the day the platform's records begin (``ctx["go_live"]``), so
that the review panels drawn in the programmes' story find them there."""

from contextlib import nullcontext

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core.demo_clock import on
from kechuang.core.models import Role

from .importing import field_name
from .models import Collaboration, DeclaredConflict, Expert, ExpertField, ReviewItem, SelectionRound

N_EXPERTS = 150
CHANGE_REASON = "演示数据"

# (keywords, discipline codes, industry codes, project titles with a sentence of content) per field.
FIELDS = [
    ("先进陶瓷、氮化硅、氧化铝、烧结工艺、粉体材料", ["430"], ["C30"], [
        ("高性能氮化硅陶瓷轴承球制备关键技术", "研究高纯氮化硅粉体制备、气压烧结和精密研磨工艺，提高陶瓷轴承球可靠性"),
        ("蜂窝陶瓷载体低成本制备技术", "开发堇青石蜂窝陶瓷挤出成型与烧结工艺，用于柴油车尾气净化"),
        ("氧化锆陶瓷粉体规模化制备", "研究共沉淀法制备纳米氧化锆粉体及其团聚控制"),
    ]),
    ("精细化工、催化剂、聚氨酯、化工工艺、化工安全", ["530"], ["C26"], [
        ("聚氨酯新材料绿色合成工艺", "研究非光气法合成异氰酸酯的催化剂与连续化工艺"),
        ("高端电子化学品提纯技术", "开发电子级氢氟酸和湿电子化学品的精馏提纯与检测方法"),
        ("化工园区安全风险智能监测", "基于物联网和机理模型的化工装置泄漏与火灾风险预警"),
        ("含氟精细化学品连续流合成", "采用微通道反应器实现含氟中间体安全高效合成"),
    ]),
    ("生物医药、药物制剂、原料药、中药、医疗器械", ["350", "180"], ["C27"], [
        ("缓控释药物制剂关键技术", "研究口服缓释制剂的骨架材料与释放动力学"),
        ("原料药绿色合成与杂质控制", "采用酶催化路线合成原料药并建立杂质谱分析方法"),
        ("中药配方颗粒质量标准研究", "建立中药配方颗粒指纹图谱与含量测定方法"),
    ]),
    ("智能制造、数控机床、工业机器人、泵、电机", ["460", "470"], ["C34", "C35"], [
        ("高效节能离心泵水力设计与制造", "基于计算流体力学优化叶轮水力模型，提高泵效率"),
        ("工业机器人精密减速器研制", "研究RV减速器齿形修形、加工和装配精度控制"),
        ("永磁同步电机驱动系统开发", "开发高功率密度永磁同步电机及其矢量控制系统"),
    ]),
    ("新能源、锂电池、储能材料、氢能、光伏", ["480", "430"], ["C38"], [
        ("锂离子电池高镍正极材料产业化", "研究高镍三元正极材料包覆改性与规模化烧结工艺"),
        ("氢燃料电池膜电极关键材料", "开发低铂催化剂与质子交换膜制备技术"),
        ("钠离子电池负极硬碳材料", "研究生物质基硬碳负极的制备与储钠性能"),
    ]),
    ("电子信息、集成电路、工业软件、人工智能、大数据", ["510", "520"], ["C39", "I65"], [
        ("工业互联网平台边缘计算网关", "研制支持多协议接入的边缘计算网关与设备数据采集系统"),
        ("基于机器视觉的陶瓷缺陷检测", "利用深度学习识别陶瓷制品表面缺陷，实现在线检测"),
        ("功率半导体模块封装技术", "研究碳化硅功率模块低热阻封装与可靠性测试"),
    ]),
    ("新材料、高分子材料、橡胶、改性塑料、复合材料", ["430", "530"], ["C29"], [
        ("高性能玻璃纤维复合材料", "研究高强玻璃纤维及其增强树脂基复合材料成型工艺"),
        ("特种橡胶密封材料研制", "开发耐高温耐油氟橡胶密封件配方与硫化工艺"),
    ]),
    ("冶金、有色金属、耐火材料、铝合金", ["430"], ["C31", "C32"], [
        ("高端铝合金板带材制备技术", "研究汽车用铝合金板材成分设计与热处理工艺"),
    ]),
    ("现代农业、农产品加工、食品安全、种业", ["210", "550"], ["M75"], [
        ("设施蔬菜绿色高效栽培技术", "研究设施蔬菜水肥一体化与病虫害绿色防控"),
    ]),
]  # fmt: skip

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌波宁辉鹏飞凯浩然宇晨欣怡子涵梓萱思远博文俊杰海峰立新振华春晓"
POSITIONS = ["教授", "研究员", "高级工程师", "副教授", "副研究员", "总工程师", "正高级工程师", "技术总监"]


def _name(rng) -> str:
    given = "".join(GIVEN[i] for i in rng.integers(0, len(GIVEN), rng.integers(1, 3)))
    return SURNAMES[rng.integers(len(SURNAMES))] + given


def load_experts(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("experts")
    institutes = list(ctx.get("institutes", []))
    enterprises = [e.organisation for e in ctx.get("enterprises", [])]
    if not institutes and not enterprises:
        stdout.write(_("  没有机构数据，跳过专家库"))
        return
    with on(ctx["go_live"]) if "go_live" in ctx else nullcontext():
        experts = _experts(ctx, rng, institutes, enterprises)
    # Recommend the demo experts for the demo demands too (the matching step ran before this one).
    from kechuang.matching.services import refresh_all

    from .services import publish_to_matching

    profiles = Expert.objects.filter(pk__in=[e.pk for e in experts]).select_related("organisation")
    publish_to_matching(profiles.prefetch_related("fields"), refresh=False)
    refresh_all()

    rnd = _round(ctx, rng, enterprises, institutes, experts)
    stdout.write(
        _("  专家 {n} 位，遴选批次“{r}”含评审项目 {i} 项").format(
            n=len(experts), r=rnd.name, i=rnd.items.count()
        )
    )


def _experts(ctx, rng, institutes, enterprises) -> list[Expert]:
    picks = rng.choice(len(enterprises), size=min(40, len(enterprises)), replace=False) if enterprises else []
    employers = institutes * 6 + [enterprises[int(k)] for k in picks]
    experts, fields, used = [], [], set()
    for k in range(N_EXPERTS):
        f = FIELDS[k % len(FIELDS)]
        org = employers[int(rng.integers(len(employers)))]
        name = _name(rng)
        while (name, org.pk) in used:
            name = _name(rng)
        used.add((name, org.pk))
        words = f[0].split("、")
        chosen = [words[int(i)] for i in sorted(rng.choice(len(words), size=3, replace=False))]
        titles = [t for t, _text in f[3]]
        experts.append(
            Expert(
                name=name,
                organisation=org,
                district=org.district,
                title=Expert.Title.SENIOR if rng.random() < 0.7 else Expert.Title.ASSOCIATE,
                position=POSITIONS[int(rng.integers(len(POSITIONS)))],
                phone=f"0533-{int(rng.integers(2000000, 9999999))}",
                keywords="、".join(chosen),
                achievements=_("长期从事%(kw)s研究，参与%(t)s等课题，获省部级科技奖励。")
                % {"kw": "、".join(chosen), "t": titles[int(rng.integers(len(titles)))]},
                available=rng.random() > 0.05,
                integrity=Expert.Integrity.BREACH if k % 61 == 60 else Expert.Integrity.GOOD,
                status=Expert.Status.PENDING if k % 37 == 36 else Expert.Status.APPROVED,
            )
        )
        fields.append([("discipline", c) for c in f[1]] + [("industry", c) for c in f[2]])
    experts = bulk_create_with_history(experts, Expert, default_change_reason=CHANGE_REASON)
    ExpertField.objects.bulk_create(
        [
            ExpertField(expert=e, kind=kind, code=code, name=field_name(kind, code))
            for e, fs in zip(experts, fields, strict=True)
            for kind, code in fs
        ]
    )
    # The demo expert accounts get the first profiles, so signing in as expert1 shows real assignments.
    accounts = sorted(ctx.get("users", {}).get(Role.EXPERT, []), key=lambda u: u.username)
    for user, expert in zip(accounts, experts, strict=False):
        expert.user = user
        expert.name = user.display_name or expert.name
        expert.status, expert.available, expert.integrity = (
            Expert.Status.APPROVED,
            True,
            Expert.Integrity.GOOD,
        )
        expert.save()
    return experts


def _round(ctx, rng, enterprises, institutes, experts) -> SelectionRound:
    year = ctx["today"].year if "today" in ctx else 2025
    rnd = SelectionRound.objects.create(
        name=_("%(y)s年度市级科技计划项目验收评审") % {"y": year},
        rule=SelectionRound.Rule.DRAW,
        per_item=5,
        min_load=0,
        max_load=3,
        max_probability="0.500",
        reserves=1,
        max_per_org=2,
        collab_years=3,
        created_by=(ctx.get("users", {}).get(Role.BUREAU_STAFF) or [None])[0],
    )
    projects = [(t, text) for f in FIELDS for t, text in f[3]][:20]
    items = []
    for k, (title, text) in enumerate(projects):
        applicant = (
            enterprises[int(rng.integers(len(enterprises)))]
            if enterprises
            else institutes[k % len(institutes)]
        )
        partner = institutes[int(rng.integers(len(institutes)))] if institutes else None
        members = [{"name": _name(rng), "organisation": applicant.name} for _ in range(2)]
        if partner is not None:
            members.append({"name": _name(rng), "organisation": partner.name})
        items.append(
            ReviewItem(
                round=rnd, code=f"ZB{year}-{k + 1:03d}", title=title, text=text, applicant_name=applicant.name,
                applicant=applicant, district=applicant.district, members=members,
            )
        )  # fmt: skip
    items = ReviewItem.objects.bulk_create(items)
    # A few recent collaborations with the teams and one declared conflict, so the round shows each reason.
    collabs = []
    for k, item in enumerate(items[:6]):
        collabs.append(
            Collaboration(
                expert=experts[10 + k],
                partner_name=item.members[0]["name"],
                partner_organisation=item.members[0]["organisation"],
                kind=Collaboration.Kind.PROJECT,
                title=_("共同承担省级科技计划项目"),
                year=year - 1,
            )
        )
    Collaboration.objects.bulk_create(collabs)
    DeclaredConflict.objects.create(
        expert=experts[0], organisation_name=items[1].applicant_name, reason=_("曾为该企业提供技术咨询")
    )
    return rnd
