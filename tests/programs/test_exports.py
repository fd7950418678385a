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


def _step(app, action, before, after, user, reason=""):
    from django.contrib.contenttypes.models import ContentType

    from kechuang.programs.models import Transition

    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(app), object_id=app.pk, action=action,
        from_status=before, to_status=after, actor=user, reason=reason,
    )  # fmt: skip


def test_awarded_pack_tells_its_history(city):
    """The pack of an awarded project says it was endorsed and passed the formal check, by whom and
    when, as its own history records; never 尚未推荐 / 尚未进行."""
    from tests.pdfcheck import assert_prints

    _call, apps = approved(city)
    app = apps[0]
    district, staff = city["users"]["district"], city["users"]["staff"]
    district.first_name = "李·明"
    district.save()
    _step(app, "submit", "draft", "submitted", city["users"]["enterprise"])
    _step(app, "endorse", "submitted", "endorsed", district, "同意推荐①")
    _step(app, "pass", "endorsed", "formal_passed", staff)
    _step(app, "award", "reviewed", "awarded", staff)
    app.refresh_from_db()
    assert app.status == "awarded"
    text = assert_prints(
        exports.application_pdf(app), "区县已推荐（李·明", "同意推荐①", "形式审查通过（", "办理记录"
    )
    assert "尚未推荐" not in text and "尚未进行" not in text


def test_pack_without_history_reads_the_status(city):
    from tests.pdfcheck import pdf_text

    _call, apps = approved(city)
    text = pdf_text(exports.application_pdf(apps[0]))
    assert "形式审查通过（无办理记录）" in text and "已推荐（无办理记录）" in text
    assert "尚未推荐" not in text and "尚未进行" not in text


def test_pack_of_a_revised_application_starts_afresh(city):
    """Sent back to draft after an endorsement: the old endorsement no longer counts."""
    from tests.pdfcheck import pdf_text

    _call, apps = approved(city)
    app = apps[0]
    _step(app, "endorse", "submitted", "endorsed", city["users"]["district"])
    _step(app, "return", "endorsed", "formal_failed", city["users"]["staff"], "缺少附件")
    _step(app, "revise", "formal_failed", "draft", city["users"]["enterprise"])
    app.status = "submitted"
    app.save()
    text = pdf_text(exports.application_pdf(app))
    assert "尚未推荐" in text and "尚未进行形式审查" in text and "缺少附件" in text
