"""Batch search: a corpus and a query file in, a TREC-style run out. Used by the
``kechuang match search`` command; everything is validated before anything is written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .index import Document, TextIndex

__all__ = ["documents_from_records", "search_all", "write_run"]

Progress = Callable[[str], None]


def documents_from_records(records: Sequence[Mapping]) -> list[Document]:
    """Corpus records ``{"id", "text", ...}`` → documents; every other scalar or list-of-strings
    key becomes a filterable metadata field (nested objects are ignored)."""
    docs = []
    for r in records:
        fields = {}
        for key, value in r.items():
            if key in ("id", "text"):
                continue
            if isinstance(value, str | int | float | bool):
                fields[key] = str(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                fields[key] = value
        docs.append(Document(r["id"], r["text"], fields))
    return docs


def search_all(
    index: TextIndex,
    queries: Sequence[Mapping],
    k: int,
    progress: Progress | None = None,
    every: int = 100,
) -> list[tuple[str, str, int, float]]:
    """``[(query id, doc id, rank from 1, fused score), ...]``, at most ``k`` per query, in
    query order then rank order. ``progress`` gets a line every ``every`` queries."""
    rows: list[tuple[str, str, int, float]] = []
    for i, q in enumerate(queries, start=1):
        for hit in index.search(q["text"], k=k, explain=False):
            rows.append((q["id"], hit.doc_id, hit.rank, hit.score))
        if progress and (i % every == 0 or i == len(queries)):
            progress(f"searched {i}/{len(queries)} queries")
    return rows


def write_run(path: str | Path, rows: Sequence[tuple[str, str, int, float]]) -> None:
    """Write ``query_id<TAB>doc_id<TAB>rank<TAB>score`` lines atomically: a temporary file in the
    same directory, renamed over ``path`` only once complete."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for qid, did, rank, score in rows:
                fh.write(f"{qid}\t{did}\t{rank}\t{score:.6f}\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
