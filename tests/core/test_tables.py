"""core.tables.TableWriter: result tables of the command lines written chunk by chunk, atomically."""

import polars as pl
import pytest

from kechuang.core.tables import TableWriter


def _chunks():
    yield pl.DataFrame({"uscc": ["A1", "=1+1"], "score": [1, None]})
    yield pl.DataFrame({"uscc": ["-5", "B2"], "score": [3, 4]})


def test_csv_chunks_make_one_table_with_one_header_and_formulas_defused(tmp_path):
    out = tmp_path / "r.csv"
    with TableWriter(out) as writer:
        for chunk in _chunks():
            writer.write(chunk)
    assert writer.rows == 4
    assert out.read_text().splitlines() == ["uscc,score", "A1,1", "'=1+1,", "'-5,3", "B2,4"]


def test_parquet_chunks_make_one_file_with_the_values_as_they_are(tmp_path):
    out = tmp_path / "r.parquet"
    with TableWriter(out) as writer:
        for chunk in _chunks():
            writer.write(chunk)
    assert pl.read_parquet(out).equals(pl.concat(list(_chunks())))
    assert [p.name for p in tmp_path.iterdir()] == ["r.parquet"]  # the parts are gone


@pytest.mark.parametrize("name", ["r.csv", "r.parquet"])
def test_a_failure_leaves_nothing_behind(tmp_path, name):
    with pytest.raises(RuntimeError), TableWriter(tmp_path / name) as writer:
        writer.write(next(_chunks()))
        raise RuntimeError("the computation failed half way")
    assert list(tmp_path.iterdir()) == []
