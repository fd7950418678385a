"""Targets: the all-or-nothing import, the seed file, and 分解下达 with its sum check."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from kechuang.core.models import ImportRun
from kechuang.indicators.models import EnteredValue, Indicator, Target
from kechuang.indicators.services import definitions, targets

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(targets.HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def indicators(db):
    definitions.sync_indicators()


def test_seed_file_loads_every_indicator_and_zibo(indicators, city):
    codes = set(Indicator.objects.values_list("code", flat=True))
    seed = {i["code"] for i in definitions.read_seed()["indicators"]}
    assert seed <= codes and "enterprise_rd_expense" in codes
    counts = definitions.load_city("淄博市")
    assert counts == {"entered": 15, "targets": 8}
    assert EnteredValue.objects.get(indicator__code="rd_expense", year=2020).value == Decimal("10264000000")
    t = Target.objects.get(indicator__code="rd_active_share", year=2022, district=None)
    assert t.kind == Target.Kind.MIN and t.value == Decimal("0.45")
    assert definitions.load_city("淄博市") == counts  # again: updates, no duplicates
    assert Target.objects.filter(year=2022, district=None).count() == 8


def test_unknown_city_and_bad_seed_are_refused(indicators):
    with pytest.raises(ValidationError):
        definitions.load_city("不存在市")
    with pytest.raises(ValidationError):
        definitions.read_seed("indicators: [{code: x\n")


def test_import_accepts_a_good_file(indicators, city):
    staff = city["users"]["staff"]
    data = xlsx(
        [
            ["high_tech_count", 2025, "", "目标", 1300, "要点"],
            ["high_tech_count", 2025, "张店区", "目标", 300, "要点"],
            ["有研发活动的规上工业企业占比", 2025, "", "不低于", "45%", ""],
            ["enterprise_rd_expense", 2025, "", "力争", "1,000,000,000", ""],
        ]
    )
    run = targets.import_targets(staff, data, "targets.xlsx")
    assert run.status == ImportRun.Status.ACCEPTED, run.errors
    assert run.counts == {"created": 4, "updated": 0, "unchanged": 0}
    assert Target.objects.get(indicator__code="rd_active_share", year=2025).value == Decimal("0.45")
    assert Target.objects.get(indicator__code="high_tech_count", district=city["zd"]).value == 300
    again = targets.import_targets(staff, data, "targets.xlsx")
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 4}
    t = Target.objects.get(indicator__code="high_tech_count", year=2025, district=None)
    assert t.history.count() == 1  # an unchanged row leaves no history


def test_import_is_all_or_nothing_with_a_row_report(indicators, city):
    data = xlsx(
        [
            ["high_tech_count", 2025, "", "目标", 1300, ""],
            ["no_such", 2025, "", "目标", 1, ""],
            ["high_tech_count", "明年", "", "目标", 1, ""],
            ["high_tech_count", 2025, "火星区", "目标", 1, ""],
            ["high_tech_count", 2025, "", "大概", 1, ""],
            ["high_tech_count", 2025, "淄川区", "目标", "12.5", ""],
            ["rd_active_share", 2025, "", "目标", "1.5", ""],
            ["high_tech_count", 2025, "", "目标", 1300, ""],
        ]
    )
    run = targets.import_targets(city["users"]["staff"], data, "t.xlsx")
    assert run.status == ImportRun.Status.REFUSED
    got = {(e["row"], e["column"]) for e in run.errors}
    assert got == {
        (3, "指标代码"),
        (4, "年度"),
        (5, "区县"),
        (6, "目标类型"),
        (7, "目标值"),
        (8, "目标值"),
        (9, "指标代码"),
    }
    assert not Target.objects.exists()


def test_import_refuses_bad_files_and_roles(indicators, city):
    run = targets.import_targets(city["users"]["staff"], b"not a workbook", "t.xlsx")
    assert run.status == ImportRun.Status.REFUSED and run.errors[0]["row"] == 0
    run = targets.import_targets(city["users"]["staff"], b"a,b\n1,2\n", "t.csv")
    assert run.status == ImportRun.Status.REFUSED and "表头缺少" in run.errors[0]["rule"]
    for role in ("leader", "district", "enterprise", "expert"):
        run = targets.import_targets(
            city["users"][role], xlsx([["high_tech_count", 2025, "", "目标", 1, ""]]), "t.xlsx"
        )
        assert run.status == ImportRun.Status.REFUSED
    assert not Target.objects.exists()


def test_split_must_add_up(indicators, city):
    staff = city["users"]["staff"]
    ind = Indicator.objects.get(code="high_tech_count")
    Target.objects.create(indicator=ind, year=2025, kind=Target.Kind.TARGET, value=100)
    zd, zc = city["zd"].pk, city["zc"].pk
    with pytest.raises(ValidationError) as err:
        targets.split_target(staff, ind, 2025, Target.Kind.TARGET, {zd: Decimal(60), zc: Decimal(30)})
    assert "相差 10" in err.value.messages[0]
    assert not Target.objects.filter(district__isnull=False).exists()
    check = targets.split_target(staff, ind, 2025, Target.Kind.TARGET, {zd: Decimal(70), zc: Decimal(30)})
    assert check.gap == 0
    assert Target.objects.get(district=city["zd"]).value == 70
    with pytest.raises(PermissionDenied):
        targets.split_target(city["users"]["leader"], ind, 2025, Target.Kind.TARGET, {zd: Decimal(100)})


def test_split_of_a_ratio_is_not_summed(indicators, city):
    ind = Indicator.objects.get(code="rd_active_share")
    Target.objects.create(indicator=ind, year=2025, kind=Target.Kind.MIN, value=Decimal("0.45"))
    parts = {city["zd"].pk: Decimal("0.5"), city["zc"].pk: Decimal("0.4")}
    check = targets.split_target(city["users"]["staff"], ind, 2025, Target.Kind.MIN, parts)
    assert check.additive is False and check.gap is None
    assert targets.suggest_split(ind, Decimal("0.45"), {1: Decimal(3), 2: Decimal(1)}) == {
        1: Decimal("0.45"),
        2: Decimal("0.45"),
    }


def test_split_without_a_city_target(indicators, city):
    ind = Indicator.objects.get(code="high_tech_count")
    with pytest.raises(ValidationError):
        targets.split_target(
            city["users"]["staff"], ind, 2025, Target.Kind.TARGET, {city["zd"].pk: Decimal(1)}
        )


def test_suggested_split_adds_up_to_the_city_target(indicators, city):
    ind = Indicator.objects.get(code="high_tech_count")
    weights = targets.split_weights(ind, 2025, [city["zd"], city["zc"]])
    parts = targets.suggest_split(ind, Decimal(1260), weights)
    assert sum(parts.values()) == 1260
