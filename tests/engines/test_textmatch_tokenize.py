"""Segmentation, bigrams and highlight spans of the textmatch tokenizer."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engines.textmatch import DEFAULT_USERDICT, Tokenizer, char_bigrams, normalize


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


def test_userdict_keeps_technical_terms_whole(tok):
    plain = Tokenizer(userdicts=[], search_mode=False)
    with_dict = Tokenizer(search_mode=False)
    text = "采用卷积神经网络与数字孪生技术"
    assert "数字孪生" not in plain.words(text)  # jieba's default dictionary splits it
    assert "数字孪生" in with_dict.words(text)
    assert "卷积神经网络" in with_dict.words(text)


def test_search_mode_adds_sub_words(tok):
    # jieba's search mode adds the dictionary's 2- and 3-character words inside a long word.
    words = tok.words("卷积神经网络")
    assert "卷积神经网络" in words and {"卷积", "神经", "网络"} <= set(words)


def test_extra_words_are_segmented_whole():
    tok = Tokenizer(userdicts=[], extra_words=["平方和优化"], search_mode=False)
    assert "平方和优化" in tok.words("基于平方和优化的控制器")


def test_stopwords_punctuation_single_chars_and_numbers_dropped(tok):
    words = tok.words("本文研究了锂离子电池的热失控，结果表明：温度 120 ℃ 时。")
    assert "本文" not in words and "结果表明" not in words and "的" not in words
    assert "120" not in words and "，" not in words
    assert "锂离子电池" in words
    assert "失控" in words or "热失控" in words


def test_normalize_folds_width_and_case():
    assert normalize("ＬＳＴＭ模型５Ｇ") == "lstm模型5g"


def test_char_bigrams():
    assert char_bigrams("锂电池 lstm-net 网") == ["锂电", "电池", "网", "lstm-net"]
    assert char_bigrams("") == []


def test_userdict_file_is_shipped():
    lines = DEFAULT_USERDICT.read_text(encoding="utf-8").split()
    assert len(lines) > 300 and "人工智能" in lines


def test_spans_map_to_original_text(tok):
    text = "基于ＬＳＴＭ的锂电池寿命预测，锂电池"
    spans = tok.spans(text, ["lstm", "锂电池"])
    assert [text[s:e] for s, e in spans] == ["ＬＳＴＭ", "锂电池", "锂电池"]


def test_spans_merge_overlaps(tok):
    assert tok.spans("神经网络模型", ["神经网络", "网络模型"]) == [(0, 6)]


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet="锂电池神经网络ａｂcd 。,", max_size=30),
    terms=st.lists(st.sampled_from(["锂电", "网络", "ab", "池"]), max_size=3),
)
def test_spans_property(tok, text, terms):
    spans = tok.spans(text, terms)
    # Sorted, disjoint, in bounds, and every span's folded text contains a requested term.
    assert spans == sorted(spans)
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 < s2  # touching spans are merged
    for s, e in spans:
        assert 0 <= s < e <= len(text)
        assert any(t in normalize(text[s:e]) for t in terms)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=60))
def test_words_never_contain_stopwords_or_blanks(tok, text):
    for w in tok.words(text):
        assert w == w.strip() and len(w) >= 2 and w not in tok.stopwords
