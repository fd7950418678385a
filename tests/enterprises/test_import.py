"""The yearly-facts import use-case against the database: all-or-nothing, idempotent, history with the
importing user, scoping per role, and the report."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from kechuang.core.models import ImportRun, Organisation
from kechuang.core.spreadsheets import xlsx_bytes
from kechuang.enterprises import importing
from kechuang.enterprises.models import DerivedLabel, Enterprise, YearlyFacts
from kechuang.enterprises.template import COLUMNS, LABELS_ZH, RowError
from tests import factories as f


def row(uscc: str, year: int = 2023, **values) -> dict:
    base = {
        "uscc": uscc,
        "name": "淄博新材科技有限公司",
        "district": "张店区",
        "registered_on": "2018-03-01",
        "industry_code": "C3976",
        "year": year,
        "employees": 120,
        "rd_staff": 20,
        "revenue": "32500000",
        "total_costs": "29000000",
        "rd_expense": "1650000",
        "in_key_field": "是",
    }
    return {**base, **values}


def csv_of(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else r.get(c) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def counts(outcome) -> tuple:
    c = outcome.counts
    return tuple(
        c[k]
        for k in (
            "enterprises_created",
            "enterprises_updated",
            "enterprises_unchanged",
            "facts_created",
            "facts_updated",
            "facts_unchanged",
        )
    )


def test_import_creates_enterprises_facts_history_and_labels(city):
    staff = city["users"]["staff"]
    new = f.make_uscc(900001)
    data = csv_of([row(new, 2022, revenue="25000000"), row(new, 2023, name="淄博新材股份有限公司")])

    outcome = importing.import_facts(data, "facts.csv", staff)

    assert outcome.ok, outcome.errors
    assert counts(outcome) == (1, 0, 0, 2, 0, 0)
    org = Organisation.objects.get(uscc=new)
    assert org.name == "淄博新材股份有限公司"  # the latest year's static value wins
    assert org.district == city["zd"] and org.kind == Organisation.Kind.ENTERPRISE
    ent = Enterprise.objects.get(pk=org.pk)
    assert ent.industry_code == "C3976" and str(ent.registered_on) == "2018-03-01"
    facts = {x.year: x for x in YearlyFacts.objects.filter(enterprise=ent)}
    assert facts[2022].revenue == Decimal("25000000") and facts[2023].revenue == Decimal("32500000")
    assert facts[2023].in_key_field is True
    # Blank cells stay unknown: never 0 or False.
    assert facts[2023].st_staff is None and facts[2023].dishonest is None and facts[2023].net_profit is None
    # History: one "+" row per written record, by the importing user.
    for model, key in ((YearlyFacts, {"enterprise_id": ent.pk}), (Enterprise, {"organisation_id": ent.pk})):
        hist = model.history.filter(**key)
        assert hist.count() == (2 if model is YearlyFacts else 1)
        assert {h.history_user_id for h in hist} == {staff.pk}
        assert {h.history_type for h in hist} == {"+"}
        assert "facts.csv" in hist.first().history_change_reason
    assert org.history.get().history_user == staff
    assert facts[2022].history.get().revenue == Decimal("25000000")
    # Labels recomputed for the new enterprise.
    assert DerivedLabel.objects.filter(enterprise=ent, year=2023, code="above_scale", status="yes").exists()
    run = outcome.run
    assert run.status == ImportRun.Status.ACCEPTED and run.user == staff and run.rows == 2
    assert run.stored_file.read() == data
    assert run.counts["enterprises"][0] == {"id": ent.pk, "name": org.name, "uscc": new, "status": "created"}


def test_same_file_twice_changes_nothing_the_second_time(city):
    staff = city["users"]["staff"]
    data = csv_of([row(f.make_uscc(900002), 2022), row(f.make_uscc(900002), 2023)])
    importing.import_facts(data, "a.csv", staff)
    before = list(YearlyFacts.objects.values_list("pk", "updated_at", "revenue").order_by("pk"))
    history = (YearlyFacts.history.count(), Enterprise.history.count(), Organisation.history.count())

    again = importing.import_facts(data, "a.csv", staff)

    assert again.ok
    assert counts(again) == (0, 0, 1, 0, 0, 2)
    assert list(YearlyFacts.objects.values_list("pk", "updated_at", "revenue").order_by("pk")) == before
    assert (YearlyFacts.history.count(), Enterprise.history.count(), Organisation.history.count()) == history
    assert ImportRun.objects.filter(status=ImportRun.Status.ACCEPTED).count() == 2


def test_update_writes_history_with_before_and_after(city):
    staff, ent = city["users"]["staff"], city["e1"]
    f.facts(ent, 2023, revenue=Decimal("30000000"), rd_expense=Decimal("1500000"), employees=100)
    uscc = ent.organisation.uscc

    outcome = importing.import_facts(
        csv_of(
            [
                row(
                    uscc,
                    2023,
                    name=ent.organisation.name,
                    revenue="31000000",
                    **dict.fromkeys(
                        ("rd_expense", "employees", "rd_staff", "total_costs", "in_key_field"), ""
                    ),
                )
            ]
        ),
        "fix.csv",
        staff,
    )

    assert outcome.ok, outcome.errors
    assert outcome.counts["facts_updated"] == 1
    facts = YearlyFacts.objects.get(enterprise=ent, year=2023)
    assert facts.revenue == Decimal("31000000")
    # A blank cell does not erase what is stored.
    assert facts.rd_expense == Decimal("1500000") and facts.employees == 100
    latest, previous = facts.history.order_by("-history_id")[:2]
    assert latest.history_type == "~" and latest.history_user == staff
    assert (previous.revenue, latest.revenue) == (Decimal("30000000"), Decimal("31000000"))
    delta = latest.diff_against(previous, excluded_fields=["updated_at"])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("revenue", Decimal("30000000"), Decimal("31000000"))
    ]


def test_one_bad_row_changes_nothing_and_reports_row_column_rule(city):
    staff = city["users"]["staff"]
    good, other = f.make_uscc(900003), f.make_uscc(900004)
    data = csv_of([row(good), row(other, rd_expense="-5"), row(good, 2022, district="不存在区")])
    before = (Organisation.objects.count(), YearlyFacts.objects.count(), Organisation.history.count())

    outcome = importing.import_facts(data, "bad.csv", staff)

    assert not outcome.ok
    assert (Organisation.objects.count(), YearlyFacts.objects.count(), Organisation.history.count()) == before
    found = {(e.row, e.column) for e in outcome.errors}
    assert found == {(3, "rd_expense"), (4, "district")}
    negative = next(e for e in outcome.errors if e.column == "rd_expense")
    assert negative.value == "-5" and "不能为负数" in negative.rule
    assert importing.error_message(negative) == "第3行「研发费用（元）」：金额不能为负数（填写的是“-5”）"
    run = outcome.run
    assert run.status == ImportRun.Status.REFUSED and run.counts == {}
    assert run.stored_file.read() == data  # a refused upload is kept too
    assert {(e["row"], e["column"]) for e in run.errors} == found


def test_district_by_code_and_unknown_district(city):
    staff = city["users"]["staff"]
    uscc = f.make_uscc(900005)
    outcome = importing.import_facts(csv_of([row(uscc, district="370302")]), "c.csv", staff)
    assert outcome.ok and Organisation.objects.get(uscc=uscc).district == city["zc"]


def test_existing_institute_code_is_not_an_enterprise(city):
    uni = city["uni"]
    uni.uscc = f.make_uscc(900006)
    uni.save()
    outcome = importing.import_facts(csv_of([row(uni.uscc)]), "i.csv", city["users"]["staff"])
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "uscc")]
    assert "不是企业" in outcome.errors[0].rule


def test_district_staff_only_touch_their_own_district(city):
    user = city["users"]["district"]  # 张店区
    mine, foreign = city["e1"].organisation, city["e2"].organisation  # e2 is in 淄川区
    data = csv_of(
        [
            row(mine.uscc, name=mine.name),
            row(f.make_uscc(900007), district="淄川区"),
            row(foreign.uscc, name=foreign.name),
        ]
    )
    outcome = importing.import_facts(data, "d.csv", user)
    assert {(e.row, e.column) for e in outcome.errors} == {(3, "district"), (4, "uscc")}
    assert all("本区县（张店区）" in e.rule for e in outcome.errors)
    assert "淄川区" in next(e.rule for e in outcome.errors if e.column == "uscc")
    assert not YearlyFacts.objects.exists()

    ok = importing.import_facts(csv_of([row(mine.uscc, name=mine.name)]), "d2.csv", user)
    assert ok.ok and YearlyFacts.objects.filter(enterprise=city["e1"]).count() == 1


def test_enterprise_user_only_its_own_code(city):
    user = city["users"]["enterprise"]  # organisation of e1
    own = city["e1"].organisation
    refused = importing.import_facts(csv_of([row(city["e2"].organisation.uscc)]), "e.csv", user)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "uscc")]
    assert "企业用户只能导入本企业" in refused.errors[0].rule
    moved = importing.import_facts(csv_of([row(own.uscc, district="淄川区")]), "e.csv", user)
    assert [(e.row, e.column) for e in moved.errors] == [(2, "district")]
    ok = importing.import_facts(csv_of([row(own.uscc, name=own.name)]), "e.csv", user)
    assert ok.ok and YearlyFacts.objects.get(enterprise=city["e1"]).history.get().history_user == user


@pytest.mark.parametrize("role", ["leader", "expert", "institute"])
def test_leaders_experts_institutes_may_not_import(city, role):
    with pytest.raises(PermissionDenied):
        importing.import_facts(csv_of([row(f.make_uscc(900008))]), "x.csv", city["users"][role])
    assert not ImportRun.objects.exists() and not YearlyFacts.objects.exists()


def test_xlsx_upload_and_report_rows(city):
    uscc = f.make_uscc(900009)
    rows = [row(uscc), row(uscc, 2022, employees="多人")]
    data = xlsx_bytes(COLUMNS, [[r.get(c) for c in COLUMNS] for r in rows])
    outcome = importing.import_facts(data, "facts.xlsx", city["users"]["admin"])
    assert [(e.row, e.column, e.value) for e in outcome.errors] == [(3, "employees", "多人")]
    report = list(importing.report_rows(outcome.run.errors))
    assert report == [[3, "employees", "从业人员数", "多人", "应为非负整数"]]
    fixed = [row(uscc), row(uscc, 2022)]
    data = xlsx_bytes(COLUMNS, [[r.get(c) for c in COLUMNS] for r in fixed])
    assert importing.import_facts(data, "facts.xlsx", city["users"]["admin"]).ok


def test_unreadable_file_is_refused_and_kept(city):
    outcome = importing.import_facts(b"\x00not a workbook", "x.xlsx", city["users"]["staff"])
    assert [e.row for e in outcome.errors] == [0]
    assert importing.error_message(outcome.errors[0]).startswith("文件：无法读取")
    assert outcome.run.status == ImportRun.Status.REFUSED


def test_template_xlsx_has_chinese_headings_and_instructions():
    workbook = load_workbook(io.BytesIO(importing.template_xlsx_bytes()))
    assert workbook.sheetnames == ["年度数据", "填写说明"]
    headings = tuple(c.value for c in workbook["年度数据"][1])
    assert headings == tuple(LABELS_ZH[c] for c in COLUMNS)
    assert headings[:2] == ("统一社会信用代码", "企业名称") and "营业收入（元）" in headings
    notes = {r[1]: r for r in workbook["填写说明"].iter_rows(min_row=2, values_only=True) if r[1] in COLUMNS}
    assert set(notes) == set(COLUMNS)
    assert notes["revenue"][0] == "营业收入（元）" and "元" in notes["revenue"][3]
    assert notes["uscc"][2] == "必填" and notes["listed"][2] == "选填"
    assert importing.template_csv_bytes().decode("utf-8-sig").strip() == ",".join(
        LABELS_ZH[c] for c in COLUMNS
    )


def _filled_template(fmt: str, rows: list[dict]) -> bytes:
    """The downloaded template with rows typed in, as a district would send it back."""
    if fmt == "csv":
        text = importing.template_csv_bytes().decode("utf-8-sig")
        body = io.StringIO()
        csv.writer(body).writerows([["" if r.get(c) is None else r[c] for c in COLUMNS] for r in rows])
        return (text + body.getvalue()).encode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(importing.template_xlsx_bytes()))
    for r in rows:
        workbook["年度数据"].append([r.get(c) for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_filled_chinese_template_imports(city, fmt):
    new = f.make_uscc(900071)
    data = _filled_template(fmt, [row(new, revenue="32500000")])
    outcome = importing.import_facts(data, f"t.{fmt}", city["users"]["staff"])
    assert outcome.ok, outcome.errors
    facts = YearlyFacts.objects.get(enterprise__organisation__uscc=new)
    assert facts.revenue == Decimal("32500000") and facts.rd_staff == 20


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_old_template_with_english_codes_still_imports(city, fmt):
    new = f.make_uscc(900072)
    records = [row(new)]
    data = (
        csv_of(records)
        if fmt == "csv"
        else xlsx_bytes(COLUMNS, [[r.get(c) for c in COLUMNS] for r in records])
    )
    outcome = importing.import_facts(data, f"old.{fmt}", city["users"]["staff"])
    assert outcome.ok, outcome.errors
    assert YearlyFacts.objects.get(enterprise__organisation__uscc=new).rd_staff == 20


def test_error_message_names_row_column_rule():
    assert importing.error_message(RowError(5, "rd_expense", "", "金额不能为负数")) == (
        "第5行「研发费用（元）」：金额不能为负数"
    )


def test_changed_enterprises_are_announced_after_commit(city, django_capture_on_commit_callbacks):
    from kechuang.enterprises.signals import facts_imported

    heard = []

    def listener(sender, enterprise_ids=(), user=None, **kwargs):
        heard.append((sorted(enterprise_ids), user))

    facts_imported.connect(listener, dispatch_uid="test-listener")
    try:
        staff, uscc = city["users"]["staff"], f.make_uscc(900010)
        data = csv_of([row(uscc)])
        with django_capture_on_commit_callbacks(execute=True):
            importing.import_facts(data, "s.csv", staff)
        with django_capture_on_commit_callbacks(execute=True):
            importing.import_facts(data, "s.csv", staff)  # unchanged: nothing to announce
        with django_capture_on_commit_callbacks(execute=True):
            importing.import_facts(csv_of([row(uscc, revenue="-1")]), "s.csv", staff)  # refused
    finally:
        facts_imported.disconnect(dispatch_uid="test-listener")
    assert heard == [([Organisation.objects.get(uscc=uscc).pk], staff)]


def test_progress_is_reported_stage_by_stage(city):
    seen = []
    uscc = f.make_uscc(900011)
    importing.import_facts(
        csv_of([row(uscc), row(uscc, 2022)]),
        "p.csv",
        city["users"]["staff"],
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    stages = [s for s, _, _ in seen]
    assert stages[0] == "读取并校验文件" and stages[-1] == "完成"
    assert "写入年度数据" in stages and "更新衍生标签" in stages
    assert seen[-1] == ("完成", 2, 2)
