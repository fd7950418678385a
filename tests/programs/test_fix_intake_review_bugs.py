"""Regression tests for bugs found reviewing intake and review (issue 6); each failed before its fix."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.programs import services
from kechuang.programs.models import Application, Call
from kechuang.programs.services import review
from tests.programs.conftest import GOOD, snapshot
from tests.programs.test_intake import call_data, intake, pdf, submitted  # noqa: F401 (fixture)
from tests.programs.test_review_fixtures import locked_round, rv_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_long_file_name_keeps_its_extension(intake):  # noqa: F811
    """A name longer than the 200 stored characters was cut before the type check, losing ".pdf"."""
    user = intake["ent_user"]
    app = services.save_draft(user, intake["call"], GOOD)
    att = services.add_attachment(user, app, "plan", pdf("可行性研究报告" * 40 + ".pdf"))
    assert att.name.endswith(".pdf") and len(att.name) <= 200
    assert att.content_type == "application/pdf"


@pytest.mark.parametrize(
    "prop, required",
    [
        ({"type": "string", "title": "负责人", "maxLength": "很长"}, []),
        ({"type": "number", "title": "金额", "minimum": "零"}, []),
        ({"type": "integer", "title": "人数", "maximum": [5]}, []),
        ({"type": "string", "title": ["负责人"]}, []),
        ({"type": "string", "title": "负责人"}, [{"name": "leader"}]),
    ],
)
def test_schema_keywords_of_the_wrong_type_are_refused(intake, prop, required):  # noqa: F811
    """Such a schema used to be saved and then broke the apply page and the submit (500)."""
    staff = intake["staff"]
    before = snapshot()
    schema = {"type": "object", "required": required, "properties": {"leader": prop}}
    with pytest.raises(ValidationError) as exc:
        services.save_call(staff, call_data(form_schema=schema))
    assert "form_schema" in exc.value.message_dict
    assert snapshot() == before


def test_revise_clears_the_stale_endorsement(client, intake):  # noqa: F811
    """After 不予推荐 and revise, the page said 已推荐 with the refusal as the note."""
    user = intake["ent_user"]
    app = services.decline_endorsement(intake["users"]["district"], submitted(intake), "与本区产业布局不符")
    app = services.revise(user, app)
    assert app.endorsed_by_id is None and app.endorsement_note == ""
    client.force_login(user)
    page = client.get(reverse("programme_application_detail", args=[app.pk])).content.decode()
    assert "已推荐" not in page
    # The reason stays in the audit trail.
    assert "与本区产业布局不符" in page


def test_feedback_link_only_for_those_who_may_open_it(client, rv):
    """District staff saw a 评审意见 link that answers 404."""
    app = Application.objects.get(call=rv["call"], applicant=rv["e1"].organisation)
    Application.objects.filter(pk=app.pk).update(status=Application.Status.REVIEWED)
    url = reverse("programme_application_feedback", args=[app.pk])
    client.force_login(rv["users"]["district"])
    page = client.get(reverse("programme_application_detail", args=[app.pk])).content.decode()
    assert url not in page
    assert client.get(url).status_code == 404
    client.force_login(rv["users"]["enterprise"])
    assert url in client.get(reverse("programme_application_detail", args=[app.pk])).content.decode()


def test_an_entry_nobody_scored_does_not_advance(rv):
    """Closing early with missing reviews advanced unscored applications into the next round."""
    rnd = review.open_round(rv["staff"], locked_round(rv["staff"], rv["call"], advance=4))
    first = rnd.entries.order_by("pk").first()
    for seat in review.seats(rnd).filter(item=first.item).select_related("expert__user"):
        user = seat.expert.user
        review.declare(user, seat, conflict=False)
        seat.refresh_from_db()
        review.save_review(user, seat, {c["code"]: 8 for c in services.DEFAULT_RUBRIC}, "可行。", submit=True)
    review.close_round(rv["staff"], rnd, "部分专家未按期提交")
    entries = list(rnd.entries.select_related("application"))
    assert {e.pk for e in entries if e.advanced} == {first.pk}
    for e in entries:
        expected = Application.Status.IN_REVIEW if e.pk == first.pk else Application.Status.REVIEWED
        assert e.application.status == expected, (e.n_reviews, e.application.status)
    assert Call.objects.get(pk=rv["call"].pk).status == Call.Status.REVIEWING
