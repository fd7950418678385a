"""Expert and review-item imports: all-or-nothing with a per-row report, idempotent."""

import io

import pytest
from openpyxl import Workbook

from kechuang.core.models import ImportRun, Organisation
from kechuang.experts import importing
from kechuang.experts.models import Expert, ExpertField, ReviewItem

from . import builders as b

HEADER = [
    "姓名",
    "工作单位",
    "所在区县",
    "职称",
    "学科代码",
    "行业代码",
    "研究方向关键词",
    "可参加评审",
    "科研诚信状态",
    "登录账号",
]


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_good_file_imports_and_twice_changes_nothing(city):
    staff = city["users"]["staff"]
    data = xlsx(
        [
            HEADER,
            [
                "王建国",
                "山东理工大学",
                "张店区",
                "正高级",
                "430、530",
                "C30",
                "先进陶瓷、烧结",
                "是",
                "良好",
                "expert_u",
            ],
            ["李红", "淄博新材料研究院", "370302", "副高级", "430", "", "粉体", "", "", ""],
        ]
    )
    outcome = importing.import_experts(data, "experts.xlsx", staff)
    assert outcome.ok, outcome.errors
    assert outcome.counts == {"created": 2, "updated": 0, "unchanged": 0, "organisations_created": 1}
    wang = Expert.objects.get(name="王建国")
    assert wang.organisation == city["uni"] and wang.user == city["users"]["expert"]
    assert wang.status == Expert.Status.APPROVED
    assert sorted(wang.fields.values_list("code", flat=True)) == ["430", "530", "C30"]
    assert Organisation.objects.get(name="淄博新材料研究院").district == city["zc"]
    again = importing.import_experts(data, "experts.xlsx", staff)
    assert again.counts["unchanged"] == 2 and again.counts["created"] == 0
    assert Expert.history.filter(name="王建国").count() == 1


def test_one_bad_row_refuses_the_whole_file(city):
    staff = city["users"]["staff"]
    data = xlsx(
        [
            HEADER,
            ["王建国", "山东理工大学", "张店区", "正高级", "430", "C30", "陶瓷", "是", "良好", ""],
            ["李红", "山东理工大学", "火星区", "教授", "43", "X99", "", "也许", "一般", "nobody"],
            ["王建国", "山东理工大学", "张店区", "正高级", "430", "", "", "", "", ""],
            ["赵六", "新单位", "", "中级", "", "", "", "", "", ""],
        ]
    )
    outcome = importing.import_experts(data, "bad.xlsx", staff)
    assert not outcome.ok
    found = {(e.row, e.column) for e in outcome.errors}
    assert {(3, "district"), (3, "title"), (3, "disciplines"), (3, "industries"), (3, "available"),
            (3, "integrity"), (3, "username"), (4, "name"), (5, "district")} <= found  # fmt: skip
    assert all(e.rule for e in outcome.errors)
    assert not Expert.objects.exists() and not ExpertField.objects.exists()
    assert not Organisation.objects.filter(name="新单位").exists()
    run = ImportRun.objects.get(kind=importing.EXPERT_KIND)
    assert run.status == ImportRun.Status.REFUSED and len(run.errors) == len(outcome.errors)


def test_header_and_file_problems(city):
    staff = city["users"]["staff"]
    outcome = importing.import_experts(xlsx([["姓名", "电话号码"]]), "x.xlsx", staff)
    assert {e.column for e in outcome.errors} >= {"电话号码", "organisation", "title"}
    outcome = importing.import_experts(b"not a workbook", "x.xlsx", staff)
    assert outcome.errors[0].row == 0
    outcome = importing.import_experts(b"a,b", "x.txt", staff)
    assert "只支持" in outcome.errors[0].rule


@pytest.mark.parametrize("role", ["district", "enterprise", "institute", "expert", "leader"])
def test_only_city_staff_import(city, role):
    with pytest.raises(Exception) as err:
        importing.import_experts(xlsx([HEADER]), "x.xlsx", city["users"][role])
    assert err.type.__name__ == "PermissionDenied"


def test_item_import_all_or_nothing(city):
    staff = city["users"]["staff"]
    rnd = b.round_(0)
    header = ["编号", "项目名称", "项目简介", "申报单位", "所属区县", "项目组成员"]
    good = [
        "A1",
        "氮化硅陶瓷轴承球",
        "烧结工艺",
        "淄博甲科技有限公司",
        "",
        "张三（淄博甲科技有限公司）；李四（山东理工大学）",
    ]
    bad = ["A2", "", "", "某公司", "火星区", "王五（没有右括号"]
    outcome = importing.import_items(rnd, xlsx([header, good, bad]), "items.xlsx", staff)
    assert {(e.row, e.column) for e in outcome.errors} == {(3, "title"), (3, "district"), (3, "members")}
    assert not ReviewItem.objects.exists()
    csv_data = ("\n".join(",".join(r) for r in [header, good])).encode("utf-8-sig")
    outcome = importing.import_items(rnd, csv_data, "items.csv", staff)
    assert outcome.ok, outcome.errors
    item = ReviewItem.objects.get()
    assert item.applicant == city["e1"].organisation and item.district == city["zd"]
    assert item.members[1] == {"name": "李四", "organisation": "山东理工大学"}
    again = importing.import_items(rnd, csv_data, "items.csv", staff)
    assert again.errors[0].rule == "本批次已有同名项目"
