"""Evaluation systems, yearly scores with ranks, the portrait and selection rounds, against the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from kechuang.cultivation.models.evaluation import (
    EnterpriseScore,
    IndicatorSystem,
    SelectionEntry,
    SelectionRound,
    WeightMethod,
)
from kechuang.cultivation.models.ladder import RungMembership
from kechuang.cultivation.services_evaluation import portrait, scoring, selection, systems
from kechuang.programs import workflow
from tests import factories as f

from .test_evaluation_data import Y, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(city):
    return build(city)


def test_builtin_systems_are_created_once(scored):
    again = systems.ensure_builtin()
    assert [s.code for s in again] == ["innovation", "high_growth"]
    assert IndicatorSystem.objects.count() == 2
    assert {i.formula for i in scored["system"].indicators.all()} >= {
        "rd_intensity",
        "patents_per_100",
        "revenue_growth",
    }


def test_every_enterprise_with_facts_is_scored_with_ranks(scored):
    run, ents = scored["run"], scored["ents"]
    rows = {s.enterprise_id: s for s in EnterpriseScore.objects.filter(run=run)}
    assert run.scored == len(ents) == len(rows)
    assert run.system.version == 1 and abs(sum(run.weights) - 1) < 1e-6
    assert rows[ents[0].pk].rank_city == 1 and rows[ents[-1].pk].rank_city == len(ents)
    scores = sorted(rows.values(), key=lambda s: -s.score)
    assert [s.rank_city for s in scores] == list(range(1, len(ents) + 1))
    for district_id in {e.organisation.district_id for e in ents}:
        mine = sorted(
            (s for s in rows.values() if s.enterprise.organisation.district_id == district_id),
            key=lambda s: -s.score,
        )
        assert [s.rank_district for s in mine] == list(range(1, len(mine) + 1))
    assert all(0 <= s.score <= 100 for s in rows.values())
    assert run.group_sizes["district"][str(scored["zd"].pk)] == sum(
        1 for e in ents if e.organisation.district_id == scored["zd"].pk
    )
    assert "C39" in run.medians


def test_rerun_replaces_and_enterprises_without_facts_are_left_out(scored):
    f.enterprise(scored["zd"], "没有年度数据的企业")
    again = scoring.run(scored["system"], Y)
    assert again.pk == scored["run"].pk
    assert EnterpriseScore.objects.filter(run=again).count() == len(scored["ents"])


def test_a_blank_fact_counts_as_the_worst_not_as_zero_silently(scored):
    weakest = scored["ents"][-1]
    facts = weakest.facts.get(year=Y)
    facts.rd_staff = None
    facts.save()
    scoring.run(scored["system"], Y)
    s = EnterpriseScore.objects.get(enterprise=weakest, run=scored["run"])
    k = [i.formula for i in scored["system"].indicators.all()].index("rd_staff_share")
    assert s.values[k] is None and s.normalised[k] is None


def test_scoring_reads_facts_in_one_query(scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        scoring.run(scored["system"], Y)


def test_a_year_without_facts_scores_nobody(scored):
    assert scoring.run(scored["system"], 2010).scored == 0


def test_new_version_keeps_the_old_one_and_its_scores(scored):
    rows = [{"group": "研发", "formula": "rd_intensity", "name": "", "benefit": True, "weight": "3"}]
    v2 = systems.save_version(
        scored["users"]["staff"],
        code="innovation",
        rows=rows,
        name="创新能力（简化）",
        description="",
        weight_method=WeightMethod.EXPERT,
        composite_method="grey",
        normalisation="minmax",
        subjective_share=Decimal("0.5"),
    )
    assert v2.version == 2 and v2.is_current and v2.builtin
    scored["system"].refresh_from_db()
    assert not scored["system"].is_current
    assert scored["run"].system_id == scored["system"].pk
    assert v2.indicators.get().name == "研发投入强度"  # the formula's name when none is typed
    assert v2.indicators.get().history.count() == 1  # indicators people edit have history
    run2 = scoring.run(v2, Y)
    assert run2.scored == len(scored["ents"]) and run2.weights == [1.0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "至少需要一项指标"),
        ([{"formula": "nonsense"}], "第1项指标须从列表中选择计算公式"),
        ([{"formula": "rd_intensity", "weight": "-1"}], "第1项指标的专家权重须在0至1000之间"),
        ([{"formula": "rd_intensity", "weight": "abc"}], "第1项指标的专家权重须为数字"),
        ([{"formula": "rd_intensity", "weight": "0"}], "至少一项指标的专家权重须大于0"),
    ],
)
def test_bad_indicator_rows_are_refused_and_nothing_saved(city, rows, message):
    with pytest.raises(ValidationError, match=message):
        systems.save_version(
            city["users"]["staff"],
            code="mine",
            rows=rows,
            name="自定义",
            weight_method=WeightMethod.EXPERT,
            composite_method="topsis",
            normalisation="vector",
        )
    assert not IndicatorSystem.objects.filter(code="mine").exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("staff", True),
        ("leader", False),
        ("district", False),
        ("enterprise", False),
        ("expert", False),
    ],
)
def test_only_city_staff_manage_systems(city, role, allowed):
    assert systems.can_manage(city["users"][role]) is allowed


def test_evaluate_command(scored, capsys):
    call_command("evaluate", "run", "--system", "innovation", "--year", str(Y))
    out = capsys.readouterr().out
    assert f"{len(scored['ents'])}家企业参评" in out and "研发投入强度" in out
    with pytest.raises(CommandError, match="没有代码为“nope”的评价体系"):
        call_command("evaluate", "run", "--system", "nope", "--year", str(Y))


# --- portrait --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("enterprise", True, False),
        ("district", True, False),
        ("other_district", False, True),
        ("staff", True, True),
        ("leader", True, True),
        ("expert", False, False),
        ("institute", False, False),
    ],
)
def test_who_sees_a_portrait(scored, role, own, other):
    user = scored["users"][role]
    assert bool(portrait.can_see(user, scored["e1"])) is own
    assert bool(portrait.can_see(user, scored["e2"])) is other


def test_portrait_compares_with_the_industry_and_speaks_plainly(scored):
    best = portrait.portrait(scored["e1"])
    assert best["latest"].rank_city == 1 and best["city_total"] == len(scored["ents"])
    assert len(best["radar"]["own"]) == scored["system"].indicators.count()
    assert best["strengths"] and "高于同行业中位水平" in best["strengths"][0]
    worst = portrait.portrait(scored["ents"][-1])
    assert worst["weaknesses"] and "低于同行业中位水平" in worst["weaknesses"][0]
    assert portrait.portrait(f.enterprise(scored["zd"])) is None


# --- selection rounds -------------------------------------------------------------------------------


def _round(scored, **kw):
    args = {
        "kind": SelectionRound.Kind.LEADING,
        "year": Y,
        "system": scored["system"],
        "top_n": 3,
        "require_high_tech": True,
        "min_rd_intensity": Decimal("0.03"),
    }
    return selection.create_round(scored["users"]["staff"], **{**args, **kw})


def test_round_proposes_the_top_n_meeting_the_hard_conditions(scored):
    rnd = _round(scored)
    proposed = list(rnd.entries.filter(proposed=True).order_by("rank_city"))
    assert len(proposed) == 3
    assert all(e.meets_conditions for e in proposed)
    uncertified = rnd.entries.filter(meets_conditions=False).first()
    assert uncertified is not None and "非有效期内高新技术企业" in uncertified.unmet
    assert not uncertified.proposed
    assert SelectionEntry.history.filter(round_id=rnd.pk).count() == rnd.entries.count()


def test_round_needs_scores_of_that_year(scored):
    with pytest.raises(ValidationError, match="尚无2019年度的评价结果"):
        _round(scored, year=2019)


def test_overriding_the_proposal_needs_a_reason_and_is_audited(scored):
    staff = scored["users"]["staff"]
    rnd = _round(scored)
    proposed = rnd.entries.filter(proposed=True).first()
    alternate = rnd.entries.filter(proposed=False).first()
    with pytest.raises(ValidationError, match="不采纳系统建议须填写理由"):
        selection.decide(staff, proposed, False)
    with pytest.raises(ValidationError, match="调整系统建议名单须填写理由"):
        selection.decide(staff, alternate, True, "  ")
    alternate.refresh_from_db()
    assert alternate.status == SelectionEntry.Status.PENDING
    done = selection.decide(staff, alternate, True, "承担省重大科技创新工程项目")
    assert (
        done.status == SelectionEntry.Status.INCLUDED and done.decision_reason == "承担省重大科技创新工程项目"
    )
    log = list(workflow.history(done))
    assert log[-1].actor == staff and log[-1].to_status == "included" and "省重大" in log[-1].reason


def test_publish_waits_for_every_proposal_then_freezes_the_list(scored):
    staff = scored["users"]["staff"]
    rnd = _round(scored)
    with pytest.raises(ValidationError, match="未确认"):
        selection.publish(staff, rnd)
    assert selection.confirm_proposed(staff, rnd) == 3
    rnd = selection.publish(staff, rnd)
    assert rnd.status == SelectionRound.Status.PUBLISHED and rnd.published_at
    # Publishing puts the included firms on the ladder's rung, and only them.
    included = set(
        rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).values_list("enterprise", flat=True)
    )
    on_rung = RungMembership.objects.filter(year=rnd.year, rung=rnd.kind, source="selection")
    assert set(on_rung.values_list("enterprise", flat=True)) == included and included
    with pytest.raises(ValidationError, match="名单已发布"):
        selection.decide(staff, rnd.entries.filter(proposed=False).first(), True, "补充")
    with pytest.raises(ValidationError):
        selection.publish(staff, rnd)


@pytest.mark.parametrize("role", ["leader", "district", "enterprise"])
def test_only_city_staff_run_selections(scored, role):
    with pytest.raises(PermissionDenied):
        selection.create_round(
            scored["users"][role],
            kind="leading",
            year=Y,
            system=scored["system"],
            top_n=3,
            require_high_tech=False,
            min_rd_intensity=None,
        )


def test_districts_and_enterprises_see_only_published_lists_and_their_own(scored):
    staff = scored["users"]["staff"]
    rnd = _round(scored, require_high_tech=False, min_rd_intensity=None)
    assert not selection.visible_rounds(scored["users"]["district"]).exists()
    assert selection.visible_rounds(scored["users"]["leader"]).exists()
    selection.confirm_proposed(staff, rnd)
    selection.publish(staff, rnd)
    district = scored["users"]["district"]
    seen = list(selection.visible_entries(district, rnd))
    assert seen and all(e.enterprise.organisation.district_id == district.district_id for e in seen)
    assert all(e.status == SelectionEntry.Status.INCLUDED for e in seen)
    assert [e.enterprise_id for e in selection.visible_entries(scored["users"]["enterprise"], rnd)] == [
        scored["e1"].pk
    ]
    assert not selection.visible_rounds(scored["users"]["expert"]).exists()
