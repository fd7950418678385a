"""Background work of the policy library (huey; tests run tasks in-line)."""

from huey.contrib.djhuey import db_task


@db_task()
def evaluate_policies(run_id: int) -> None:
    """Carry out a queued PolicyRun: evaluate, store results, notify the newly qualified enterprises."""
    from .services import execute_run, warm_figures

    execute_run(run_id)
    warm_figures()  # the coverage counts, recounted for the new results before anyone asks
