"""The batch CLI ``kechuang match search`` and the engine's batch helpers behind it."""

import itertools
import json

import pytest
from django.core.management import CommandError, call_command

from kechuang.engines.textmatch import RecordError, read_jsonl
from kechuang.engines.textmatch.batch import documents_from_records

CORPUS = [
    {"id": "d1", "text": "锂离子电池正极材料的制备方法", "industry": "新能源", "tags": ["电池", "材料"]},
    {"id": "d2", "text": "卷积神经网络医学图像分割", "industry": "医疗"},
    {"id": "d3", "text": "水稻抗病基因分子标记育种", "year": 2024, "meta": {"nested": 1}},
]
QUERIES = [
    {"id": "q1", "text": "电池正极材料"},
    {"id": "q2", "text": "图像分割 神经网络"},
    {"id": "q3", "text": "量子"},
]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def run(tmp_path, corpus=CORPUS, queries=QUERIES, top="2"):
    c = corpus if not isinstance(corpus, list) else write_jsonl(tmp_path / "corpus.jsonl", corpus)
    q = queries if not isinstance(queries, list) else write_jsonl(tmp_path / "queries.jsonl", queries)
    out = tmp_path / "run.tsv"
    call_command(
        "match",
        "search",
        "--corpus",
        str(c),
        "--queries",
        str(q),
        "--top",
        top,
        "--out",
        str(out),
        "--encoder",
        "none",
    )
    return out


def test_writes_ranked_run(tmp_path, capsys):
    out = run(tmp_path)
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0][:3] == ["q1", "d1", "1"] and lines[1][0] == "q2"
    assert next(line[:3] for line in lines if line[0] == "q2") == ["q2", "d2", "1"]
    per_query = {}
    for qid, _, rank, score in lines:
        per_query.setdefault(qid, []).append((int(rank), float(score)))
    assert all(len(v) <= 2 and [r for r, _ in v] == list(range(1, len(v) + 1)) for v in per_query.values())
    assert all(a[1] >= b[1] for v in per_query.values() for a, b in itertools.pairwise(v))
    assert "q3" not in per_query  # nothing shares a word or a bigram with 量子
    err = capsys.readouterr().err
    assert "indexed 3/3" in err and "searched 3/3" in err


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "must be an object"),
        ('{"id": "d9"}', "'text'"),
        ('{"id": 5, "text": "x"}', "'id'"),
        ('{"id": "d1", "text": "重复"}', "duplicate id"),
    ],
)
def test_malformed_line_is_reported_and_nothing_written(tmp_path, bad_line, message):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", CORPUS)
    corpus.write_text(corpus.read_text(encoding="utf-8") + bad_line + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=rf"corpus.jsonl:4: .*{message}"):
        run(tmp_path, corpus=corpus)
    assert not (tmp_path / "run.tsv").exists()


def test_bad_query_file_and_arguments(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "text": "电池"}\n\n{"id": "q2", "text": ""}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"q.jsonl:3: "):
        run(tmp_path, queries=queries)
    with pytest.raises(CommandError):
        run(tmp_path, top="0")
    with pytest.raises(CommandError, match="file not found"):
        run(tmp_path, corpus=tmp_path / "missing.jsonl")
    assert not (tmp_path / "run.tsv").exists()


def test_existing_output_untouched_on_error(tmp_path):
    out = tmp_path / "run.tsv"
    out.write_text("old\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t"}\n{"id": "y"\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.jsonl:2"):
        run(tmp_path, corpus=bad)
    assert out.read_text() == "old\n"


def test_read_jsonl_error_carries_line_and_code(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "t"}\n{"id": "a", "text": "u"}\n', encoding="utf-8")
    with pytest.raises(RecordError) as info:
        read_jsonl(path)
    assert info.value.line == 2 and info.value.code == "duplicate_id"


def test_documents_from_records_keeps_filterable_fields():
    docs = documents_from_records(CORPUS)
    assert docs[0].fields == {"industry": "新能源", "tags": ["电池", "材料"]}
    assert docs[2].fields == {"year": "2024"}
