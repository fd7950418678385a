"""Background work of matching (huey; tests run tasks in-line): re-matching after a record changes,
and a nightly full refresh so that recommendations follow records edited elsewhere (e.g. an
enterprise renamed in the registry, an expert profile updated)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task()
def refresh_demand_task(demand_id: int) -> int:
    from .services import refresh_demand

    return refresh_demand(demand_id)


@db_task()
def refresh_achievement_task(achievement_id: int) -> int:
    from .services import refresh_achievement

    return refresh_achievement(achievement_id)


@db_task()
def refresh_expert_task(card_id: int) -> int:
    from .services import refresh_expert

    return refresh_expert(card_id)


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("matching-nightly")
def nightly_refresh() -> dict:
    from .services import refresh_all

    return refresh_all(rebuild=True)
