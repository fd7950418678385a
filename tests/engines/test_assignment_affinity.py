"""Affinity for assignment: BM25 over expert profiles when no matching-engine scorer is given."""

from __future__ import annotations

import numpy as np
import pytest

from kechuang.engines.assignment import affinity_matrix


def test_bm25_fallback_ranks_the_matching_profile_first():
    items = ["基于深度学习的锂电池健康状态估计", "高速公路桥梁结构健康监测与预警"]
    experts = [
        "研究方向：桥梁工程，结构健康监测，传感器网络",
        "研究方向：锂离子电池管理系统，电池健康状态估计，深度学习",
        "研究方向：中药化学，药物分析",
    ]
    a = affinity_matrix(items, experts)
    assert a.shape == (2, 3)
    assert a[0].argmax() == 1 and a[1].argmax() == 0
    assert np.allclose(a.max(axis=1), 1.0)
    assert a[:, 2].max() < 0.2


def test_custom_scorer_is_used_and_normalised_per_item():
    def scorer(items, experts):
        return np.array([[2.0, 4.0], [0.0, 0.0]])

    a = affinity_matrix(["x", "y"], ["p", "q"], scorer=scorer)
    assert a.tolist() == [[0.5, 1.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="shape"):
        affinity_matrix(["x"], ["p", "q"], scorer=scorer)
