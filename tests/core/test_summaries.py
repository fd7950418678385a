"""Cached figures (kechuang.core.summaries): counted once per version of their data, and never shown
after the data changed — whether the change came from an import, a policy evaluation, an edit, a bulk
update or raw SQL (database triggers renew the version in the same transaction)."""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.core import summaries
from kechuang.core.models import DataVersion
from kechuang.enterprises import importing
from kechuang.enterprises import services as registry
from kechuang.enterprises.models import YearlyFacts
from kechuang.policies import services as policies
from kechuang.policies.models import PolicyCase
from tests import factories as f
from tests.enterprises.test_import import csv_of, row
from tests.policies.conftest import POLICY_YAML, publish_text

pytestmark = pytest.mark.django_db

BIG = {"revenue": Decimal("30000000"), "rd_expense": Decimal("1800000"), "dishonest": False}


@pytest.fixture
def data(city):
    for e in (city["e1"], city["e2"], f.enterprise(city["zd"])):
        f.facts(e, 2025, **BIG)
    registry.recompute_labels()
    return city


def _total(html: str, code: str) -> int:
    return int(re.search(rf'data-testid="total-{code}">([\d,]+)', html).group(1).replace(",", ""))


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_every_write_to_a_topic_table_renews_its_version(data):
    before = summaries.token(summaries.FACTS)
    YearlyFacts.objects.filter(enterprise=data["e1"]).update(employees=7)  # no signal, no save()
    after_update = summaries.token(summaries.FACTS)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM enterprises_derivedlabel WHERE enterprise_id = %s", [data["e2"].pk])
    after_sql = summaries.token(summaries.FACTS)
    assert len({before, after_update, after_sql}) == 3
    assert summaries.token(summaries.POLICIES) is not None


def test_a_rolled_back_write_keeps_the_version(data):
    before = summaries.token(summaries.FACTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        YearlyFacts.objects.update(employees=1)
        raise RuntimeError
    assert summaries.token(summaries.FACTS) == before


def test_figures_are_counted_once_per_version(data):
    staff = data["users"]["staff"]
    first = registry.overview(staff)
    with CaptureQueriesContext(connection) as captured:
        again = registry.overview(staff)
    assert again == first
    # Only the versions, the closed years and the districts are read; nothing is counted.
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_an_import_changes_the_city_and_district_figures(client, data):
    staff, district = data["users"]["staff"], data["users"]["district"]
    html = _home(client, staff)
    assert (_total(html, "enterprises"), _total(html, "above_scale")) == (3, 3)
    assert _total(_home(client, district), "above_scale") == 2
    outcome = importing.import_facts(
        csv_of([row(f.make_uscc(), 2025, revenue="50000000", rd_expense="3000000")]), "new.csv", staff
    )
    assert outcome.run.status == "accepted", outcome.errors
    html = _home(client, staff)
    assert (_total(html, "enterprises"), _total(html, "above_scale")) == (4, 4)
    assert _total(_home(client, district), "above_scale") == 3  # the new firm is in 张店区


def test_moving_an_enterprise_to_another_district_moves_its_count(data):
    district = data["users"]["district"]
    assert registry.overview(district)["totals"]["enterprises"] == 2
    org = data["e1"].organisation
    org.district = data["zc"]
    org.save()
    assert registry.overview(district)["totals"]["enterprises"] == 1


def test_an_evaluation_changes_the_policy_counts(data, django_capture_on_commit_callbacks):
    staff = data["users"]["staff"]
    version, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)

    def eligible():
        item = next(i for i in policies.library(staff) if i["policy"].pk == version.policy_id)
        return item["counts"].get("eligible", 0)

    assert eligible() == 3
    YearlyFacts.objects.filter(enterprise=data["e2"]).update(rd_expense=Decimal(0))
    with django_capture_on_commit_callbacks(execute=True):
        policies.on_facts_changed([data["e2"].pk], user=staff)
    assert eligible() == 2


def test_a_granted_case_changes_the_granted_count(data, django_capture_on_commit_callbacks):
    staff = data["users"]["staff"]
    version, _run = publish_text(staff, POLICY_YAML, django_capture_on_commit_callbacks)

    def granted():
        return next(i for i in policies.library(staff) if i["policy"].pk == version.policy_id)["granted"]

    assert granted() == 0
    policy = version.policy
    policies.mark_applied(data["users"]["enterprise"], data["e1"], policy)
    policies.mark_granted(staff, data["e1"], policy)
    assert PolicyCase.objects.get(enterprise=data["e1"]).state == PolicyCase.State.GRANTED
    assert granted() == 1


def test_without_a_version_nothing_is_cached(data):
    DataVersion.objects.filter(topic=summaries.FACTS).delete()
    calls = []
    for _ in range(2):
        summaries.cached(summaries.FACTS, "x", lambda: calls.append(1))
    assert len(calls) == 2


def test_the_navigation_count_is_fresh_on_the_workbench(client, data):
    """Other pages may show a count up to a minute old; the workbench always counts afresh."""
    staff = data["users"]["staff"]
    summaries.remember_todo_count(staff, 42)
    client.force_login(staff)
    assert 'data-testid="todo-count">42<' in client.get(reverse("notifications")).content.decode()
    assert 'data-testid="todo-count">42<' not in client.get(reverse("home")).content.decode()


def test_the_unfiltered_list_total_comes_from_the_cached_counts_and_follows_new_firms(client, data):
    staff, district = data["users"]["staff"], data["users"]["district"]
    assert registry.unfiltered_count(staff) == 3 and registry.unfiltered_count(district) == 2
    assert registry.unfiltered_count(data["users"]["enterprise"]) is None  # counted directly
    f.enterprise(data["zd"])
    assert registry.unfiltered_count(staff) == 4 and registry.unfiltered_count(district) == 3
    client.force_login(district)
    page = client.get(reverse("enterprise_list")).context["page"]
    assert page.paginator.count == 3
