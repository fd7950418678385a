"""Chinese text analysis for retrieval: normalisation, jieba words and character bigrams.

Every function here is deterministic and returns plain lists of strings. The jieba dictionary
is held by the :class:`Tokenizer` instance (``jieba.Tokenizer``), never jieba's module-level
default, so two tokenizers with different user dictionaries can live in one process.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import jieba
from bm25s.stopwords import STOPWORDS_CHINESE

# jieba announces every dictionary load at DEBUG on its own handler; a service logs through its own.
jieba.setLogLevel(logging.WARNING)

__all__ = ["DEFAULT_USERDICT", "Tokenizer", "char_bigrams", "normalize"]

# Words that are frequent in every scientific abstract and carry no topic: they only add noise
# to BM25 and to the explanations ("本文", "结果表明"). The general function-word list comes from
# bm25s; these complete it for the abstract genre.
_GENRE_STOPWORDS = frozenset(
    " ".join(
        [
            "本文 文中 该文 我们 研究 结果 表明 结果表明 提出 采用 利用 通过 进行 分析 探讨 讨论 介绍 阐述",
            "对于 以及 及其 其中 并且 同时 然后 从而 因此 由于 基于 针对 关于 根据 具有 能够 可以 得到 获得",
            "实现 作为 此外 另外 主要 目前 随着 发现 显示 认为 有效 方面 问题 情况 过程 特点 一种 一个 一些",
        ]
    ).split(" ")
)
STOPWORDS = frozenset(STOPWORDS_CHINESE) | _GENRE_STOPWORDS

DEFAULT_USERDICT: Path = Path(str(resources.files(__package__).joinpath("data/userdict.txt")))

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_RUN = re.compile(r"[a-z][a-z0-9\-\+\.]*[a-z0-9\+]|[a-z]")
_HAS_WORD_CHAR = re.compile(f"[{_CJK}a-z0-9]")
_ONLY_NUMBER = re.compile(r"^[0-9\.\-\+%]+$")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case; offsets are not preserved."""
    return unicodedata.normalize("NFKC", text).lower()


def char_bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of every CJK run (a one-character run gives its unigram),
    plus each Latin word whole. Stable under segmentation errors, which is why it is a second
    BM25 field next to jieba's words. ``text`` must already be normalised.
    """
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(w for w in _LATIN_RUN.findall(text) if len(w) > 1)
    return out


class Tokenizer:
    """jieba segmentation with a technical user dictionary and stop-word filtering.

    ``userdicts`` are jieba user-dictionary files (``word [freq] [tag]`` per line); by default
    the package's own :data:`DEFAULT_USERDICT`. ``extra_words`` are added on top (e.g. terms a
    deployment mines from its own records). ``search_mode`` adds jieba's sub-words of long words
    (``cut_for_search``), so a document saying "卷积神经网络" also matches a query "神经网络".
    """

    def __init__(
        self,
        userdicts: Sequence[str | Path] | None = None,
        extra_words: Iterable[str] = (),
        search_mode: bool = True,
        stopwords: Iterable[str] | None = None,
    ) -> None:
        self.search_mode = search_mode
        self.stopwords = frozenset(STOPWORDS if stopwords is None else stopwords)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.userdicts = tuple(Path(p) for p in ([DEFAULT_USERDICT] if userdicts is None else userdicts))
        for path in self.userdicts:
            self._jieba.load_userdict(str(path))
        for word in extra_words:
            self._jieba.add_word(word)

    def _keep(self, token: str) -> bool:
        token = token.strip()
        if len(token) < 2 or token in self.stopwords:
            return False
        return bool(_HAS_WORD_CHAR.search(token)) and not _ONLY_NUMBER.match(token)

    def words(self, text: str) -> list[str]:
        """Content words of ``text`` (normalised, stop words, punctuation, single characters and
        bare numbers dropped), in text order, with repeats (term frequency matters to BM25)."""
        text = normalize(text)
        cut = self._jieba.cut_for_search(text) if self.search_mode else self._jieba.cut(text)
        return [t.strip() for t in cut if self._keep(t)]

    def bigrams(self, text: str) -> list[str]:
        """Character bigrams of ``text`` (see :func:`char_bigrams`), stop-word bigrams included:
        BM25's IDF already discounts them."""
        return char_bigrams(normalize(text))

    def spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character offsets ``[(start, end), ...]`` in the *original* ``text`` of every
        occurrence of any of ``terms`` (normalised forms), merged where they overlap, sorted.

        NFKC can change lengths for a few compatibility characters, so matching is done on a
        per-character normalised copy whose indices map one-to-one to the original.
        """
        terms = sorted({t for t in terms if t}, key=len, reverse=True)
        if not terms:
            return []
        folded = "".join(normalize(c)[:1] or c for c in text)
        raw: list[tuple[int, int]] = []
        for term in terms:
            start = folded.find(term)
            while start >= 0:
                raw.append((start, start + len(term)))
                start = folded.find(term, start + 1)
        raw.sort()
        merged: list[tuple[int, int]] = []
        for s, e in raw:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged


@functools.cache
def shared_tokenizer() -> Tokenizer:
    """The default tokenizer, built once per process: loading jieba's dictionary and the technical
    user dictionary takes over a second, and a tokenizer keeps no state between texts."""
    return Tokenizer()
