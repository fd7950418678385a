"""``kechuang programmes status``: counts per programme type and stage, as a table and as JSON."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from kechuang.programs import services
from kechuang.programs.models import Award, Bid, Challenge, ProgrammeType
from kechuang.programs.services import status
from tests.programs.conftest import GOOD

pytestmark = pytest.mark.django_db


def challenge(ptype, status_=Challenge.Status.POSTED, **fields) -> Challenge:
    import datetime as dt

    return Challenge.objects.create(
        programme_type=ptype, title=fields.pop("title", "榜单"), problem="问题", requirements="指标",
        bounty_yuan=Decimal(1_000_000), deadline=dt.date(2026, 12, 31), months=12, status=status_, **fields,
    )  # fmt: skip


def bid(ch, org, status_=Bid.Status.SUBMITTED) -> Bid:
    return Bid.objects.create(
        challenge=ch, organisation=org, leader="李明", plan="方案", requested_yuan=Decimal(1), months=6,
        status=status_,
    )  # fmt: skip


@pytest.fixture
def world(prog):
    ent = prog["ent_user"]
    services.submit(ent, services.save_draft(ent, prog["call"], GOOD))
    second = services.save_draft(ent, prog["call"], {**GOOD, "title": "第二个项目"})
    services.submit(ent, services.save_draft(ent, prog["call"], {**GOOD, "title": "第三个项目"}))
    Award.objects.create(
        application=second, call=prog["call"], amount_yuan=Decimal(1), status=Award.Status.CONTRACTED
    )
    challenge_type = ProgrammeType.objects.get(code="open_challenge")
    posted = challenge(challenge_type)
    challenge(challenge_type, Challenge.Status.RUNNING, title="赛马榜")
    loose = challenge(None, Challenge.Status.SELECTING, title="未归类榜")
    bid(posted, prog["e1"].organisation)
    bid(posted, prog["e2"].organisation, Bid.Status.WITHDRAWN)
    bid(loose, prog["e1"].organisation)
    return prog


def by_code(rows) -> dict:
    return {(r["type"].code if r["type"] else None): r for r in rows}


def test_counts_every_kind_per_type_and_unclassified_challenges(world):
    rows = by_code(status.status_counts())
    assert list(rows) == ["major_breakthrough", "major_transfer", "open_challenge", None]
    mb = rows["major_breakthrough"]
    assert mb["calls"]["published"] == 1 and sum(mb["calls"].values()) == 1
    assert mb["applications"]["submitted"] == 2 and mb["applications"]["draft"] == 1
    assert mb["awards"]["contracted"] == 1 and sum(mb["awards"].values()) == 1
    assert sum(mb["challenges"].values()) == 0 and sum(mb["bids"].values()) == 0
    oc = rows["open_challenge"]
    assert oc["challenges"] == {**dict.fromkeys(Challenge.Status.values, 0), "posted": 1, "running": 1}
    assert oc["bids"]["submitted"] == 1 and oc["bids"]["withdrawn"] == 1
    assert rows[None]["challenges"]["selecting"] == 1 and rows[None]["bids"]["submitted"] == 1
    assert sum(rows[None]["calls"].values()) == 0
    assert all(sum(v.values()) == 0 for k, v in rows["major_transfer"].items() if k != "type")


def test_no_unclassified_row_without_such_challenges(prog):
    rows = status.status_counts()
    assert [r["type"].code for r in rows] == ["major_breakthrough", "major_transfer", "open_challenge"]


def test_table_shows_non_zero_stages_with_labels_and_totals(world):
    out = io.StringIO()
    call_command("programmes", "status", stdout=out)
    text = out.getvalue()
    mb, rest = text.split("重大成果转化项目 [major_transfer]")
    transfer, rest = rest.split("揭榜挂帅项目 [open_challenge]")
    challenges, loose = rest.split("未归类的揭榜挂帅榜单")
    lines = {line.split()[0]: line for line in mb.splitlines()[1:]}
    assert "共 1" in lines["申报通知"] and "已发布 1" in lines["申报通知"] and "草稿 0" in lines["申报通知"]
    assert "指南审核中" not in lines["申报通知"]  # zero stages are left out (bar the first)
    assert "已提交 2" in lines["申报项目"] and "草稿 1" in lines["申报项目"] and "共 3" in lines["申报项目"]
    assert "已签订合同 1" in lines["立项项目"] and "公示中" not in lines["立项项目"]
    assert lines["揭榜榜单"].rstrip().endswith("无")
    assert "无" in transfer and "已发布" not in transfer
    assert "揭榜中 1" in challenges and "攻关中 1" in challenges and "已撤回 1" in challenges
    assert "遴选中 1" in loose and "已揭榜 1" in loose and "申报通知" not in loose
    # The columns line up: the stage cells start at the same place on every line.
    starts = {line.index("│") for line in text.splitlines() if "│" in line}
    assert len(starts) == 1


def test_json_output_for_machines(world):
    out = io.StringIO()
    call_command("programmes", "status", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [d["code"] for d in data] == ["major_breakthrough", "major_transfer", "open_challenge", None]
    assert data[0]["name"] == "重大技术攻关项目" and data[0]["applications"]["submitted"] == 2
    assert data[3]["name"] == "未归类" and data[3]["challenges"]["selecting"] == 1
    assert set(data[2]["bids"]) == set(Bid.Status.values)  # every stage, zeros included


def test_status_of_an_empty_database(db):
    out = io.StringIO()
    call_command("programmes", "status", "--json", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_width_counts_chinese_as_two_columns():
    assert status._width("草稿 0") == 6 and status._pad("ab", 4) == "ab  "
