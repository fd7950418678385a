"""Affinity between items (application texts) and experts (profile texts).

The matching engine (``kechuang.engines.textmatch``) is the preferred source: the app passes its
scorer as ``scorer``. Without one, BM25 over the expert profiles (bm25s, jieba words) is the fallback,
so an assignment can always be made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

Scorer = Callable[[Sequence[str], Sequence[str]], np.ndarray]

_WORD = re.compile(r"[\w\u3400-\u9fff]")


class _Bm25Fallback:
    def __init__(self) -> None:
        import jieba

        # A private jieba.Tokenizer, not jieba's module default: no hidden global state.
        self._tok = jieba.Tokenizer()

    def tokens(self, text: str) -> list[str]:
        return [w for w in self._tok.lcut_for_search(text.lower()) if _WORD.search(w) and len(w.strip()) > 0]

    def __call__(self, item_texts: Sequence[str], expert_profiles: Sequence[str]) -> np.ndarray:
        import bm25s

        corpus = [self.tokens(t) or ["\u0000"] for t in expert_profiles]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        out = np.zeros((len(item_texts), len(expert_profiles)), np.float64)
        for i, text in enumerate(item_texts):
            q = self.tokens(text)
            if q:
                out[i] = retriever.get_scores(q)
        return out


def affinity_matrix(
    item_texts: Sequence[str], expert_profiles: Sequence[str], *, scorer: Scorer | None = None
) -> np.ndarray:
    """Dense ``(n_items, n_experts)`` affinities in [0, 1], each item's row divided by its maximum.

    ``scorer(item_texts, expert_profiles)`` must return raw non-negative scores of that shape; None
    uses BM25 over the profiles. Per-item normalisation makes items with long texts weigh no more than
    short ones in the total affinity.
    """
    raw = np.asarray((scorer or _Bm25Fallback())(item_texts, expert_profiles), dtype=np.float64)
    if raw.shape != (len(item_texts), len(expert_profiles)):
        raise ValueError(
            f"scorer returned shape {raw.shape}, expected {(len(item_texts), len(expert_profiles))}"
        )
    raw = np.clip(np.nan_to_num(raw), 0.0, None)
    top = raw.max(axis=1, keepdims=True) if raw.size else raw
    return np.divide(raw, top, out=np.zeros_like(raw), where=top > 0)
