"""The incremental BM25 field: same scores as bm25s, and add/remove equal a fresh build."""

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engines.textmatch.bm25 import BM25Field

CORPUS = [
    ["锂电池", "正极", "材料", "锂电池"],
    ["神经网络", "图像", "识别"],
    ["锂电池", "寿命", "预测", "神经网络"],
    ["水稻", "育种", "基因"],
    ["图像", "分割", "医学", "图像", "图像"],
]


def build(docs, delta_limit=2000):
    field = BM25Field(delta_limit=delta_limit)
    for d in docs:
        field.append(d)
    return field


def test_scores_equal_bm25s_lucene():
    field = build(CORPUS)
    reference = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    reference.index(CORPUS, show_progress=False)
    for query in (["锂电池"], ["图像", "神经网络"], ["锂电池", "预测", "基因"]):
        ours = field.scores(field.known(query))
        theirs = reference.get_scores(query)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_unknown_terms_score_zero():
    field = build(CORPUS)
    assert field.known(["量子"]) == {}
    assert not field.scores({}).any()


def test_add_after_search_uses_live_statistics():
    field = build(CORPUS[:3])
    field.scores(field.known(["锂电池"]))  # builds the base segment
    for d in CORPUS[3:]:
        field.append(d)
    fresh = build(CORPUS)
    query = field.known(["图像", "锂电池", "分割"])
    np.testing.assert_allclose(field.scores(query), fresh.scores(fresh.known(["图像", "锂电池", "分割"])))


def test_delta_folds_into_base():
    field = build(CORPUS[:2], delta_limit=1)
    field.scores(field.known(["图像"]))
    for d in CORPUS[2:]:
        field.append(d)
    fresh = build(CORPUS)
    np.testing.assert_allclose(field.scores(field.known(["图像"])), fresh.scores(fresh.known(["图像"])))


words = st.lists(st.sampled_from(["甲", "乙", "丙", "丁", "戊"]), min_size=1, max_size=6)


@settings(max_examples=80, deadline=None)
@given(docs=st.lists(words, min_size=2, max_size=8), dead=st.sets(st.integers(0, 7)), query=words)
def test_removed_rows_are_as_if_never_added(docs, dead, query):
    dead = {i for i in dead if i < len(docs)}
    if len(dead) == len(docs):
        dead.pop()
    field = build(docs, delta_limit=3)
    field.scores(field.known(query))
    for i in dead:
        field.kill(i)
    kept = [d for i, d in enumerate(docs) if i not in dead]
    fresh = build(kept)
    got = field.scores(field.known(query))
    assert all(got[i] == 0 for i in dead)
    np.testing.assert_allclose(np.delete(got, sorted(dead)), fresh.scores(fresh.known(query)), rtol=1e-9)
