"""Exports of the award stage open in the programs people use: the award list in openpyxl, the award
notice in python-docx, the application pack as a PDF; each served only to whoever may see it."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.programs import exports
from kechuang.programs.models import Attachment, FormalFinding
from kechuang.programs.services import awards as svc
from tests.programs.test_awards_support import approved, contract, in_notice

pytestmark = pytest.mark.django_db


def test_award_list_xlsx(client, city):
    call, apps = approved(city)
    client.force_login(city["users"]["staff"])
    response = client.get(reverse("programme_award_export", args=[call.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("评审排名", "项目名称", "承担单位")
    assert [r[1] for r in rows[1:]] == [apps[0].title, apps[1].title]
    assert rows[1][5] == 300 and rows[1][7] == "已立项"
    assert sheet["F2"].number_format == "#,##0.00"  # 万元 with thousands separators
    # The applicant's export holds its own award only.
    client.force_login(city["users"]["enterprise"])
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("programme_award_export", args=[call.pk])).content)
    ).active
    assert [r[1] for r in list(sheet.iter_rows(values_only=True))[1:]] == [apps[0].title]


def test_award_notice_docx(client, city, settings):
    from docx import Document

    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = svc.sign(staff, apps[0].award_record, **contract(apps[0].award_record))
    client.force_login(city["users"]["enterprise"])
    response = client.get(reverse("programme_award_notice_docx", args=[award.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "项目立项通知书" in text and "市科学技术局" in text and "300万元" in text
    assert apps[0].title in cells and "节点1" in cells and "节点“节点1”完成后" in cells
    settings.KECHUANG_BUREAU_NAME = "淄博市科学技术局"
    doc = Document(io.BytesIO(exports.award_notice_docx(award)))
    assert "淄博市科学技术局" in "\n".join(p.text for p in doc.paragraphs)
    client.force_login(city["users"]["other_district"])
    assert client.get(reverse("programme_award_notice_docx", args=[award.pk])).status_code == 404


def test_notice_docx_refused_before_approval(client, city):
    _call, apps = in_notice(city)
    client.force_login(city["users"]["staff"])
    assert (
        client.get(reverse("programme_award_notice_docx", args=[apps[0].award_record.pk])).status_code == 403
    )


def test_application_pdf(client, city):
    _call, apps = in_notice(city)
    app = apps[0]
    app.co_applicants.add(city["uni"])
    FormalFinding.objects.create(application=app, code="budget", ok=True, text="申请300万元，上限500万元")
    Attachment.objects.create(
        application=app, kind="plan", name="可行性报告.pdf", file="x.pdf", size=2048,
        content_type="application/pdf", sha256="a" * 64,
    )  # fmt: skip
    client.force_login(city["users"]["enterprise"])
    response = client.get(reverse("programme_application_pdf", args=[app.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("programme_application_pdf", args=[apps[1].pk])).status_code == 404
    client.logout()
    assert client.get(reverse("programme_application_pdf", args=[app.pk])).status_code == 302
