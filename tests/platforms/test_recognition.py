"""Recognition runs on the programmes' machinery; the approved award creates, activates or raises the
platform, once."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from kechuang.platforms import services
from kechuang.platforms.models import CarrierStatus, Level, Platform
from kechuang.programs.models import Award, ProgrammeType, Transition
from kechuang.programs.services import awards

from . import builders as b

pytestmark = pytest.mark.django_db


def test_recognition_call_is_a_programme_call_of_kind_recognition(city):
    call = b.recognition_call(city)
    assert call.programme_type.kind == ProgrammeType.Kind.RECOGNITION
    assert "platform_kind" in call.form_schema["properties"]
    assert call.status == "published"


def test_approved_award_creates_the_active_platform_with_its_audit(city):
    platform = b.recognised(city)
    assert platform.status == CarrierStatus.ACTIVE
    assert platform.host_id == city["e1"].pk
    assert platform.kind == Platform.Kind.ENTERPRISE_RD and platform.level == Level.CITY
    assert platform.staff == 36 and platform.equipment_yuan == Decimal("12800000")
    assert platform.recognised_on is not None and platform.document
    trail = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Platform), object_id=platform.pk
    )
    assert [t.action for t in trail] == ["recognise"]
    assert trail[0].actor == city["users"]["staff"]


def test_award_approval_is_idempotent_for_the_platform(city):
    platform = b.recognised(city)
    award = Award.objects.get(pk=platform.award_id)
    assert services.recognise_from_award(award) is None
    assert Platform.objects.count() == 1


def test_a_proposed_award_creates_nothing(city):
    call = b.recognition_call(city)
    app = b.applied(city, call)
    call, app = b.reviewed(city, call, app)
    awards.propose_awards(city["users"]["staff"], call, total_budget_yuan=Decimal(1_000_000))
    assert not Platform.objects.exists()


def test_pending_platform_is_activated_and_raised(city):
    pending = b.platform(city["e1"].organisation, name=b.FORM["platform_name"], status=CarrierStatus.PENDING)
    form = {**b.FORM, "level": "省级"}
    platform = b.recognised(city, form)
    assert platform.pk == pending.pk
    assert platform.status == CarrierStatus.ACTIVE and platform.level == Level.PROVINCIAL


def test_other_programmes_awards_create_no_platform(city):
    from tests.programs.test_awards_support import approved

    approved(city)
    assert Award.objects.filter(status=Award.Status.APPROVED).exists()
    assert not Platform.objects.exists()
