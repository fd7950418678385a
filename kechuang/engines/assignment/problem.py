"""The assignment instance: eligible (item, expert) pairs with affinities, panel sizes, loads, organisations.

Items are applications (申报) to review, experts are reviewers; both are numbered ``0..n-1`` and the
caller keeps the mapping to its own ids (``item_labels``/``expert_labels`` are only used in messages
and in the input digest).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .messages import invalid


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """A validated instance. Build it with :func:`make_problem` or :func:`from_dense`.

    Attributes (``m`` eligible pairs, sorted by item then expert, no duplicates, no conflicted pair):
        item, expert: int64 ``(m,)`` pair endpoints.
        score: float64 ``(m,)`` affinity (higher is better, any finite real; typically 0..1).
        per_item: int64 ``(n_items,)`` panel size K_i.
        min_load, max_load: int64 ``(n_experts,)`` bounds on the number of items per expert.
        expert_org: int64 ``(n_experts,)`` organisation id (-1 = unknown, never grouped) or None.
        max_per_org: at most this many experts of one organisation on one item (T), or None.
    """

    n_items: int
    n_experts: int
    item: np.ndarray
    expert: np.ndarray
    score: np.ndarray
    per_item: np.ndarray
    min_load: np.ndarray
    max_load: np.ndarray
    expert_org: np.ndarray | None = None
    max_per_org: int | None = None
    item_labels: tuple[str, ...] | None = None
    expert_labels: tuple[str, ...] | None = None

    @property
    def n_pairs(self) -> int:
        return int(self.item.shape[0])

    def item_label(self, i: int) -> str:
        return self.item_labels[i] if self.item_labels is not None else str(i)

    def expert_label(self, j: int) -> str:
        return self.expert_labels[j] if self.expert_labels is not None else str(j)

    def pair_index(self, item: np.ndarray, expert: np.ndarray) -> np.ndarray:
        """Index into the pair arrays of each (item, expert), -1 where the pair is not eligible."""
        keys = self.item * self.n_experts + self.expert
        q = np.asarray(item, dtype=np.int64) * self.n_experts + np.asarray(expert, dtype=np.int64)
        pos = np.searchsorted(keys, q)
        pos_c = np.minimum(pos, max(len(keys) - 1, 0))
        found = (pos < len(keys)) & (keys[pos_c] == q) if len(keys) else np.zeros(q.shape, bool)
        return np.where(found, pos_c, -1)

    def digest(self) -> str:
        """SHA-256 of a canonical encoding of every input that can change a result."""
        h = hashlib.sha256(b"kechuang.assignment.problem/1\0")
        h.update(np.array([self.n_items, self.n_experts, self.max_per_org or 0], dtype="<i8").tobytes())
        for arr, dt in (
            (self.item, "<i8"),
            (self.expert, "<i8"),
            (self.score, "<f8"),
            (self.per_item, "<i8"),
            (self.min_load, "<i8"),
            (self.max_load, "<i8"),
        ):
            h.update(np.ascontiguousarray(arr, dtype=dt).tobytes())
            h.update(b"|")
        if self.expert_org is not None:
            h.update(np.ascontiguousarray(self.expert_org, dtype="<i8").tobytes())
        h.update(b"|")
        for labels in (self.item_labels, self.expert_labels):
            if labels is not None:
                h.update("\x1f".join(labels).encode())
            h.update(b"|")
        return "sha256:" + h.hexdigest()


def _per(value, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise invalid(name, f"must be a scalar or have length {n}")
    if not np.all(np.equal(np.mod(arr, 1), 0)):
        raise invalid(name, "must be whole numbers")
    arr = arr.astype(np.int64)
    if (arr < 0).any():
        raise invalid(name, "must not be negative")
    return arr


def make_problem(
    item,
    expert,
    score,
    *,
    n_items: int,
    n_experts: int,
    per_item,
    max_load,
    min_load=0,
    conflicts: tuple | None = None,
    expert_org=None,
    max_per_org: int | None = None,
    item_labels=None,
    expert_labels=None,
) -> AssignmentProblem:
    """Validate and normalise an instance.

    Args:
        item, expert, score: ``(m,)`` eligible pairs and their affinity; a pair that is absent is not
            eligible. Duplicate pairs are an error. Non-finite scores are an error.
        n_items, n_experts: sizes of the index ranges.
        per_item: K, scalar or ``(n_items,)``.
        max_load, min_load: scalar or ``(n_experts,)``.
        conflicts: optional ``(items, experts)`` arrays of conflicted pairs, removed from the pairs
            (they are never assigned, whatever their score).
        expert_org: optional ``(n_experts,)`` organisation ids (-1 = unknown) for ``max_per_org``.
        max_per_org: T, at most this many experts of one organisation on one item.
    """
    n_items, n_experts = int(n_items), int(n_experts)
    if n_items < 0 or n_experts < 0:
        raise invalid("n_items/n_experts", "must not be negative")
    item = np.asarray(item, dtype=np.int64).ravel()
    expert = np.asarray(expert, dtype=np.int64).ravel()
    score = np.asarray(score, dtype=np.float64).ravel()
    if not (item.shape == expert.shape == score.shape):
        raise invalid("item/expert/score", "must have the same length")
    if len(item) and (item.min() < 0 or item.max() >= n_items):
        raise invalid("item", f"must be in 0..{n_items - 1}")
    if len(expert) and (expert.min() < 0 or expert.max() >= n_experts):
        raise invalid("expert", f"must be in 0..{n_experts - 1}")
    if not np.isfinite(score).all():
        bad = int(np.flatnonzero(~np.isfinite(score))[0])
        raise invalid("score", f"must be finite (pair {int(item[bad])},{int(expert[bad])})")
    keys = item * max(n_experts, 1) + expert
    if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
        order = np.argsort(keys, kind="stable")
        keys, item, expert, score = keys[order], item[order], expert[order], score[order]
        dup = np.flatnonzero(keys[1:] == keys[:-1])
        if len(dup):
            k = int(dup[0]) + 1
            raise invalid("score", f"has the pair {int(item[k])},{int(expert[k])} twice")
    if conflicts is not None and len(conflicts[0]):
        ci = np.asarray(conflicts[0], dtype=np.int64).ravel()
        cj = np.asarray(conflicts[1], dtype=np.int64).ravel()
        if ci.shape != cj.shape:
            raise invalid("conflicts", "item and expert arrays must have the same length")
        keep = ~np.isin(keys, ci * max(n_experts, 1) + cj)
        item, expert, score = item[keep], expert[keep], score[keep]
    per_item_a = _per(per_item, n_items, "per_item")
    max_a = _per(max_load, n_experts, "max_load")
    min_a = _per(min_load, n_experts, "min_load")
    org = None
    if expert_org is not None:
        org = np.asarray(expert_org, dtype=np.int64).ravel()
        if org.shape != (n_experts,):
            raise invalid("expert_org", f"must have length {n_experts}")
    if max_per_org is not None:
        max_per_org = int(max_per_org)
        if max_per_org < 1:
            raise invalid("max_per_org", "must be at least 1")
        if org is None:
            raise invalid("expert_org", "is required with max_per_org")
    labels_i = tuple(str(x) for x in item_labels) if item_labels is not None else None
    labels_e = tuple(str(x) for x in expert_labels) if expert_labels is not None else None
    if labels_i is not None and len(labels_i) != n_items:
        raise invalid("item_labels", f"must have length {n_items}")
    if labels_e is not None and len(labels_e) != n_experts:
        raise invalid("expert_labels", f"must have length {n_experts}")
    return AssignmentProblem(
        n_items=n_items,
        n_experts=n_experts,
        item=item,
        expert=expert,
        score=score,
        per_item=per_item_a,
        min_load=min_a,
        max_load=max_a,
        expert_org=org,
        max_per_org=max_per_org,
        item_labels=labels_i,
        expert_labels=labels_e,
    )


def from_dense(
    scores: np.ndarray,
    *,
    per_item,
    max_load,
    min_load=0,
    conflict_mask: np.ndarray | None = None,
    top_k: int | None = None,
    **kwargs,
) -> AssignmentProblem:
    """Build an instance from a dense ``(n_items, n_experts)`` affinity matrix.

    ``conflict_mask`` (same shape, True = conflict) removes pairs; ``top_k`` keeps only the ``top_k``
    best non-conflicted experts of each item (the sparse candidate lists used at large scale).
    NaN scores mark ineligible pairs.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise invalid("scores", "must be a 2-D matrix (items × experts)")
    n_items, n_experts = scores.shape
    eligible = ~np.isnan(scores)
    if conflict_mask is not None:
        if conflict_mask.shape != scores.shape:
            raise invalid("conflict_mask", "must have the shape of scores")
        eligible &= ~conflict_mask
    if top_k is not None and top_k < n_experts:
        masked = np.where(eligible, scores, -np.inf)
        top = np.argpartition(-masked, top_k - 1, axis=1)[:, :top_k]
        ii = np.repeat(np.arange(n_items), top_k)
        jj = top.ravel()
        keep = eligible[ii, jj]
        ii, jj = ii[keep], jj[keep]
    else:
        ii, jj = np.nonzero(eligible)
    return make_problem(
        ii,
        jj,
        scores[ii, jj],
        n_items=n_items,
        n_experts=n_experts,
        per_item=per_item,
        max_load=max_load,
        min_load=min_load,
        **kwargs,
    )
