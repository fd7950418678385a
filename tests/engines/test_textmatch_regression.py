"""Regression on a slice of csl-dev: the first 200 abstracts and their queries.

Floors sit a few points under the figures measured when the engine was tuned (see the
comments); a change that loses more than that on this slice is a regression. The full set is
measured by ``benchmarks/textmatch_quality.py``.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from kechuang.engines.textmatch import (
    Document,
    FusionWeights,
    TextIndex,
    Tokenizer,
    Use3Encoder,
    mean_metrics,
    read_jsonl,
    read_qrels,
)

# A slice of ../shared/datasets/csl-dev kept in the repository, so a plain checkout runs this test.
DATA = Path(__file__).resolve().parents[1] / "data" / "csl_dev_slice"
N_DOCS = 200


@pytest.fixture(scope="module")
def setup():
    corpus = read_jsonl(DATA / "corpus.jsonl")[:N_DOCS]  # the slice holds exactly these
    keep = {d["id"] for d in corpus}
    qrels = {q: rel for q, rel in read_qrels(DATA / "qrels.tsv").items() if rel <= keep}
    queries = {
        name: [q for q in read_jsonl(DATA / f"queries-{name}.jsonl") if q["id"] in qrels]
        for name in ("title", "keywords-hard")
    }
    index = TextIndex(tokenizer=Tokenizer(), encoder=Use3Encoder(threads=2))
    index.add([Document(d["id"], d["text"], {"discipline": d["discipline"]}) for d in corpus])
    return index, queries, qrels


def evaluate(index, queries, qrels):
    run = {q["id"]: [h.doc_id for h in index.search(q["text"], k=100, explain=False)] for q in queries}
    return mean_metrics(run, qrels)


def test_slice_sizes(setup):
    _, queries, _ = setup
    assert len(queries["title"]) == N_DOCS and len(queries["keywords-hard"]) > 80


def test_title_queries_nearly_perfect(setup):
    index, queries, qrels = setup
    # The easy set catches gross breakage; 60 queries keep the test quick.
    assert evaluate(index, queries["title"][:60], qrels)["nDCG@10"] >= 97.0  # measured 100.0


def test_hard_keywords_floor_and_fusion_beats_bm25(setup):
    index, queries, qrels = setup
    fused = evaluate(index, queries["keywords-hard"], qrels)
    default = index.config
    index.config = replace(default, weights=FusionWeights(1, 0, 0, 0, 0))
    try:
        bm25 = evaluate(index, queries["keywords-hard"], qrels)
    finally:
        index.config = default
    # Measured: fused nDCG@10 75.4, R@100 97.0; word BM25 alone 70.7 and 77.2.
    assert fused["nDCG@10"] >= 72.0
    assert fused["R@100"] >= 92.0
    assert fused["nDCG@10"] > bm25["nDCG@10"] + 2.0
    assert fused["R@100"] > bm25["R@100"] + 10.0
