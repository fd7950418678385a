"""Background work of reviewer selection (huey; tests run tasks in-line)."""

from huey.contrib.djhuey import db_task

from .models import SelectionRound


@db_task()
def run_round_task(round_id: int, user_id: int | None) -> None:
    """Run a queued round; its progress and outcome land on the round, which the page polls."""
    from kechuang.core.models import User

    from .services import run_round

    # Claim the round in one UPDATE so a retried or duplicated task never runs it twice.
    claimed = SelectionRound.objects.filter(pk=round_id, status=SelectionRound.Status.QUEUED).update(
        status=SelectionRound.Status.RUNNING
    )
    if claimed:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        run_round(SelectionRound.objects.get(pk=round_id), user)
