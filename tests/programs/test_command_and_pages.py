import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from kechuang.core.registry import DEMO_STEPS, NAV
from kechuang.programs import demo, services
from kechuang.programs.models import Application, Call
from tests import factories as f
from tests.programs.conftest import GOOD

pytestmark = pytest.mark.django_db


def test_status_command_counts_each_stage(prog):
    app = services.save_draft(prog["ent_user"], prog["call"], GOOD)
    services.submit(prog["ent_user"], app)
    out = io.StringIO()
    call_command("programmes", "status", stdout=out)
    text = out.getvalue()
    block = text.split("重大成果转化项目")[0]
    assert "重大技术攻关项目 [major_breakthrough]" in block
    assert "已发布 1" in block and "已提交 1" in block and "草稿 0" in block.split("申报项目")[1]
    assert "揭榜挂帅项目 [open_challenge]" in text


def test_status_command_without_types(db):
    out = io.StringIO()
    call_command("programmes", "status", stdout=out)
    assert "尚无计划类型" in out.getvalue()


def test_registered_in_nav_and_demo():
    assert any(e.url_name == "programme_calls" for e in NAV)
    assert (500, demo.load_programmes) in DEMO_STEPS


def test_demo_step_fills_every_stage(city):
    import datetime as dt

    from kechuang.programs.models import Idea, Solicitation

    ents = [city["e1"], city["e2"]] + [f.enterprise(city["zd"]) for _ in range(8)]
    users = city["users"]
    ctx = {
        "users": {
            f.Role.BUREAU_STAFF: [users["staff"]],
            f.Role.LEADER: [users["leader"]],
            f.Role.DISTRICT_STAFF: [users["district"], users["other_district"]],
            f.Role.ENTERPRISE: [users["enterprise"]],
            f.Role.INSTITUTE: [users["institute"]],
        },
        "enterprises": ents,
        "institutes": [city["uni"]],
        "today": dt.date.today(),
    }
    demo.load_programmes(ctx, io.StringIO())
    opened = dt.date.today() - dt.timedelta(days=20)
    call = Call.objects.get(title=demo.call_title(opened.year))
    assert call.opens_on == opened and call.year == opened.year
    assert call.status == "published" and call.needs_endorsement
    assert set(Call.objects.values_list("status", flat=True)) == {
        "draft",
        "in_review",
        "approved",
        "published",
    }
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "endorsed", "not_endorsed", "formal_passed", "formal_failed"}
    returned = Application.objects.get(status="formal_failed")
    assert returned.decision_reason and returned.findings.exists()
    # Every submitted application carries its required attachments, real PDFs.
    for app in Application.objects.exclude(status="draft"):
        assert not services.missing_attachments(app)
        att = app.attachments.first()
        assert att.file.read(5) == b"%PDF-"
    # The demo enterprise account sees its own; the district account has one to endorse.
    assert services.visible_applications(users["enterprise"]).exists()
    assert services.endorsement_queue(users["district"]).exists()
    assert set(Solicitation.objects.values_list("status", flat=True)) == {"open", "closed"}
    open_ideas = Idea.objects.filter(solicitation__status="open")
    assert {(i.source, i.status) for i in open_ideas} == {
        (s, st) for s in ("bottom_up", "top_down") for st in ("submitted", "adopted", "declined")
    }
    assert "氢能储运关键装备" in Call.objects.get(status="draft").topics


def test_public_guide_and_hidden_drafts(client, prog):
    r = client.get(reverse("programme_calls"))
    assert r.status_code == 200 and prog["call"].title in r.content.decode()
    assert client.get(reverse("programme_call_detail", args=[prog["call"].pk])).status_code == 200
    data = {k: getattr(prog["call"], k) for k in services.CALL_FIELDS}
    draft = services.save_call(prog["staff"], {**data, "title": "内部草稿通知"})
    assert client.get(reverse("programme_call_detail", args=[draft.pk])).status_code == 404
    client.force_login(prog["ent_user"])
    assert (
        client.post(reverse("programme_call_transition", args=[prog["call"].pk, "close"])).status_code == 403
    )
    prog["call"].refresh_from_db()
    assert prog["call"].status == "published"  # the refusal changed nothing


def test_apply_form_save_then_submit_and_export(client, prog):
    client.force_login(prog["ent_user"])
    url = reverse("programme_apply", args=[prog["call"].pk])
    form = {
        "title": GOOD["title"], "abstract": GOOD["abstract"], "requested_wan": "300", "months": "24",
        "f_leader": "张伟", "f_goals": "示范线", "f_staff": "12", "action": "save",
    }  # fmt: skip
    r = client.post(url, {**form, "requested_wan": "600"})
    assert r.status_code == 200 and "申请金额不能超过400万元" in r.content.decode()
    assert not Application.objects.exists()
    r = client.post(url, form)
    app = Application.objects.get()
    assert r.status_code == 302 and app.requested_yuan == 3_000_000 and app.form_data["staff"] == 12
    r = client.post(
        reverse("programme_application_edit", args=[app.pk]), {**form, "f_leader": "", "action": "submit"}
    )
    assert "“项目负责人”为必填项" in r.content.decode()
    r = client.post(reverse("programme_application_edit", args=[app.pk]), {**form, "action": "submit"})
    app.refresh_from_db()
    assert app.status == "submitted" and Application.objects.count() == 1
    r = client.get(reverse("programme_application_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "编号" and rows[1][4] == GOOD["title"] and rows[1][7] == "已提交"


def test_staff_formal_check_page(client, prog):
    app = services.submit(prog["ent_user"], services.save_draft(prog["ent_user"], prog["call"], GOOD))
    client.force_login(prog["staff"])
    client.post(reverse("programme_application_action", args=[app.pk, "check"]))
    page = client.get(reverse("programme_application_detail", args=[app.pk])).content.decode()
    assert "符合“高新技术企业认定”" in page and 'data-testid="pass"' in page
    client.post(reverse("programme_application_action", args=[app.pk, "return"]), {"reason": ""})
    app.refresh_from_db()
    assert app.status == "submitted"
    client.post(reverse("programme_application_action", args=[app.pk, "pass"]), {"reason": ""})
    app.refresh_from_db()
    assert app.status == "formal_passed"


def test_transition_log_shows_status_labels(client, prog):
    client.force_login(prog["staff"])
    page = client.get(reverse("programme_call_detail", args=[prog["call"].pk])).content.decode()
    assert "草稿 → 指南审核中" in page and "指南已审定 → 已发布" in page


def test_apply_form_takes_self_funding_in_wan_like_the_request(client, prog):
    """自筹资金 used to be in 元 beside a request in 万元: both are typed in 万元 now, stored in yuan."""
    client.force_login(prog["ent_user"])
    url = reverse("programme_apply", args=[prog["call"].pk])
    page = client.get(url).content.decode()
    assert "自筹资金（元）" not in page
    assert page.count('<span class="input-group-text">万元</span>') == 2
    form = {
        "title": GOOD["title"], "abstract": GOOD["abstract"], "requested_wan": "300", "months": "24",
        "f_leader": "张伟", "f_goals": "示范线", "f_self_funding_yuan": "1250.5", "action": "save",
    }  # fmt: skip
    assert client.post(url, form).status_code == 302
    app = Application.objects.get()
    assert app.requested_yuan == 3_000_000 and app.form_data["self_funding_yuan"] == 12_505_000
    edit = client.get(reverse("programme_application_edit", args=[app.pk])).content.decode()
    assert 'value="1250.5"' in edit and 'value="300"' in edit
    detail = client.get(reverse("programme_application_detail", args=[app.pk])).content.decode()
    assert "1,250.5 万元" in detail
