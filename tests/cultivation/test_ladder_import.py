"""Import of the provincial lists: a good file writes the rungs, a file with one bad row writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kechuang.core.models import ImportRun
from kechuang.cultivation import importing_ladder as importing
from kechuang.cultivation.models.ladder import Candidate, Rung, RungMembership, RungSource
from kechuang.cultivation.services_ladder import pool
from tests import factories as f

from .ladder_support import YEAR, build, xlsx

CERT_HEAD = ["统一社会信用代码", "企业名称", "证书编号", "发证日期"]
SME_HEAD = ["统一社会信用代码", "企业名称", "入库年度", "入库登记编号"]


@pytest.fixture
def lc(city):
    return build(city)


def test_certificate_list_writes_rungs_with_expiry_three_years_on(lc):
    staff = lc["users"]["staff"]
    data = xlsx([CERT_HEAD, [lc["e1"].uscc, "", "GR202437000001", dt.date(2024, 11, 20)],
                 [lc["e2"].uscc, "淄博乙材料有限公司", "GR202537000002", "2025/12/01"]])  # fmt: skip
    outcome = importing.import_list(importing.HIGH_TECH, data, "高企名单.xlsx", staff)
    assert outcome.ok, outcome.errors
    assert outcome.run.status == ImportRun.Status.ACCEPTED
    m = RungMembership.objects.get(enterprise=lc["e1"], year=2024, rung=Rung.HIGH_TECH)
    assert m.source == RungSource.PROVINCIAL and m.certificate_no == "GR202437000001"
    assert m.certified_on == dt.date(2024, 11, 20) and m.expires_on == dt.date(2027, 11, 20)
    assert m.import_run_id == outcome.run.pk
    # One record per year the certificate covers, up to this year.
    years = set(
        RungMembership.objects.filter(enterprise=lc["e1"], rung=Rung.HIGH_TECH).values_list("year", flat=True)
    )
    assert years == {2024, 2025, 2026} & set(range(2024, dt.date.today().year + 1))
    assert m.history.count() == 1


def test_same_file_twice_changes_nothing(lc):
    staff = lc["users"]["staff"]
    data = xlsx([SME_HEAD, [lc["e1"].uscc, "", YEAR, "20253703030001"]])
    assert importing.import_list(importing.TECH_SME, data, "科小.xlsx", staff).ok
    m = RungMembership.objects.get(enterprise=lc["e1"], year=YEAR, rung=Rung.TECH_SME)
    assert m.register_no == "20253703030001"
    before = m.history.count()
    assert importing.import_list(importing.TECH_SME, data, "科小.xlsx", staff).ok
    assert RungMembership.objects.count() == 1
    assert m.history.count() == before


def test_one_bad_row_refuses_the_whole_file(lc):
    staff = lc["users"]["staff"]
    unknown = f.make_uscc(999_001)
    data = xlsx([
        CERT_HEAD,
        [lc["e1"].uscc, "", "GR202537000001", "2025-11-20"],  # good
        [unknown, "", "GR202537000002", "2025-11-20"],  # not in the registry
        [lc["e2"].uscc[:-1] + "X", "", "GR202537000003", "2025-11-20"],  # check character wrong
        [lc["e3"].uscc, "", "证书", "2025-13-40"],  # bad number and bad date
        [lc["e1"].uscc, "", "GR202537000001", "2025-11-20"],  # duplicate of row 2
    ])  # fmt: skip
    outcome = importing.import_list(importing.HIGH_TECH, data, "高企名单.xlsx", staff)
    assert not outcome.ok
    assert RungMembership.objects.count() == 0
    assert outcome.run.status == ImportRun.Status.REFUSED
    where = {(e.row, e.column) for e in outcome.errors}
    assert {(3, "uscc"), (4, "uscc"), (5, "certificate_no"), (5, "certified_on"), (6, "uscc")} <= where
    assert (2, "uscc") not in where
    # The report names the rule in words.
    assert any("企业库中没有" in e.rule for e in outcome.errors)


def test_missing_column_and_future_date_are_refused(lc):
    staff = lc["users"]["staff"]
    no_date = xlsx([["统一社会信用代码", "证书编号"], [lc["e1"].uscc, "GR202537000001"]])
    outcome = importing.import_list(importing.HIGH_TECH, no_date, "a.xlsx", staff)
    assert [(e.row, e.column) for e in outcome.errors] == [(1, "certified_on")]
    future = xlsx([CERT_HEAD, [lc["e1"].uscc, "", "GR203037000001", "2099-01-01"]])
    outcome = importing.import_list(importing.HIGH_TECH, future, "b.xlsx", staff)
    assert outcome.errors[0].column == "certified_on" and "晚于今天" in outcome.errors[0].rule
    assert RungMembership.objects.count() == 0


def test_hostile_or_wrong_file_is_refused_before_parsing(lc):
    staff = lc["users"]["staff"]
    outcome = importing.import_list(importing.TECH_SME, b"not a zip", "x.xlsx", staff)
    assert not outcome.ok and outcome.errors[0].row == 0
    outcome = importing.import_list(importing.TECH_SME, b"a,b", "x.txt", staff)
    assert "只支持" in outcome.errors[0].rule


@pytest.mark.parametrize("who", ["district", "leader", "enterprise", "expert"])
def test_only_city_staff_import(lc, who):
    data = xlsx([SME_HEAD, [lc["e1"].uscc, "", YEAR, "1"]])
    with pytest.raises(PermissionDenied):
        importing.import_list(importing.TECH_SME, data, "a.xlsx", lc["users"][who])
    assert not ImportRun.objects.exists()


def test_certificate_import_closes_the_candidate_as_certified(lc):
    staff = lc["users"]["staff"]
    c = pool.nominate(lc["users"]["district"], lc["e1"], YEAR)
    c = pool.admit(staff, c, owner_kind="district", district=lc["zd"])
    data = xlsx([CERT_HEAD, [lc["e1"].uscc, "", "GR202537000009", f"{YEAR}-11-20"]])
    outcome = importing.import_list(importing.HIGH_TECH, data, "名单.xlsx", staff)
    assert outcome.ok and outcome.counts["certified_candidates"] == 1
    assert Candidate.objects.get(pk=c.pk).status == Candidate.Status.CERTIFIED


def test_import_page_and_template(client, lc):
    client.force_login(lc["users"]["staff"])
    r = client.get(reverse("cultivation_rung_template", args=[importing.HIGH_TECH]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    data = xlsx([CERT_HEAD, ["bad", "", "GR202537000001", "2025-11-20"]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("cultivation_rung_import"),
        {"kind": importing.HIGH_TECH, "file": SimpleUploadedFile("a.xlsx", data)},
    )
    assert r.status_code == 200
    assert "未导入任何数据" in r.content.decode()
    client.force_login(lc["users"]["district"])
    assert client.get(reverse("cultivation_rung_import")).status_code == 403
