"""Each role's workbench (工作台): what waits, one click from where it is done, counted in the bar."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import ImportRun
from kechuang.core.registry import Todo, add_todo, todos_for
from kechuang.policies.models import PolicyCase, PolicyResult
from kechuang.programs import services
from kechuang.programs.models import Application, Award, Call, Milestone, Objection
from tests import factories as f
from tests.programs.conftest import policy_result
from tests.programs.test_review_fixtures import make_call, open_round, rv_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def _todos(html: str) -> list[tuple[str, str]]:
    found = re.findall(r'href="([^"]+)" data-testid="todo">\s*<span>([^<]+)', html)
    return [(url.replace("&amp;", "&"), label.strip()) for url, label in found]


def _badge(html: str) -> int:
    m = re.search(r'data-testid="todo-count">(\d+)<', html)
    return int(m.group(1)) if m else 0


def _endorsement_call(city, needs_endorsement=True) -> Call:
    call = make_call(city["users"]["staff"], n_apps=0, needs_endorsement=needs_endorsement)
    call.status = Call.Status.PUBLISHED
    call.closes_on = timezone.localdate() + dt.timedelta(days=10)
    call.save()
    return call


def _application(call, org, status=Application.Status.SUBMITTED, title="氮化硅陶瓷轴承球") -> Application:
    return Application.objects.create(
        call=call, applicant=org, title=title, abstract="研究氮化硅陶瓷。", requested_yuan=Decimal(2_000_000),
        months=12, schema_version=1, status=status, submitted_at=timezone.now(),
    )  # fmt: skip


def test_district_sees_the_endorsement_waiting_and_the_badge(client, city):
    call = _endorsement_call(city)
    app = _application(call, city["e1"].organisation)
    _application(call, city["e2"].organisation)  # another district's: not theirs
    html = _home(client, city["users"]["district"])
    assert _todos(html) == [(reverse("programme_application_detail", args=[app.pk]), "待区县推荐的申报")]
    assert _badge(html) == 1
    assert call.closes_on.strftime("%Y-%m-%d") in html


def test_other_district_has_nothing_waiting(client, city):
    _application(_endorsement_call(city), city["e1"].organisation)
    html = _home(client, city["users"]["other_district"])
    assert _todos(html) == [] and _badge(html) == 0
    assert "暂无待办事项" in html


def test_endorsed_application_leaves_the_district_and_waits_for_the_formal_check(client, city):
    app = _application(_endorsement_call(city), city["e1"].organisation)
    services.endorse(city["users"]["district"], app)
    assert _todos(_home(client, city["users"]["district"])) == []
    staff_todos = _todos(_home(client, city["users"]["staff"]))
    assert (reverse("programme_application_detail", args=[app.pk]), "待形式审查的申报") in staff_todos


def test_several_waiting_link_to_the_list(client, city):
    call = _endorsement_call(city)
    _application(call, city["e1"].organisation)
    _application(call, f.enterprise(city["zd"]).organisation)
    html = _home(client, city["users"]["district"])
    assert _todos(html) == [(reverse("programme_endorsements"), "待区县推荐的申报")]
    assert "2 项" in html and _badge(html) == 2


def test_leader_sees_guides_to_approve(client, city):
    call = make_call(city["users"]["staff"], n_apps=0)
    call.status = Call.Status.IN_REVIEW
    call.save()
    todos = _todos(_home(client, city["users"]["leader"]))
    assert todos == [(reverse("programme_call_detail", args=[call.pk]), "待审核的申报指南")]


def test_staff_see_open_objections(client, city):
    call = make_call(city["users"]["staff"], n_apps=1, applicants=[city["e1"].organisation])
    award = Award.objects.create(
        application=call.applications.get(), call=call, amount_yuan=Decimal(1_000_000)
    )
    Objection.objects.create(award=award, name="张三", contact="13800000000", text="申报材料不实")
    todos = _todos(_home(client, city["users"]["staff"]))
    assert (reverse("programme_award_detail", args=[award.pk]), "待处理的公示异议") in todos


def test_enterprise_sees_overdue_and_coming_milestones(client, city):
    call = make_call(city["users"]["staff"], n_apps=1, applicants=[city["e1"].organisation])
    award = Award.objects.create(
        application=call.applications.get(), call=call, amount_yuan=Decimal(1_000_000)
    )
    today = timezone.localdate()
    Milestone.objects.create(award=award, seq=1, title="样机", due_on=today - dt.timedelta(days=3))
    Milestone.objects.create(award=award, seq=2, title="中试", due_on=today + dt.timedelta(days=10))
    Milestone.objects.create(award=award, seq=3, title="验收", due_on=today + dt.timedelta(days=300))
    html = _home(client, city["users"]["enterprise"])
    url = reverse("programme_award_detail", args=[award.pk])
    assert _todos(html) == [(url, "已逾期的合同节点"), (url, "即将到期的合同节点")]
    assert "list-group-item-danger" in html
    assert _badge(html) == 2
    # another enterprise is told nothing of it
    other = f.user(f.Role.ENTERPRISE, organisation=city["e2"].organisation)
    assert _todos(_home(client, other)) == []


def test_enterprise_sees_policies_pushed_but_not_applied(client, city):
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    from kechuang.policies.models import Policy

    PolicyCase.objects.create(enterprise=city["e1"], policy=Policy.objects.get(), notified_at=timezone.now())
    todos = _todos(_home(client, city["users"]["enterprise"]))
    assert todos == [(reverse("policy_my_package"), "已推送、尚未申报的政策")]


def test_district_sees_claims_to_confirm_in_its_district_only(client, city):
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    from kechuang.policies.models import Policy

    policy = Policy.objects.get()
    PolicyCase.objects.create(enterprise=city["e1"], policy=policy, state=PolicyCase.State.APPLIED)
    todos = _todos(_home(client, city["users"]["district"]))
    assert todos == [(reverse("policy_coverage", args=[policy.pk]), "企业已申报、待确认兑现的政策")]
    assert _todos(_home(client, city["users"]["other_district"])) == []


def test_refused_import_waits_until_a_corrected_file_is_accepted(client, city):
    user = city["users"]["district"]
    run = ImportRun.objects.create(
        kind="yearly_facts", user=user, filename="a.xlsx", sha256="x", status="refused"
    )
    assert _todos(_home(client, user)) == [
        (reverse("facts_import") + f"?run={run.pk}", "导入被拒绝、尚未重新导入的年度数据文件")
    ]
    ImportRun.objects.create(kind="yearly_facts", user=user, filename="b.xlsx", sha256="y", status="accepted")
    assert _todos(_home(client, user)) == []


def test_expert_sees_scores_due_with_the_round_deadline(client, rv):
    rnd = open_round(rv)
    seat = rnd.selection.assignments.filter(reserve=False).select_related("expert__user").first()
    html = _home(client, seat.expert.user)
    todos = _todos(html)
    assert [label for _url, label in todos] == ["待评分的项目"]
    assert rnd.closes_on.strftime("%Y-%m-%d") in html


def test_badge_on_every_page(client, city):
    _application(_endorsement_call(city), city["e1"].organisation)
    client.force_login(city["users"]["district"])
    assert _badge(client.get(reverse("enterprise_list")).content.decode()) == 1


def test_a_provider_plugs_in_and_empty_items_are_dropped(city):
    def provider(user):
        return [Todo("甲", 2, "/a/"), Todo("乙", 0, "/b/")]

    add_todo(provider, order=1)
    try:
        assert [t.label for t in todos_for(city["users"]["staff"])][:1] == ["甲"]
        assert "乙" not in [t.label for t in todos_for(city["users"]["staff"])]
    finally:
        from kechuang.core import registry

        registry.TODO_PROVIDERS[:] = [(o, p) for o, p in registry.TODO_PROVIDERS if p is not provider]


def test_staff_workbench_draws_charts_from_local_echarts(client, city):
    f.facts(city["e1"], 2025)
    from kechuang.enterprises import services as ent_services

    ent_services.recompute_labels()
    html = _home(client, city["users"]["staff"])
    assert 'id="workbench-charts"' in html and "vendor/echarts/echarts.min.js" in html
    assert "企业培育趋势" in html and "区县对比（2025年度）" in html
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", html.split("<main")[1])
