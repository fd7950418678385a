"""Bureau staff create a selection round, import its items, run a random draw, review the panels with
their affinities and the conflicts avoided, lock it and download the draw record as a PDF."""

import pytest

from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.experts import builders as b

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEMS_CSV = (
    "编号,项目名称,项目简介,申报单位,所属区县,项目组成员\n"
    "E1,氮化硅陶瓷轴承球,先进陶瓷氮化硅烧结工艺,淄博甲科技有限公司,张店区,张三（淄博甲科技有限公司）\n"
    "E2,聚氨酯绿色合成,精细化工催化剂工艺,淄博乙材料有限公司,淄川区,李四（淄博乙材料有限公司）\n"
    "E3,锂电池正极材料,新能源锂电池储能材料,淄博丙能源有限公司,张店区,王五（淄博丙能源有限公司）\n"
)


def test_staff_run_a_draw_and_lock_it(page, city):
    b.experts(city["zd"], 8)
    b.expert(city["zd"], city["e1"].organisation, name="同单位专家", field=0)
    sign_in(page, "staff_u", f.PASSWORD)
    page.click("nav >> text=专家遴选")
    page.click("text=新建遴选批次")
    page.fill("#id_name", "2025年度重大技术攻关项目评审")
    page.select_option("#id_rule", "draw")
    page.fill("#id_per_item", "2")
    page.fill("#id_max_load", "2")
    page.fill("#id_max_probability", "0.5")
    page.fill("#id_reserves", "1")
    page.click("[data-testid=round-form] button[type=submit]")
    page.set_input_files(
        "#id_file", {"name": "items.csv", "mimeType": "text/csv", "buffer": ITEMS_CSV.encode()}
    )
    page.click("[data-testid=import-items]")
    assert "已导入 3 个评审项目" in page.inner_text("main")
    page.click("[data-testid=run-round]")
    page.wait_for_selector("[data-testid=panels]")
    assert page.inner_text("[data-testid=round-status]") == "已遴选待确认"
    assert page.locator("[data-testid=panel-expert]").count() == 6
    affinities = [float(t) for t in page.locator("[data-testid=affinity]").all_inner_texts()]
    assert all(0 <= a <= 1 for a in affinities) and max(affinities) > 0
    conflicts = page.locator("[data-testid=conflicts]").first
    conflicts.locator("summary").click()
    assert "同单位专家" in conflicts.inner_text() and "同属" in conflicts.inner_text()
    click_confirmed(page, "lock-round")
    assert page.inner_text("[data-testid=round-status]") == "已锁定"
    with page.expect_download() as info:
        page.click("[data-testid=pdf-link]")
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"
    assert info.value.suggested_filename.endswith(".pdf")
