"""Background work of the enterprise registry (huey; tests run tasks in-line)."""

from django.utils import timezone
from huey.contrib.djhuey import db_task

from kechuang.core.models import ImportRun


@db_task()
def run_facts_import(run_id: int) -> None:
    """Carry out a queued yearly-facts import; its progress and outcome land on the ImportRun."""
    from .importing import run_import

    # Claim the run in one UPDATE so a retried or duplicated task never imports it twice.
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, heartbeat_at=timezone.now()
    )
    if claimed:
        run_import(ImportRun.objects.get(pk=run_id))
        from .services import warm_figures

        warm_figures()  # the workbench's figures, recounted for the new data before anyone asks
