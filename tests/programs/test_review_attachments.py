"""A reviewer reads the attachments of an application on their own panel seat, once they have
declared no conflict, and never in a blind review; nobody else on the expert side reads them."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from kechuang.programs.models import Attachment, Call
from kechuang.programs.services import review
from tests.programs.test_review_fixtures import open_round, rv_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% feasibility report\n"


def _seat_and_file(rv):
    rnd = open_round(rv)
    seat = review.seats(rnd).select_related("expert__user", "item__programme_entry__application").first()
    app = seat.item.programme_entry.application
    att = Attachment(
        application=app, kind="plan", name="可行性研究报告.pdf", size=len(PDF),
        content_type="application/pdf", sha256=hashlib.sha256(PDF).hexdigest(),
    )  # fmt: skip
    att.file.save("plan.pdf", ContentFile(PDF), save=False)
    att.save()
    return rnd, seat, att


def test_reviewer_reads_attachments_only_after_declaring(client, rv):
    rnd, seat, att = _seat_and_file(rv)
    url = reverse("programme_attachment_download", args=[att.pk])
    client.force_login(seat.expert.user)
    assert client.get(url).status_code == 403  # not declared yet
    review.declare(seat.expert.user, seat, conflict=False)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    page = client.get(reverse("programme_review_score", args=[seat.item.programme_entry.pk])).content.decode()
    assert url in page
    # An expert with no seat on this application reads nothing.
    others = (
        review.seats(rnd).exclude(item=seat.item).exclude(expert=seat.expert).select_related("expert__user")
    )
    stranger = next(
        s.expert.user
        for s in others
        if not s.item.assignments.filter(expert=s.expert, item=seat.item).exists()
    )
    client.force_login(stranger)
    assert client.get(url).status_code == 403


def test_blind_review_keeps_the_files_from_reviewers(client, rv):
    Call.objects.filter(pk=rv["call"].pk).update(blind_review=True)
    _rnd, seat, att = _seat_and_file(rv)
    review.declare(seat.expert.user, seat, conflict=False)
    client.force_login(seat.expert.user)
    assert client.get(reverse("programme_attachment_download", args=[att.pk])).status_code == 403
