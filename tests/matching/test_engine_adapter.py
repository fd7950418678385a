"""The app's index adapter: documents follow their stamps (added, replaced, removed)."""

from kechuang.engines.textmatch import Document
from kechuang.matching import engine


def test_sync_adds_replaces_and_removes(settings):
    settings.KECHUANG_MATCH_ENCODER = "none"
    idx = engine.SyncedIndex()
    texts = {"1": "氮化硅陶瓷球烧结", "2": "高盐废水处理"}
    loads = []

    def load(ids):
        loads.append(sorted(ids))
        return [Document(i, texts[i]) for i in ids]

    idx.sync({"1": "a", "2": "a"}, load)
    assert [h.doc_id for h in idx.search("废水", k=5)] == ["2"]
    texts["2"] = "锂电池正极材料"
    idx.sync({"1": "a", "2": "b"}, load)  # only the changed record is read again
    assert loads[-1] == ["2"]
    assert idx.search("废水", k=5) == [] and [h.doc_id for h in idx.search("正极", k=5)] == ["2"]
    idx.sync({"2": "b"}, load)
    assert loads[-1] == ["2"] and len(loads) == 2  # nothing to load for a removal
    assert idx.search("陶瓷", k=5) == []


def test_encoder_choice(settings):
    settings.KECHUANG_MATCH_ENCODER = "hashing"
    assert engine.index_for("t").encoder_name == "hashing"
    assert engine.index_for("t2", dense=False).encoder_name == "none"
    settings.KECHUANG_MATCH_ENCODER = "none"
    assert engine.index_for("t").encoder_name == "none"  # a changed setting builds a new index
    engine.reset()
