"""Posting, scoping, matching and the brokering workflow, through services.py."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kechuang.matching import services
from kechuang.matching.models import Achievement, Demand, IndexedExpert, Match, MatchTransition, TechField
from tests import factories as f
from tests.matching.conftest import achievement_data, demand_data

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------ posting


def test_enterprise_posts_for_its_own_firm_and_industry(city):
    demand = services.post_demand(city["users"]["enterprise"], demand_data())
    assert demand.organisation == city["e1"].organisation
    assert demand.industry_code == "C3976"  # taken from the registry when not given
    assert demand.status == Demand.Status.OPEN
    assert demand.created_by == city["users"]["enterprise"]
    assert demand.history.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("problem", "太短的描述", "至少用20个字"),
        ("title", "废水", "至少4个字"),
        ("contact_phone", "12345", "手机号"),
        ("budget", Decimal("-1"), ""),
        ("industry_code", "X99", "行业代码"),
        ("field", "astrology", ""),
        ("deadline", dt.date(2020, 1, 1), "不能早于今天"),
    ],
)
def test_bad_demand_names_the_field_and_saves_nothing(city, field, value, fragment):
    with pytest.raises(ValidationError) as exc:
        services.post_demand(city["users"]["enterprise"], demand_data(**{field: value}))
    assert field in exc.value.message_dict
    assert fragment in "".join(exc.value.message_dict[field])
    assert not Demand.objects.exists()


def test_unknown_field_is_refused(city):
    with pytest.raises(ValidationError) as exc:
        services.post_demand(city["users"]["enterprise"], demand_data(organisation_id=99))
    assert "organisation_id" in exc.value.message_dict


def test_who_may_post_demands(city):
    users = city["users"]
    with pytest.raises(PermissionDenied):
        services.post_demand(users["institute"], demand_data())
    with pytest.raises(PermissionDenied):
        services.post_demand(users["leader"], demand_data(), enterprise=city["e1"].organisation)
    with pytest.raises(ValidationError) as exc:
        services.post_demand(users["staff"], demand_data())
    assert "enterprise" in exc.value.message_dict
    # District staff post for enterprises of their own district only.
    with pytest.raises(PermissionDenied):
        services.post_demand(users["district"], demand_data(), enterprise=city["e2"].organisation)
    demand = services.post_demand(users["district"], demand_data(), enterprise=city["e1"].organisation)
    assert demand.organisation == city["e1"].organisation
    assert Demand.objects.count() == 1


def test_achievement_rules(city):
    users = city["users"]
    with pytest.raises(PermissionDenied):
        services.post_achievement(users["enterprise"], achievement_data())
    with pytest.raises(ValidationError) as exc:
        services.post_achievement(users["institute"], achievement_data(ip_detail=""))
    assert "ip_detail" in exc.value.message_dict
    a = services.post_achievement(users["institute"], achievement_data(asking_price=None))
    assert a.organisation == city["uni"] and a.asking_price is None
    with pytest.raises(ValidationError) as exc:
        services.post_achievement(users["staff"], achievement_data(), institute=city["e1"].organisation)
    assert "institute" in exc.value.message_dict


# ------------------------------------------------------------------------------------ scoping


def test_private_demands_are_seen_by_their_firm_its_district_and_the_city_only(postings):
    users, d1, d2 = postings["users"], postings["d1"], postings["d2"]  # d2: private, e2, 淄川区

    def seen(user):
        return set(services.visible_demands(user).values_list("pk", flat=True))

    assert seen(users["staff"]) == seen(users["leader"]) == seen(users["admin"]) == {d1.pk, d2.pk}
    assert seen(users["enterprise"]) == {d1.pk}  # e1 sees the public demand, not e2's private one
    assert seen(users["other_district"]) == {d1.pk, d2.pk}  # 淄川区 staff: their district's private demand
    assert seen(users["district"]) == {d1.pk}  # 张店区 staff: public ones elsewhere only
    assert seen(users["institute"]) == seen(users["expert"]) == {d1.pk}
    with pytest.raises(Http404):  # a private id cannot be probed
        services.get_demand(users["enterprise"], d2.pk)
    e2_user = f.user(f.Role.ENTERPRISE, "ent_e2", organisation=postings["e2"].organisation)
    assert seen(e2_user) == {d1.pk, d2.pk}
    with pytest.raises(PermissionDenied):
        services.get_demand(e2_user, d1.pk, write=True)
    assert services.get_demand(e2_user, d2.pk, write=True) == d2


def test_matches_are_seen_by_staff_in_scope(postings):
    users = postings["users"]
    all_matches = set(Match.objects.values_list("pk", flat=True))
    assert all_matches
    assert set(services.visible_matches(users["staff"]).values_list("pk", flat=True)) == all_matches
    zd = set(services.visible_matches(users["district"]).values_list("district_id", flat=True))
    assert zd == {postings["zd"].pk}
    for role in ("enterprise", "institute", "expert"):
        assert not services.visible_matches(users[role]).exists()


def test_search_filters(postings):
    staff = postings["users"]["staff"]
    assert list(services.search_demands(staff, q="氮化硅 烧结")) == [postings["d2"]]
    assert list(services.search_demands(staff, field=TechField.RESOURCES_ENV)) == [postings["d1"]]
    assert list(services.search_demands(staff, district=postings["zc"].pk)) == [postings["d2"]]
    assert list(services.search_achievements(staff, q="湿式氧化")) == [postings["a1"]]
    assert list(services.search_demands(postings["users"]["enterprise"], mine=True)) == [postings["d1"]]


# ------------------------------------------------------------------------------------ matching


def test_demand_matches_the_fitting_achievement_first_with_reasons(postings):
    d1, a1, a2 = postings["d1"], postings["a1"], postings["a2"]
    ranked = list(d1.matches.filter(kind=Match.Kind.DEMAND_ACHIEVEMENT).order_by("rank"))
    assert ranked[0].achievement == a1 and ranked[0].rank == 1
    reasons = ranked[0].reasons
    assert reasons["same_field"] is True
    assert "湿式氧化" in "".join(reasons["shared"])
    snippet = reasons["snippet"]
    # Highlights start and end on a word character: no stray "，" or "。" inside a mark.
    assert all(snippet[s].isalnum() and snippet[e - 1].isalnum() for s, e, _k in reasons["snippet_spans"])
    assert all(t[0].isalnum() and t[-1].isalnum() for t in reasons["shared"])
    assert ranked[0].district == postings["zd"]
    d2_top = postings["d2"].matches.filter(kind=Match.Kind.DEMAND_ACHIEVEMENT).order_by("rank").first()
    assert d2_top.achievement == a2 and d2_top.district == postings["zc"]


def test_achievement_finds_the_enterprise_that_needs_it(postings):
    top = postings["a2"].matches.filter(kind=Match.Kind.ACHIEVEMENT_ENTERPRISE).order_by("rank").first()
    assert top.enterprise == postings["e2"].organisation
    assert top.district == postings["zc"]


def test_editing_a_demand_refreshes_its_matches_but_keeps_brokered_cases(
    postings, django_capture_on_commit_callbacks
):
    staff, d1, a1 = postings["users"]["staff"], postings["d1"], postings["a1"]
    case = d1.matches.get(achievement=a1)
    services.advance_match(staff, case.pk, "contact")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_demand(
            staff,
            d1,
            {
                "title": "氮化硅陶瓷球烧结",
                "problem": "需要提高氮化硅陶瓷球致密度，优化气压烧结制度和烧结助剂，用于精密轴承。",
                "field": TechField.NEW_MATERIALS,
            },
        )
    case.refresh_from_db()
    assert case.status == Match.Status.CONTACTED  # kept though it is no longer the best
    assert d1.matches.get(kind=Match.Kind.DEMAND_ACHIEVEMENT, rank=1).achievement == postings["a2"]
    assert case.rank is None or case.rank > 1


def test_closing_a_demand_drops_open_recommendations(postings, django_capture_on_commit_callbacks):
    d1 = postings["d1"]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_demand(postings["users"]["staff"], d1, {"status": Demand.Status.SOLVED})
    assert not d1.matches.exists()


def test_expert_profiles_enter_demand_matching_through_the_interface(
    postings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.index_expert_profile(
            501, name="赵研究员", affiliation="山东理工大学", text="长期从事化工废水催化湿式氧化与高盐废水资源化研究",
            fields=[TechField.RESOURCES_ENV],
        )  # fmt: skip
    # Indexing alone re-matched the demand the profile fits.
    assert postings["d1"].matches.get(kind=Match.Kind.DEMAND_EXPERT).expert.expert_id == 501
    services.index_expert_profile(
        502, name="钱教授", text="陶瓷材料烧结与氮化硅结构陶瓷", fields=[TechField.NEW_MATERIALS]
    )
    # Other apps' codes (a GB/T 13745 discipline) are kept, and simply earn no same-field bonus.
    assert services.index_expert_profile(503, name="孙", text="x", fields=["430"]).fields == ["430"]
    services.refresh_demand(postings["d1"].pk)
    top = postings["d1"].matches.filter(kind=Match.Kind.DEMAND_EXPERT).order_by("rank").first()
    assert top.expert.expert_id == 501
    services.remove_expert_profile(501)
    assert not IndexedExpert.objects.get(expert_id=501).active
    assert not postings["d1"].matches.filter(expert__expert_id=501).exists()


def test_nightly_refresh_is_idempotent(postings):
    before = sorted(Match.objects.values_list("kind", "demand_id", "achievement_id", "enterprise_id", "rank"))
    from kechuang.matching.tasks import nightly_refresh

    nightly_refresh.call_local()
    after = sorted(Match.objects.values_list("kind", "demand_id", "achievement_id", "enterprise_id", "rank"))
    assert before == after


# ------------------------------------------------------------------------------------ workflow


def _case(postings):
    return postings["d1"].matches.get(achievement=postings["a1"])


def test_status_walks_the_legal_path_with_a_log(postings):
    staff, case = postings["users"]["staff"], _case(postings)
    assert [a for a, _l in services.available_actions(case)] == ["contact", "invalidate"]
    services.advance_match(staff, case.pk, "contact", reason="电话联系企业")
    services.advance_match(staff, case.pk, "express_intention")
    case = services.advance_match(staff, case.pk, "sign", amount=Decimal("1500000"))
    assert case.status == Match.Status.SIGNED and case.agreement_amount == Decimal("1500000")
    log = list(
        MatchTransition.objects.filter(match=case).values_list("from_status", "to_status", "actor", "reason")
    )
    assert log == [
        ("recommended", "contacted", staff.pk, "电话联系企业"),
        ("contacted", "intention", staff.pk, ""),
        ("intention", "signed", staff.pk, ""),
    ]
    assert services.available_actions(case) == []


@pytest.mark.parametrize(
    ("steps", "action", "kwargs", "field"),
    [
        ((), "sign", {}, "action"),  # 推荐 → 已签约 skips steps
        ((), "express_intention", {}, "action"),
        ((), "invalidate", {}, "reason"),  # 无效 needs a reason
        ((), "invalidate", {"reason": "   "}, "reason"),
        (("contact",), "contact", {}, "action"),
        (("contact", "express_intention"), "sign", {"amount": Decimal("-5")}, "amount"),
        ((), "contact", {"amount": Decimal("5")}, "amount"),
        ((), "approve", {}, "action"),
    ],
)
def test_illegal_steps_are_refused_and_change_nothing(postings, steps, action, kwargs, field):
    staff, case = postings["users"]["staff"], _case(postings)
    for step in steps:
        services.advance_match(staff, case.pk, step)
    before = Match.objects.get(pk=case.pk).status
    logged = MatchTransition.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.advance_match(staff, case.pk, action, **kwargs)
    assert field in exc.value.message_dict
    assert Match.objects.get(pk=case.pk).status == before
    assert MatchTransition.objects.count() == logged


def test_invalid_with_reason_and_then_final(postings):
    staff, case = postings["users"]["staff"], _case(postings)
    case = services.advance_match(staff, case.pk, "invalidate", reason="企业已自行解决")
    assert case.status == Match.Status.INVALID and case.status_reason == "企业已自行解决"
    with pytest.raises(ValidationError):
        services.advance_match(staff, case.pk, "contact")


def test_who_may_record_outcomes(postings):
    users, case = postings["users"], _case(postings)  # a 张店区 case
    with pytest.raises(PermissionDenied):
        services.advance_match(users["leader"], case.pk, "contact")
    for role in ("other_district", "enterprise", "institute"):
        with pytest.raises(Http404):
            services.advance_match(users[role], case.pk, "contact")
    assert services.advance_match(users["district"], case.pk, "contact").status == Match.Status.CONTACTED
    assert services.outcome_counts(users["district"])["contacted"] == 1
    assert services.outcome_counts(users["other_district"])["contacted"] == 0


def test_achievement_status_change_drops_only_open_recommendations(
    postings, django_capture_on_commit_callbacks
):
    staff, a1 = postings["users"]["staff"], postings["a1"]
    case = _case(postings)
    services.advance_match(staff, case.pk, "contact")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_achievement(
            postings["users"]["institute"], a1, {"status": Achievement.Status.TRANSFERRED}
        )
    assert list(a1.matches.values_list("pk", flat=True)) == [case.pk]


def test_firms_without_demands_are_found_by_name_and_industry(postings):
    bearings = f.enterprise(postings["zd"], "淄博丙精工有限公司", industry="C3451")  # 滚动轴承制造
    f.enterprise(postings["zd"], "淄博丁纺织有限公司", industry="C1713")  # 棉印染精加工: no reason to need it
    services.refresh_achievement(postings["a2"].pk)  # 氮化硅陶瓷球 for high-speed precision bearings
    ranked = list(postings["a2"].matches.filter(kind=Match.Kind.ACHIEVEMENT_ENTERPRISE).order_by("rank"))
    assert [m.enterprise for m in ranked] == [postings["e2"].organisation, bearings.organisation]
    assert [m.reasons["basis"] for m in ranked] == ["demand", "profile"]
    assert ranked[1].score < ranked[0].score and "轴承" in ranked[1].reasons["shared"]
