"""Leaders decide the formal approval (正式立项) of awards whose notice is over, from their workbench
(issue 11, gap b)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kechuang.programs.models import Award, Objection
from kechuang.programs.services import awards as svc
from tests.programs.test_awards_support import end_notice, in_notice

pytestmark = pytest.mark.django_db
LABEL = "公示期满、待正式立项的项目"


def _todos(client, user) -> list[tuple[str, str, str]]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    found = re.findall(r'href="([^"]+)" data-testid="todo">\s*<span>([^<]+)</span>(.*?)</a>', html, re.S)
    return [(url, label.strip(), rest) for url, label, rest in found]


def test_the_leader_is_told_and_approves(client, city):
    leader = city["users"]["leader"]
    call, _apps = in_notice(city)
    assert not [t for t in _todos(client, leader) if t[1] == LABEL]  # the notice still runs
    end_notice(call)
    n = call.awards.filter(status=Award.Status.IN_NOTICE).count()
    ((url, _label, rest),) = [t for t in _todos(client, leader) if t[1] == LABEL]
    assert url == reverse("programme_call_awards", args=[call.pk]) and f"{n} 项" in rest
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert 'data-testid="approve-all"' in page and 'data-testid="start-notice"' not in page
    response = client.post(reverse("programme_call_award_action", args=[call.pk, "approve"]))
    assert response.status_code == 302
    assert call.awards.filter(status=Award.Status.APPROVED).count() == n
    assert not [t for t in _todos(client, leader) if t[1] == LABEL]


def test_an_open_objection_keeps_the_award_off_the_list(client, city):
    call, _apps = in_notice(city)
    end_notice(call)
    award = call.awards.filter(status=Award.Status.IN_NOTICE).first()
    Objection.objects.create(award=award, name="张三", contact="13800000000", text="申报材料不实")
    n = call.awards.filter(status=Award.Status.IN_NOTICE).count()
    assert svc.awaiting_approval().count() == n - 1


def test_only_leaders_and_city_staff_approve(city):
    call, _apps = in_notice(city)
    end_notice(call)
    award = call.awards.filter(status=Award.Status.IN_NOTICE).first()
    for role in ("district", "enterprise", "expert", "institute"):
        with pytest.raises(PermissionDenied):
            svc.approve(city["users"][role], award)
    assert svc.approve(city["users"]["leader"], award).status == Award.Status.APPROVED
