"""Policy rules engine: versioned policy declarations (YAML) evaluated over yearly facts.

Pure Python (no Django). Public API:

- ``load_policy(text) -> Policy``, ``load_policy_file(path)``, ``load_policies_dir(path) -> list[Policy]``,
  ``resolve(policies, code, jurisdictions, on) -> Policy | None``
- ``evaluate(policy, records, on, *, fiscal_year=None, trace=True) -> PolicyResult`` (one enterprise,
  exact arithmetic, full trace), ``evaluate_all(policies, records, on) -> list[PolicyResult]``
- ``FactsTable.from_records(records, on, depth, facts=None)`` / ``FactsTable.from_frame(df, on, depth, facts=None)``,
  ``required_facts(policies)``, and
  ``evaluate_bulk(policies, table) -> BulkResult`` (vectorised; ``BulkResult.to_frame()``)

See ``facts`` for the record shape and how the evaluation date picks the fiscal years.
"""

from .bulk import BulkPolicyResult, BulkResult, FactsTable, evaluate_bulk, required_facts
from .facts import FACT_KINDS, EnterpriseFacts, enterprise_facts, fact_label, reference_year
from .messages import TEMPLATES_ZH, render_zh
from .model import (
    Condition,
    Parameter,
    Policy,
    PolicyError,
    load_policies_dir,
    load_policy,
    load_policy_file,
    resolve,
)
from .results import (
    CONDITION_STATUS,
    MET,
    POLICY_STATUS,
    UNKNOWN,
    UNMET,
    ConditionResult,
    PolicyResult,
    RouteResult,
    TraceStep,
)
from .single import PolicyNotInForce, evaluate, evaluate_all, evaluate_facts

__all__ = [
    "CONDITION_STATUS",
    "FACT_KINDS",
    "MET",
    "POLICY_STATUS",
    "TEMPLATES_ZH",
    "UNKNOWN",
    "UNMET",
    "BulkPolicyResult",
    "BulkResult",
    "Condition",
    "ConditionResult",
    "EnterpriseFacts",
    "FactsTable",
    "Parameter",
    "Policy",
    "PolicyError",
    "PolicyNotInForce",
    "PolicyResult",
    "RouteResult",
    "TraceStep",
    "enterprise_facts",
    "evaluate",
    "evaluate_all",
    "evaluate_bulk",
    "evaluate_facts",
    "fact_label",
    "load_policies_dir",
    "load_policy",
    "load_policy_file",
    "reference_year",
    "render_zh",
    "required_facts",
    "resolve",
]
