"""Figures that are costly to count and change only when data changes: counted once per version of
their data, kept in Django's cache, counted again after any change.

A *topic* names a body of data: ``facts`` (enterprises, their organisations' districts, yearly facts,
derived labels) and ``policies`` (policies, versions, results and cases). Database triggers on the
topic's tables, created by the owning app's migration with :func:`trigger_sql`, give the topic's
:class:`~kechuang.core.models.DataVersion` row a new random token in the same transaction as every
insert, update, delete or COPY, however it is made (the ORM, bulk writes, raw SQL, a psql session).

:func:`cached` reads the token (one primary-key query) and returns the figure counted under it, or
counts it. Because the token changes atomically with the data, a figure counted before a change is
never served after that change is committed, on any process; a figure counted from newer data under
an older token can only be served to a reader that started before the commit, and is right for it
too. Without a token (a table emptied by a test's flush) nothing is cached.

The figures themselves are counted by the apps (core uses no app): an app passes the function that
counts, and the key that names the figure within the topic.
"""

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from .models import DataVersion

log = logging.getLogger(__name__)

FACTS = "facts"
POLICIES = "policies"
TOPICS = (FACTS, POLICIES)
# A cached figure is dropped after this long even if its data never changes (it is then recounted).
TIMEOUT = 24 * 3600


def token(*topics: str) -> str | None:
    """The current version of the data of ``topics`` together, or None when one has no version."""
    found = dict(DataVersion.objects.filter(topic__in=topics).values_list("topic", "token"))
    if len(found) < len(set(topics)):
        return None
    return "-".join(found[t] for t in topics)


def cached(topics: str | tuple[str, ...], key: str, compute: Callable):
    """``compute()`` counted at the current version of the data of ``topics`` (one name, or several
    when the figure reads more than one body of data; see the module docstring). ``key`` names the
    figure and everything it depends on besides the data (a year, a district, a day)."""
    topics = (topics,) if isinstance(topics, str) else tuple(topics)
    version = token(*topics) if supported() else None
    if version is None:
        return compute()
    name = f"kechuang:{'+'.join(topics)}:{version}:{key}"
    try:
        value = cache.get(name)
    except Exception:  # a cache server that is down must not take the pages with it
        log.warning("cache unavailable; counting %s directly", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(name, value, TIMEOUT)
        except Exception:
            log.warning("cache unavailable; %s not kept", name, exc_info=True)
    return value


def changed(topic: str) -> None:
    """Give ``topic`` a new version by hand (the triggers do this for every write to its tables)."""
    DataVersion.objects.update_or_create(topic=topic, defaults={"token": uuid.uuid4().hex})


def trigger_sql(vendor: str, table: str, topic: str) -> tuple[list[str], list[str]]:
    """SQL creating and dropping the trigger that renews ``topic``'s token on any write to ``table``.

    PostgreSQL: one statement-level trigger (once per INSERT/UPDATE/DELETE/TRUNCATE statement, however
    many rows; COPY included). SQLite has only row-level triggers: one small UPDATE per written row.
    Migrations copy the SQL this returns for their tables (``RunPython`` with the schema editor's vendor).
    """
    name = f"kc_version_{table}"[:63]
    if vendor == "postgresql":
        create = [
            "CREATE OR REPLACE FUNCTION kechuang_renew_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE core_dataversion SET token = md5(random()::text || clock_timestamp()::text), "
            "changed_at = now() WHERE topic = TG_ARGV[0]; RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kechuang_renew_version('{topic}')",
        ]
        return create, [f"DROP TRIGGER IF EXISTS {name} ON {table}"]
    if vendor == "sqlite":
        create = []
        for event in ("INSERT", "UPDATE", "DELETE"):
            create.append(f"DROP TRIGGER IF EXISTS {name}_{event.lower()}")
            create.append(
                f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table} BEGIN "
                f"UPDATE core_dataversion SET token = lower(hex(randomblob(16))), "
                f"changed_at = CURRENT_TIMESTAMP WHERE topic = '{topic}'; END"
            )
        return create, [f"DROP TRIGGER IF EXISTS {name}_{e}" for e in ("insert", "update", "delete")]
    return [], []  # another database: no triggers, so cached() must not be trusted there


def install_triggers(schema_editor, tables: dict[str, str], *, reverse: bool = False) -> None:
    """For a migration's RunPython: create (or drop) the triggers of ``{table: topic}``."""
    vendor = schema_editor.connection.vendor
    for table, topic in tables.items():
        create, drop = trigger_sql(vendor, table, topic)
        for sql in drop if reverse else create:
            schema_editor.execute(sql, params=None)


def supported() -> bool:
    return connection.vendor in ("postgresql", "sqlite")


# The to-do count in the navigation of every page: counted at most once a minute per person (the
# workbench itself always counts afresh and refreshes it), since counting runs every app's to-do query.
TODO_COUNT_SECONDS = 60


def todo_count(user, count: Callable[[], int]) -> int:
    name = f"kechuang:todo_count:{user.pk}"
    try:
        n = cache.get(name)
    except Exception:
        log.warning("cache unavailable; counting to-dos directly", exc_info=True)
        return count()
    if n is None:
        n = count()
        remember_todo_count(user, n)
    return n


def remember_todo_count(user, n: int) -> None:
    try:
        cache.set(f"kechuang:todo_count:{user.pk}", n, TODO_COUNT_SECONDS)
    except Exception:
        log.warning("cache unavailable; to-do count not kept", exc_info=True)
