"""Retrieval metrics and the csl-style data files (JSONL records, TREC-like qrels and runs).

A *run* maps query id → ranked list of doc ids (best first); *qrels* map query id → set of
relevant doc ids (binary relevance, as in csl-dev).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = ["RecordError", "mean_metrics", "ndcg_at_k", "read_jsonl", "read_qrels", "recall_at_k"]


class RecordError(ValueError):
    """A malformed input line. ``line`` is 1-based; ``code``/``params`` for translation."""

    def __init__(self, path: str, line: int, code: str, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.code, self.message = path, line, code, message


def read_jsonl(path: str | Path, required: Sequence[str] = ("id", "text")) -> list[dict]:
    """All records of a JSONL file, validated: each non-blank line a JSON object whose
    ``required`` keys are non-empty strings, ids unique. Raises :class:`RecordError` naming the
    first bad line; returns nothing partial."""
    records: list[dict] = []
    seen: dict[str, int] = {}
    name = str(path)
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordError(
                    name, lineno, "invalid_json", f"不是合法的 JSON（invalid JSON: {exc.msg}）"
                ) from None
            if not isinstance(record, dict):
                raise RecordError(
                    name, lineno, "not_object", "每行必须是一个 JSON 对象（each line must be an object）"
                )
            for key in required:
                value = record.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise RecordError(
                        name,
                        lineno,
                        "missing_field",
                        f"字段 {key!r} 必须是非空字符串（field {key!r} must be a non-empty string）",
                    )
            if "id" in required:
                first = seen.get(record["id"])
                if first is not None:
                    raise RecordError(
                        name,
                        lineno,
                        "duplicate_id",
                        f"id {record['id']!r} 与第 {first} 行重复（duplicate id, first on line {first}）",
                    )
                seen[record["id"]] = lineno
            records.append(record)
    return records


def read_qrels(path: str | Path) -> dict[str, set[str]]:
    """``query_id<TAB>doc_id<TAB>relevance`` lines → {query id: relevant doc ids} (relevance > 0)."""
    qrels: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and float(parts[2]) > 0:
                qrels.setdefault(parts[0], set()).add(parts[1])
    return qrels


def ndcg_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k of one ranked list, in [0, 1]."""
    relevant = set(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant documents found in the first ``k``, in [0, 1]."""
    relevant = set(relevant)
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def mean_metrics(run: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]]) -> dict[str, float]:
    """Mean nDCG@10, R@10 and R@100 over the queries of ``run`` that have qrels, in percent
    (a query with no result counts as 0)."""
    qids = [q for q in run if q in qrels]
    if not qids:
        return {"nDCG@10": 0.0, "R@10": 0.0, "R@100": 0.0}
    return {
        "nDCG@10": 100 * sum(ndcg_at_k(run[q], qrels[q], 10) for q in qids) / len(qids),
        "R@10": 100 * sum(recall_at_k(run[q], qrels[q], 10) for q in qids) / len(qids),
        "R@100": 100 * sum(recall_at_k(run[q], qrels[q], 100) for q in qids) / len(qids),
    }
