"""Use-cases of the technology market: filing, checking, registering, returning, amending and
cancelling technology contracts; turnover statistics; the indicator rule. Views, the API, the import
and the demo all call these; every status change goes through ``programs.workflow.step``."""

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, Organisation, Role
from kechuang.core.permissions import CITY_WRITERS, Decision, can_read, role_of, scope_q
from kechuang.core.registry import IndicatorValue
from kechuang.core.uscc import normalise, uscc_error
from kechuang.programs import workflow
from kechuang.programs.services import max_attachment_bytes, sniff

from .models import TechContract

C = TechContract
# Where a contract keeps its district and its organisation, for core.permissions scoping.
SCOPE = {"district_field": "seller__district_id", "organisation_field": "seller_id"}
# Below this share of the total, the office is asked to look at the non-technical part.
LOW_TRANSACTION_SHARE = Decimal("0.3")
CONTRACT_FIELDS = (
    "title", "kind", "field", "buyer_name", "buyer_uscc", "buyer_region", "buyer_place", "signed_on",
    "starts_on", "ends_on", "total_yuan", "transaction_yuan", "payment_schedule", "content",
)  # fmt: skip


# ---------------------------------------------------------------------------------- who may do what


def is_office(user) -> bool:
    """The registration office (技术合同登记处) is the city bureau's staff."""
    return role_of(user) in CITY_WRITERS


def can_file(user) -> Decision:
    role = role_of(user)
    if role in (Role.ENTERPRISE, Role.INSTITUTE) and user.organisation_id:
        if user.organisation.kind in (Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE):
            return Decision(True)
        return Decision(False, _("只有企业和高校院所可以作为卖方登记技术合同"))
    return Decision(False, _("技术合同由卖方（企业或高校院所）填报"))


def visible(user):
    return C.objects.filter(scope_q(user, **SCOPE)).select_related("seller", "seller__district")


def get_contract(user, pk: int) -> TechContract:
    contract = C.objects.select_related("seller", "seller__district", "broker", "agency").get(pk=pk)
    can_read(user, district_id=contract.seller.district_id, organisation_id=contract.seller_id).enforce()
    return contract


def _require_office(user) -> None:
    if not is_office(user):
        raise PermissionDenied(_("只有技术合同登记机构可以办理此事项"))


def _require_seller(user, contract: TechContract) -> None:
    if role_of(user) not in (Role.ENTERPRISE, Role.INSTITUTE) or user.organisation_id != contract.seller_id:
        raise PermissionDenied(_("只有本合同的卖方可以修改并重新提交"))


# ------------------------------------------------------------------------------------------ checks


def contract_errors(values: dict) -> dict[str, str]:
    """The rules every contract meets, wherever it comes from (a form, an import row, the API):
    field → message. Empty when the contract may be filed."""
    errors: dict[str, str] = {}
    total, transaction_ = values.get("total_yuan"), values.get("transaction_yuan")
    if total is not None and total <= 0:
        errors["total_yuan"] = _("合同总金额应大于0元")
    if total is not None and transaction_ is not None and transaction_ > total:
        errors["transaction_yuan"] = _("技术交易额不能超过合同总金额")
    if transaction_ is not None and transaction_ <= 0:
        errors["transaction_yuan"] = _("技术交易额应大于0元")
    region, uscc = values.get("buyer_region"), (values.get("buyer_uscc") or "").strip()
    if region and region != C.Region.ABROAD:
        if not uscc:
            errors["buyer_uscc"] = _("境内买方须填写统一社会信用代码")
        elif message := uscc_error(normalise(uscc)):
            errors["buyer_uscc"] = message
    elif region == C.Region.ABROAD and uscc:
        errors["buyer_uscc"] = _("境外买方没有统一社会信用代码，请留空")
    if region == C.Region.ABROAD and not (values.get("buyer_place") or "").strip():
        errors["buyer_place"] = _("境外买方须填写所在国家（地区）")
    signed, starts, ends = values.get("signed_on"), values.get("starts_on"), values.get("ends_on")
    if signed and signed > timezone.localdate():
        errors["signed_on"] = _("签订日期不能晚于今天")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("履行期限止不能早于履行期限起")
    if signed and ends and ends < signed:
        errors["ends_on"] = _("履行期限止不能早于签订日期")
    return errors


def duplicates(contract: TechContract):
    """Other live contracts with the same parties, signing date and total amount."""
    return (
        C.objects.filter(
            seller_id=contract.seller_id,
            buyer_name=contract.buyer_name,
            signed_on=contract.signed_on,
            total_yuan=contract.total_yuan,
        )
        .exclude(pk=contract.pk)
        .exclude(status=C.Status.CANCELLED)
    )


def findings(contract: TechContract) -> list[tuple[bool, str]]:
    """What the office sees when it checks a contract: (blocking, message)."""
    out: list[tuple[bool, str]] = []
    for message in contract_errors({f: getattr(contract, f) for f in CONTRACT_FIELDS}).values():
        out.append((True, message))
    if not contract.contract_file:
        out.append((True, _("未上传合同文本")))
    for other in duplicates(contract)[:3]:
        out.append(
            (
                True,
                _("与合同“%(t)s”（%(s)s）的双方、签订日期和金额相同，疑似重复登记")
                % {"t": other.title, "s": other.get_status_display()},
            )
        )
    if contract.total_yuan and contract.transaction_yuan < contract.total_yuan * LOW_TRANSACTION_SHARE:
        out.append((False, _("技术交易额不足合同总金额的30%，请核实扣除的非技术性款项")))
    if (
        contract.kind in (C.Kind.CONSULTING, C.Kind.SERVICE)
        and contract.transaction_yuan != contract.total_yuan
    ):
        out.append((False, _("技术咨询、技术服务合同一般全额计入技术交易额，请核实扣除的款项")))
    return out


def _store_file(contract: TechContract, upload) -> None:
    if upload.size > max_attachment_bytes():
        raise ValidationError(
            {"contract_file": _("合同文本不能超过%(n)s MB") % {"n": max_attachment_bytes() // (1024 * 1024)}}
        )
    content = upload.read()
    try:
        sniff(upload.name, content)
    except ValidationError as e:
        raise ValidationError({"contract_file": e.message_dict["file"]}) from e
    ext = upload.name.rsplit(".", 1)[-1].lower()
    digest = hashlib.sha256(content).hexdigest()[:16]
    contract.contract_file.save(f"{digest}.{ext}", ContentFile(content), save=False)
    contract.file_name = upload.name[-200:]


def _clean(values: dict) -> dict:
    errors = contract_errors(values)
    if errors:
        raise ValidationError(errors)
    values = dict(values)
    values["buyer_uscc"] = normalise(values.get("buyer_uscc") or "")
    return values


# --------------------------------------------------------------------------------------- use-cases


@transaction.atomic
def file_contract(user, values: dict, upload=None, *, seller: Organisation | None = None) -> TechContract:
    """The seller files a contract; it waits for the office's check. The office may file for a
    seller of the registry (the spreadsheet import)."""
    if seller is not None and is_office(user):
        if seller.kind not in (Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTE):
            raise ValidationError({"seller": _("只有企业和高校院所可以作为卖方登记技术合同")})
        seller_id = seller.pk
    else:
        can_file(user).enforce()
        seller_id = user.organisation_id
    values = _clean(values)
    contract = C(seller_id=seller_id, filed_by=user, **{f: values.get(f, "") for f in CONTRACT_FIELDS})
    if upload is not None:
        _store_file(contract, upload)
    contract.full_clean(exclude=["contract_file"])
    contract.save()
    workflow.log(contract, "file", "", user, _("卖方提交登记"))
    return contract


@transaction.atomic
def resubmit(user, contract: TechContract, values: dict, upload=None) -> TechContract:
    """The seller corrects a returned contract and submits it again."""
    _require_seller(user, contract)
    values = _clean(values)
    changes = {f: values.get(f, "") for f in CONTRACT_FIELDS}
    fresh = C.objects.select_for_update().get(pk=contract.pk)
    workflow.guard(fresh, "resubmit", _("重新提交"))
    if upload is not None:
        _store_file(fresh, upload)
        changes.update(contract_file=fresh.contract_file, file_name=fresh.file_name)
    return workflow.step(user, fresh, "resubmit", _("重新提交"), reason=_("卖方修改后重新提交"), **changes)


@transaction.atomic
def send_back(user, contract: TechContract, reason: str) -> TechContract:
    _require_office(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回须写明原因")})
    return workflow.step(user, contract, "send_back", _("退回"), reason=reason, return_reason=reason)


def _next_number(day: dt.date) -> str:
    prefix = f"{day.year}370300"
    last = (
        C.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


@transaction.atomic
def register(user, contract: TechContract, note: str = "") -> TechContract:
    """The office registers a contract that passes every blocking check, with the next number."""
    _require_office(user)
    fresh = C.objects.select_for_update().get(pk=contract.pk)
    workflow.guard(fresh, "register", _("登记"))
    blocking = [m for b, m in findings(fresh) if b]
    if blocking:
        raise ValidationError({"status": blocking})
    # One registration number at a time: the year's numbers are taken under a lock on the district
    # row of the city's registration office (any fixed row serialises the writers).
    District.objects.select_for_update().order_by("pk").first()
    today = timezone.localdate()
    return workflow.step(
        user, fresh, "register", _("登记"), reason=note or _("审核通过，予以登记"),
        registered_on=today, number=_next_number(today), return_reason="",
    )  # fmt: skip


@transaction.atomic
def amend(user, contract: TechContract, values: dict, reason: str) -> TechContract:
    """The office amends a registered contract (e.g. a supplementary agreement); history keeps both."""
    _require_office(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("变更须写明原因")})
    merged = {f: values.get(f, getattr(contract, f)) for f in CONTRACT_FIELDS}
    merged = _clean(merged)
    return workflow.step(user, contract, "amend", _("变更"), reason=reason, **merged)


@transaction.atomic
def cancel(user, contract: TechContract, reason: str) -> TechContract:
    _require_office(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("注销须写明原因")})
    return workflow.step(user, contract, "cancel", _("注销"), reason=reason)


# ------------------------------------------------------------------------------------------ figures


def registered(year: int, user=None):
    qs = C.objects.filter(status=C.Status.REGISTERED, registered_on__year=year)
    return qs.filter(scope_q(user, **SCOPE)) if user is not None else qs


def monthly_table(year: int, user=None) -> list[dict]:
    """One row per month (1..12) and a total: contracts, total amount, transaction amount, and the
    transaction amount of each contract type. Sums of Decimal yuan, exact."""
    rows = {m: {"month": m, "count": 0, "total": Decimal(0), "transaction": Decimal(0),
                "kinds": {k: Decimal(0) for k in C.Kind.values}} for m in range(1, 13)}  # fmt: skip
    agg = (
        registered(year, user)
        .annotate(month=ExtractMonth("registered_on"))
        .values("month", "kind")
        .annotate(n=Count("pk"), total=Sum("total_yuan"), tx=Sum("transaction_yuan"))
    )
    for a in agg:
        r = rows[a["month"]]
        r["count"] += a["n"]
        r["total"] += a["total"]
        r["transaction"] += a["tx"]
        r["kinds"][a["kind"]] += a["tx"]
    out = [rows[m] for m in range(1, 13)]
    total = {"month": None, "count": sum(r["count"] for r in out), "total": sum(r["total"] for r in out),
             "transaction": sum(r["transaction"] for r in out),
             "kinds": {k: sum(r["kinds"][k] for r in out) for k in C.Kind.values}}  # fmt: skip
    return [*out, total]


def turnover_by(year: int, key: str, user=None) -> list[tuple[str, int, Decimal]]:
    """(label, contracts, transaction amount) grouped by ``key``: district, kind, field or region."""
    lookups = {
        "district": "seller__district__name",
        "kind": "kind",
        "field": "field",
        "region": "buyer_region",
    }
    labels = {"kind": dict(C.Kind.choices), "field": dict(C._meta.get_field("field").choices),
              "region": dict(C.Region.choices)}  # fmt: skip
    agg = (
        registered(year, user)
        .values(lookups[key])
        .annotate(n=Count("pk"), tx=Sum("transaction_yuan"))
        .order_by("-tx")
    )
    return [(str(labels.get(key, {}).get(a[lookups[key]], a[lookups[key]])), a["n"], a["tx"]) for a in agg]


def turnover(year: int, month: int | None = None, user=None) -> Decimal:
    qs = registered(year, user)
    if month:
        qs = qs.filter(registered_on__month=month)
    return qs.aggregate(s=Sum("transaction_yuan"))["s"] or Decimal(0)


def years_with_contracts() -> list[int]:
    return sorted(
        {d.year for d in C.objects.filter(registered_on__isnull=False).dates("registered_on", "year")}
    )


# ------------------------------------------------------------------------------------- indicator


def compute_turnover_indicator(year: int) -> dict:
    """``tech_contract_turnover``: the technology transaction amount of contracts registered in
    ``year``, by the seller's district and for the whole city (yuan, exact)."""
    qs = registered(year)
    out: dict = defaultdict(lambda: Decimal(0))
    for row in qs.values("seller__district_id").annotate(s=Sum("transaction_yuan"), n=Count("pk")):
        out[row["seller__district_id"]] = IndicatorValue(row["s"], numerator=row["n"])
    city = qs.aggregate(s=Sum("transaction_yuan"), n=Count("pk"))
    out[None] = IndicatorValue(city["s"] or Decimal(0), numerator=city["n"])
    return dict(out)


def records_url(year: int, district_id=None) -> str:
    from django.urls import reverse

    url = f"{reverse('techmarket_contracts')}?status=registered&year={year}"
    return url + (f"&district={district_id}" if district_id else "")


def search_q(q: str) -> Q:
    return (
        Q(title__icontains=q)
        | Q(number__icontains=q)
        | Q(buyer_name__icontains=q)
        | Q(seller__name__icontains=q)
    )
