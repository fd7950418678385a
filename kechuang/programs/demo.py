"""Demo data of the programmes app: the seeded programme types, the 2026 major-breakthrough call and
applications from demo enterprises in every stage the app has so far."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role

from . import services, workflow
from .models import Application, Call, ProgrammeType

GUIDE = (
    "围绕全市新材料、高端装备、生物医药、新能源等主导产业，支持企业牵头开展关键核心技术攻关。"
    "申报单位须为本市注册的高新技术企业，无失信记录；项目实施期不超过24个月，单项支持不超过500万元。"
)
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


def _eligible_first(enterprises, own: set[int]) -> list:
    """Eligible firms first, and among them the demo accounts' own, so signing in shows an application."""
    from kechuang.policies.models import PolicyResult

    good = set(
        PolicyResult.objects.filter(
            version__policy__code="high_tech", is_current=True, status=PolicyResult.Status.ELIGIBLE
        ).values_list("enterprise_id", flat=True)
    )
    return sorted(enterprises, key=lambda e: (e.pk not in good, e.pk not in own, e.pk))


def load_programmes(ctx: dict, stdout) -> None:
    services.seed_programme_types()
    users = ctx.get("users", {})
    staff = (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    enterprises = ctx.get("enterprises") or []
    today = ctx.get("today") or dt.date.today()
    if staff is None or len(enterprises) < len(PROJECTS):
        return
    from kechuang.policies.models import Policy

    ptype = ProgrammeType.objects.get(code="major_breakthrough")
    call = services.save_call(
        staff,
        {
            "programme_type": ptype, "year": 2026, "title": _("2026年度重大技术攻关项目申报通知"), "guide": GUIDE,
            "topics": TOPICS, "eligibility": ["high_tech"] if Policy.objects.filter(code="high_tech").exists() else [],
            "budget_cap_yuan": Decimal(5_000_000), "opens_on": today - dt.timedelta(days=20),
            "closes_on": today + dt.timedelta(days=40), "form_schema": services.DEFAULT_SCHEMA,
        },
    )  # fmt: skip
    call = services.publish_call(staff, call)
    # The last two projects go to the end of the eligibility ordering, so one of them is returned.
    ordered = _eligible_first(enterprises, {u.organisation_id for u in users.get(Role.ENTERPRISE, [])})
    picks = ordered[: len(PROJECTS) - 1] + ordered[-1:]
    stages = ["draft", "submitted", "formal_passed", "formal_passed", "formal_failed"]
    for ent, (title, abstract, amount, months), stage in zip(picks, PROJECTS, stages, strict=True):
        app = Application.objects.create(
            call=call, applicant_id=ent.pk, title=title, abstract=abstract, requested_yuan=Decimal(amount),
            months=months, schema_version=call.schema_version, created_by=None,
            form_data={"leader": "张伟", "goals": abstract, "staff": 12, "self_funding_yuan": amount},
        )  # fmt: skip
        if stage == "draft":
            continue
        app.submit()
        app.submitted_at = timezone.now()
        app.save()
        workflow.log(app, "submit", "draft", None)
        if stage == "submitted":
            continue
        findings = services.formal_check(staff, app)
        problems = [f.text for f in findings if not f.ok]
        if stage == "formal_passed":
            services.decide(staff, app, "pass", _("机器提示已人工核实") if problems else "")
        else:
            services.decide(
                staff, app, "return", "；".join(problems) or _("申报材料不齐全，请补充后重新提交")
            )
    counts = Application.objects.filter(call=call).values_list("status", flat=True)
    stdout.write(
        _("  科技计划：计划类型 {t} 类，申报通知 {c} 个，申报项目 {a} 项").format(
            t=ProgrammeType.objects.count(), c=Call.objects.count(), a=len(counts)
        )
    )
