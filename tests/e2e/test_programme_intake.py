"""The intake path in the browser: staff draft a call and send the guide for review; a leader approves
it; staff publish; an enterprise applies with an attachment and an institute co-applicant and submits;
the district endorses; staff run the formal check and pass it."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.policies.models import PolicyResult
from kechuang.programs import services
from kechuang.programs.demo import tiny_pdf
from kechuang.programs.models import Application, Call
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in
from tests.programs.conftest import policy_result

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "2026年度重大技术攻关项目申报通知"


def sign_out(page):
    page.click("button:has-text('退出')")


def test_draft_review_publish_apply_endorse_and_pass(page, city):
    services.seed_programme_types()
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    f.facts(city["e1"], 2025, dishonest=False)
    today = timezone.localdate()

    # Staff draft the call; the default rubric and attachment kinds are already filled in.
    sign_in(page, "staff_u", f.PASSWORD)
    page.goto("/programs/")
    page.click("[data-testid=new-call]")
    # No JSON: the rubric and the attachments are rows; policies are ticked by name.
    assert page.input_value("#id_rubric-0-name") == "技术创新性"
    assert page.get_by_label("高新技术企业认定").is_checked()
    page.fill("#id_rubric-0-weight", "20")
    assert page.inner_text("[data-testid=weight-total]") == "90"
    page.click("[data-testid=rubric-editor-add]")
    page.fill("#id_rubric-4-name", "知识产权")
    page.fill("#id_rubric-4-weight", "10")
    page.fill("#id_rubric-4-max", "10")
    assert page.inner_text("[data-testid=weight-total]") == "100"
    page.check("#id_kinds-2-DELETE")
    # The application form is rows too, previewed as the applicant will see it without a reload.
    preview = page.locator("[data-testid=form-preview]")
    preview.locator("text=项目负责人").wait_for()
    assert page.input_value("#id_fields-0-title") == "项目负责人"
    page.select_option("#id_fields-4-kind", label="单选")
    page.fill("#id_fields-4-title", "单位性质")
    page.check("#id_fields-4-required")
    page.fill("#id_fields-4-options", "企业\n高校院所")
    page.fill("#id_fields-4-help", "按营业执照填写")
    page.click("[data-testid=form-preview-refresh]")
    preview.locator("text=按营业执照填写").wait_for()
    assert preview.locator("select[name=preview-f_field1] option").all_inner_texts()[1:] == [
        "企业",
        "高校院所",
    ]
    assert "{" not in preview.inner_text()
    page.select_option("#id_programme_type", label="重大技术攻关项目")
    page.fill("#id_title", TITLE)
    page.fill("#id_guide", "支持企业牵头开展关键核心技术攻关。")
    page.fill("#id_topics", "高性能陶瓷\n高端化工新材料")
    page.fill("#id_budget_cap_wan", "500")
    page.fill("#id_opens_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_closes_on", (today + dt.timedelta(days=30)).isoformat())
    page.click("[data-testid=call-form] button[type=submit]")
    assert page.inner_text("[data-testid=call-status]") == "草稿"
    drafted = Call.objects.get()
    assert {r["name"]: r["weight"] for r in drafted.rubric}["知识产权"] == 10
    assert [k["name"] for k in drafted.attachment_kinds] == ["项目可行性研究报告", "近一年财务审计报告"]
    assert drafted.eligibility == ["high_tech"]
    assert drafted.form_schema["properties"]["field1"]["enum"] == ["企业", "高校院所"]
    assert drafted.form_schema["required"] == ["leader", "goals", "field1"]
    page.click("[data-testid=send-for-review]")
    assert page.inner_text("[data-testid=call-status]") == "指南审核中"
    assert page.locator("[data-testid=approve-call]").count() == 0  # never the drafter
    sign_out(page)

    sign_in(page, "leader_u", f.PASSWORD)
    call = Call.objects.get()
    page.goto(f"/programs/calls/{call.pk}/")
    page.fill("#id_reason", "同意发布")
    page.click("[data-testid=approve-call]")
    assert page.inner_text("[data-testid=call-status]") == "指南已审定"
    sign_out(page)

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/calls/{call.pk}/")
    click_confirmed(page, "publish-call")
    assert page.inner_text("[data-testid=call-status]") == "已发布"
    sign_out(page)

    # The enterprise applies with an institute as co-applicant and uploads its attachments.
    sign_in(page, "ent_u", f.PASSWORD)
    page.goto("/programs/")
    page.click(f"text={TITLE}")
    page.click("[data-testid=apply]")
    page.fill("#id_title", "氮化硅陶瓷轴承球近净成形关键技术")
    page.fill("#id_abstract", "开发氮化硅陶瓷球气压烧结和精密研磨工艺，实现G5级轴承球批量制备。")
    page.fill("#id_requested_wan", "300")
    page.fill("#id_months", "24")
    page.fill("#id_f_leader", "张伟")
    page.fill("#id_f_goals", "建成年产千万粒陶瓷球示范线")
    page.select_option("#id_f_field1", label="企业")
    # 自筹资金 in 万元 like the request, the unit beside the box.
    page.fill("#id_f_self_funding_yuan", "120.5")
    assert page.locator("#id_f_self_funding_yuan + .input-group-text").inner_text() == "万元"
    # The co-applicant is found by typing: the page does not reload, so nothing typed is lost.
    page.fill("#id_co_applicants", "理工")
    page.click("[data-testid=picker-results-co_applicants] >> text=山东理工大学")
    assert "山东理工大学" in page.inner_text("[data-testid=picker-chosen-co_applicants]")
    assert page.input_value("#id_f_leader") == "张伟"
    page.click("[data-testid=save-and-attach]")
    page.set_input_files(
        "#id_file", files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a pdf"}]
    )
    page.click("[data-testid=upload-attachment]")
    assert "文件内容与扩展名" in page.inner_text("[data-testid=attachment-error]")
    for kind, name in (("plan", "可行性研究报告.pdf"), ("finance", "财务审计报告.pdf")):
        page.select_option("#id_kind", kind)
        page.set_input_files(
            "#id_file", files=[{"name": name, "mimeType": "application/pdf", "buffer": tiny_pdf(kind)}]
        )
        page.click("[data-testid=upload-attachment]")
        assert name in page.inner_text("[data-testid=attachment-list]")
    click_confirmed(page, "submit-application")
    assert page.inner_text("[data-testid=application-status]") == "已提交"
    assert "山东理工大学" in page.inner_text("[data-testid=co-applicants]")
    app = Application.objects.get()
    assert app.form_data["self_funding_yuan"] == 1_205_000
    assert app.form_data["field1"] == "企业"
    sign_out(page)

    # The district bureau endorses from its queue.
    sign_in(page, "district_u", f.PASSWORD)
    page.goto("/programs/")
    page.click("[data-testid=nav-endorsements]")
    page.click(f"[data-testid=endorsement-table] >> text={app.title}")
    page.fill("#id_reason", "企业研发基础较好，同意推荐")
    click_confirmed(page, "endorse")
    assert page.inner_text("[data-testid=application-status]") == "区县已推荐"
    sign_out(page)

    sign_in(page, "staff_u", f.PASSWORD)
    page.goto(f"/programs/applications/{app.pk}/")
    assert "财务审计报告.pdf" in page.inner_text("[data-testid=attachments]")
    page.click("[data-testid=run-check]")
    findings = page.inner_text("[data-testid=findings]")
    assert "符合“高新技术企业认定”" in findings and "未列入失信名单" in findings
    page.fill("#id_reason", "材料齐全")
    click_confirmed(page, "pass")
    assert page.inner_text("[data-testid=application-status]") == "形式审查通过"
    app.refresh_from_db()
    assert app.status == "formal_passed" and app.attachments.count() == 2
    assert [t.action for t in app.transitions.all()] == ["submit", "endorse", "pass"]
    call.refresh_from_db()
    assert [t.action for t in call.transitions.order_by("pk")] == ["send_for_review", "approve", "publish"]
