"""The upload page, the template downloads and the report download, through the test client."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.core.models import ImportRun, Organisation
from kechuang.enterprises import views_import
from kechuang.enterprises.importing import template_headings
from kechuang.enterprises.models import YearlyFacts
from tests import factories as f

from .test_import import csv_of, row


def upload(client, data: bytes, name: str = "facts.csv", **extra):
    return client.post(reverse("facts_import"), {"file": SimpleUploadedFile(name, data)}, **extra)


def test_district_staff_bad_row_then_fixed_file(client, city):
    client.force_login(city["users"]["district"])
    uscc = f.make_uscc(910001)
    response = upload(client, csv_of([row(uscc), row(uscc, 2022, revenue="12万")]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="import-report"' in html and "第3行" in html and "营业收入（元）" in html
    run = ImportRun.objects.get()
    assert reverse("import_report", args=[run.pk]) in html
    assert not Organisation.objects.filter(uscc=uscc).exists()

    response = upload(client, csv_of([row(uscc), row(uscc, 2022)]))
    html = client.get(response["Location"]).content.decode()
    org = Organisation.objects.get(uscc=uscc)
    assert 'data-testid="import-summary"' in html
    assert reverse("enterprise_profile", args=[org.pk]) in html
    assert 'data-testid="facts-created">2<' in html and 'data-testid="enterprises-created">1<' in html
    assert YearlyFacts.objects.filter(enterprise_id=org.pk).count() == 2


def test_report_download_is_the_runs_rows_and_private(client, city):
    client.force_login(city["users"]["district"])
    upload(client, csv_of([row(f.make_uscc(910002), employees="-3")]))
    run = ImportRun.objects.get()
    response = client.get(reverse("import_report", args=[run.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列名", "列", "填写的值", "问题说明")
    assert rows[1] == (2, "employees", "从业人员数", "-3", "应为非负整数")

    client.force_login(city["users"]["other_district"])
    assert client.get(reverse("import_report", args=[run.pk])).status_code == 404
    assert client.get(reverse("facts_import") + f"?run={run.pk}").status_code == 404
    client.force_login(city["users"]["staff"])
    assert client.get(reverse("import_report", args=[run.pk])).status_code == 200


@pytest.mark.parametrize("role", ["leader", "expert", "institute"])
def test_roles_without_import_rights_get_403(client, city, role):
    client.force_login(city["users"][role])
    assert client.get(reverse("facts_import")).status_code == 403
    assert upload(client, csv_of([row(f.make_uscc(910003))])).status_code == 403
    assert not ImportRun.objects.exists()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("facts_import"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_template_downloads(client, city):
    client.force_login(city["users"]["enterprise"])
    xlsx = client.get(reverse("facts_template", args=["xlsx"]))
    assert xlsx.status_code == 200 and "filename*=UTF-8''" in xlsx["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert tuple(c.value for c in workbook.worksheets[0][1]) == tuple(template_headings())
    assert workbook.sheetnames[1] == "填写说明"
    text = client.get(reverse("facts_template", args=["csv"])).content.decode("utf-8-sig")
    assert text.strip() == ",".join(template_headings())
    assert client.get(reverse("facts_template", args=["pdf"])).status_code == 404


def test_wrong_file_type_is_refused_before_import(client, city):
    client.force_login(city["users"]["staff"])
    response = upload(client, b"hello", name="facts.txt")
    assert response.status_code == 400 and "只支持 .xlsx 和 .csv" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_large_upload_goes_through_the_background_task(client, city, monkeypatch):
    monkeypatch.setattr(views_import, "BACKGROUND_BYTES", 0)
    client.force_login(city["users"]["staff"])
    uscc = f.make_uscc(910004)
    response = upload(client, csv_of([row(uscc)]))
    run = ImportRun.objects.get()
    # Tests run huey tasks in-line, so the queued run is already done when the page is asked.
    assert run.status == ImportRun.Status.ACCEPTED and run.finished_at is not None
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<html" not in html and 'data-status="accepted"' in html and "hx-trigger" not in html


def test_unfinished_run_polls(client, city):
    user = city["users"]["staff"]
    run = ImportRun.objects.create(
        kind="yearly_facts", user=user, filename="x.csv", sha256="0", status=ImportRun.Status.RUNNING,
        stage="写入年度数据", progress_done=500, progress_total=1000,
    )  # fmt: skip
    client.force_login(user)
    html = client.get(reverse("facts_import") + f"?run={run.pk}").content.decode()
    assert 'hx-trigger="every 2s"' in html and "写入年度数据" in html and "width: 50%" in html


def test_import_log_exports_to_xlsx_scoped_to_the_user(client, city):
    client.force_login(city["users"]["district"])
    upload(client, csv_of([row(f.make_uscc(910005))]))
    client.force_login(city["users"]["other_district"])
    upload(client, csv_of([row(f.make_uscc(910006), revenue="x")]))

    def exported(user):
        client.force_login(user)
        response = client.get(reverse("facts_import") + "?export=xlsx")
        assert response.status_code == 200
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    mine = exported(city["users"]["district"])
    assert mine[0][:3] == ("导入时间", "导入人", "文件名") and len(mine) == 2
    assert mine[1][4] == "已导入" and mine[1][6] == 1  # one enterprise created
    assert len(exported(city["users"]["staff"])) == 3  # city staff see every run


def test_report_headers_follow_the_language():
    from django.utils import translation

    from kechuang.enterprises import importing

    assert importing.report_headers()[0] == "行号"
    with translation.override("en"):
        assert importing.report_headers()[0] == "Row" and importing.report_headers()[-1] == "Problem"
