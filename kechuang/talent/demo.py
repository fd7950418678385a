"""Demo data of the talent app, scaled to the demo city: the published counts (聘任科技副总363名,
科技特派员516名, 引进外国专家310人次, shared/seed-data/indicators.yaml) are for a city of about 3,000
registry enterprises, the demo's default; a smaller demo gets proportionally fewer. 科技副总 with
quarterly logs (some assessed, one renewed), commissioners of every kind with service logs and last
year's assessment, two talent pools, foreign-expert projects with visits. Deterministic from the seed.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.enterprises import demo as city

from .models import (
    Appointment,
    Commissioner,
    CommissionerAssessment,
    ForeignExpertProject,
    ForeignExpertVisit,
    Grade,
    ServiceLog,
    TalentMember,
    TalentPool,
    WorkLog,
)

PUBLISHED = {"tech_vp": 363, "commissioners": 516, "visits": 310}
FIELDS = ["先进陶瓷", "高端化工", "智能装备", "生物医药", "新能源", "电子信息", "现代农业", "食品加工"]
EXPERTS = [
    ("汉斯·施密特", "德国"), ("佐藤健一", "日本"), ("金成俊", "韩国"), ("伊万·彼得罗夫", "俄罗斯"),
    ("奥列格·科瓦连科", "乌克兰"), ("大卫·列维", "以色列"), ("约翰·史密斯", "美国"), ("詹姆斯·布朗", "英国"),
    ("马可·罗西", "意大利"), ("彼得·威尔逊", "澳大利亚"), ("克劳斯·韦伯", "德国"), ("田中浩", "日本"),
]  # fmt: skip
VILLAGE_WORDS = ["村", "社区"]


def _n(ctx, key: str) -> int:
    return max(3, round(PUBLISHED[key] * ctx["n_enterprises"] / 3000))


def load_talent(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("talent")
    year = ctx["years"][-1]
    today = ctx["today"]
    enterprises = ctx["enterprises"]
    institutes = list(ctx["institutes"])
    inst_users = ctx.get("users", {}).get(Role.INSTITUTE, [])
    apps = []
    for k in range(_n(ctx, "tech_vp")):
        start = dt.date(year - int(rng.integers(0, 2)), int(rng.integers(1, 13)), 1)
        apps.append(
            Appointment(
                person=city.person_name(rng), title=["教授", "副教授", "研究员", "高级工程师"][k % 4],
                institute=institutes[int(rng.integers(0, len(institutes)))],
                enterprise=enterprises[int(rng.integers(0, len(enterprises)))],
                tech_field=FIELDS[int(rng.integers(0, len(FIELDS)))], starts_on=start,
                ends_on=start.replace(year=start.year + 2), projects=int(rng.integers(0, 4)),
                patents=int(rng.integers(0, 5)), demands_solved=int(rng.integers(0, 6)),
            )
        )  # fmt: skip
    if inst_users:  # the demo institute account serves one enterprise itself
        apps[0].appointee = inst_users[0]
        apps[0].institute = inst_users[0].organisation
    Appointment.objects.bulk_create(apps)
    apps = list(Appointment.objects.order_by("pk"))
    Appointment.history.bulk_history_create(apps, default_change_reason=_("演示数据"))
    logs = []
    for a in apps:
        q = dt.date(a.starts_on.year, (a.starts_on.month - 1) // 3 * 3 + 1, 1)
        while q <= today - dt.timedelta(days=92):
            logs.append(
                WorkLog(appointment=a, year=q.year, quarter=(q.month - 1) // 3 + 1, days=int(rng.integers(6, 40)),
                        content=_("到企业开展技术指导，参与新产品研发和工艺改进，协助申报科技项目。"))
            )  # fmt: skip
            q = dt.date(q.year + (q.month + 3 > 12), (q.month + 3 - 1) % 12 + 1, 1)
    WorkLog.objects.bulk_create(logs)

    districts = list(ctx["districts"].values())
    commissioners, persons = [], 0
    target = _n(ctx, "commissioners")
    while persons < target:
        kind = (
            [Commissioner.Kind.INDIVIDUAL] * 8 + [Commissioner.Kind.TEAM] + [Commissioner.Kind.LEGAL_PERSON]
        )
        kind = kind[int(rng.integers(0, len(kind)))]
        members = 1 if kind == Commissioner.Kind.INDIVIDUAL else int(rng.integers(3, 8))
        members = min(members, target - persons) if kind == Commissioner.Kind.TEAM else members
        org = institutes[int(rng.integers(0, len(institutes)))]
        district = districts[int(rng.integers(0, len(districts)))]
        served = (
            [Commissioner.Served.VILLAGE] * 3
            + [Commissioner.Served.COOPERATIVE] * 2
            + [Commissioner.Served.ENTERPRISE]
        )
        served = served[int(rng.integers(0, len(served)))]
        name = (
            city.person_name(rng) if kind == Commissioner.Kind.INDIVIDUAL
            else f"{org.name}{FIELDS[int(rng.integers(0, len(FIELDS)))]}服务团" if kind == Commissioner.Kind.TEAM
            else org.name
        )  # fmt: skip
        served_name = {
            Commissioner.Served.VILLAGE: f"{district.name}{city.person_name(rng)[:1]}家{VILLAGE_WORDS[int(rng.integers(0, 2))]}",
            Commissioner.Served.COOPERATIVE: f"{district.name}{FIELDS[6]}专业合作社",
            Commissioner.Served.ENTERPRISE: enterprises[
                int(rng.integers(0, len(enterprises)))
            ].organisation.name,
        }[served]
        commissioners.append(
            Commissioner(
                name=name[:100], kind=kind, members=members, organisation=org, district=district, served_kind=served,
                served_name=served_name[:200], tech_field=FIELDS[int(rng.integers(0, len(FIELDS)))],
                starts_on=dt.date(year - int(rng.integers(0, 3)), int(rng.integers(1, 13)), 1),
            )
        )  # fmt: skip
        persons += members
    Commissioner.objects.bulk_create(commissioners)
    commissioners = list(Commissioner.objects.order_by("pk"))
    Commissioner.history.bulk_history_create(commissioners, default_change_reason=_("演示数据"))
    service_logs, assessments = [], []
    for c in commissioners:
        for _k in range(int(rng.integers(1, 5))):
            day = c.starts_on + dt.timedelta(days=int(rng.integers(0, max((today - c.starts_on).days, 1))))
            service_logs.append(
                ServiceLog(commissioner=c, served_on=min(day, today), content=_("现场技术指导，开展培训。"))
            )
        if c.starts_on.year <= year:
            grade = [Grade.EXCELLENT, Grade.GOOD, Grade.GOOD, Grade.PASS, Grade.PASS, Grade.FAIL][
                int(rng.integers(0, 6))
            ]
            assessments.append(CommissionerAssessment(commissioner=c, year=year, grade=grade))
    ServiceLog.objects.bulk_create(service_logs)
    CommissionerAssessment.objects.bulk_create(assessments)

    projects = []
    hosts = institutes + [e.organisation for e in enterprises[:50]]
    for k in range(max(2, _n(ctx, "visits") // 5)):
        host = hosts[int(rng.integers(0, len(hosts)))]
        projects.append(
            ForeignExpertProject(title=f"{FIELDS[k % len(FIELDS)]}领域外国专家引进项目（{k + 1}）", host=host,
                                 year=year, funding_yuan=Decimal(int(rng.integers(5, 60)) * 10000))
        )  # fmt: skip
    ForeignExpertProject.objects.bulk_create(projects)
    projects = list(ForeignExpertProject.objects.order_by("pk"))
    visits = []
    for k in range(_n(ctx, "visits")):
        arrived = dt.date(year, int(rng.integers(1, 13)), int(rng.integers(1, 28)))
        visits.append(
            ForeignExpertVisit(project=projects[k % len(projects)], expert=EXPERTS[k % len(EXPERTS)][0],
                               country=EXPERTS[k % len(EXPERTS)][1], arrived_on=arrived,
                               left_on=arrived + dt.timedelta(days=int(rng.integers(3, 60))))
        )  # fmt: skip
    ForeignExpertVisit.objects.bulk_create(visits)

    pools = [TalentPool.objects.create(name="淄博英才计划人才库", programme="淄博英才计划"),
             TalentPool.objects.create(name="产业领军人才库", programme="产业领军人才工程")]  # fmt: skip
    TalentMember.objects.bulk_create(
        [
            TalentMember(pool=pools[k % 2], name=city.person_name(rng), organisation=institutes[k % len(institutes)],
                         tech_field=FIELDS[k % len(FIELDS)], joined_on=dt.date(year - k % 3, 6, 1))
            for k in range(12)
        ]
    )  # fmt: skip
    stdout.write(
        _(
            "  科技副总 {a} 人次（工作日志 {l} 条），科技特派员 {c} 个（{p} 人），引智项目 {j} 个、外国专家来访 {v} 人次"
        ).format(a=len(apps), l=len(logs), c=len(commissioners), p=persons, j=len(projects), v=len(visits))
    )
