"""The columnar SCORES.csv reader (issue 17) agrees with the row-by-row one on every file: the same
table when the file is good, and a refusal (the row-by-row reader then words it) when any line is bad."""

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engines.assignment.batch import _read_scores_columnar, _read_scores_rows
from kechuang.engines.assignment.messages import AssignmentError

NAMES = st.sampled_from(["i1", "i2", "e1", "e2", "张三", " e3 ", "", "x,y", 'q"t'])
SCORES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", "abc", "nan", "inf", "-inf", "1_0", "1e3", " 0.5 ", "+1", "0x1", "1,5", "—"]),
)
ROWS = st.lists(st.tuples(NAMES, NAMES, SCORES), max_size=12)


def write(tmp_path, rows, header: bool, bom: bool):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(["item", "expert", "score"])
    writer.writerows(rows)
    path = tmp_path / "scores.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, header=st.booleans(), bom=st.booleans())
def test_columnar_and_row_by_row_agree(tmp_path, rows, header, bom):
    path = write(tmp_path, rows, header, bom)
    fast = _read_scores_columnar(path)
    try:
        slow = _read_scores_rows(path)
    except AssignmentError:
        assert fast is None  # a bad line anywhere refuses the whole file
        return
    if fast is None:
        return  # allowed: the row-by-row reader is the reference; it accepted, and it is what runs
    assert (fast.items, fast.experts) == (slow.items, slow.experts)
    assert np.array_equal(fast.item, slow.item) and np.array_equal(fast.expert, slow.expert)
    assert np.array_equal(fast.score, slow.score)


def test_one_bad_row_among_many_is_refused_and_reported(tmp_path):
    rows = [(f"i{k // 50}", f"e{k % 50}", "0.5") for k in range(100_000)]
    rows[73_456] = ("i9999", "e1", "很好")
    path = write(tmp_path, rows, header=True, bom=False)
    assert _read_scores_columnar(path) is None
    with pytest.raises(AssignmentError) as caught:
        _read_scores_rows(path)
    assert caught.value.issues[0].params["line"] == 73_458  # header + 1-based
