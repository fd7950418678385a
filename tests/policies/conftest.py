from decimal import Decimal

import pytest

from kechuang.policies import services
from tests import factories as f

POLICY_YAML = """\
code: rd_voucher
version: "2025.1"
jurisdiction: "370300"
name_zh: 研发投入后补助
source: 测试文件（淄科发〔2025〕1号）
effective_from: 2020-01-01
effective_until: null
parameters:
  min_intensity:
    label_zh: 研发投入强度下限
    values:
      - {from: 2020-01-01, value: 0.05, reference: 淄科发〔2025〕1号 第三条}
conditions:
  - id: intensity
    text_zh: 研发费用占营业收入比例不低于5%
    label_zh: 研发投入强度
    reference: 淄科发〔2025〕1号 第三条
    test: {ge: [{ratio: [{fact: rd_expense}, {fact: revenue}]}, {param: min_intensity}]}
  - id: integrity
    text_zh: 未列入严重失信名单
    reference: 淄科发〔2025〕1号 第四条
    test: {is_false: dishonest}
routes:
  - id: standard
    label_zh: 申报条件
    all: [intensity, integrity]
"""


@pytest.fixture
def pcity(city):
    """The shared city plus facts: e1 eligible (6 %), e2 a near miss (4 %), e3 unknown (blank integrity)."""
    e3 = f.enterprise(city["zd"], "淄博丙软件有限公司")
    f.facts(city["e1"], 2025, revenue=Decimal("30000000"), rd_expense=Decimal("1800000"), dishonest=False)
    f.facts(city["e2"], 2025, revenue=Decimal("30000000"), rd_expense=Decimal("1200000"), dishonest=False)
    f.facts(e3, 2025, revenue=Decimal("10000000"), rd_expense=Decimal("900000"), dishonest=None)
    city["users"]["enterprise"].email = "ent@example.com"
    city["users"]["enterprise"].save()
    return {**city, "e3": e3}


def publish_text(user, text: str, capture, *, policy=None, auto_grant: bool = False):
    """Save a draft and publish it, running the queued evaluation (huey runs in-line in tests)."""
    version = services.save_draft(user, policy=policy, yaml_text=text, auto_grant=auto_grant)
    with capture(execute=True):
        run = services.publish(user, version)
    version.refresh_from_db()
    return version, run
