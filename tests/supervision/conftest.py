import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from kechuang.core.models import Role, Section
from kechuang.supervision.services import plans
from tests import factories as f

SEED = Path(__file__).resolve().parents[2] / "kechuang" / "supervision" / "data" / "task_forces_2022.yaml"
SHARED_SEED = Path("/work/shared/seed-data/task_forces_2022.yaml")

SECTIONS = (
    ("office", "办公室"), ("personnel", "人事科"), ("policy", "政策法规与创新促进科"),
    ("planning", "规划与资源配置科"), ("cooperation", "科技合作科"), ("high_tech", "高新技术发展及产业化科"),
    ("rural_social", "农村与社会发展科"), ("talent", "人才与成果科"), ("foreign_experts", "外国专家服务科"),
    ("party", "机关党委"),
)  # fmt: skip


def at(day: dt.date, hour: int = 10):
    """Run a block on ``day`` (the clock ticks from ``hour`` local time)."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return time_machine.travel(moment, tick=False)


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def sections(db):
    return {code: Section.objects.create(code=code, name=name) for code, name in SECTIONS}


@pytest.fixture
def sup(sections):
    """The 2022 seed plan with a user for the office, each lead section, a leader, districts, others."""
    plan = plans.load_plan(plans.parse_yaml(seed_text()))
    zd = f.district("370303", "张店区")
    zc = f.district("370302", "淄川区")
    users = {
        "office": f.user(Role.BUREAU_STAFF, "office_u", section=sections["policy"]),
        "talent": f.user(Role.BUREAU_STAFF, "talent_u", section=sections["talent"]),
        "planning": f.user(Role.BUREAU_STAFF, "planning_u", section=sections["planning"]),
        "personnel": f.user(Role.BUREAU_STAFF, "personnel_u", section=sections["personnel"]),
        "other_staff": f.user(Role.BUREAU_STAFF, "rural_u", section=sections["rural_social"]),
        "leader": f.user(Role.LEADER, "leader_u"),
        "admin": f.user(Role.ADMIN, "admin_u", is_superuser=True, is_staff=True),
        "district": f.user(Role.DISTRICT_STAFF, "district_u", district=zd),
        "other_district": f.user(Role.DISTRICT_STAFF, "district_zc", district=zc),
        "enterprise": f.user(
            Role.ENTERPRISE, "ent_u", organisation=f.enterprise(zd, "淄博甲科技有限公司").organisation
        ),
        "expert": f.user(Role.EXPERT, "expert_u"),
    }
    forces = {tf.name: tf for tf in plan.task_forces.all()}
    return {"plan": plan, "users": users, "forces": forces, "sections": sections, "zd": zd, "zc": zc}
