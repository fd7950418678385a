"""Incremental BM25 over one token stream (jieba words, or character bigrams).

Why not ``bm25s.BM25`` directly: bm25s precomputes each document's term scores with the corpus
IDF and average length baked in, so adding one record means re-indexing everything. Here raw
term frequencies are stored (scipy CSC: a large base segment plus a small delta segment for
recent additions), and IDF / length normalisation are applied at query time from live counts,
so ``add`` and ``remove`` are cheap and exact. The formula is bm25s's ``method="lucene"``
(Kamphuis et al., ECIR 2020); ``tests/engines/test_textmatch_bm25.py`` checks our scores
against bm25s on the same corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["BM25Field"]


class BM25Field:
    """Term statistics of every row of an index for one token stream.

    Rows are integer positions owned by the caller (:class:`TextIndex`); a removed row is
    marked dead and no longer counts in document frequencies or the average length.
    ``k1`` and ``b`` are the usual BM25 parameters.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, delta_limit: int = 2000) -> None:
        self.k1 = k1
        self.b = b
        self.delta_limit = delta_limit
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self._row_ids: list[np.ndarray] = []  # per row: sorted unique term ids (int32)
        self._row_tfs: list[np.ndarray] = []  # per row: their counts (float32)
        self._len = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._df = np.zeros(0, dtype=np.int64)
        self._n_alive = 0
        self._total_len = 0.0
        self._base: sp.csc_matrix | None = None
        self._n_base = 0
        self._delta: sp.csc_matrix | None = None

    # -- building -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_ids)

    def append(self, tokens: Sequence[str]) -> int:
        """Add a row for ``tokens`` (repeats count as term frequency); return its row number."""
        counts = Counter(tokens)
        ids = np.fromiter((self._term_id(t) for t in counts), dtype=np.int32, count=len(counts))
        tfs = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        order = np.argsort(ids)
        ids, tfs = ids[order], tfs[order]
        row = len(self._row_ids)
        self._row_ids.append(ids)
        self._row_tfs.append(tfs)
        if row >= len(self._len):
            capacity = max(1024, 2 * len(self._len))
            self._len = np.resize(self._len, capacity)
            self._alive = np.resize(self._alive, capacity)
        length = float(len(tokens))
        self._len[row] = length
        self._alive[row] = True
        if len(self._df) < len(self.terms):
            self._df = np.concatenate([self._df, np.zeros(max(1024, len(self.terms)), dtype=np.int64)])
        np.add.at(self._df, ids, 1)
        self._n_alive += 1
        self._total_len += length
        self._delta = None
        return row

    def kill(self, row: int) -> None:
        """Mark ``row`` dead: it stops counting in statistics and scores 0 from now on."""
        if not self._alive[row]:
            return
        self._alive[row] = False
        np.subtract.at(self._df, self._row_ids[row], 1)
        self._n_alive -= 1
        self._total_len -= float(self._len[row])

    def _term_id(self, term: str) -> int:
        tid = self.vocab.get(term)
        if tid is None:
            tid = self.vocab[term] = len(self.terms)
            self.terms.append(term)
        return tid

    def _segment(self, start: int, stop: int) -> sp.csc_matrix:
        ids = self._row_ids[start:stop]
        if not ids:
            return sp.csc_matrix((0, len(self.terms)), dtype=np.float32)
        sizes = np.fromiter((len(a) for a in ids), dtype=np.int64, count=len(ids))
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        csr = sp.csr_matrix(
            (np.concatenate(self._row_tfs[start:stop]), np.concatenate(ids), indptr),
            shape=(stop - start, len(self.terms)),
        )
        return csr.tocsc()

    def _segments(self) -> list[tuple[int, sp.csc_matrix]]:
        n = len(self._row_ids)
        if self._base is None or n - self._n_base > self.delta_limit:
            # Fold the delta into the base: amortised, so a single add never costs a full rebuild.
            self._base, self._n_base, self._delta = self._segment(0, n), n, None
        if self._delta is None:
            self._delta = self._segment(self._n_base, n)
        return [(0, self._base), (self._n_base, self._delta)]

    # -- scoring ------------------------------------------------------------------------------

    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        """Lucene BM25 IDF ``log(1 + (N - df + 0.5) / (df + 0.5))`` over live rows."""
        df = self._df[term_ids].astype(np.float64)
        return np.log1p((self._n_alive - df + 0.5) / (df + 0.5))

    def known(self, tokens: Iterable[str]) -> dict[int, float]:
        """Query ``tokens`` → ``{term id: count}`` for terms in the vocabulary."""
        out: dict[int, float] = {}
        for t in tokens:
            tid = self.vocab.get(t)
            if tid is not None:
                out[tid] = out.get(tid, 0.0) + 1.0
        return out

    def scores(self, weighted_terms: Mapping[int, float]) -> np.ndarray:
        """BM25 score of every row, shape ``(len(self),)`` float64, for a query given as
        ``{term id: query weight}`` (a plain query has weight = count). Dead rows score 0."""
        n = len(self._row_ids)
        out = np.zeros(n, dtype=np.float64)
        if not weighted_terms or self._n_alive == 0:
            return out
        tids = np.fromiter(weighted_terms.keys(), dtype=np.int64, count=len(weighted_terms))
        qw = np.fromiter(weighted_terms.values(), dtype=np.float64, count=len(weighted_terms))
        col_weight = self.idf(tids) * qw
        avg_len = self._total_len / self._n_alive
        norm = self.k1 * (1.0 - self.b + self.b * self._len[:n] / avg_len)
        for offset, segment in self._segments():
            # Terms first seen after a segment was built are not among its columns.
            inside = tids < segment.shape[1]
            if segment.shape[0] == 0 or not inside.any():
                continue
            sub = segment[:, tids[inside]]
            rows = sub.indices + offset
            tf = sub.data
            vals = tf / (tf + norm[rows]) * np.repeat(col_weight[inside], np.diff(sub.indptr))
            out += np.bincount(rows, weights=vals, minlength=n)
        out[~self._alive[:n]] = 0.0
        return out

    def row_terms(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """``(term ids, counts)`` of one row."""
        return self._row_ids[row], self._row_tfs[row]

    def row_length(self, row: int) -> float:
        return float(self._len[row])

    def alive_count(self) -> int:
        return self._n_alive

    def alive_mask(self) -> np.ndarray:
        """``(len(self),)`` bool: which rows are live (a copy)."""
        return self._alive[: len(self._row_ids)].copy()
