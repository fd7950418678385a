import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kechuang.policies.models import Policy, PolicyResult, PolicyVersion
from kechuang.programs import services
from kechuang.programs.models import Call
from tests import factories as f

HIGH_TECH = Path(__file__).resolve().parents[2] / "kechuang/policies/builtin/high_tech.yaml"


def policy_result(ent, status, failed=(), missing=(), year=2025):
    policy, _ = Policy.objects.get_or_create(code="high_tech", defaults={"name": "高新技术企业认定"})
    version = policy.versions.first() or PolicyVersion.objects.create(
        policy=policy, number=1, label="2016.1", yaml_text=HIGH_TECH.read_text(encoding="utf-8"),
        status=PolicyVersion.Status.PUBLISHED, effective_from=dt.date(2016, 1, 1),
    )  # fmt: skip
    return PolicyResult.objects.create(
        enterprise=ent, version=version, fiscal_year=year, evaluated_on=timezone.localdate(), status=status,
        failed=list(failed), missing=list(missing),
    )  # fmt: skip


@pytest.fixture
def prog(city):
    """The seeded types, a published open call requiring high_tech, and e1 eligible and honest."""
    staff = city["users"]["staff"]
    services.seed_programme_types()
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    f.facts(city["e1"], 2025, dishonest=False)
    today = timezone.localdate()
    call = services.save_call(
        staff,
        {
            "programme_type": services.ProgrammeType.objects.get(code="major_breakthrough"),
            "year": 2026, "title": "2026年度重大技术攻关项目申报通知", "guide": "支持关键核心技术攻关。",
            "topics": ["新材料"], "eligibility": ["high_tech"], "budget_cap_yuan": Decimal(4_000_000),
            "opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=30),
            # The formal-check tests start from a call without endorsement or required attachments;
            # tests/programs/test_intake.py covers those.
            "needs_endorsement": False, "attachment_kinds": [],
        },
    )  # fmt: skip
    call = publish(call, staff, city["users"]["leader"])
    return {**city, "call": call, "staff": staff, "ent_user": city["users"]["enterprise"]}


def publish(call, staff, leader):
    """Through the guide's internal review: staff send it, a leader approves, staff publish."""
    call = services.send_for_review(staff, call)
    call = services.approve_call(leader, call)
    return services.publish_call(staff, call)


GOOD = {
    "title": "氮化硅陶瓷轴承球近净成形关键技术",
    "abstract": "开发氮化硅陶瓷球气压烧结和精密研磨工艺，实现G5级轴承球批量制备，替代进口产品。",
    "requested_yuan": Decimal(3_000_000),
    "months": 24,
    "form_data": {"leader": "张伟", "goals": "建成年产千万粒陶瓷球示范线", "staff": 12},
}


def snapshot():
    from kechuang.programs.models import Application, FormalFinding, Transition

    return (
        list(Call.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
        list(Transition.objects.order_by("pk").values()),
        list(FormalFinding.objects.order_by("pk").values()),
    )
