"""Imports cut off by a crash: an ImportRun left "running" when its process died (a restart, an out-of-
memory kill) is marked refused with the reason, so that nobody waits for it for ever.

An import's write is one transaction, so a run cut off wrote nothing and may simply be uploaded again.
A run counts as cut off when it has shown no sign of life (``heartbeat_at``, else its start) for
``KECHUANG_IMPORT_STALE_MINUTES``: with several app servers and workers, a run that is merely long
on another machine must not be touched, so "the process restarted" alone is not enough.

Called when a worker starts (a huey start-up hook), every ten minutes by the worker, and when the
import pages are opened, so a run cut off is reported even where no worker runs.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportRun
from .reading import Refused, cell_text, read_rows


def fail_interrupted_imports(now: dt.datetime | None = None) -> int:
    """Mark every silent "running" import refused with the reason; return how many."""
    reason = _("导入中断（服务重启或进程终止），未写入任何数据，请重新导入")
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.KECHUANG_IMPORT_STALE_MINUTES)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    # One UPDATE that re-checks both conditions, so a run that finishes or reports progress meanwhile
    # is left alone.
    return ImportRun.objects.filter(silent, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.REFUSED,
        stage="",
        finished_at=now,
        errors=[{"row": 0, "column": "", "value": "", "rule": reason}],
    )


def read_headed_table(data: bytes, filename: str, columns) -> tuple[list[list[str]], dict | None]:
    """The non-blank data rows of an upload whose first row must be ``columns``, as text; or no rows and
    the one row-report entry that refuses the whole file (unreadable, too big, or the wrong header)."""
    try:
        rows = [[cell_text(c) for c in r] for r in read_rows(data, filename)]
    except Refused as e:
        return [], {"row": 0, "column": "", "value": "", "rule": e.message}
    if not rows or [c.strip() for c in rows[0][: len(columns)]] != list(columns):
        rule = _("第1行应为表头：%(c)s") % {"c": "、".join(columns)}
        return [], {"row": 1, "column": "", "value": "", "rule": rule}
    return [r for r in rows[1:] if any(r)], None
