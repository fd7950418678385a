"""Downloading an application pack is recorded in the audit of reads."""

from django.urls import reverse

from kechuang.core.models import AccessLog
from kechuang.programs import services

from .conftest import GOOD


def test_application_pack_download_is_recorded(client, prog):
    app = services.submit(prog["ent_user"], services.save_draft(prog["ent_user"], prog["call"], GOOD))
    client.force_login(prog["staff"])
    assert client.get(reverse("programme_application_pdf", args=[app.pk])).status_code == 200
    log = AccessLog.objects.get(kind=AccessLog.Kind.DOWNLOAD)
    assert (log.user, log.object_type, log.object_id) == (prog["staff"], "programs.application", str(app.pk))
