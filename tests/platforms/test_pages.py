"""Pages and API: each role sees its scope; out of scope is 404; the report is filed through the API."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core.models import AccessLog
from kechuang.platforms import reports
from kechuang.platforms.models import AnnualReport, Incubator, Tenant
from tests.enterprises.test_api import token_client

from . import builders as b

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def setup(city):
    p1 = b.platform(city["e1"].organisation, name="张店平台")
    p2 = b.platform(city["e2"].organisation, name="淄川平台")
    inc = Incubator.objects.create(name="张店众创空间", kind="makerspace", level="city", operator=city["uni"])
    Tenant.objects.create(incubator=inc, enterprise=city["e1"], entered_on=dt.date(2024, 1, 1))
    reports.open_year(city["users"]["staff"], 2025, timezone.localdate() + dt.timedelta(days=10))
    return {**city, "p1": p1, "p2": p2, "inc": inc}


def test_staff_pages_render(setup):
    c = client(setup["users"]["staff"])
    report = AnnualReport.objects.filter(platform=setup["p1"]).get()
    for url in (
        "/platforms/", "/platforms/chart/", "/platforms/reports/", "/platforms/system/", "/platforms/recognition/",
        "/platforms/import/", "/platforms/new/", f"/platforms/{setup['p1'].pk}/", "/platforms/incubators/",
        f"/platforms/incubators/{setup['inc'].pk}/", f"/platforms/reports/{report.pk}/",
        f"/platforms/{setup['p1'].pk}/edit/", "/platforms/incubators/new/",
    ):  # fmt: skip
        r = c.get(url)
        assert r.status_code == 200, url
        assert "Traceback" not in r.content.decode()


def test_district_sees_own_only(setup):
    c = client(setup["users"]["district"])
    page = c.get("/platforms/").content.decode()
    assert "张店平台" in page and "淄川平台" not in page
    assert c.get(f"/platforms/{setup['p2'].pk}/").status_code == 404
    assert c.get("/platforms/new/").status_code == 403


def test_host_sees_its_platform_and_files_its_report(setup):
    c = client(setup["users"]["enterprise"])
    assert c.get(f"/platforms/{setup['p1'].pk}/").status_code == 200
    assert c.get(f"/platforms/{setup['p2'].pk}/").status_code == 404
    report = AnnualReport.objects.get(platform=setup["p1"])
    data = {f"f_{k}": v for k, v in b.FIGURES.items()} | {
        "summary": "本年度完成研发任务，运行良好。",
        "submit": "1",
    }
    r = c.post(f"/platforms/reports/{report.pk}/", data)
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.version == 1
    other = AnnualReport.objects.get(platform=setup["p2"])
    assert c.get(f"/platforms/reports/{other.pk}/").status_code == 404


def test_expert_has_no_business_here(setup):
    assert client(setup["users"]["expert"]).get("/platforms/").status_code == 403


def test_export_is_logged_and_formula_safe(setup):
    setup["p1"].name = "=HYPERLINK(1)"
    setup["p1"].save()
    r = client(setup["users"]["staff"]).get("/platforms/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    names = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert "=HYPERLINK(1)" in names and ws["A2"].data_type == "s"
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).exists()


def test_api_scoping_and_report_filing(setup):
    district = token_client(setup["users"]["district"])
    names = [p["name"] for p in district.get("/api/platforms/").json()["items"]]
    assert names == ["张店平台"]
    assert district.get(f"/api/platforms/{setup['p2'].pk}").status_code == 404
    host = token_client(setup["users"]["enterprise"])
    report = AnnualReport.objects.get(platform=setup["p1"])
    r = host.put(
        f"/api/platforms/reports/{report.pk}", {"figures": {"staff": "-1"}}, content_type="application/json"
    )
    assert r.status_code == 422 and "staff" in r.json()["errors"]
    r = host.put(
        f"/api/platforms/reports/{report.pk}",
        {"figures": b.FIGURES, "summary": "本年度完成研发任务，运行良好。"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["version"] == 1
    r = host.post(f"/api/platforms/reports/{report.pk}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert (
        district.put(
            f"/api/platforms/reports/{report.pk}", {"figures": {}}, content_type="application/json"
        ).status_code
        == 403
    )


def test_profile_section_and_chart(setup):
    c = client(setup["users"]["staff"])
    page = c.get(f"/enterprises/{setup['e1'].pk}/").content.decode()
    assert "创新平台与孵化" in page and "张店平台" in page and "张店众创空间" in page
    chart = c.get("/platforms/chart/").content.decode()
    assert "platform-chart-data" in chart and "张店区" in chart
