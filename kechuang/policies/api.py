"""The policy library's read API: an enterprise's policy package and a policy's coverage.

Scoping is the pages' own: an enterprise reads only its own package, district staff their
district's enterprises and coverage, city staff and leaders everything; institute users and experts
nothing (403). An enterprise outside the caller's scope answers 404, as one that does not exist.
Exact values are decimal strings (ratios as fractions, money in yuan); ``display`` texts use 万元 and %.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from kechuang.core.api_schemas import ERRORS

from . import services

router = Router(tags=["policies"])


class PolicyOut(Schema):
    code: str
    name: str
    auto_grant: bool = Field(description="免申即享")
    version: int | None = Field(description="现行版本号")
    version_label: str | None = Field(description="文件版本")
    eligible: int
    ineligible: int
    unknown: int
    granted: int


class ConditionOut(Schema):
    id: str
    text: str = Field(description="条件原文")
    status: str = Field(description="met / unmet / unknown")
    message: str = Field(description="判定说明")
    unit: str
    value: str | None = Field(description="本企业数值（精确值）")
    threshold: str | None = Field(description="要求（精确值）")
    gap: str | None = Field(description="差距（精确值，未满足时）")
    value_display: str
    threshold_display: str
    gap_display: str | None
    missing: list[str] = Field(description="需补充的数据")
    reference: str


class PackageItemOut(Schema):
    policy: str
    name: str
    version: int
    status: str = Field(description="eligible / ineligible / unknown")
    fiscal_year: int
    score: int | None
    gap: float = Field(description="未满足条件的相对差距之和，排序用")
    missing: list[str]
    case_state: str | None = Field(description="notified / applied / granted")
    conditions: list[ConditionOut]


class PackageOut(Schema):
    enterprise_id: int
    name: str
    on: dt.date
    eligible: list[PackageItemOut]
    near: list[PackageItemOut] = Field(description="不符合，按差距从小到大")
    unknown: list[PackageItemOut] = Field(description="待补数据")


class CoverageRowOut(Schema):
    district: str
    eligible: int
    applied: int
    granted: int
    ineligible: int
    unknown: int
    rate: float | None = Field(description="已兑现 ÷ 符合条件")


class CoverageOut(Schema):
    policy: str
    version: int | None
    rows: list[CoverageRowOut]
    totals: CoverageRowOut


def _item(item: dict) -> dict:
    return {
        "policy": item["policy"].code,
        "name": item["policy"].name,
        "version": item["version"].number,
        "status": item["status"],
        "fiscal_year": item["fiscal_year"],
        "score": item["score"],
        "gap": item["gap"],
        "missing": item["missing"],
        "case_state": item["case"].state if item["case"] else None,
        "conditions": [
            {
                "id": c["id"],
                "text": c["text"],
                "status": c["status"],
                "message": c["message"],
                "unit": c["unit"],
                "value": _text(c["exact_value"]),
                "threshold": _text(c["exact_threshold"]),
                "gap": _text(c["exact_gap"]),
                "value_display": c["value"],
                "threshold_display": c["threshold"],
                "gap_display": c["gap"],
                "missing": c["missing"],
                "reference": c["reference"],
            }
            for c in item["conditions"]
        ],
    }


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "～".join(str(v) for v in value)
    return str(value)


@router.get("/", response={200: list[PolicyOut], **ERRORS}, summary="政策列表（含现行版本的判定统计）")
def list_policies(request):
    out = []
    for item in services.library(request.user):
        p, v, c = item["policy"], item["policy"].current_version, item["counts"]
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "auto_grant": p.auto_grant,
                "version": v.number if v else None,
                "version_label": v.label if v else None,
                "eligible": c.get("eligible", 0),
                "ineligible": c.get("ineligible", 0),
                "unknown": c.get("unknown", 0),
                "granted": item["granted"],
            }
        )
    return out


@router.get("/package/{int:enterprise_id}", response={200: PackageOut, **ERRORS}, summary="企业政策包")
def package(request, enterprise_id: int):
    try:
        enterprise = services.package_enterprise(request.user, enterprise_id)
    except PermissionDenied:
        if request.user.role in ("institute", "expert"):
            raise
        raise HttpError(404, _("未找到该企业")) from None
    data = services.package(request.user, enterprise)
    return {
        "enterprise_id": enterprise.pk,
        "name": enterprise.organisation.name,
        "on": data["on"],
        "eligible": [_item(i) for i in data["eligible"]],
        # The API keeps every miss in "near", nearest first; the page splits them at KECHUANG_NEAR_GAP.
        "near": [_item(i) for i in data["near"] + data["far"]],
        "unknown": [_item(i) for i in data["unknown"]],
    }


@router.get(
    "/{code}/coverage", response={200: CoverageOut, **ERRORS}, summary="政策覆盖情况（应享尽享，分区县）"
)
def coverage(request, code: str):
    policy = services.get_policy(request.user, code=code)
    data = services.coverage(request.user, policy)

    def row(r: dict, name: str) -> dict:
        keys = ("eligible", "applied", "granted", "ineligible", "unknown", "rate")
        return {"district": name, **{k: r[k] for k in keys}}

    return {
        "policy": policy.code,
        "version": policy.current_version.number if policy.current_version else None,
        "rows": [row(r, r["district"].name) for r in data["rows"]],
        "totals": row(data["totals"], str(_("合计"))),
    }
