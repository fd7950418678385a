"""The retrieval index: documents with metadata in, ranked hits with explanations out.

Signals, each a score per indexed row:

* ``word``      BM25 over jieba words (technical user dictionary, search-mode sub-words);
* ``bigram``    BM25 over character bigrams (robust to segmentation differences);
* ``dense``     cosine of sentence vectors from a pluggable :class:`Encoder`;
* ``prf``       BM25 of an RM3-style expansion query: words weighted by their frequency in the
                top first-stage hits (pseudo-relevance feedback), which bridges wording gaps with
                term associations learned from the indexed corpus itself;
* ``dense_prf`` cosine to the query vector moved towards the top hits' centroid (Rocchio).

Each signal is rescaled per query to [0, 1] over the candidate rows (max-normalised for BM25,
``(x - mean) / (max - mean)`` clipped at 0 for cosines, since cosines never reach 0) and the
fused score is their weighted sum with :class:`FusionWeights`. The default weights were chosen
by a small grid on csl-dev (see ``benchmarks/textmatch_quality.py``).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bm25 import BM25Field
from .encoders import Encoder
from .tokenize import Tokenizer, normalize

__all__ = ["Document", "Explanation", "FusionWeights", "Hit", "SearchConfig", "TextIndex"]

FieldValue = str | Sequence[str]


@dataclass(frozen=True)
class Document:
    """One record to index. ``fields`` are metadata for filters (e.g. ``{"industry": "新能源",
    "discipline": ["材料", "化学"]}``); a value is a string or a sequence of strings."""

    id: str
    text: str
    fields: Mapping[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the per-query normalised signals in the fused score (see module doc)."""

    word: float = 1.0
    bigram: float = 1.5
    dense: float = 0.5
    prf: float = 0.25
    dense_prf: float = 0.5


@dataclass(frozen=True)
class SearchConfig:
    """Tunable parameters. ``prf_docs`` first-stage hits feed ``prf_terms`` expansion words;
    ``prf_docs = 0`` turns feedback off. ``snippet_chars`` bounds the explanation snippet."""

    weights: FusionWeights = field(default_factory=FusionWeights)
    k1: float = 1.2
    b: float = 0.75
    prf_docs: int = 10
    prf_terms: int = 20
    dense_prf_beta: float = 1.0
    snippet_chars: int = 160


@dataclass(frozen=True)
class Explanation:
    """Why a document matched.

    ``shared_terms``: query words/phrases found verbatim in the document; ``related_terms``:
    ``(term, weight)`` words the engine associated with the query (pseudo-relevance feedback)
    that occur in the document; ``spans``: ``(start, end, kind)`` character offsets in the
    document text, kind ``"shared"`` or ``"related"`` (a related span never overlaps a shared
    one); ``snippet`` a window of the text with ``snippet_spans`` relative to it.
    ``code``/``params`` let the app render a translated sentence; ``default_text`` is Chinese.
    """

    shared_terms: list[str]
    related_terms: list[tuple[str, float]]
    spans: list[tuple[int, int, str]]
    snippet: str
    snippet_start: int
    snippet_spans: list[tuple[int, int, str]]
    code: str
    params: dict[str, object]
    default_text: str


@dataclass(frozen=True)
class Hit:
    """One ranked result: ``rank`` from 1, fused ``score`` (unitless, higher is better),
    ``signals`` the normalised signal values that were summed, ``fields`` the metadata."""

    doc_id: str
    rank: int
    score: float
    signals: dict[str, float]
    fields: Mapping[str, FieldValue]
    explanation: Explanation | None = None


def highlight(
    text: str,
    spans: Iterable[tuple[int, int, str]],
    tags: Mapping[str, tuple[str, str]] | None = None,
    escape: Callable[[str], str] = str,
) -> str:
    """``text`` with each ``(start, end, kind)`` span wrapped in ``tags[kind]`` (default: shared
    terms in 【】, related terms in 〔〕). Pass ``escape=html.escape`` with HTML tags: the pieces
    are escaped one by one, so offsets stay right."""
    tags = tags or {"shared": ("【", "】"), "related": ("〔", "〕")}
    out, pos = [], 0
    for s, e, kind in sorted(spans):
        opening, closing = tags[kind]
        out += [escape(text[pos:s]), opening, escape(text[s:e]), closing]
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


class TextIndex:
    """An incremental hybrid index of Chinese documents.

    ``tokenizer`` defaults to :class:`Tokenizer` with the package's user dictionary;
    ``encoder`` is any :class:`Encoder` (wrap it in :class:`CachedEncoder` to keep vectors on
    disk) or ``None`` for a lexical-only index (dense weights are then ignored).

    ``add`` upserts (same id → replaced) and the record is searchable on return; no rebuild.
    Not thread-safe: the app serialises writes (one writer, e.g. a huey task) or locks.
    """

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        encoder: Encoder | None = None,
        config: SearchConfig | None = None,
    ) -> None:
        self.tokenizer = tokenizer or Tokenizer()
        self.encoder = encoder
        self.config = config or SearchConfig()
        self.words = BM25Field(self.config.k1, self.config.b)
        self.bigrams = BM25Field(self.config.k1, self.config.b)
        self._ids: list[str | None] = []
        self._texts: list[str] = []
        self._fields: list[Mapping[str, FieldValue]] = []
        self._row_of: dict[str, int] = {}
        self._facets: dict[str, dict[str, set[int]]] = {}
        self._vectors = np.zeros((0, encoder.dim if encoder is not None else 0), dtype=np.float32)

    # -- documents ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def ids(self) -> list[str]:
        return list(self._row_of)

    def get(self, doc_id: str) -> Document:
        row = self._row_of[doc_id]
        return Document(doc_id, self._texts[row], self._fields[row])

    def add(self, documents: Iterable[Document]) -> int:
        """Index ``documents`` (insert or replace by id); returns how many. Vectors of the batch
        are encoded in one call. A duplicate id within the batch: the last one wins."""
        batch: dict[str, Document] = {}
        for doc in documents:
            if not isinstance(doc.id, str) or not doc.id:
                raise ValueError("document id must be a non-empty string")
            batch[doc.id] = doc
        docs = list(batch.values())
        if not docs:
            return 0
        vectors = self.encoder.encode([d.text for d in docs]) if self.encoder is not None else None
        for doc_id in batch:
            self._remove_row(doc_id)
        start = len(self._ids)
        for doc in docs:
            row = self.words.append(self.tokenizer.words(doc.text))
            self.bigrams.append(self.tokenizer.bigrams(doc.text))
            assert row == len(self._ids)
            self._ids.append(doc.id)
            self._texts.append(doc.text)
            fields = dict(doc.fields)
            self._fields.append(fields)
            self._row_of[doc.id] = row
            for name, value in fields.items():
                for v in _values(value):
                    self._facets.setdefault(name, {}).setdefault(v, set()).add(row)
        if vectors is not None:
            self._append_vectors(start, np.asarray(vectors, dtype=np.float32))
        return len(docs)

    update = add

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Drop documents by id (unknown ids are ignored); returns how many were removed."""
        return sum(self._remove_row(d) for d in list(doc_ids))

    def _remove_row(self, doc_id: str) -> bool:
        row = self._row_of.pop(doc_id, None)
        if row is None:
            return False
        self.words.kill(row)
        self.bigrams.kill(row)
        self._ids[row] = None
        self._texts[row] = ""
        for name, value in self._fields[row].items():
            for v in _values(value):
                self._facets[name][v].discard(row)
        self._fields[row] = {}
        if self.encoder is not None:
            self._vectors[row] = 0.0
        return True

    def _append_vectors(self, start: int, vectors: np.ndarray) -> None:
        need = start + len(vectors)
        if need > len(self._vectors):
            grown = np.zeros((max(need, 2 * len(self._vectors), 1024), vectors.shape[1]), dtype=np.float32)
            grown[: len(self._vectors)] = self._vectors
            self._vectors = grown
        self._vectors[start:need] = vectors

    def compact(self) -> None:
        """Rebuild without removed rows (frees their memory). Only needed after many removals."""
        docs = [self.get(d) for d in self._row_of]
        vectors = self._vectors[[self._row_of[d.id] for d in docs]] if self.encoder is not None else None
        encoder, self.encoder = self.encoder, None
        try:
            self.__init__(self.tokenizer, None, self.config)  # type: ignore[misc]
            self.add(docs)
        finally:
            self.encoder = encoder
        if encoder is not None:
            self._vectors = np.zeros((0, encoder.dim), dtype=np.float32)
            self._append_vectors(0, vectors)

    # -- persistence --------------------------------------------------------------------------

    _FORMAT = 1

    def save(self, path: str | Path) -> None:
        """Write the index (documents, term statistics, vectors; not the tokenizer or encoder) to
        ``path`` atomically. A pickle: load only files this application wrote itself."""
        path = Path(path)
        state = {k: v for k, v in self.__dict__.items() if k not in ("tokenizer", "encoder")}
        meta = {
            "format": self._FORMAT,
            "userdicts": [str(p) for p in self.tokenizer.userdicts],
            "encoder": getattr(self.encoder, "name", None),
        }
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((meta, state), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    @classmethod
    def load(
        cls, path: str | Path, tokenizer: Tokenizer | None = None, encoder: Encoder | None = None
    ) -> TextIndex:
        """Read an index written by :meth:`save`. ``encoder`` must be the model that encoded the
        saved vectors (checked by name), or ``None`` if it was saved without one."""
        with open(path, "rb") as fh:
            # Our own file (see save()), never one a user uploads.
            meta, state = pickle.load(fh)
        if meta.get("format") != cls._FORMAT:
            raise ValueError(f"unsupported index format {meta.get('format')!r} in {path}")
        if meta.get("encoder") != getattr(encoder, "name", None):
            raise ValueError(f"index {path} was built with encoder {meta.get('encoder')!r}")
        index = cls.__new__(cls)
        index.__dict__.update(state)
        index.tokenizer = tokenizer or Tokenizer()
        index.encoder = encoder
        return index

    # -- search -------------------------------------------------------------------------------

    def _mask(self, filters: Mapping[str, str | Collection[str]] | None) -> np.ndarray:
        n = len(self._ids)
        alive = self.words.alive_mask()
        for name, allowed in (filters or {}).items():
            values = _values(allowed)
            facet = self._facets.get(name, {})
            keep = np.zeros(n, dtype=bool)
            for v in values:
                rows = facet.get(v, ())
                keep[np.fromiter(rows, dtype=np.int64, count=len(rows))] = True
            alive &= keep
        return alive

    def signals(
        self, query: str, filters: Mapping[str, str | Collection[str]] | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[int, float]]:
        """All normalised signals for ``query``: ``({name: (n_rows,) float64}, candidate mask
        (n_rows,) bool, {expansion word id: weight})``. Exposed for tuning and benchmarks."""
        cfg = self.config
        mask = self._mask(filters)
        q_words = self.tokenizer.words(query)
        sig: dict[str, np.ndarray] = {
            "word": _max_norm(self.words.scores(self.words.known(q_words)), mask),
            "bigram": _max_norm(self.bigrams.scores(self.bigrams.known(self.tokenizer.bigrams(query))), mask),
        }
        qv = None
        if self.encoder is not None and len(self._ids):
            qv = np.asarray(self.encoder.encode_query(query), dtype=np.float32)
            sig["dense"] = _cos_norm(self._vectors[: len(self._ids)] @ qv, mask)
        expansion: dict[int, float] = {}
        w = cfg.weights
        if cfg.prf_docs > 0 and (w.prf > 0 or w.dense_prf > 0) and mask.any():
            first = self._fuse(sig, mask, prf=False)
            top = _top_rows(first, mask, cfg.prf_docs)
            top = top[first[top] > 0]
            if len(top) and w.prf > 0:
                expansion = self._rm3_terms(top, first[top], cfg.prf_terms)
                sig["prf"] = _max_norm(self.words.scores(expansion), mask)
            if len(top) and qv is not None and w.dense_prf > 0:
                centroid = self._vectors[top].mean(axis=0)
                moved = qv + cfg.dense_prf_beta * centroid
                moved /= np.linalg.norm(moved) or 1.0
                sig["dense_prf"] = _cos_norm(self._vectors[: len(self._ids)] @ moved, mask)
        return sig, mask, expansion

    def _fuse(self, sig: Mapping[str, np.ndarray], mask: np.ndarray, prf: bool = True) -> np.ndarray:
        w = self.config.weights
        fused = np.zeros(len(self._ids), dtype=np.float64)
        for name, values in sig.items():
            if not prf and name in ("prf", "dense_prf"):
                continue
            fused += getattr(w, name) * values
        return np.where(mask, fused, -np.inf)

    def _rm3_terms(self, rows: np.ndarray, scores: np.ndarray, n_terms: int) -> dict[int, float]:
        """RM3's relevance model over the feedback ``rows``: P(t|R) ∝ Σ_d P(d|q)·tf(t,d)/|d|,
        with P(d|q) ∝ the first-stage score, times IDF so frequent words do not dominate.
        Returns the ``n_terms`` best ``{term id: weight}``, weights summing to the number of
        terms (so the expansion query weighs like a query of that many words)."""
        p_doc = scores / scores.sum()
        acc: dict[int, float] = {}
        for row, p in zip(rows.tolist(), p_doc.tolist(), strict=True):
            ids, tfs = self.words.row_terms(row)
            length = max(self.words.row_length(row), 1.0)
            for tid, tf in zip(ids.tolist(), tfs.tolist(), strict=True):
                acc[tid] = acc.get(tid, 0.0) + p * tf / length
        if not acc:
            return {}
        tids = np.fromiter(acc.keys(), dtype=np.int64, count=len(acc))
        weights = np.fromiter(acc.values(), dtype=np.float64, count=len(acc)) * self.words.idf(tids)
        best = np.argsort(-weights, kind="stable")[:n_terms]
        total = weights[best].sum()
        if total <= 0:
            return {}
        return {int(tids[i]): float(weights[i] / total * len(best)) for i in best}

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Mapping[str, str | Collection[str]] | None = None,
        explain: bool = True,
    ) -> list[Hit]:
        """The ``k`` best documents for ``query`` among those whose metadata match every
        ``filters`` entry (field → allowed value or values; a multi-valued field matches if any
        value is allowed). Documents with no signal at all (fused score ≤ 0) are not returned."""
        if k <= 0 or not self._row_of:
            return []
        sig, mask, expansion = self.signals(query, filters)
        fused = self._fuse(sig, mask)
        rows = [r for r in _top_rows(fused, mask, k).tolist() if fused[r] > 0]
        hits = []
        for rank, row in enumerate(rows, start=1):
            doc_id = self._ids[row]
            assert doc_id is not None
            hits.append(
                Hit(
                    doc_id=doc_id,
                    rank=rank,
                    score=float(fused[row]),
                    signals={name: float(v[row]) for name, v in sig.items()},
                    fields=self._fields[row],
                    explanation=self._explain(query, row, expansion, sig) if explain else None,
                )
            )
        return hits

    # -- explanations -------------------------------------------------------------------------

    def _explain(self, query: str, row: int, expansion: Mapping[int, float], sig) -> Explanation:
        text = self._texts[row]
        doc_norm = normalize(text)
        shared = _shared_phrases(normalize(query), doc_norm, self.tokenizer.stopwords)
        doc_ids, doc_tfs = self.words.row_terms(row)
        in_doc = dict(zip(doc_ids.tolist(), doc_tfs.tolist(), strict=True))
        terms = self.words.terms
        related = sorted(
            (
                (terms[t], round(w * in_doc[t], 4))
                for t, w in expansion.items()
                if t in in_doc and not any(terms[t] in s or s in terms[t] for s in shared)
            ),
            key=lambda x: -x[1],
        )[:8]
        shared_spans = self.tokenizer.spans(text, shared)
        related_spans = [
            (s, e)
            for s, e in self.tokenizer.spans(text, [t for t, _ in related])
            if not any(s < se and ss < e for ss, se in shared_spans)
        ]
        spans = sorted(
            [(s, e, "shared") for s, e in shared_spans] + [(s, e, "related") for s, e in related_spans]
        )
        start, snippet_spans = _snippet_window(text, spans, self.config.snippet_chars)
        snippet = text[start : start + self.config.snippet_chars]
        dense = float(sig["dense"][row]) if "dense" in sig else None
        params: dict[str, object] = {
            "shared": shared,
            "related": [t for t, _ in related],
            "dense": None if dense is None else round(dense, 3),
        }
        parts = []
        if shared:
            parts.append("共同词：" + "、".join(shared))
        if related:
            parts.append("相关词：" + "、".join(t for t, _ in related))
        if dense is not None:
            parts.append(f"语义相近度 {dense:.2f}")
        return Explanation(
            shared_terms=shared,
            related_terms=related,
            spans=spans,
            snippet=snippet,
            snippet_start=start,
            snippet_spans=snippet_spans,
            code="textmatch.match",
            params=params,
            default_text="；".join(parts) or "语义相近",
        )


def _values(value: object) -> list[str]:
    """A metadata value as the list of strings a filter compares with."""
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


def _max_norm(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    top = values[mask].max() if mask.any() else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _cos_norm(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    if not mask.any():
        return np.zeros_like(values)
    inside = values[mask]
    mean, top = inside.mean(), inside.max()
    if top - mean <= 1e-12:
        return np.zeros_like(values)
    return np.clip((values - mean) / (top - mean), 0.0, None)


def _top_rows(scores: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` highest ``scores`` among ``mask``, best first; ties by row."""
    candidates = np.flatnonzero(mask)
    if len(candidates) > k:
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]


def _shared_phrases(query: str, doc: str, stopwords: Collection[str], limit: int = 200) -> list[str]:
    """Maximal substrings (≥ 2 characters, not stop words, not bare punctuation) of the query
    that occur verbatim in the document, in query order. Quadratic in the query length, which
    is capped at ``limit`` characters: fine for demands and titles."""
    query = query[:limit]
    out: list[str] = []
    i = 0
    while i < len(query):
        j = i + 1
        while j <= len(query) and query[i:j] in doc:
            j += 1
        phrase = query[i : j - 1].strip()
        if len(phrase) >= 2 and phrase not in stopwords and any(c.isalnum() for c in phrase):
            if phrase not in out:
                out.append(phrase)
            i = j - 1
        else:
            i += 1
    return out


def _snippet_window(
    text: str, spans: list[tuple[int, int, str]], width: int
) -> tuple[int, list[tuple[int, int, str]]]:
    """Start of the ``width``-character window of ``text`` covering the most highlighted
    characters, and the spans clipped and shifted into it."""
    if len(text) <= width or not spans:
        start = 0
    else:
        best, start = -1, 0
        for s, _, _ in spans:
            lo = max(0, min(s - 10, len(text) - width))
            covered = sum(max(0, min(e, lo + width) - max(b, lo)) for b, e, _ in spans)
            if covered > best:
                best, start = covered, lo
    stop = start + width
    inside = [(max(s, start) - start, min(e, stop) - start, k) for s, e, k in spans if e > start and s < stop]
    return start, inside
