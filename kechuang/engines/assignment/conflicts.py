"""Conflicts of interest (回避) for a whole review round at once, each with its reasons.

Everything is a sort-and-search equi-join over integer ids, so the cost grows with the number of
conflicts found, not with applications × experts. Ids are the caller's integers (database primary keys
are fine); a negative id means "unknown" and never matches anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from .messages import invalid


class Reason(enum.IntFlag):
    """Reason bits; a pair can have several."""

    APPLICANT_ORG = 1  # expert works at the applicant organisation
    TEAM_ORG = 2  # expert works at the organisation of a team member
    DECLARED = 4  # declared conflict (by the applicant or the expert)
    COLLABORATOR = 8  # shared achievement/project with a team member since `since_year`
    SAME_DISTRICT = 16  # same district as the applicant, where the call requires it
    OWN_APPLICATION = 32  # the expert is on the application's team


REASON_CODES: dict[Reason, tuple[str, str, str]] = {
    # reason -> (code, Chinese default text, English text)
    Reason.APPLICANT_ORG: (
        "conflict_applicant_org",
        "专家与申报单位同属一个单位",
        "same organisation as the applicant",
    ),
    Reason.TEAM_ORG: (
        "conflict_team_org",
        "专家与项目组成员同属一个单位",
        "same organisation as a team member",
    ),
    Reason.DECLARED: ("conflict_declared", "已声明回避", "declared conflict"),
    Reason.COLLABORATOR: (
        "conflict_collaborator",
        "专家近年与项目组成员有合作成果或共同承担项目",
        "recent collaborator of a team member",
    ),
    Reason.SAME_DISTRICT: (
        "conflict_same_district",
        "专家与申报单位在同一区县（本批次要求回避）",
        "same district",
    ),
    Reason.OWN_APPLICATION: (
        "conflict_own_application",
        "专家本人参与该项申报",
        "the expert's own application",
    ),
}


def reason_codes(bits: int) -> list[str]:
    """Message codes of a reason bitmask, in a stable order."""
    return [REASON_CODES[r][0] for r in Reason if bits & r]


def _ids(values, n: int | None, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.int64).ravel()
    if n is not None and arr.shape != (n,):
        raise invalid(name, f"must have length {n}")
    return arr


@dataclass(frozen=True, eq=False)
class ConflictInputs:
    """Everything conflicts are computed from (plain arrays of integer ids, -1 = unknown).

    Applications (n_apps):
        app_org: ``(n_apps,)`` applicant organisation.
        app_district: ``(n_apps,)`` applicant's district.
        district_rule: ``(n_apps,)`` bool, or one bool for the round: the call requires experts from
            another district.
    Team members, one row per (application, member), the principal investigator included:
        member_app: ``(n_members,)`` application index 0..n_apps-1.
        member_person: ``(n_members,)`` person id.
        member_org: ``(n_members,)`` organisation id.
    Experts (n_experts):
        expert_org, expert_district, expert_person: ``(n_experts,)``.
    Collaborations (edges between persons, undirected):
        collab_a, collab_b, collab_year: ``(n_edges,)``; an edge counts when year ≥ ``since_year``
        (e.g. since_year = this year − 2 for "the last three years"). ``since_year=None`` counts all.
    Declared conflicts:
        declared_app, declared_expert: ``(n_declared,)`` pairs of indices.
    """

    app_org: np.ndarray
    app_district: np.ndarray
    expert_org: np.ndarray
    expert_district: np.ndarray
    expert_person: np.ndarray
    member_app: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    member_person: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    member_org: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    collab_a: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    collab_b: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    collab_year: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    since_year: int | None = None
    declared_app: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    declared_expert: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    district_rule: np.ndarray | bool = False

    def __post_init__(self):
        n_apps = len(np.asarray(self.app_org).ravel())
        n_exp = len(np.asarray(self.expert_org).ravel())
        norm = {
            "app_org": _ids(self.app_org, None, "app_org"),
            "app_district": _ids(self.app_district, n_apps, "app_district"),
            "expert_org": _ids(self.expert_org, None, "expert_org"),
            "expert_district": _ids(self.expert_district, n_exp, "expert_district"),
            "expert_person": _ids(self.expert_person, n_exp, "expert_person"),
        }
        member_app = _ids(self.member_app, None, "member_app")
        norm["member_app"] = member_app
        norm["member_person"] = _ids(self.member_person, len(member_app), "member_person")
        norm["member_org"] = _ids(self.member_org, len(member_app), "member_org")
        if len(member_app) and (member_app.min() < 0 or member_app.max() >= n_apps):
            raise invalid("member_app", f"must be in 0..{n_apps - 1}")
        ca = _ids(self.collab_a, None, "collab_a")
        norm["collab_a"] = ca
        norm["collab_b"] = _ids(self.collab_b, len(ca), "collab_b")
        norm["collab_year"] = _ids(self.collab_year, len(ca), "collab_year")
        da = _ids(self.declared_app, None, "declared_app")
        de = _ids(self.declared_expert, len(da), "declared_expert")
        if len(da) and (da.min() < 0 or da.max() >= n_apps or de.min() < 0 or de.max() >= n_exp):
            raise invalid("declared_app/declared_expert", "must be valid application/expert indices")
        norm["declared_app"], norm["declared_expert"] = da, de
        rule = np.asarray(self.district_rule, dtype=bool)
        norm["district_rule"] = (
            np.full(n_apps, bool(rule)) if rule.ndim == 0 else _ids(rule, n_apps, "district_rule") > 0
        )
        for k, v in norm.items():
            object.__setattr__(self, k, v)

    @property
    def n_apps(self) -> int:
        return len(self.app_org)

    @property
    def n_experts(self) -> int:
        return len(self.expert_org)


@dataclass(frozen=True, eq=False)
class ConflictSet:
    """Conflicted pairs, sorted by (app, expert), each with a :class:`Reason` bitmask.

    ``app``, ``expert``: int64 ``(c,)``; ``reasons``: uint8 ``(c,)``.
    """

    app: np.ndarray
    expert: np.ndarray
    reasons: np.ndarray
    n_apps: int
    n_experts: int

    def __len__(self) -> int:
        return len(self.app)

    def mask(self) -> np.ndarray:
        """Dense bool ``(n_apps, n_experts)`` (only for small rounds)."""
        out = np.zeros((self.n_apps, self.n_experts), bool)
        out[self.app, self.expert] = True
        return out

    def reasons_of(self, app: int, expert: int) -> int:
        keys = self.app * self.n_experts + self.expert
        k = app * self.n_experts + expert
        pos = int(np.searchsorted(keys, k))
        return int(self.reasons[pos]) if pos < len(keys) and keys[pos] == k else 0

    def count_by_reason(self) -> dict[str, int]:
        return {REASON_CODES[r][0]: int(((self.reasons & r) > 0).sum()) for r in Reason}


def equi_join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (li, ri) with ``left[li] == right[ri]``; negative keys never match."""
    order = np.argsort(right, kind="stable")
    rs = right[order]
    lo = np.searchsorted(rs, left, side="left")
    hi = np.searchsorted(rs, left, side="right")
    counts = np.where(left >= 0, hi - lo, 0)
    li = np.repeat(np.arange(len(left)), counts)
    starts = np.repeat(lo, counts)
    within = np.arange(len(li)) - np.repeat(np.cumsum(counts) - counts, counts)
    return li, order[starts + within]


def _recent_edges(inp: ConflictInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = (inp.collab_a >= 0) & (inp.collab_b >= 0) & (inp.collab_a != inp.collab_b)
    if inp.since_year is not None:
        keep &= inp.collab_year >= inp.since_year
    a, b, y = inp.collab_a[keep], inp.collab_b[keep], inp.collab_year[keep]
    return np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([y, y])


def compute_conflicts(inp: ConflictInputs) -> ConflictSet:
    """Every conflicted (application, expert) pair of the round with its reasons."""
    n_exp = max(inp.n_experts, 1)
    apps: list[np.ndarray] = []
    exps: list[np.ndarray] = []
    bits: list[np.ndarray] = []

    def add(a: np.ndarray, e: np.ndarray, reason: Reason) -> None:
        apps.append(a)
        exps.append(e)
        bits.append(np.full(len(a), int(reason), np.uint8))

    li, ri = equi_join(inp.app_org, inp.expert_org)
    add(li, ri, Reason.APPLICANT_ORG)
    li, ri = equi_join(inp.member_org, inp.expert_org)
    add(inp.member_app[li], ri, Reason.TEAM_ORG)
    add(inp.declared_app, inp.declared_expert, Reason.DECLARED)
    ea, eb, _ = _recent_edges(inp)
    if len(ea) and len(inp.member_person):
        mi, ei = equi_join(inp.member_person, ea)
        ci, xi = equi_join(eb[ei], inp.expert_person)
        add(inp.member_app[mi[ci]], xi, Reason.COLLABORATOR)
    ruled = np.flatnonzero(inp.district_rule)
    if len(ruled):
        li, ri = equi_join(inp.app_district[ruled], inp.expert_district)
        add(ruled[li], ri, Reason.SAME_DISTRICT)
    li, ri = equi_join(inp.member_person, inp.expert_person)
    add(inp.member_app[li], ri, Reason.OWN_APPLICATION)

    keys = np.concatenate(apps) * n_exp + np.concatenate(exps)
    allbits = np.concatenate(bits)
    if not len(keys):
        empty = np.empty(0, np.int64)
        return ConflictSet(empty, empty, np.empty(0, np.uint8), inp.n_apps, inp.n_experts)
    order = np.argsort(keys, kind="stable")
    keys, allbits = keys[order], allbits[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    reasons = np.bitwise_or.reduceat(allbits, first).astype(np.uint8)
    uk = keys[first]
    return ConflictSet(uk // n_exp, uk % n_exp, reasons, inp.n_apps, inp.n_experts)


def explain_conflict(inp: ConflictInputs, app: int, expert: int) -> list[dict]:
    """The reasons of one pair with their evidence, for a person to read.

    Returns ``[{"code": str, "text": str, "params": {...}}]``; params name the organisation, the team
    member, the collaboration year and so on. Computed for one pair only (cheap), so the round-wide
    :func:`compute_conflicts` can stay a bitmask.
    """
    out: list[dict] = []
    e_org, e_dist, e_person = (
        int(inp.expert_org[expert]),
        int(inp.expert_district[expert]),
        int(inp.expert_person[expert]),
    )

    def item(reason: Reason, **params) -> None:
        code, zh, _ = REASON_CODES[reason]
        out.append({"code": code, "text": zh, "params": params})

    if e_org >= 0 and int(inp.app_org[app]) == e_org:
        item(Reason.APPLICANT_ORG, org=e_org)
    rows = np.flatnonzero(inp.member_app == app)
    persons = inp.member_person[rows]
    same_org = rows[(inp.member_org[rows] == e_org) & (e_org >= 0)]
    if len(same_org):
        item(Reason.TEAM_ORG, org=e_org, persons=inp.member_person[same_org].tolist())
    if ((inp.declared_app == app) & (inp.declared_expert == expert)).any():
        item(Reason.DECLARED)
    if e_person >= 0:
        ea, eb, ey = _recent_edges(inp)
        hit = (eb == e_person) & np.isin(ea, persons[persons >= 0])
        if hit.any():
            item(
                Reason.COLLABORATOR,
                persons=sorted(set(ea[hit].tolist())),
                latest_year=int(ey[hit].max()),
                since_year=inp.since_year,
            )
    if inp.district_rule[app] and e_dist >= 0 and int(inp.app_district[app]) == e_dist:
        item(Reason.SAME_DISTRICT, district=e_dist)
    if e_person >= 0 and (persons == e_person).any():
        item(Reason.OWN_APPLICATION, person=e_person)
    return out
