"""Adapter between the database and the assignment engine (``kechuang.engines.assignment``).

It turns a round's review items and the selectable experts into plain arrays (conflict inputs, the
affinity matrix, the assignment problem), runs the rule the round chose and turns the answer back into
rows. Identities are matched by name: organisations by their normalised full name (an item's
applicant and team members usually arrive as text), persons by their name. Two people who share a
name are treated as one, so the error is always an extra conflict, never a missed one.

Rules:
    optimal      one min-cost flow maximising total affinity (deterministic)
    draw         each expert–item pair chosen with probability at most q (Jecmen et al. 2020)
    best_n_draw  keep each item's N best eligible experts, then draw among them with cap q

A draw's inputs (the exact problem the engine saw) are stored with its record, so ``replay`` can
reproduce the panel long after the experts' profiles have changed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from kechuang.engines import assignment as engine

from .models import Collaboration, DeclaredConflict, Expert, ReviewItem, SelectionRound

OPTIMAL_FORMAT = "kechuang.experts.optimal/1"
INPUTS_FORMAT = "kechuang.experts.inputs/1"

ProgressFn = Callable[[str, int, int], None]

_SPACES = re.compile(r"\s+")


def norm(text: str) -> str:
    """Key of a name: no spaces, full-width brackets, case folded (山东理工大学 == 山东理工大学 )."""
    return _SPACES.sub("", (text or "").replace("(", "（").replace(")", "）")).casefold()


class _Ids:
    """Stable small integers for string keys; the empty key is unknown (-1) and never matches."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: list[str] = []

    def __call__(self, name: str) -> int:
        key = norm(name)
        if not key:
            return -1
        if key not in self.ids:
            self.ids[key] = len(self.names)
            self.names.append(name.strip())
        return self.ids[key]


# ------------------------------------------------------------------------------------------ affinity


class _Bm25Scorer:
    """BM25 of each item's text against the expert profiles, with the text engine's tokenizer
    (jieba with the technical dictionary and stop words); bm25s does the scoring."""

    def __init__(self) -> None:
        from kechuang.engines.textmatch import shared_tokenizer

        self.tokenizer = shared_tokenizer()

    def __call__(self, item_texts: Sequence[str], profiles: Sequence[str]) -> np.ndarray:
        import bm25s

        corpus = [self.tokenizer.words(p) or ["\u0000"] for p in profiles]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        out = np.zeros((len(item_texts), len(profiles)), np.float64)
        for i, text in enumerate(item_texts):
            words = [w for w in self.tokenizer.words(text) if w in retriever.vocab_dict]
            if words:
                out[i] = retriever.get_scores(words)
        return out


def affinity(item_texts: Sequence[str], profiles: Sequence[str]) -> np.ndarray:
    """``(n_items, n_experts)`` affinities in [0, 1] (each item's best expert scores 1)."""
    if not len(item_texts) or not len(profiles):
        return np.zeros((len(item_texts), len(profiles)))
    try:
        scorer = _Bm25Scorer()
    except ImportError:  # the text engine is optional here: the assignment engine has its own BM25
        scorer = None
    return engine.affinity_matrix(item_texts, profiles, scorer=scorer)


# ------------------------------------------------------------------------------------------ inputs


def selectable_experts():
    """Experts a round may draw from: approved, available, and not on the integrity-breach list."""
    return (
        Expert.objects.filter(status=Expert.Status.APPROVED, available=True)
        .exclude(integrity=Expert.Integrity.BREACH)
        .select_related("organisation", "district")
        .prefetch_related("fields")
        .order_by("pk")
    )


@dataclass
class RoundData:
    items: list[ReviewItem]
    experts: list[Expert]
    conflict_inputs: engine.ConflictInputs
    conflicts: engine.ConflictSet
    orgs: _Ids
    persons: _Ids
    declared_reasons: dict[tuple[int, int], str] = field(default_factory=dict)


def gather(rnd: SelectionRound, *, today_year: int, experts: list[Expert] | None = None) -> RoundData:
    """Read the round's items and the experts and compute every conflict of the round at once."""
    items = list(rnd.items.select_related("district").order_by("pk"))
    experts = list(selectable_experts()) if experts is None else experts
    orgs, persons = _Ids(), _Ids()
    item_index = {it.pk: i for i, it in enumerate(items)}
    expert_index = {e.pk: j for j, e in enumerate(experts)}

    member_app, member_person, member_org = [], [], []
    item_orgs: list[set[int]] = []
    for i, it in enumerate(items):
        seen = {orgs(it.applicant_name)}
        for m in it.members or []:
            member_app.append(i)
            member_person.append(persons(m.get("name", "")))
            member_org.append(orgs(m.get("organisation", "")))
            seen.add(member_org[-1])
        item_orgs.append(seen - {-1})

    collab_a, collab_b, collab_year = [], [], []
    for c in Collaboration.objects.filter(expert_id__in=expert_index).select_related("expert"):
        collab_a.append(persons(c.expert.name))
        collab_b.append(persons(c.partner_name))
        collab_year.append(c.year)

    declared_app, declared_expert = [], []
    reasons: dict[tuple[int, int], str] = {}
    for d in DeclaredConflict.objects.filter(expert_id__in=expert_index):
        j = expert_index[d.expert_id]
        if d.item_id is not None:
            hits = [item_index[d.item_id]] if d.item_id in item_index else []
        else:
            key = orgs.ids.get(norm(d.organisation_name), -2)
            hits = [i for i, owned in enumerate(item_orgs) if key in owned]
        for i in hits:
            declared_app.append(i)
            declared_expert.append(j)
            reasons[(i, j)] = d.reason

    inputs = engine.ConflictInputs(
        app_org=[orgs(it.applicant_name) for it in items],
        app_district=[it.district_id or -1 for it in items],
        expert_org=[orgs(e.organisation.name) for e in experts],
        expert_district=[e.district_id or -1 for e in experts],
        expert_person=[persons(e.name) for e in experts],
        member_app=member_app,
        member_person=member_person,
        member_org=member_org,
        collab_a=collab_a,
        collab_b=collab_b,
        collab_year=collab_year,
        since_year=today_year - rnd.collab_years + 1 if rnd.collab_years else None,
        declared_app=declared_app,
        declared_expert=declared_expert,
        district_rule=bool(rnd.avoid_same_district),
    )
    return RoundData(
        items=items,
        experts=experts,
        conflict_inputs=inputs,
        conflicts=engine.compute_conflicts(inputs),
        orgs=orgs,
        persons=persons,
        declared_reasons=reasons,
    )


def conflict_details(data: RoundData, i: int, j: int) -> list[dict]:
    """The reasons of one conflicted pair as ``{"code", "params"}`` with names instead of ids."""
    out = []
    for r in engine.explain_conflict(data.conflict_inputs, i, j):
        params = dict(r["params"])
        if "org" in params:
            params["org"] = data.orgs.names[params["org"]]
        if "persons" in params:
            params["persons"] = [data.persons.names[p] for p in params["persons"]]
        if "person" in params:
            params["person"] = data.persons.names[params["person"]]
        if "district" in params:
            params["district"] = data.items[i].district.name if data.items[i].district else ""
        if r["code"] == "conflict_declared":
            params["reason"] = data.declared_reasons.get((i, j), "")
        out.append({"code": r["code"], "params": params})
    return out


# ------------------------------------------------------------------------------------------ problem


def build_problem(rnd: SelectionRound, data: RoundData, scores: np.ndarray) -> engine.AssignmentProblem:
    """The engine instance: every non-conflicted pair (or each item's N best for best_n_draw)."""
    n_items, n_experts = len(data.items), len(data.experts)
    eligible = np.ones((n_items, n_experts), bool)
    if len(data.conflicts):
        eligible[data.conflicts.app, data.conflicts.expert] = False
    if rnd.rule == SelectionRound.Rule.BEST_N_DRAW and rnd.best_n:
        # Rank by affinity, ties by expert order, so the shortlist is a pure function of the inputs.
        masked = np.where(eligible, scores, -np.inf)
        order = np.argsort(-masked, axis=1, kind="stable")
        keep = np.zeros_like(eligible)
        rows = np.arange(n_items)[:, None]
        keep[rows, order[:, : rnd.best_n]] = True
        eligible &= keep
    item, expert = np.nonzero(eligible)
    org_ids = np.asarray([data.orgs(e.organisation.name) for e in data.experts], np.int64)
    return engine.make_problem(
        item,
        expert,
        np.round(scores[item, expert], 6),  # six decimals: a stable, printable affinity
        n_items=n_items,
        n_experts=n_experts,
        per_item=rnd.per_item,
        min_load=rnd.min_load,
        max_load=rnd.max_load,
        expert_org=org_ids if rnd.max_per_org else None,
        max_per_org=rnd.max_per_org or None,
        item_labels=[it.code or str(it.pk) for it in data.items],
        expert_labels=[f"{e.name}（{e.organisation.name}）" for e in data.experts],
    )


def problem_inputs(problem: engine.AssignmentProblem, item_ids: list[int], expert_ids: list[int]) -> dict:
    """The problem as JSON (floats survive json exactly), with the database ids of its rows."""
    return {
        "format": INPUTS_FORMAT,
        "item_ids": item_ids,
        "expert_ids": expert_ids,
        "item": problem.item.tolist(),
        "expert": problem.expert.tolist(),
        "score": problem.score.tolist(),
        "per_item": problem.per_item.tolist(),
        "min_load": problem.min_load.tolist(),
        "max_load": problem.max_load.tolist(),
        "expert_org": None if problem.expert_org is None else problem.expert_org.tolist(),
        "max_per_org": problem.max_per_org,
        "item_labels": list(problem.item_labels or ()),
        "expert_labels": list(problem.expert_labels or ()),
    }


def problem_from_inputs(inputs: dict) -> engine.AssignmentProblem:
    return engine.make_problem(
        inputs["item"],
        inputs["expert"],
        inputs["score"],
        n_items=len(inputs["item_ids"]),
        n_experts=len(inputs["expert_ids"]),
        per_item=inputs["per_item"],
        min_load=inputs["min_load"],
        max_load=inputs["max_load"],
        expert_org=inputs["expert_org"],
        max_per_org=inputs["max_per_org"],
        item_labels=inputs["item_labels"] or None,
        expert_labels=inputs["expert_labels"] or None,
    )


# ------------------------------------------------------------------------------------------ solve


@dataclass
class Outcome:
    """What a run produced, in engine indices: panel and reserve pairs with affinity and probability."""

    panel: list[tuple[int, int, float, float | None]]
    reserves: list[tuple[int, int, int, float, float | None]]
    record: dict
    seed: int | None


def solve(rnd: SelectionRound, problem: engine.AssignmentProblem) -> Outcome:
    """Run the round's rule. Raises ``engine.AssignmentError`` with reasons when nothing fits."""
    if rnd.rule == SelectionRound.Rule.OPTIMAL:
        result = engine.solve_optimal(problem)
        panel = [
            (int(i), int(j), float(s), None)
            for i, j, s in zip(result.item, result.expert, result.score, strict=True)
        ]
        record = {
            "format": OPTIMAL_FORMAT,
            "input_digest": problem.digest(),
            "panel": [[int(i), int(j)] for i, j in zip(result.item, result.expert, strict=True)],
            "affinity": result.total_affinity,
        }
        return Outcome(panel, [], record, None)
    seed = rnd.seed if rnd.seed is not None else secrets.randbelow(2**31)
    q = Fraction(str(rnd.max_probability))
    result = engine.draw(problem, q, seed, reserves=rnd.reserves)
    return _outcome_of_draw(problem, result, seed)


def _outcome_of_draw(problem, result, seed: int) -> Outcome:
    prob = result.marginals.probability
    res_prob = result.reserve_units / result.marginals.denominator
    idx = problem.pair_index(result.assignment.item, result.assignment.expert)
    panel = [
        (int(problem.item[k]), int(problem.expert[k]), float(problem.score[k]), float(prob[k])) for k in idx
    ]
    ridx = problem.pair_index(result.reserve_item, result.reserve_expert)
    reserves = [
        (int(problem.item[k]), int(problem.expert[k]), int(rank), float(problem.score[k]), float(res_prob[k]))
        for k, rank in zip(ridx, result.reserve_rank, strict=True)
    ]
    return Outcome(panel, reserves, result.record, seed)


def replay(inputs: dict, record: dict) -> list[tuple[int, int]]:
    """Reproduce a stored selection from its inputs and record; the panel as (item id, expert id) pairs.

    Raises ``engine.AssignmentError`` (code ``record_mismatch``) when the inputs or the record were
    altered, or the replayed panel differs from the stored one.
    """
    problem = problem_from_inputs(inputs)
    if record.get("format") == OPTIMAL_FORMAT:
        if record.get("input_digest") != problem.digest():
            raise engine.AssignmentError([engine.Issue("record_mismatch", {"what": "input digest differs"})])
        result = engine.solve_optimal(problem)
        pairs = [[int(i), int(j)] for i, j in zip(result.item, result.expert, strict=True)]
        if pairs != record["panel"]:
            raise engine.AssignmentError(
                [engine.Issue("record_mismatch", {"what": "replayed panel differs"})]
            )
    else:
        engine.replay(problem, record)
        pairs = record["panel"]
    return [(inputs["item_ids"][i], inputs["expert_ids"][j]) for i, j in pairs]
