from decimal import Decimal

import pytest

from kechuang.enterprises.services import recompute_labels
from tests import factories as f

Y = 2024


@pytest.fixture
def registry(city):
    return build_registry(city)


def build_registry(city):
    """The ``city`` fixture's two districts with facts for ``Y``: 张店区 has the edge cases, 淄川区 one
    plain firm, and 博山区 none at all."""
    zd = city["zd"]
    bs = f.district("370304", "博山区")
    e1, e2 = city["e1"], city["e2"]
    # 张店区: e1 above scale, high-tech, R&D > 0; e3 above scale, R&D blank; e4 above scale, R&D 0,
    # high-tech unknown; e5 a service firm (never above scale) with R&D.
    e3 = f.enterprise(zd, "淄博丙化工有限公司")
    e4 = f.enterprise(zd, "淄博丁机械有限公司")
    e5 = f.enterprise(zd, "淄博戊软件有限公司", industry="I6511")
    f.facts(
        e1,
        Y,
        revenue=Decimal("50000000"),
        rd_expense=Decimal("2000000"),
        high_tech_revenue=Decimal("30000000"),
        high_tech_cert_valid=True,
    )
    f.facts(
        e3,
        Y,
        revenue=Decimal("40000000"),
        rd_expense=None,
        high_tech_revenue=Decimal("10000000"),
        high_tech_cert_valid=False,
    )
    f.facts(
        e4,
        Y,
        revenue=Decimal("25000000"),
        rd_expense=Decimal("0"),
        high_tech_revenue=None,
        high_tech_cert_valid=None,
    )
    f.facts(
        e5,
        Y,
        revenue=Decimal("90000000"),
        rd_expense=Decimal("5000000"),
        high_tech_revenue=Decimal("90000000"),
        high_tech_cert_valid=True,
    )
    # 淄川区: e2 below scale (revenue 10 M), R&D > 0.
    f.facts(e2, Y, revenue=Decimal("10000000"), rd_expense=Decimal("300000"), high_tech_cert_valid=False)
    recompute_labels()
    return {**city, "bs": bs, "e3": e3, "e4": e4, "e5": e5}
