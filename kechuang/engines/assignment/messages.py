"""Message codes with parameters, for the app layer to render.

Engines cannot import Django's translation machinery, so every explanation leaves the engine as a
``code`` plus ``params``; ``text()`` gives the default Chinese sentence and ``text_en()`` the English one
(used by the batch CLI and in logs). The app renders the code through its own translated catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# code -> (Chinese template, English template). Parameters are filled with str.format.
TEMPLATES: dict[str, tuple[str, str]] = {
    "invalid_input": ("输入数据有误：{field} {rule}", "invalid input: {field} {rule}"),
    "item_too_few_experts": (
        "申报项目 {item} 只有 {available} 位可选专家，需要 {needed} 位",
        "item {item} has {available} eligible experts, {needed} needed",
    ),
    "item_too_few_orgs": (
        "申报项目 {item} 的可选专家按每个单位至多 {max_per_org} 人计算最多 {available} 位，需要 {needed} 位",
        "item {item} can get at most {available} experts with at most {max_per_org} per organisation, "
        "{needed} needed",
    ),
    "item_probability_cap": (
        "申报项目 {item} 只有 {available} 位可选专家，在单人概率上限 {q} 下"
        "期望人数最多 {capacity}，需要 {needed} 位",
        "item {item} has {available} eligible experts; with the probability cap {q} they give at most "
        "{capacity} expected experts, {needed} needed",
    ),
    "expert_too_few_items": (
        "专家 {expert} 只有 {available} 个可评项目，最低工作量为 {needed}",
        "expert {expert} has {available} eligible items, minimum load {needed}",
    ),
    "expert_min_above_max": (
        "专家 {expert} 的最低工作量 {min_load} 大于最高工作量 {max_load}",
        "expert {expert} has minimum load {min_load} above maximum load {max_load}",
    ),
    "total_capacity_short": (
        "全部专家最高工作量合计 {capacity} 人次，少于所需评审人次 {needed}",
        "the experts' maximum loads add up to {capacity}, fewer than the {needed} reviews needed",
    ),
    "total_min_load_excess": (
        "全部专家最低工作量合计 {min_total} 人次，超过所需评审人次 {needed}",
        "the experts' minimum loads add up to {min_total}, more than the {needed} reviews needed",
    ),
    "items_group_short": (
        "申报项目 {items} 共需 {needed} 人次评审，但它们的可选专家最多只能提供 {available} 人次",
        "items {items} need {needed} reviews together, but their eligible experts can give at most "
        "{available}",
    ),
    "experts_group_short": (
        "专家 {experts} 的最低工作量合计 {needed} 人次，但他们可评的项目最多只能接收 {available} 人次",
        "experts {experts} need {needed} reviews together to reach their minimum loads, but their eligible "
        "items can take at most {available}",
    ),
    "no_feasible_assignment": (
        "没有同时满足全部约束的分配方案",
        "no assignment satisfies all constraints together",
    ),
    "reserve_infeasible": (
        "在单人概率上限 {q} 下无法为申报项目 {item} 抽取 {needed} 位候补专家（最多 {available}）",
        "cannot draw {needed} reserve experts for item {item} within the probability cap {q} "
        "(at most {available})",
    ),
    "no_replacement": (
        "申报项目 {item} 找不到可替换专家 {expert} 的人选",
        "no replacement found for expert {expert} on item {item}",
    ),
    "csv_bad_row": (
        "{file} 第 {line} 行：{problem_zh}",
        "{file} line {line}: {problem}",
    ),
    "csv_empty": ("{file} 没有数据行", "{file} has no data rows"),
    "record_mismatch": (
        "抽取记录与输入数据不符：{what}",
        "the draw record does not match the inputs: {what}",
    ),
}


@dataclass(frozen=True)
class Issue:
    """One explained finding: a stable ``code`` and its ``params`` (plain JSON values)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return TEMPLATES[self.code][0].format(**self.params)

    def text_en(self) -> str:
        return TEMPLATES[self.code][1].format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "text": self.text()}


class AssignmentError(ValueError):
    """Raised when inputs are invalid or no assignment exists; ``issues`` says why, in order of use."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(i.text_en() for i in self.issues))

    @property
    def issue(self) -> Issue:
        return self.issues[0]


def invalid(field_name: str, rule: str) -> AssignmentError:
    return AssignmentError([Issue("invalid_input", {"field": field_name, "rule": rule})])
