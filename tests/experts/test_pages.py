"""Pages and API: who sees what, who may run rounds, and the expert's declaration before opening."""

import re

import pytest
from django.urls import reverse

from kechuang.experts import services
from kechuang.experts.models import Assignment, Expert, SelectionRound
from tests import factories as f

from . import builders as b


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def locked_round(city):
    """A locked round where the test expert user sits on one panel and another expert on the other."""
    zd, zc = city["zd"], city["zc"]
    mine = b.expert(zd, user=city["users"]["expert"], name="我自己")
    other_user = f.user(f.Role.EXPERT, "expert_other")
    b.expert(zc, user=other_user, name="别人")
    rnd = b.round_(2, district=zd, rule=SelectionRound.Rule.OPTIMAL, per_item=1, max_load=1)
    services.start_run(city["users"]["staff"], rnd)
    rnd.refresh_from_db()
    services.lock_round(city["users"]["staff"], rnd)
    return {"round": rnd, "mine": mine, "other_user": other_user}


def test_expert_list_search_and_scope(client, city):
    b.expert(city["zd"], name="张店专家", field=0)
    b.expert(city["zc"], name="淄川专家", field=1)
    login(client, city["users"]["staff"])
    page = client.get(reverse("expert_list"), {"q": "专家", "field": "430"}).content.decode()
    assert "张店专家" in page and "淄川专家" not in page
    login(client, city["users"]["district"])
    page = client.get(reverse("expert_list")).content.decode()
    assert "张店专家" in page and "淄川专家" not in page
    export = client.get(reverse("expert_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    for role in ("enterprise", "institute", "expert"):
        login(client, city["users"][role])
        assert client.get(reverse("expert_list")).status_code == 403


@pytest.mark.parametrize("role", ["district", "enterprise", "institute", "expert", "leader"])
def test_only_city_staff_create_and_run_rounds(client, city, role):
    b.experts(city["zd"], 4)
    rnd = b.round_(2)
    login(client, city["users"][role])
    assert client.post(reverse("expert_round_new"), {"name": "x"}).status_code == 403
    assert client.post(reverse("expert_round_run", args=[rnd.pk])).status_code == 403
    assert client.post(reverse("expert_round_lock", args=[rnd.pk])).status_code == 403
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.DRAFT and not rnd.assignments.exists()


def test_staff_create_run_lock_and_pdf(client, city):
    b.experts(city["zd"], 8)
    login(client, city["users"]["staff"])
    response = client.post(
        reverse("expert_round_new"),
        {"name": "2025年度测试评审", "rule": "draw", "per_item": 2, "min_load": 0, "max_load": 2,
         "max_probability": "0.5", "reserves": 0, "collab_years": 3, "seed": 11},
    )  # fmt: skip
    rnd = SelectionRound.objects.get()
    assert response.status_code == 302
    header = "编号,项目名称,项目简介,申报单位,所属区县,项目组成员\n"
    rows = "".join(f"A{k},陶瓷项目{k},先进陶瓷烧结,企业{k},张店区,张三{k}（企业{k}）\n" for k in range(3))
    upload = (header + rows).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("expert_round_items", args=[rnd.pk]), {"file": SimpleUploadedFile("i.csv", upload)})
    assert rnd.items.count() == 3
    client.post(reverse("expert_round_run", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.DONE, rnd.messages
    page = client.get(reverse("expert_round", args=[rnd.pk])).content.decode()
    assert page.count('data-testid="panel-expert"') == 6
    pdf = client.get(reverse("expert_round_pdf", args=[rnd.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.post(reverse("expert_round_replay", args=[rnd.pk])).status_code == 302
    client.post(reverse("expert_round_lock", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.LOCKED
    api = client.get(f"/api/experts/rounds/{rnd.pk}/panels").json()
    assert len(api["panels"]) == 3 and all(len(p["panel"]) == 2 for p in api["panels"])


def test_expert_sees_only_own_assignments_and_declares_first(client, city, locked_round):
    mine = Assignment.objects.get(expert=locked_round["mine"])
    theirs = Assignment.objects.exclude(pk=mine.pk).get(reserve=False)
    login(client, city["users"]["expert"])
    page = client.get(reverse("expert_my_assignments")).content.decode()
    assert mine.item.title in page and theirs.item.title not in page
    assert client.get(reverse("expert_my_item", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("expert_my_declare", args=[theirs.pk]), {"conflict": "0"}).status_code == 404
    # Not yet declared: the item's text is withheld.
    response = client.get(reverse("expert_my_item", args=[mine.pk]))
    assert response.status_code == 302 and response.url == reverse("expert_my_assignments")
    client.post(reverse("expert_my_declare", args=[mine.pk]), {"conflict": "0"})
    page = client.get(reverse("expert_my_item", args=[mine.pk])).content.decode()
    assert mine.item.text in page
    api = client.get("/api/experts/me/assignments").json()
    assert [a["id"] for a in api] == [mine.pk] and api[0]["declaration"] == "no_conflict"
    assert client.get(f"/api/experts/rounds/{mine.round_id}/panels").status_code == 403
    assert client.get("/api/experts/").status_code == 403


def test_declared_conflict_needs_reason_and_blocks_opening(client, city, locked_round):
    mine = Assignment.objects.get(expert=locked_round["mine"])
    login(client, city["users"]["expert"])
    client.post(reverse("expert_my_declare", args=[mine.pk]), {"conflict": "1", "note": ""})
    mine.refresh_from_db()
    assert mine.declaration == Assignment.Declaration.PENDING
    client.post(reverse("expert_my_declare", args=[mine.pk]), {"conflict": "1", "note": "与申报人为师生关系"})
    mine.refresh_from_db()
    assert mine.declaration == Assignment.Declaration.CONFLICT
    assert client.get(reverse("expert_my_item", args=[mine.pk])).status_code == 302
    assert city["users"]["staff"].notifications.filter(title__contains="声明回避").exists()


def test_expert_edits_own_profile_and_staff_approve(client, city):
    me = b.expert(city["zd"], user=city["users"]["expert"])
    login(client, city["users"]["expert"])
    response = client.post(
        reverse("expert_my_profile"),
        {
            "title": "senior",
            "keywords": "陶瓷、涂层",
            "achievements": "",
            "disciplines": "430",
            "industries": "C30x",
        },
    )
    assert response.status_code == 200 and "行业代码" in response.content.decode()
    client.post(
        reverse("expert_my_profile"),
        {
            "title": "senior",
            "keywords": "陶瓷、涂层",
            "achievements": "",
            "disciplines": "430",
            "industries": "C30",
        },
    )
    me.refresh_from_db()
    assert me.keywords == "陶瓷、涂层" and me.status == Expert.Status.PENDING
    assert client.post(reverse("expert_detail", args=[me.pk]), {"action": "approve"}).status_code == 403
    login(client, city["users"]["staff"])
    client.post(reverse("expert_detail", args=[me.pk]), {"action": "approve"})
    me.refresh_from_db()
    assert me.status == Expert.Status.APPROVED and me.history.count() >= 3


def test_api_search_for_staff(client, city):
    b.expert(city["zd"], name="陶瓷专家", field=0)
    login(client, city["users"]["staff"])
    data = client.get("/api/experts/", {"q": "陶瓷"}).json()
    assert data["count"] == 1 and data["items"][0]["name"] == "陶瓷专家"
    login(client, city["users"]["enterprise"])
    assert client.get("/api/experts/").status_code == 403


def test_home_panels(client, city, locked_round):
    login(client, city["users"]["staff"])
    assert 'data-testid="panel-experts"' in client.get("/").content.decode()
    login(client, city["users"]["expert"])
    assert 'data-testid="panel-my-reviews"' in client.get("/").content.decode()


def test_staff_replace_from_the_page(client, city, locked_round):
    mine = Assignment.objects.get(expert=locked_round["mine"])
    rnd = locked_round["round"]
    login(client, city["users"]["enterprise"])
    url = reverse("expert_round_replace", args=[rnd.pk, mine.pk])
    assert client.post(url, {"reason": "声明回避"}).status_code == 403
    # Both experts of the round's pool are at their maximum load: nobody can fill in, nothing changes.
    login(client, city["users"]["staff"])
    page = client.post(url, {"reason": "声明回避"}, follow=True).content.decode()
    assert "找不到可替换" in page
    mine.refresh_from_db()
    assert not mine.withdrawn
    rnd.max_load = 2
    rnd.save()
    record = rnd.draw_records.get()
    record.inputs["max_load"] = [2] * len(record.inputs["expert_ids"])
    record.save()
    client.post(url, {"reason": "声明回避"})
    mine.refresh_from_db()
    assert mine.withdrawn
    assert Assignment.objects.filter(replaces=mine, reserve=False).exclude(expert=mine.expert).exists()
    login(client, city["users"]["expert"])
    assert client.get(reverse("expert_my_item", args=[mine.pk])).status_code == 302


def test_progress_card_polls_while_running_and_refreshes_when_done(client, city):
    rnd = b.round_(1, status=SelectionRound.Status.RUNNING, stage="计算专家匹配度", progress_done=2)
    login(client, city["users"]["staff"])
    response = client.get(reverse("expert_round_status", args=[rnd.pk]))
    assert 'hx-trigger="every 1s"' in response.content.decode() and "HX-Refresh" not in response
    assert "计算专家匹配度" in client.get(reverse("expert_round", args=[rnd.pk])).content.decode()
    SelectionRound.objects.filter(pk=rnd.pk).update(status=SelectionRound.Status.DONE)
    assert client.get(reverse("expert_round_status", args=[rnd.pk]))["HX-Refresh"] == "true"


def test_task_runs_only_a_queued_round(city):
    from kechuang.experts.tasks import run_round_task

    b.experts(city["zd"], 4)
    rnd = b.round_(1)
    run_round_task(rnd.pk, None)
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.DRAFT and not rnd.assignments.exists()


def test_expert_declares_an_organisation_and_it_is_avoided(client, city):
    me = b.expert(city["zd"], user=city["users"]["expert"])
    b.experts(city["zd"], 3)
    login(client, city["users"]["expert"])
    client.post(
        reverse("expert_my_profile"), {"action": "declare", "organisation": "申报企业1", "reason": ""}
    )
    assert not me.declared_conflicts.exists()
    client.post(
        reverse("expert_my_profile"), {"action": "declare", "organisation": "申报企业1", "reason": "兼职顾问"}
    )
    assert me.declared_conflicts.get().organisation_name == "申报企业1"
    rnd = b.round_(2, district=city["zd"], per_item=1, max_load=2, max_probability="1")
    services.start_run(city["users"]["staff"], rnd)
    finding = rnd.conflicts.get(expert=me)
    assert finding.item.applicant_name == "申报企业1" and "兼职顾问" in finding.text


def test_import_page_shows_and_offers_the_report(client, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, city["users"]["staff"])
    assert client.get(reverse("expert_template")).status_code == 200
    bad = "姓名,工作单位,职称\n王建国,山东理工大学,教授\n".encode()
    page = client.post(reverse("expert_import"), {"file": SimpleUploadedFile("e.csv", bad)}).content.decode()
    assert "第2行" in page and "正高级" in page and not Expert.objects.exists()
    run_id = re.search(r"/experts/import/(\d+)/report\.xlsx", page).group(1)
    report = client.get(reverse("expert_import_report", args=[int(run_id)]))
    assert report.status_code == 200
    good = "姓名,工作单位,职称\n王建国,山东理工大学,正高级\n".encode()
    page = client.post(reverse("expert_import"), {"file": SimpleUploadedFile("e.csv", good)}).content.decode()
    assert 'data-testid="import-summary"' in page and Expert.objects.count() == 1
    login(client, city["users"]["district"])
    assert client.get(reverse("expert_import_report", args=[int(run_id)])).status_code == 403


def test_expert_applies_for_entry_and_staff_approve(client, city):
    login(client, city["users"]["expert"])
    page = client.get(reverse("expert_my_profile")).content.decode()
    assert "申请加入专家库" in page
    client.post(
        reverse("expert_my_profile"),
        {"name": "新专家", "organisation_name": "山东理工大学", "district": city["zd"].pk, "title": "senior",
         "keywords": "先进陶瓷", "achievements": "", "disciplines": "430", "industries": ""},
    )  # fmt: skip
    me = Expert.objects.get(user=city["users"]["expert"])
    assert me.status == Expert.Status.PENDING and me.organisation == city["uni"]
    assert list(me.fields.values_list("code", flat=True)) == ["430"]
    assert me not in services.selection.selectable_experts()
    login(client, city["users"]["enterprise"])
    assert client.get(reverse("expert_my_profile")).status_code == 403
