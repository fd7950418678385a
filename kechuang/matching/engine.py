"""The app's thin adapter over ``kechuang.engines.textmatch``: which encoder, and indexes kept in sync.

Encoder (``settings.KECHUANG_MATCH_ENCODER`` or the environment variable of that name):
``usem3`` (default; vectors cached on disk under ``DATA_DIR/vectors`` so an unchanged text is
encoded once), ``hashing`` (cheap stand-in) or ``none`` (BM25 only; the default under pytest, where
loading the sentence encoder would cost more than every test). Pages never build an index: only
services' refresh functions (run by huey tasks and the demo) do.

Indexes are held per process and brought up to date by comparing each record's stamp (its
``updated_at``) with the stamp it was indexed under, so a refresh re-reads only changed rows. The
engine's index is not thread-safe; a lock serialises the huey worker threads.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable

from django.conf import settings

from kechuang.engines.textmatch import (
    CachedEncoder,
    Document,
    HashingEncoder,
    Hit,
    SearchConfig,
    TextIndex,
    Use3Encoder,
    shared_tokenizer,
)


def encoder_name() -> str:
    default = "none" if "PYTEST_VERSION" in os.environ else "usem3"
    return getattr(settings, "KECHUANG_MATCH_ENCODER", None) or os.environ.get(
        "KECHUANG_MATCH_ENCODER", default
    )


@functools.cache
def _encoder(name: str):
    if name == "none":
        return None
    if name == "hashing":
        return HashingEncoder()
    if name == "usem3":
        return CachedEncoder(Use3Encoder(), settings.DATA_DIR / "vectors")
    raise ValueError(f"KECHUANG_MATCH_ENCODER: unknown encoder {name!r} (usem3, hashing, none)")


class SyncedIndex:
    """A ``TextIndex`` plus the stamp each document was indexed under."""

    def __init__(self, dense: bool = True) -> None:
        name = encoder_name() if dense else "none"
        self.encoder_name = name
        self.index = TextIndex(tokenizer=shared_tokenizer(), encoder=_encoder(name), config=SearchConfig())
        self.stamps: dict[str, str] = {}
        self.lock = threading.Lock()

    def sync(self, stamps: dict[str, str], load: Callable[[list[str]], Iterable[Document]]) -> None:
        """Make the index hold exactly the ids of ``stamps``; ``load(ids)`` gives the documents of
        new or changed ids."""
        with self.lock:
            self._sync(stamps, load)

    def _sync(self, stamps: dict[str, str], load: Callable[[list[str]], Iterable[Document]]) -> None:
        gone = [i for i in self.stamps if i not in stamps]
        changed = [i for i, s in stamps.items() if self.stamps.get(i) != s]
        if gone:
            self.index.remove(gone)
            for i in gone:
                del self.stamps[i]
        for start in range(0, len(changed), 500):
            part = changed[start : start + 500]
            self.index.add(load(part))
            for i in part:
                self.stamps[i] = stamps[i]

    def search(self, query: str, k: int, filters=None) -> list[Hit]:
        return self.index.search(query, k=k, filters=filters)


_INDEXES: dict[str, SyncedIndex] = {}
_GUARD = threading.Lock()


def index_for(kind: str, *, dense: bool = True) -> SyncedIndex:
    """The process's index of ``kind``; ``dense=False`` keeps it lexical whatever the encoder."""
    wanted = encoder_name() if dense else "none"
    with _GUARD:
        current = _INDEXES.get(kind)
        if current is None or current.encoder_name != wanted:
            current = _INDEXES[kind] = SyncedIndex(dense=dense)
        return current


def reset() -> None:
    """Forget every index (the nightly job rebuilds from scratch; tests start clean)."""
    with _GUARD:
        _INDEXES.clear()
