"""Each computed rule at its edges: unknowns, zero denominators, a district with no enterprises."""

from decimal import Decimal

import pytest

from kechuang.core.registry import INDICATOR_RULES, indicator_actual, indicator_choices
from kechuang.indicators import rules
from kechuang.indicators.models import Actual, Indicator, RecomputeRun
from kechuang.indicators.services import compute
from tests import factories as f

from .conftest import Y

pytestmark = pytest.mark.django_db


def test_rules_are_registered_by_the_app():
    for code in (
        "high_tech_count",
        "above_scale_count",
        "rd_active_share",
        "enterprise_rd_expense",
        "enterprise_high_tech_revenue_share",
    ):
        assert INDICATOR_RULES[code].version == rules.VERSION


def test_high_tech_count_counts_true_only_and_reports_unknowns(registry):
    out = rules.high_tech_count(Y)
    zd, zc = registry["zd"].pk, registry["zc"].pk
    assert out[zd].value == 2 and out[zd].unknown == 1  # e1, e5; e4 unknown
    assert out[zc].value == 0 and out[zc].unknown == 0
    assert out[None].value == 2 and out[None].unknown == 1
    assert registry["bs"].pk not in out  # a district with no enterprises has no figure


def test_above_scale_count(registry):
    out = rules.above_scale_count(Y)
    assert out[registry["zd"].pk].value == 3  # e1, e3, e4 (e5 is a service firm)
    assert out[registry["zc"].pk].value == 0
    assert out[None].value == 3


def test_rd_active_share_leaves_unknown_rd_out_of_both_terms(registry):
    out = rules.rd_active_share(Y)
    zd = out[registry["zd"].pk]
    # above scale: e1 (R&D > 0), e3 (R&D blank: left out), e4 (R&D 0)
    assert (zd.numerator, zd.denominator, zd.unknown) == (1, 2, 1)
    assert zd.value == Decimal("0.5")
    # 淄川区 has no above-scale firm: a zero denominator gives no value and says why
    zc = out[registry["zc"].pk]
    assert zc.value is None and zc.denominator == 0 and zc.note
    assert out[None].value == Decimal("0.5")


def test_enterprise_rd_expense_sums_known_values(registry):
    out = rules.enterprise_rd_expense(Y)
    assert out[registry["zd"].pk].value == Decimal("7000000")  # 2 M + 0 + 5 M; e3 unknown
    assert out[registry["zd"].pk].unknown == 1
    assert out[registry["zc"].pk].value == Decimal("300000")
    assert out[None].value == Decimal("7300000")


def test_enterprise_rd_expense_with_no_known_value(city):
    f.facts(city["e1"], Y, rd_expense=None)
    out = rules.enterprise_rd_expense(Y)
    assert out[city["zd"].pk].value is None and out[city["zd"].pk].unknown == 1


def test_high_tech_revenue_share_over_above_scale_with_both_known(registry):
    out = rules.enterprise_high_tech_revenue_share(Y)
    zd = out[registry["zd"].pk]
    # e1 (30 M / 50 M) and e3 (10 M / 40 M); e4 lacks high-tech revenue; e5 not above scale
    assert zd.numerator == Decimal("40000000") and zd.denominator == Decimal("90000000")
    assert zd.value == Decimal("0.44444444")
    assert zd.unknown == 1
    assert out[registry["zc"].pk].value is None  # no above-scale firm: zero denominator


def test_a_year_without_facts_gives_nothing(registry):
    for rule in rules.RULES:
        assert rule.compute(Y + 5) == {}


def test_recompute_stores_every_rule_with_version_and_replaces_old_figures(registry):
    run = compute.recompute(years=[Y])
    assert run.status == RecomputeRun.Status.DONE and run.total >= 5
    city = Actual.objects.get(indicator__code="high_tech_count", year=Y, district=None)
    assert city.value == 2 and city.rule_version == rules.VERSION and city.unknown == 1
    assert Indicator.objects.get(code="high_tech_count").source == Indicator.Source.BOTH
    assert Indicator.objects.get(code="above_scale_count").source == Indicator.Source.COMPUTED
    f.facts(registry["e2"], Y + 1, high_tech_cert_valid=True)
    registry["e2"].facts.filter(year=Y).update(high_tech_cert_valid=True)
    compute.recompute(years=[Y])
    assert Actual.objects.get(indicator__code="high_tech_count", year=Y, district=None).value == 3
    assert Actual.objects.filter(indicator__code="high_tech_count", year=Y, district=None).count() == 1


def test_the_reader_serves_other_apps(registry):
    compute.recompute(years=[Y])
    assert indicator_actual("above_scale_count", Y) == 3
    assert indicator_actual("above_scale_count", Y, registry["zc"].pk) == 0
    assert indicator_actual("above_scale_count", Y + 9) is None
    assert ("high_tech_count", "高新技术企业数量") in indicator_choices()


def test_a_facts_import_queues_a_recompute(registry):
    from kechuang.enterprises.signals import facts_imported

    facts_imported.send(sender=None, enterprise_ids=[registry["e1"].pk], user=None)
    run = RecomputeRun.objects.first()
    assert run is not None and run.status == RecomputeRun.Status.DONE  # huey runs in-line in tests
    assert Actual.objects.filter(indicator__code="high_tech_count", year=Y, district=None).exists()


def test_records_url_filters_the_registry_list(registry, client):
    compute.recompute(years=[Y])
    url = INDICATOR_RULES["rd_active_share"].records_url(Y, registry["zd"].pk)
    client.force_login(registry["users"]["leader"])
    body = client.get(url).content.decode()
    assert registry["e1"].name in body  # the numerator: above scale with R&D > 0
    assert registry["e3"].name not in body and registry["e4"].name not in body
    url = INDICATOR_RULES["high_tech_count"].records_url(Y, None)
    body = client.get(url).content.decode()
    assert registry["e1"].name in body and registry["e5"].name in body and registry["e4"].name not in body
