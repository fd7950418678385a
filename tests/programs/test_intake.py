"""Intake: guide drafting with internal review, attachments, co-applicants, district endorsement and
the formal check after it; permissions per role; nothing written on a refusal."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.policies.models import PolicyResult
from kechuang.programs import services
from kechuang.programs.demo import tiny_pdf
from kechuang.programs.models import Attachment, Call
from tests import factories as f
from tests.programs.conftest import GOOD, policy_result, snapshot

pytestmark = pytest.mark.django_db


def call_data(**changes):
    today = timezone.localdate()
    return {
        "programme_type": services.ProgrammeType.objects.get(code="major_breakthrough"),
        "year": 2026, "title": "2026年度重大技术攻关项目申报通知", "guide": "支持关键核心技术攻关。",
        "topics": ["新材料"], "eligibility": [], "budget_cap_yuan": Decimal(4_000_000),
        "opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=30), **changes,
    }  # fmt: skip


@pytest.fixture
def intake(city):
    """A published call needing endorsement and the default attachments; e1 (张店区) eligible."""
    services.seed_programme_types()
    policy_result(city["e1"], PolicyResult.Status.ELIGIBLE)
    f.facts(city["e1"], 2025, dishonest=False)
    users = city["users"]
    call = services.save_call(users["staff"], call_data())
    call = services.send_for_review(users["staff"], call)
    call = services.approve_call(users["leader"], call)
    call = services.publish_call(users["staff"], call)
    return {**city, "call": call, "staff": users["staff"], "ent_user": users["enterprise"]}


def pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf")


def docx_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def draft_with_files(ctx, user=None, kinds=("plan", "finance")):
    user = user or ctx["ent_user"]
    app = services.save_draft(user, ctx["call"], GOOD)
    for kind in kinds:
        services.add_attachment(user, app, kind, pdf(f"{kind}.pdf"))
    return app


def submitted(ctx, user=None):
    user = user or ctx["ent_user"]
    return services.submit(user, draft_with_files(ctx, user))


# ------------------------------------------------------------------------------------ rubric


def test_default_rubric_is_valid_and_new_calls_get_the_defaults(intake):
    assert services.check_rubric(services.DEFAULT_RUBRIC) == services.DEFAULT_RUBRIC
    assert sum(r["weight"] for r in services.DEFAULT_RUBRIC) == 100
    assert intake["call"].rubric == services.DEFAULT_RUBRIC
    assert [k["code"] for k in intake["call"].attachment_kinds] == ["plan", "finance", "agreement"]


@pytest.mark.parametrize(
    "rubric, words",
    [
        ([], "至少一项"),
        ("x", "至少一项"),
        ([{"code": "a", "name": "甲", "weight": 60, "max": 10}], "合计须为100，现为60"),
        ([{"code": "a", "name": "甲", "weight": 50, "max": 10}] * 2, "重复"),
        ([{"code": "A b", "name": "甲", "weight": 100, "max": 10}], "代码（code）"),
        ([{"code": "a", "name": "", "weight": 100, "max": 10}], "名称（name）"),
        ([{"code": "a", "name": "甲", "weight": 0, "max": 10}, {"code": "b", "name": "乙", "weight": 100, "max": 10}],
         "权重（weight）"),
        ([{"code": "a", "name": "甲", "weight": True, "max": 10}], "权重（weight）"),
        ([{"code": "a", "name": "甲", "weight": 100, "max": -1}], "满分（max）"),
        ([{"code": "a", "name": "甲", "weight": 100}], "满分（max）"),
        ([{"code": "a", "name": "甲", "weight": 100, "max": 10, "x": 1}], "未定义的键"),
        ([{"code": "a", "name": "甲", "weight": "12.5", "max": 10}], "现为12.5"),
    ],
)  # fmt: skip
def test_check_rubric_names_the_rule(rubric, words):
    with pytest.raises(ValidationError) as exc:
        services.check_rubric(rubric)
    assert list(exc.value.message_dict) == ["rubric"]
    assert words in exc.value.message_dict["rubric"][0]


def test_fractional_weights_summing_to_100_pass():
    rubric = [
        {"code": "a", "name": "甲", "weight": 33.5, "max": 10},
        {"code": "b", "name": "乙", "weight": "66.5", "max": 5},
    ]
    assert services.check_rubric(rubric) == rubric


def test_save_call_refuses_a_bad_rubric_or_attachment_kinds(intake):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.save_call(
            intake["staff"], call_data(rubric=[{"code": "a", "name": "甲", "weight": 90, "max": 10}])
        )
    assert "rubric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_call(
            intake["staff"],
            call_data(attachment_kinds=[{"code": "plan", "name": "甲"}, {"code": "plan", "name": "乙"}]),
        )
    assert "attachment_kinds" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_call(intake["staff"], call_data(total_budget_yuan=Decimal(1), notice_days=0))
    assert {"total_budget_yuan", "notice_days"} <= set(exc.value.message_dict)
    assert snapshot() == before


# ------------------------------------------------------------------------------- guide review


def test_guide_review_path_is_audited_and_notifies(city):
    services.seed_programme_types()
    staff, leader = city["users"]["staff"], city["users"]["leader"]
    call = services.save_call(staff, call_data())
    call = services.send_for_review(staff, call)
    assert Notification.objects.filter(user=leader, title__contains="指南待审核").exists()
    call = services.send_back(leader, call, "请补充考核指标")
    assert call.status == Call.Status.DRAFT
    assert Notification.objects.filter(user=staff, body="请补充考核指标").exists()
    call = services.save_call(staff, {"guide": "支持关键核心技术攻关，须明确考核指标。"}, call)
    call = services.send_for_review(staff, call)
    call = services.approve_call(leader, call, "同意")
    assert Notification.objects.filter(user=staff, title__contains="指南已审定").exists()
    call = services.publish_call(staff, call)
    assert [(t.action, t.actor) for t in call.transitions.order_by("pk")] == [
        ("send_for_review", staff), ("send_back", leader), ("send_for_review", staff), ("approve", leader),
        ("publish", staff),
    ]  # fmt: skip


def test_drafter_cannot_approve_own_guide_but_a_colleague_can(city):
    services.seed_programme_types()
    staff = city["users"]["staff"]
    colleague = f.user(f.Role.BUREAU_STAFF, "staff_2")
    call = services.send_for_review(staff, services.save_call(staff, call_data()))
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.approve_call(staff, call)
    assert "起草人" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.send_back(staff, call, "撤回")
    # Whoever sent the guide for review drafted it too, even if someone else created it.
    for role in ("enterprise", "district", "expert", "institute"):
        with pytest.raises(PermissionDenied):
            services.approve_call(city["users"][role], call)
    assert snapshot() == before
    assert services.approve_call(colleague, call).status == Call.Status.APPROVED


def test_sender_counts_as_drafter(city):
    services.seed_programme_types()
    creator, sender = city["users"]["staff"], f.user(f.Role.BUREAU_STAFF, "staff_2")
    call = services.send_for_review(sender, services.save_call(creator, call_data()))
    with pytest.raises(PermissionDenied):
        services.approve_call(sender, call)
    assert services.approve_call(city["users"]["admin"], call).status == "approved"


def test_guide_review_refusals_change_nothing(city):
    services.seed_programme_types()
    staff, leader = city["users"]["staff"], city["users"]["leader"]
    call = services.save_call(staff, call_data())
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.publish_call(staff, call)  # a draft is never published directly
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.approve_call(leader, call)  # not sent yet
    with pytest.raises(PermissionDenied):
        services.send_for_review(leader, call)  # leaders read, staff draft
    assert snapshot() == before
    call = services.send_for_review(staff, call)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.send_back(leader, call, "  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_call(staff, {"title": "改"}, call)  # under review: no edits
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.publish_call(staff, call)
    assert snapshot() == before


def test_guides_under_review_are_hidden_from_applicants(city):
    services.seed_programme_types()
    staff = city["users"]["staff"]
    call = services.send_for_review(staff, services.save_call(staff, call_data()))
    assert not services.visible_calls(city["users"]["enterprise"]).filter(pk=call.pk).exists()
    assert services.visible_calls(city["users"]["leader"]).filter(pk=call.pk).exists()


# ------------------------------------------------------------------------------- attachments


def test_institutes_apply_and_name_co_applicants(intake):
    inst_user = intake["users"]["institute"]
    app = services.save_draft(inst_user, intake["call"], GOOD, co_applicants=[intake["e1"].organisation])
    assert app.applicant == intake["uni"] and list(app.co_applicants.all()) == [intake["e1"].organisation]
    other = f.institute(intake["zd"], "其他大学")
    other.kind = "other"
    other.save()
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.save_draft(inst_user, intake["call"], GOOD, app, co_applicants=[other])
    assert "co_applicants" in exc.value.message_dict
    assert snapshot() == before


def test_attachment_is_stored_with_its_checksum(intake):
    import hashlib

    app = services.save_draft(intake["ent_user"], intake["call"], GOOD)
    att = services.add_attachment(intake["ent_user"], app, "plan", pdf("可研报告.pdf"))
    assert att.sha256 == hashlib.sha256(tiny_pdf()).hexdigest()
    assert att.name == "可研报告.pdf" and att.content_type == "application/pdf"
    assert att.file.name.endswith(f"{att.sha256}.pdf")
    docx = services.add_attachment(
        intake["ent_user"], app, "agreement", SimpleUploadedFile("协议.docx", docx_bytes())
    )
    assert docx.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("plan.pdf", b"MZ\x90\x00 this is an exe", "文件内容与扩展名"),
        ("plan.png", tiny_pdf(), "文件内容与扩展名"),
        ("plan.docx", b"PK\x03\x04not really a zip", "文件内容与扩展名"),
        ("plan.xlsx", docx_bytes(), "文件内容与扩展名"),  # a Word zip renamed .xlsx
        ("plan.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("plan", tiny_pdf(), "不支持的文件类型"),
        ("plan.pdf", b"", "文件为空"),
    ],
)
def test_attachment_type_is_checked_by_extension_and_magic_bytes(intake, name, content, words):
    app = services.save_draft(intake["ent_user"], intake["call"], GOOD)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(intake["ent_user"], app, "plan", SimpleUploadedFile(name, content))
    assert words in exc.value.message_dict["file"][0]
    assert snapshot() == before and not Attachment.objects.exists()


def test_attachment_size_limit(intake, settings):
    settings.PROGRAMME_ATTACHMENT_MAX_BYTES = 1024
    app = services.save_draft(intake["ent_user"], intake["call"], GOOD)
    big = tiny_pdf() + b"%" * 1024
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(intake["ent_user"], app, "plan", SimpleUploadedFile("a.pdf", big))
    assert "不能超过" in exc.value.message_dict["file"][0]
    assert not Attachment.objects.exists()
    settings.PROGRAMME_ATTACHMENT_MAX_BYTES = len(big)
    assert services.add_attachment(intake["ent_user"], app, "plan", SimpleUploadedFile("a.pdf", big))


def test_attachment_kind_owner_and_status_rules(intake):
    user = intake["ent_user"]
    app = services.save_draft(user, intake["call"], GOOD)
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(user, app, "photo", pdf())
    assert "kind" in exc.value.message_dict
    services.add_attachment(user, app, "plan", pdf())
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(user, app, "plan", pdf())  # the same file twice
    assert "file" in exc.value.message_dict
    other = f.user(f.Role.ENTERPRISE, "ent_other", organisation=intake["e2"].organisation)
    for who in (other, intake["staff"], intake["users"]["district"]):
        with pytest.raises(PermissionDenied):
            services.add_attachment(who, app, "finance", pdf("f.pdf"))
    assert Attachment.objects.count() == 1


def test_required_attachments_are_needed_to_submit_and_frozen_after(intake):
    user = intake["ent_user"]
    app = draft_with_files(intake, kinds=("plan",))
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.submit(user, app)
    assert "近一年财务审计报告" in exc.value.message_dict["attachments"][0]
    assert snapshot() == before
    fin = services.add_attachment(user, app, "finance", pdf("fin.pdf"))
    services.delete_attachment(user, fin)
    with pytest.raises(ValidationError):
        services.submit(user, app)
    fin = services.add_attachment(user, app, "finance", pdf("fin.pdf"))
    app = services.submit(user, app)
    with pytest.raises(ValidationError) as exc:
        services.delete_attachment(user, fin)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.add_attachment(user, app, "agreement", pdf("agr.pdf"))
    assert app.attachments.count() == 2


def test_attachment_download_scope(client, intake):
    app = draft_with_files(intake)
    att = app.attachments.first()
    url = reverse("programme_attachment_download", args=[att.pk])
    for who, code in [
        ("enterprise", 200), ("staff", 200), ("leader", 200), ("district", 200), ("other_district", 404),
        ("expert", 403),  # not on a panel for it (see test_review_attachments.py)
    ]:  # fmt: skip
        client.force_login(intake["users"][who])
        r = client.get(url)
        assert r.status_code == code, who
        if code == 200:
            assert b"".join(r.streaming_content).startswith(b"%PDF-")
    other = f.user(f.Role.ENTERPRISE, "ent_other", organisation=intake["e2"].organisation)
    with pytest.raises(Http404):
        services.get_attachment(other, att.pk)
    with pytest.raises(PermissionDenied):
        services.get_attachment(intake["users"]["expert"], att.pk)


def test_upload_page_refuses_a_fake_pdf(client, intake):
    app = services.save_draft(intake["ent_user"], intake["call"], GOOD)
    client.force_login(intake["ent_user"])
    url = reverse("programme_attachment_upload", args=[app.pk])
    r = client.post(url, {"kind": "plan", "file": SimpleUploadedFile("x.pdf", b"GIF89a")})
    assert r.status_code == 400 and "文件内容与扩展名" in r.content.decode()
    assert not Attachment.objects.exists()
    r = client.post(url, {"kind": "plan", "file": pdf()})
    assert r.status_code == 302 and Attachment.objects.count() == 1
    page = client.get(reverse("programme_application_edit", args=[app.pk])).content.decode()
    assert "plan.pdf" in page and "近一年财务审计报告" in page  # listed, and the missing kind named


# ------------------------------------------------------------------------------- endorsement


def test_submit_notifies_the_district_and_endorsement_is_audited(intake):
    district = intake["users"]["district"]
    app = submitted(intake)
    assert Notification.objects.filter(user=district, title__contains="待推荐").exists()
    assert not Notification.objects.filter(user=intake["users"]["other_district"]).exists()
    assert list(services.endorsement_queue(district)) == [app]
    assert not services.endorsement_queue(intake["users"]["other_district"]).exists()
    mail.outbox.clear()
    app = services.endorse(district, app, "同意推荐")
    assert (app.status, app.endorsed_by, app.endorsement_note) == ("endorsed", district, "同意推荐")
    last = app.transitions.last()
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "endorse",
        "submitted",
        "endorsed",
        district,
    )
    assert Notification.objects.filter(user=intake["ent_user"], title__contains="区县已推荐").exists()
    assert not services.endorsement_queue(district).exists()


def test_endorsement_permissions_and_refusals(intake):
    app = submitted(intake)
    before = snapshot()
    for who in ("other_district", "staff", "leader", "enterprise", "expert", "admin"):
        with pytest.raises(PermissionDenied):
            services.endorse(intake["users"][who], app)
        with pytest.raises(PermissionDenied):
            services.decline_endorsement(intake["users"][who], app, "不推荐")
    with pytest.raises(ValidationError) as exc:
        services.decline_endorsement(intake["users"]["district"], app, "")
    assert "reason" in exc.value.message_dict
    # The formal check waits for the endorsement.
    with pytest.raises(ValidationError) as exc:
        services.formal_check(intake["staff"], app)
    assert "status" in exc.value.message_dict
    assert snapshot() == before


def test_declined_endorsement_goes_back_to_the_applicant(intake):
    user = intake["ent_user"]
    app = submitted(intake)
    app = services.decline_endorsement(intake["users"]["district"], app, "与本区产业布局不符")
    assert app.status == "not_endorsed" and app.endorsement_note == "与本区产业布局不符"
    with pytest.raises(ValidationError):
        services.formal_check(intake["staff"], app)
    with pytest.raises(ValidationError):
        services.endorse(intake["users"]["district"], app)
    app = services.revise(user, app)
    app = services.submit(user, app)
    assert [t.action for t in app.transitions.all()] == ["submit", "decline_endorsement", "revise", "submit"]


def test_endorsement_refused_when_the_call_needs_none(intake):
    Call.objects.filter(pk=intake["call"].pk).update(needs_endorsement=False)
    app = submitted(intake)
    with pytest.raises(ValidationError) as exc:
        services.endorse(intake["users"]["district"], app)
    assert "无须区县推荐" in exc.value.message_dict["status"][0]
    assert not Notification.objects.filter(user=intake["users"]["district"]).exists()
    assert services.formal_check(intake["staff"], app)


def test_formal_check_after_endorsement_and_applicant_told(intake):
    app = services.endorse(intake["users"]["district"], submitted(intake))
    findings = services.formal_check(intake["staff"], app)
    assert all(x.ok for x in findings), [x.text for x in findings if not x.ok]
    app = services.decide(intake["staff"], app, "pass")
    assert app.status == "formal_passed"
    assert Notification.objects.filter(user=intake["ent_user"], title__contains="形式审查通过").exists()
    assert [t.action for t in app.transitions.all()] == ["submit", "endorse", "pass"]


# ---------------------------------------------------------------------------------- pages


def rows(prefix: str, items: list[dict]) -> dict:
    """What the browser posts from a row editor (a Django formset) holding ``items``."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, item in enumerate(items):
        data.update({f"{prefix}-{i}-{k}": v for k, v in item.items()})
    return data


def test_call_edit_page_and_review_buttons(client, city):
    services.seed_programme_types()
    staff, leader = city["users"]["staff"], city["users"]["leader"]
    call = services.save_call(staff, call_data())
    client.force_login(staff)
    page = client.get(reverse("programme_call_detail", args=[call.pk])).content.decode()
    assert 'data-testid="send-for-review"' in page and 'data-testid="publish-call"' not in page
    r = client.get(reverse("programme_call_edit", args=[call.pk]))
    assert r.status_code == 200 and "技术创新性" in r.content.decode()
    form = {
        "programme_type": call.programme_type_id, "year": 2026, "title": "改过的通知", "guide": "指南",
        "topics": "新材料", "budget_cap_wan": "400", "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(), "notice_days": "7", "needs_endorsement": "on",
        **rows("rubric", [{"code": "a", "name": "甲", "weight": "90", "max": "10"}]), **rows("kinds", []),
        **rows("fields", [{"code": "a", "kind": "textarea", "title": "甲"}]),
    }  # fmt: skip
    r = client.post(reverse("programme_call_edit", args=[call.pk]), form)
    assert r.status_code == 200 and "权重合计须为100，现为90" in r.content.decode()
    form["rubric-0-weight"] = "100"
    r = client.post(reverse("programme_call_edit", args=[call.pk]), form)
    call.refresh_from_db()
    assert r.status_code == 302 and call.title == "改过的通知" and call.notice_days == 7
    assert call.schema_version == 2 and call.attachment_kinds == []
    client.post(reverse("programme_call_transition", args=[call.pk, "send_for_review"]))
    page = client.get(reverse("programme_call_detail", args=[call.pk])).content.decode()
    assert 'data-testid="approve-call"' not in page  # the drafter sees no approve button
    assert client.post(reverse("programme_call_transition", args=[call.pk, "approve"])).status_code == 403
    client.force_login(leader)
    page = client.get(reverse("programme_call_detail", args=[call.pk])).content.decode()
    assert 'data-testid="approve-call"' in page
    client.post(reverse("programme_call_transition", args=[call.pk, "send_back"]), {"reason": ""})
    call.refresh_from_db()
    assert call.status == "in_review"
    client.post(reverse("programme_call_transition", args=[call.pk, "approve"]), {"reason": "同意"})
    call.refresh_from_db()
    assert call.status == "approved"
    assert client.get(reverse("programme_call_edit", args=[call.pk])).status_code == 403  # leaders read only


def test_application_detail_shows_intake_and_endorse_buttons(client, intake):
    app = services.save_draft(intake["ent_user"], intake["call"], GOOD, co_applicants=[intake["uni"]])
    for kind in ("plan", "finance"):
        services.add_attachment(intake["ent_user"], app, kind, pdf(f"{kind}.pdf"))
    app = services.submit(intake["ent_user"], app)
    url = reverse("programme_application_detail", args=[app.pk])
    client.force_login(intake["users"]["district"])
    page = client.get(url).content.decode()
    assert 'data-testid="endorse"' in page and "山东理工大学" in page and "finance.pdf" in page
    assert client.get(reverse("programme_endorsements")).content.decode().count(app.title) == 1
    client.force_login(intake["users"]["other_district"])
    assert client.get(url).status_code == 404
    client.force_login(intake["staff"])
    page = client.get(url).content.decode()
    assert 'data-testid="run-check"' not in page and 'data-testid="awaiting-endorsement"' in page
    assert 'data-testid="pdf-link"' in page and 'data-testid="feedback-link"' not in page
    client.force_login(intake["users"]["district"])
    client.post(reverse("programme_application_action", args=[app.pk, "decline_endorsement"]), {"reason": ""})
    app.refresh_from_db()
    assert app.status == "submitted"
    client.post(reverse("programme_application_action", args=[app.pk, "endorse"]), {"reason": "同意"})
    app.refresh_from_db()
    assert app.status == "endorsed" and app.endorsement_note == "同意"
    client.force_login(intake["staff"])
    assert 'data-testid="run-check"' in client.get(url).content.decode()
    client.force_login(intake["ent_user"])
    page = client.get(url).content.decode()
    assert 'data-testid="pdf-link"' not in page and "同意" in page
