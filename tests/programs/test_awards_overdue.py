"""A contract milestone past its due date and not done is flagged on the award page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.programs.models import Milestone
from kechuang.programs.services import awards as svc
from tests.programs.test_awards_support import approved, contract

pytestmark = pytest.mark.django_db


def test_overdue_milestone_is_flagged(client, city):
    staff = city["users"]["staff"]
    _call, apps = approved(city)
    award = apps[0].award_record
    svc.sign(staff, award, **contract(award))
    client.force_login(staff)
    url = reverse("programme_award_detail", args=[award.pk])
    assert 'data-testid="overdue"' not in client.get(url).content.decode()
    Milestone.objects.filter(award=award, seq=1).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    page = client.get(url).content.decode()
    assert page.count('data-testid="overdue"') == 1 and "待完成" in page
