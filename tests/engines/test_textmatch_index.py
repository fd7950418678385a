"""TextIndex: incremental add/update/remove, filters, fusion and explanations."""

import html
import itertools
from dataclasses import replace

import numpy as np
import pytest

from kechuang.engines.textmatch import (
    CachedEncoder,
    Document,
    FusionWeights,
    HashingEncoder,
    SearchConfig,
    TextIndex,
    Tokenizer,
    highlight,
)

DOCS = [
    Document(
        "a1", "一种锂离子电池正极材料的制备方法，提高了电池的循环寿命和能量密度。", {"industry": "新能源"}
    ),
    Document("a2", "基于卷积神经网络的医学图像分割方法，在肺部CT数据上取得较高精度。", {"industry": "医疗"}),
    Document("a3", "水稻抗病基因的分子标记辅助育种技术及其田间试验。", {"industry": "农业"}),
    Document("a4", "光伏发电系统的最大功率点跟踪控制策略与逆变器设计。", {"industry": ["新能源", "装备"]}),
    Document("a5", "面向智能制造的工业机器人视觉定位与抓取系统。", {"industry": "装备"}),
]


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer()


@pytest.fixture
def index(tokenizer):
    idx = TextIndex(tokenizer=tokenizer, encoder=HashingEncoder())
    idx.add(DOCS)
    return idx


def ids(hits):
    return [h.doc_id for h in hits]


def test_search_ranks_the_matching_document_first(index):
    hits = index.search("锂电池正极材料", k=3)
    assert hits[0].doc_id == "a1"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_incremental_add_is_searchable_at_once(index):
    assert "钙钛矿" not in " ".join(d.text for d in DOCS)
    assert index.search("钙钛矿太阳能电池", k=5)[0].doc_id != "n1"
    index.add([Document("n1", "钙钛矿太阳能电池的界面钝化与稳定性研究。", {"industry": "新能源"})])
    assert index.search("钙钛矿太阳能电池", k=5)[0].doc_id == "n1"
    assert len(index) == 6


def test_update_replaces_text_and_fields(index):
    index.update([Document("a3", "高速铁路桥梁的振动监测与健康管理。", {"industry": "交通"})])
    assert len(index) == 5
    assert "a3" not in ids(index.search("水稻育种", k=5))
    assert index.search("桥梁振动监测", k=1)[0].doc_id == "a3"
    assert ids(index.search("桥梁", k=5, filters={"industry": "交通"})) == ["a3"]
    assert index.search("桥梁", k=5, filters={"industry": "农业"}) == []


def test_remove(index):
    assert index.remove(["a1", "missing"]) == 1
    assert "a1" not in index
    assert "a1" not in ids(index.search("锂离子电池正极材料", k=5))


def test_filters_any_value_and_all_fields(index):
    hits = index.search("系统 控制 电池", k=5, filters={"industry": "新能源"})
    assert set(ids(hits)) <= {"a1", "a4"} and hits
    hits = index.search("系统", k=5, filters={"industry": ["装备", "医疗"]})
    assert set(ids(hits)) <= {"a2", "a4", "a5"}
    assert index.search("系统", k=5, filters={"unknown_field": "x"}) == []


def test_compact_keeps_results(index):
    index.remove(["a3"])
    before = index.search("神经网络 图像 系统", k=4)
    index.compact()
    after = index.search("神经网络 图像 系统", k=4)
    assert len(index) == 4 and ids(after) == ids(before) and "a3" not in ids(after)
    assert [h.score for h in after] == pytest.approx([h.score for h in before])


def test_fusion_weights_change_the_ranking(tokenizer):
    # d1 shares the query's word; d2 only its characters in another order (bigram signal).
    docs = [
        Document("d1", "电池管理系统"),
        Document("d2", "池电理管统系电池管理"),
        Document("d3", "无关内容文本"),
    ]
    words_only = TextIndex(tokenizer, config=SearchConfig(weights=FusionWeights(1, 0, 0, 0, 0)))
    words_only.add(docs)
    bigrams_only = TextIndex(tokenizer, config=SearchConfig(weights=FusionWeights(0, 1, 0, 0, 0)))
    bigrams_only.add(docs)
    w = words_only.search("电池管理", k=3)
    b = bigrams_only.search("电池管理", k=3)
    assert w[0].signals["word"] == pytest.approx(1.0)  # max-normalised per query
    assert w[0].score == pytest.approx(1.0)
    assert b[0].signals["bigram"] == pytest.approx(1.0)
    assert "d3" not in ids(w) and "d3" not in ids(b)


def test_fused_score_is_the_weighted_sum_of_signals(index):
    weights = index.config.weights
    for hit in index.search("神经网络图像分割", k=5):
        expected = sum(getattr(weights, name) * value for name, value in hit.signals.items())
        assert hit.score == pytest.approx(expected)


def test_dense_only_index_finds_without_shared_words(tokenizer):
    cfg = SearchConfig(weights=FusionWeights(0, 0, 1, 0, 0))
    idx = TextIndex(tokenizer, encoder=HashingEncoder(), config=cfg)
    idx.add(DOCS)
    hits = idx.search("图像分割", k=1)
    assert hits[0].doc_id == "a2" and hits[0].signals["dense"] == pytest.approx(1.0)


def test_explanation_shared_terms_and_highlight(index):
    hit = index.search("卷积神经网络 图像分割", k=1)[0]
    ex = hit.explanation
    assert hit.doc_id == "a2"
    assert "卷积神经网络" in ex.shared_terms and "图像分割" in ex.shared_terms
    text = index.get("a2").text
    marked = highlight(text, ex.spans)
    assert "【卷积神经网络】" in marked and "【图像分割】" in marked
    assert [text[s:e] for s, e, kind in ex.spans if kind == "shared"] == ["卷积神经网络", "图像分割"]
    assert ex.code == "textmatch.match" and "共同词" in ex.default_text
    assert ex.snippet == text[ex.snippet_start : ex.snippet_start + len(ex.snippet)]
    assert [ex.snippet[s:e] for s, e, _ in ex.snippet_spans] == [text[s:e] for s, e, _ in ex.spans]
    marked_html = highlight(
        "a<b 图像", [(4, 6, "shared")], {"shared": ("<mark>", "</mark>")}, escape=html.escape
    )
    assert marked_html == "a&lt;b <mark>图像</mark>"


def test_related_terms_come_from_feedback(tokenizer):
    # Query words appear in d1 and d2; d2 also says "储能", which feedback should associate.
    docs = [
        Document("d1", "锂电池 储能 电站 储能 系统"),
        Document("d2", "锂电池 储能 安全 储能"),
        Document("d3", "储能 调峰 电网 储能 调频"),
        Document("d4", "小麦 育种"),
    ]
    cfg = SearchConfig(weights=FusionWeights(1, 0, 0, 1, 0), prf_docs=2, prf_terms=5)
    idx = TextIndex(tokenizer, config=cfg)
    idx.add(docs)
    hits = idx.search("锂电池", k=3)
    assert ids(hits)[:2] in (["d1", "d2"], ["d2", "d1"])
    assert "d3" in ids(hits)  # reached only through the expansion word 储能
    d3 = next(h for h in hits if h.doc_id == "d3")
    assert "储能" in [t for t, _ in d3.explanation.related_terms]
    assert d3.explanation.shared_terms == []


def test_empty_and_odd_queries(index):
    assert index.search("", k=5) == [] or all(h.score > 0 for h in index.search("", k=5))
    assert index.search("。。。", k=0) == []
    assert TextIndex(index.tokenizer).search("电池") == []


def test_rejects_empty_id(index):
    with pytest.raises(ValueError):
        index.add([Document("", "文本")])


class CountingEncoder(HashingEncoder):
    def __init__(self):
        super().__init__(dim=32)
        self.calls = 0

    def encode(self, texts):
        self.calls += len(texts)
        return super().encode(texts)


def test_cached_encoder_persists_vectors(tmp_path):
    inner = CountingEncoder()
    first = CachedEncoder(inner, tmp_path)
    v1 = first.encode(["甲乙丙", "丁戊己", "甲乙丙"])
    assert inner.calls == 2  # a repeated text is encoded once
    second = CachedEncoder(inner, tmp_path)  # a new process would see the same files
    v2 = second.encode(["丁戊己", "甲乙丙"])
    assert inner.calls == 2 and second.hits == 2
    np.testing.assert_array_equal(v2, v1[[1, 0]])
    second.encode_query("查询")
    assert len(list(tmp_path.rglob("*.keys.npy"))) == 1  # queries are not cached
    assert np.linalg.norm(v1, axis=1) == pytest.approx(1.0)


def test_index_with_cached_encoder_survives_replace_config(tmp_path, tokenizer):
    idx = TextIndex(tokenizer, encoder=CachedEncoder(HashingEncoder(), tmp_path))
    idx.add(DOCS)
    idx.config = replace(idx.config, prf_docs=0)
    assert idx.search("光伏逆变器", k=1)[0].doc_id == "a4"


def test_save_and_load_round_trip(tmp_path, index, tokenizer):
    index.remove(["a5"])
    path = tmp_path / "index.pkl"
    index.save(path)
    loaded = TextIndex.load(path, tokenizer=tokenizer, encoder=HashingEncoder())
    assert sorted(loaded.ids()) == sorted(index.ids())
    for query in ("锂电池正极", "图像分割"):
        assert [(h.doc_id, h.score) for h in loaded.search(query)] == [
            (h.doc_id, h.score) for h in index.search(query)
        ]
    loaded.add([Document("n2", "氢燃料电池电堆")])
    assert loaded.search("燃料电池", k=1)[0].doc_id == "n2"
    with pytest.raises(ValueError, match="encoder"):
        TextIndex.load(path, tokenizer=tokenizer, encoder=None)


def test_non_string_field_values_filter_as_strings(tokenizer):
    idx = TextIndex(tokenizer)
    idx.add([Document("y1", "电池材料", {"year": 2024}), Document("y2", "电池系统", {"year": 2023})])
    assert ids(idx.search("电池", filters={"year": 2024})) == ["y1"]
    assert set(ids(idx.search("电池", filters={"year": ["2023", 2024]}))) == {"y1", "y2"}
    idx.remove(["y1"])
    assert idx.search("电池", filters={"year": 2024}) == []
