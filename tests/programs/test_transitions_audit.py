"""Every status change of a programme workflow goes through a guarded, audited transition.

A static check over the app's code (the models, ``workflow.py`` and the demo loaders excepted, which
set up stages on purpose): no statement writes the status field of a model that has an FSM status,
and every direct call of a transition method sits in a function that writes the audit row (the usual
way is ``workflow.step``, which does both). It reads the source with ``ast``; names are how it knows a
workflow object (``app.status = …``, ``Award.objects….update(status=…)``), so it is a guard against
the common slips, not a proof.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django_fsm import FSMField

ROOT = Path(__file__).resolve().parents[2] / "kechuang" / "programs"
EXEMPT = {"models.py", "workflow.py"}
AUDIT_CALLS = {"step", "log", "_log"}


def fsm_models() -> list:
    return [
        m
        for m in apps.get_app_config("programs").get_models()
        if any(isinstance(f, FSMField) for f in m._meta.concrete_fields)
    ]


def transition_names() -> set[str]:
    names = set()
    for model in fsm_models():
        field = next(f for f in model._meta.concrete_fields if isinstance(f, FSMField))
        names |= {t.name for t in field.get_all_transitions(model)}
    return names


def model_names() -> set[str]:
    return {m.__name__ for m in fsm_models()}


def variable_names() -> set[str]:
    """How the code names an instance of a workflow model."""
    snake = {"ReviewRound": "review_round"}
    base = {snake.get(m.__name__, m.__name__.lower()) for m in fsm_models()}
    return base | {"app", "rnd", "fresh"}


def sources():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if path.name in EXEMPT or path.name.startswith("demo") or "migrations" in rel.parts:
            continue
        yield rel, path.read_text(encoding="utf-8")


def receiver(node) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def direct_writes(text: str) -> list[int]:
    """Lines that write a workflow model's status without a transition."""
    tree, models, names = ast.parse(text), model_names(), variable_names()
    status_of = tuple(f"{m}.Status" for m in models) + tuple(f"{m}.objects" for m in models)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    value = ast.get_source_segment(text, node.value) or ""
                    if receiver(target) in names or any(s in value for s in status_of):
                        bad.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            keywords = {k.arg for k in node.keywords}
            segment = ast.get_source_segment(text, node) or ""
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Constant) and node.args[1].value == "status":
                    bad.append(node.lineno)
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in ("update", "bulk_update")
                and ("status" in keywords or "'status'" in segment or '"status"' in segment)
            ):
                if any(s in segment for s in status_of) or receiver(func) in names:
                    bad.append(node.lineno)
            elif isinstance(func, ast.Attribute) and func.attr == "step" and "status" in keywords:
                bad.append(node.lineno)
    return bad


def unaudited_transitions(text: str) -> list[int]:
    """Lines calling a transition method in a function that writes no audit row."""
    tree, transitions, names = ast.parse(text), transition_names(), variable_names()
    bad = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
        audited = any(
            (isinstance(c.func, ast.Attribute) and c.func.attr in AUDIT_CALLS)
            or (isinstance(c.func, ast.Name) and c.func.id in AUDIT_CALLS)
            for c in calls
        )
        for c in calls:
            func = c.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in transitions
                and not c.args
                and not c.keywords
                and isinstance(func.value, ast.Name)
                and func.value.id in names
                and not audited
            ):
                bad.append(c.lineno)
    return bad


def test_the_app_has_workflow_models():
    assert {"Call", "Application", "Award", "Challenge", "Bid", "ReviewRound"} <= model_names()
    assert {"submit", "publish", "close_bids", "pass_gate", "approve"} <= transition_names()


@pytest.mark.parametrize(("rel", "text"), list(sources()), ids=lambda v: str(v)[:40])
def test_no_status_written_outside_a_transition(rel, text):
    assert direct_writes(text) == [], f"kechuang/programs/{rel}: status written directly"


@pytest.mark.parametrize(("rel", "text"), list(sources()), ids=lambda v: str(v)[:40])
def test_every_transition_call_is_audited(rel, text):
    assert unaudited_transitions(text) == [], f"kechuang/programs/{rel}: transition without audit"


# The checks themselves catch what they are for (so a pass above means something).

SLIPS = {
    "app.status = 'submitted'": direct_writes,
    "x.status = Application.Status.SUBMITTED": direct_writes,
    "Award.objects.filter(pk=1).update(status='approved')": direct_writes,
    "setattr(obj, 'status', 'posted')": direct_writes,
    "workflow.step(u, bid, 'select', '入选', status='x')": direct_writes,
    "def f(challenge):\n    challenge.close_bids()\n    challenge.save()": unaudited_transitions,
}
FINE = {
    "milestone.status = Milestone.Status.DONE": direct_writes,
    "review.status = Review.Status.SUBMITTED": direct_writes,
    "payments.update(status=BountyPayment.Status.CANCELLED)": direct_writes,
    "def f(app):\n    before = app.status\n    app.submit()\n    app.save()\n    _log(app, 'submit', before, u)": (
        unaudited_transitions
    ),
    "def f(u, bid):\n    return workflow.step(u, bid, 'select', '入选')": unaudited_transitions,
    "def f(book):\n    book.close()": unaudited_transitions,
}


@pytest.mark.parametrize("code", list(SLIPS))
def test_the_check_catches_slips(code):
    assert SLIPS[code](code) == [1 if not code.startswith("def") else 2]


@pytest.mark.parametrize("code", list(FINE))
def test_the_check_leaves_legitimate_code_alone(code):
    assert FINE[code](code) == []
