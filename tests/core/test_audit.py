"""The audit of reads that matter (exports with filters and row counts, an expert's personal details,
sign-ins) and the one search over every trail."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core import audit
from kechuang.core.models import AccessLog
from tests.experts.builders import expert

pytestmark = pytest.mark.django_db


def test_enterprise_export_records_who_filters_and_rows(client, city):
    client.force_login(city["users"]["staff"])
    response = client.get(reverse("enterprise_export"), {"district": city["zc"].pk})
    assert response.status_code == 200
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert log.user == city["users"]["staff"] and log.what == "企业名录"
    assert log.rows == 1  # only 淄川区's enterprise
    assert log.filters == {"区县": "淄川区"} and log.ip == "127.0.0.1"


def test_opening_an_experts_details_is_recorded_but_not_their_own(client, city):
    own = expert(city["zd"], name="王建国", user=city["users"]["expert"])
    client.force_login(city["users"]["staff"])
    assert client.get(reverse("expert_detail", args=[own.pk])).status_code == 200
    log = AccessLog.objects.get(kind=AccessLog.Kind.READ)
    assert (log.user, log.object_type, log.object_id, log.object_repr) == (
        city["users"]["staff"], "experts.expert", str(own.pk), "王建国",
    )  # fmt: skip
    client.force_login(city["users"]["expert"])
    client.get(reverse("expert_detail", args=[own.pk]))
    assert AccessLog.objects.filter(kind=AccessLog.Kind.READ).count() == 1


def test_sign_in_failed_sign_in_and_sign_out_are_recorded(client, city):
    user = city["users"]["staff"]
    user.set_password("right-horse-battery")
    user.save()
    client.post(reverse("login"), {"username": "staff_u", "password": "wrong"})
    client.post(reverse("login"), {"username": "staff_u", "password": "right-horse-battery"})
    client.post(reverse("logout"))
    kinds = list(AccessLog.objects.order_by("pk").values_list("kind", "username", "user"))
    assert kinds == [
        (AccessLog.Kind.SIGN_IN_FAILED, "staff_u", None),
        (AccessLog.Kind.SIGN_IN, "staff_u", user.pk),
        (AccessLog.Kind.SIGN_OUT, "staff_u", user.pk),
    ]
    assert "wrong" not in str(list(AccessLog.objects.values()))


def test_search_merges_edits_and_reads_newest_first_and_filters(city):
    admin, staff = city["users"]["admin"], city["users"]["staff"]
    org = city["e1"].organisation
    org.name = "淄博甲科技股份有限公司"
    org._history_user = staff
    org.save()
    audit.record(admin, AccessLog.Kind.EXPORT, "企业名录", rows=3)
    old = audit.record(staff, AccessLog.Kind.READ, "查看专家个人信息")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))

    everything = audit.search(audit.Criteria())
    entries = everything[0 : len(everything)]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert {"导出", "编辑", "查看"} <= {e.kind for e in entries}

    mine = audit.search(audit.Criteria(user_ids=[staff.pk]))
    assert {e.user for e in mine[0:50]} == {str(staff)} and len(mine) == 2

    org_edits = audit.search(audit.Criteria(object_type="core.organisation", object_id=str(org.pk)))
    assert [e.what for e in org_edits[0:10]] == ["修改机构", "新增机构"] and org_edits.count() == 2

    recent = audit.search(
        audit.Criteria(start=timezone.now() - dt.timedelta(days=1), sources=frozenset({"access"}))
    )
    assert [e.what for e in recent[0:10]] == ["企业名录"]


def test_audit_page_only_for_admins_and_exports_itself(client, city):
    client.force_login(city["users"]["staff"])
    assert client.get(reverse("audit_log")).status_code == 403
    client.force_login(city["users"]["admin"])
    audit.record(city["users"]["staff"], AccessLog.Kind.EXPORT, '=HYPERLINK("http://x","y")', rows=3)
    html = client.get(reverse("audit_log"), {"kind": "access"}).content.decode()
    assert "审计记录" in html and "3行" in html
    bad = client.get(reverse("audit_log"), {"object_id": "7"}).content.decode()
    assert "按对象编号查询时请同时选择对象类型" in bad
    response = client.get(reverse("audit_log"), {"kind": "access", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    assert rows[0][0].value == "时间" and rows[1][3].value == '=HYPERLINK("http://x","y")'
    assert rows[1][3].data_type == "s"
    exported = AccessLog.objects.filter(what="审计记录").get()
    # The two sign-ins of this test are in the trail too.
    assert exported.filters == {"记录类型": "导出、查看、下载与登录"} and exported.rows == len(rows) - 1 == 3
