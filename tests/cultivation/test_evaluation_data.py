"""Test data of the evaluation tests (a module of its own: tests/cultivation is shared with the ladder)."""

from decimal import Decimal

from tests import factories as f

Y = 2025


def build(city) -> dict:
    """Twelve enterprises over two districts with two years of facts, scored by the built-in innovation
    system for 2025. ``ents[0]`` is the strongest (certified, high R&D), ``ents[-1]`` the weakest."""
    from kechuang.cultivation.services_evaluation import scoring, systems

    ents = [city["e1"], city["e2"]]
    for k in range(10):
        ents.append(
            f.enterprise(city["zd"] if k % 2 else city["zc"], f"淄博测试{k}科技有限公司", industry="C3976")
        )
    for k, e in enumerate(ents):
        strength = len(ents) - k  # e1 strongest
        for year, grow in ((Y - 1, 1), (Y, 1 + strength / 50)):
            f.facts(
                e,
                year,
                employees=100,
                rd_staff=5 + strength * 2,
                st_staff=10 + strength * 2,
                revenue=Decimal(20_000_000 * grow).quantize(Decimal(1)),
                rd_expense=Decimal(100_000 * strength * grow).quantize(Decimal(1)),
                high_tech_revenue=Decimal(1_000_000 * strength),
                invention_patents=strength,
                class1_ip=strength // 2,
                transfers=strength // 3,
                net_profit=Decimal(100_000 * strength),
                high_tech_cert_valid=k % 3 != 1,
            )
    innovation, high_growth = systems.ensure_builtin()
    run = scoring.run(innovation, Y, city["users"]["staff"])
    return {**city, "ents": ents, "system": innovation, "high_growth": high_growth, "run": run}
