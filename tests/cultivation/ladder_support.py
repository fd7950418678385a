"""Shared builders of the ladder's tests: a city with the built-in policies and near misses."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook

from kechuang.cultivation.services_ladder.rungs import current_version
from kechuang.policies import services as policy_services
from kechuang.policies.models import PolicyResult
from tests import factories as f

YEAR = 2025


def near_miss(enterprise, failed=("rd_ratio",), gap=0.1) -> PolicyResult:
    """A stored high-tech result: every condition met but ``failed``."""
    version = current_version("high_tech")
    ids = ["age", "ip", "key_field", "st_ratio", "rd_ratio", "domestic_rd", "high_tech_revenue", "innovation"]
    conditions = [
        {"id": f"high_tech.{c}", "status": "unmet" if c in failed else "met", "gap_norm": gap if c in failed else 0.0,
         "missing": []}
        for c in ids
    ]  # fmt: skip
    return PolicyResult.objects.create(
        enterprise=enterprise, version=version, fiscal_year=YEAR, evaluated_on=dt.date(YEAR + 1, 5, 1),
        status=PolicyResult.Status.INELIGIBLE, gap=gap * len(failed), failed=[f"high_tech.{c}" for c in failed],
        missing=[], conditions=conditions,
    )  # fmt: skip


def build(city) -> dict:
    """The shared ``city`` fixture plus the built-in policies, facts for two years and two near misses
    (e1 in 张店区, e2 in 淄川区), and a third firm of 张店区 that is not a near miss."""
    policy_services.load_builtin()
    e3 = f.enterprise(city["zd"], "淄博丙电子有限公司")
    for ent in (city["e1"], city["e2"], e3):
        f.facts(ent, YEAR - 1, revenue=Decimal("30000000"), rd_expense=Decimal("1500000"), dishonest=False)
        f.facts(ent, YEAR, revenue=Decimal("32000000"), rd_expense=Decimal("1600000"), dishonest=False)
    near_miss(city["e1"])
    near_miss(city["e2"], failed=("rd_ratio", "innovation"), gap=0.04)
    return {**city, "e3": e3}


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
