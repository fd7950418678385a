"""The cockpit, its API, CLI and reports: who sees what, and that the numbers lead to their records."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from kechuang.core.models import Notification
from kechuang.indicators.models import Indicator, Report, Target
from kechuang.indicators.services import cockpit, compute, reports
from tests import factories as f

from .conftest import Y

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(registry):
    compute.recompute(years=[Y - 1, Y])
    ind = Indicator.objects.get(code="high_tech_count")
    Target.objects.create(indicator=ind, year=Y, kind=Target.Kind.TARGET, value=3)
    Target.objects.create(indicator=ind, year=Y, district=registry["zd"], kind=Target.Kind.TARGET, value=2)
    Target.objects.create(indicator=ind, year=Y, district=registry["zc"], kind=Target.Kind.TARGET, value=1)
    return registry


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("leader", 200),
        ("district", 200),
        ("enterprise", 403),
        ("institute", 403),
        ("expert", 403),
    ],
)
def test_cockpit_roles(computed, client, role, status):
    client.force_login(computed["users"][role])
    assert client.get(reverse("indicators_cockpit"), {"year": Y}).status_code == status
    assert client.get(reverse("indicators_export"), {"year": Y}).status_code == status
    assert client.get(reverse("indicators_targets")).status_code == status
    assert client.get(reverse("indicators_reports")).status_code == status


def test_signed_out_user_is_sent_to_sign_in(client):
    assert client.get(reverse("indicators_cockpit")).status_code == 302


def test_leader_sees_city_figures_ranking_and_links(computed, client):
    client.force_login(computed["users"]["leader"])
    r = client.get(reverse("indicators_cockpit"), {"year": Y, "indicator": "high_tech_count"})
    data = r.context
    card = next(c for c in data["cards"] if c.indicator.code == "high_tech_count")
    assert card.value == 2 and card.target.value == 3 and card.assessment.light == "behind"
    assert card.url.startswith(reverse("enterprise_list")) and "fact=high_tech" in card.url
    names = [f.district.name for f in data["ranking"]]
    assert set(names) == {"张店区", "淄川区", "博山区"}
    zd = next(f for f in data["ranking"] if f.district.name == "张店区")
    assert zd.assessment.light == "met" and f"district={computed['zd'].pk}" in zd.url
    zc = next(f for f in data["ranking"] if f.district.name == "淄川区")
    assert zc.assessment.light == "behind"
    bs = next(f for f in data["ranking"] if f.district.name == "博山区")
    assert bs.value is None and bs.url == ""  # no enterprises: no figure, no link
    assert [f.district.name for f in data["behind"]] == ["淄川区"]
    body = r.content.decode()
    assert "高新技术企业数量" in body and "滞后" in body and "indicator-chart-data" in body
    assert {m["name"] for m in data["map"]} == {"张店区", "淄川区", "博山区"}


def test_district_user_sees_only_their_district(computed, client):
    client.force_login(computed["users"]["district"])  # 张店区
    r = client.get(reverse("indicators_cockpit"), {"year": Y, "district": computed["zc"].pk})
    assert r.context["area"] == computed["zd"]  # asking for 淄川区 still shows 张店区
    assert [f.district.name for f in r.context["ranking"]] == ["张店区"]
    card = next(c for c in r.context["cards"] if c.indicator.code == "high_tech_count")
    assert card.value == 2 and card.target.value == 2 and card.assessment.light == "met"
    assert "淄川区" not in r.content.decode()


def test_api_scoping(computed, client):
    client.force_login(computed["users"]["district"])
    rows = client.get("/api/indicators/actuals", {"year": Y, "indicator": "high_tech_count"}).json()
    assert {r["district_name"] for r in rows} == {"张店区"}
    assert client.get("/api/indicators/actuals", {"district": computed["zc"].pk}).status_code == 403
    assert client.get("/api/indicators/targets", {"city": True}).status_code == 403
    client.force_login(computed["users"]["leader"])
    rows = client.get(
        "/api/indicators/actuals", {"year": Y, "indicator": "rd_active_share", "city": True}
    ).json()
    assert rows == [
        {
            "indicator": "rd_active_share",
            "year": Y,
            "district": None,
            "district_name": "全市",
            "value": "0.5",
            "numerator": "1",
            "denominator": "2",
            "unknown": 1,
            "note": "",
            "rule_version": rows[0]["rule_version"],
            "data_date": rows[0]["data_date"],
        }
    ]
    targets = client.get("/api/indicators/targets", {"year": Y}).json()
    assert {(t["district_name"], t["value"]) for t in targets} == {
        ("全市", "3"),
        ("张店区", "2"),
        ("淄川区", "1"),
    }
    assert any(i["code"] == "high_tech_count" for i in client.get("/api/indicators/").json())
    for role in ("enterprise", "expert"):
        client.force_login(computed["users"][role])
        assert client.get("/api/indicators/actuals").status_code == 403
        assert client.get("/api/indicators/").status_code == 403


def test_cli_actuals_csv(computed, tmp_path):
    out = tmp_path / "a.csv"
    call_command("indicators", "actuals", "--year", str(Y), "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0].keys() == {"indicator", "area", "year", "value"}
    got = {(r["indicator"], r["area"]): r["value"] for r in rows}
    assert got[("high_tech_count", "淄博市")] == "2"
    assert got[("rd_active_share", "张店区")] == "0.50000000"
    assert got[("enterprise_rd_expense", "淄博市")] == "7300000.00"
    assert got[("rd_active_share", "淄川区")] == ""  # zero denominator: no value
    call_command("indicators", "actuals", "--year", str(Y), "--area", "淄川区", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["area"] for r in rows} == {"淄川区"}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("indicators", "actuals", "--year", str(Y), "--area", "火星区", "--out", str(out))


def test_cli_targets_import(city, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "指标代码,年度,区县,目标类型,目标值,依据文件\nhigh_tech_count,2025,,目标,1260,要点\n",
        encoding="utf-8",
    )
    call_command("indicators", "targets", "import", str(path))
    assert Target.objects.get(indicator__code="high_tech_count", year=2025).value == 1260
    from django.core.management.base import CommandError

    path.write_text(
        "指标代码,年度,区县,目标类型,目标值,依据文件\nhigh_tech_count,2025,,目标,abc,\n", encoding="utf-8"
    )
    with pytest.raises(CommandError):
        call_command("indicators", "targets", "import", str(path))
    assert Target.objects.get(indicator__code="high_tech_count", year=2025).value == 1260


def test_monthly_report_docx_and_xlsx_and_notification(computed):
    leader = computed["users"]["leader"]
    report = reports.make_and_notify(reports.MONTH, dt.date(Y + 1, 2, 28))
    assert report.year == Y
    doc = Document(io.BytesIO(bytes(report.docx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "科技创新指标监测简报" in text and "滞后" in text
    assert any("高新技术企业数量" in c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert bytes(report.xlsx)[:2] == b"PK"
    assert Notification.objects.filter(user=leader).count() == 1
    # made again for the same date it replaces the report
    reports.make_report(reports.MONTH, dt.date(Y + 1, 2, 28))
    assert Report.objects.count() == 1


def test_report_page_makes_and_serves_a_past_report(computed, client):
    client.force_login(computed["users"]["staff"])
    r = client.post(reverse("indicators_reports"), {"period": "quarter", "as_of": f"{Y}-12-31"})
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.period == "quarter" and report.as_of == dt.date(Y, 12, 31)
    r = client.get(reverse("indicators_report_file", args=[report.pk, "docx"]))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.post(reverse("indicators_reports"), {"period": "month", "as_of": "明天"})
    assert Report.objects.count() == 1
    client.force_login(computed["users"]["leader"])
    assert (
        client.post(reverse("indicators_reports"), {"period": "month", "as_of": f"{Y}-12-31"}).status_code
        == 403
    )


def test_split_page(computed, client):
    client.force_login(computed["users"]["staff"])
    city_target = Target.objects.get(indicator__code="high_tech_count", year=Y, district=None)
    url = reverse("indicators_target_split", args=[city_target.pk])
    assert client.get(url).status_code == 200
    post = {f"d{computed['zd'].pk}": "2", f"d{computed['zc'].pk}": "0", f"d{computed['bs'].pk}": "0"}
    r = client.post(url, post)
    assert r.status_code == 200 and "相差 1" in r.content.decode()
    assert Target.objects.get(district=computed["zd"], year=Y).value == 2
    post[f"d{computed['bs'].pk}"] = "1"
    assert client.post(url, post).status_code == 302
    assert Target.objects.get(district=computed["bs"], year=Y).value == 1
    client.force_login(computed["users"]["leader"])
    assert client.post(url, post).status_code == 403


def test_recompute_button_is_for_city_staff(computed, client):
    client.force_login(computed["users"]["leader"])
    assert client.post(reverse("indicators_recompute")).status_code == 403
    client.force_login(computed["users"]["staff"])
    r = client.post(reverse("indicators_recompute"))
    assert r.status_code == 302
    run = compute.latest_run()
    assert client.get(reverse("indicators_recompute_status", args=[run.pk])).status_code == 200


def test_cockpit_query_count_does_not_grow_with_districts(computed, client):
    def queries() -> int:
        client.get(reverse("indicators_cockpit"), {"year": Y})  # warms the per-version caches
        with CaptureQueriesContext(connection) as seen:
            client.get(reverse("indicators_cockpit"), {"year": Y})
        return len(seen.captured_queries)

    client.force_login(computed["users"]["leader"])
    compute.recompute(years=[Y])
    before = queries()
    for n in range(6):
        d = f.district(f"37039{n}", f"测试{n}区")
        f.facts(f.enterprise(d), Y, high_tech_cert_valid=True)
    compute.recompute(years=[Y])
    assert queries() == before <= 35


def test_default_year_and_chosen_fallback(computed):
    assert cockpit.default_year() == Y
    data = cockpit.cockpit(computed["users"]["leader"], code="nonsense")
    assert data["chosen"].code == "high_tech_count"
    assert Decimal(data["pace"]) <= 1
