"""创新券: apply → approve (within the budget and the caps) → use at a provider → claim with the
invoice → settle. Every money decision locks the rows it depends on (``select_for_update``), so that
concurrent approvals never pass the budget or a firm's yearly cap, and a claim is never paid twice."""

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.money import show_wan
from kechuang.core.permissions import Decision, role_of
from kechuang.engines.finance import FinanceError, voucher_award
from kechuang.programs import workflow
from kechuang.programs.services import max_attachment_bytes, sniff

from ..models import ServiceKind, ServiceProvider, Voucher, VoucherScheme
from . import is_staff, org_of, require_staff, scope

V = Voucher
LIMITS = {
    "voucher_cap": _("单张券面额上限"),
    "firm_year": _("本单位年度剩余额度"),
    "budget": _("方案剩余预算"),
    "share": _("补助比例"),
}


def visible(user):
    q = scope(user, district="enterprise__district_id", own=("enterprise_id", "provider__organisation_id"))
    return V.objects.filter(q).select_related("scheme", "enterprise", "provider__organisation")


def get_voucher(user, pk: int) -> Voucher:
    voucher = visible(user).filter(pk=pk).first()
    if voucher is None:
        raise PermissionDenied(_("只能查看本单位或本区县的创新券"))
    return voucher


def committed(scheme: VoucherScheme, enterprise_id: int | None = None) -> Decimal:
    """What the scheme has promised: the face value of live vouchers and what settled ones paid."""
    qs = V.objects.filter(scheme=scheme)
    if enterprise_id is not None:
        qs = qs.filter(enterprise_id=enterprise_id)
    holding = qs.filter(status__in=V.HOLDING).aggregate(s=Sum("face_yuan"))["s"] or Decimal(0)
    paid = qs.filter(status=V.Status.SETTLED).aggregate(s=Sum("settled_yuan"))["s"] or Decimal(0)
    return holding + paid


def glance(scheme: VoucherScheme, user=None) -> dict:
    """Budget, issued, used, claimed, settled and expired at a glance (yuan and counts)."""
    qs = V.objects.filter(scheme=scheme)
    if user is not None:
        qs = qs.filter(pk__in=visible(user).values("pk"))
    by = {
        r["status"]: r
        for r in qs.values("status").annotate(n=Count("pk"), face=Sum("face_yuan"), paid=Sum("settled_yuan"))
    }

    def n(*statuses):
        return sum(by.get(s, {}).get("n", 0) for s in statuses)

    def face(*statuses):
        return sum((by.get(s, {}).get("face") or Decimal(0) for s in statuses), Decimal(0))

    issued_statuses = (V.Status.APPROVED, V.Status.USED, V.Status.CLAIMED, V.Status.SETTLED, V.Status.EXPIRED)
    spent = committed(scheme)
    return {
        "budget": scheme.budget_yuan,
        "committed": spent,
        "available": scheme.budget_yuan - spent,
        "applied": n(V.Status.APPLIED),
        "issued": n(*issued_statuses),
        "issued_yuan": face(*issued_statuses),
        "used": n(V.Status.USED, V.Status.CLAIMED, V.Status.SETTLED),
        "claimed": n(V.Status.CLAIMED),
        "settled": n(V.Status.SETTLED),
        "settled_yuan": (by.get(V.Status.SETTLED, {}).get("paid") or Decimal(0)),
        "expired": n(V.Status.EXPIRED),
        "rejected": n(V.Status.REJECTED),
    }


def can_apply(user, scheme: VoucherScheme) -> Decision:
    org = org_of(user)
    if not org:
        return Decision(False, _("创新券由企业申请"))
    if scheme.applicant_kinds and user.organisation.kind not in scheme.applicant_kinds:
        return Decision(False, _("本方案不受理此类单位的申请"))
    today = timezone.localdate()
    if not scheme.opens_on <= today <= scheme.closes_on:
        return Decision(
            False,
            _("本方案受理时间为%(a)s至%(b)s")
            % {"a": scheme.opens_on.isoformat(), "b": scheme.closes_on.isoformat()},
        )
    return Decision(True)


def _next_number(scheme: VoucherScheme) -> str:
    prefix = f"CXQ{scheme.year}"
    last = (
        V.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def apply(
    user, scheme: VoucherScheme, *, service_kind: str, purpose: str, planned_fee_yuan: Decimal
) -> Voucher:
    scheme = VoucherScheme.objects.select_for_update().get(pk=scheme.pk)
    can_apply(user, scheme).enforce()
    errors = {}
    if service_kind not in scheme.service_kinds:
        errors["service_kind"] = _("本方案不支持此服务类别")
    if not (purpose or "").strip():
        errors["purpose"] = _("请填写服务内容")
    if planned_fee_yuan is None or planned_fee_yuan <= 0:
        errors["planned_fee_yuan"] = _("预计服务费用应大于0元")
    if errors:
        raise ValidationError(errors)
    voucher = V.objects.create(
        number=_next_number(scheme),
        scheme=scheme,
        enterprise_id=user.organisation_id,
        service_kind=service_kind,
        purpose=purpose.strip(),
        planned_fee_yuan=planned_fee_yuan,
    )
    workflow.log(voucher, "apply", "", user, _("企业提交申请"))
    return voucher


def offer(voucher: Voucher) -> tuple[Decimal, str]:
    """The face value the scheme can give now, and the limit that decided it (call under the lock)."""
    scheme = voucher.scheme
    firm_left = scheme.firm_year_cap_yuan - committed(scheme, voucher.enterprise_id)
    budget_left = scheme.budget_yuan - committed(scheme)
    award = voucher_award(
        voucher.planned_fee_yuan,
        scheme.share,
        voucher_cap=scheme.voucher_cap_yuan,
        firm_year_remaining=max(firm_left, Decimal(0)),
        budget_remaining=max(budget_left, Decimal(0)),
    )
    return award.amount, award.limited_by


@transaction.atomic
def approve(user, voucher: Voucher, note: str = "") -> Voucher:
    """Issue the voucher for the share of the planned fee, within every cap; the scheme row is
    locked so that concurrent approvals see each other's commitments."""
    require_staff(user)
    VoucherScheme.objects.select_for_update().get(pk=voucher.scheme_id)
    fresh = V.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=voucher.pk)
    workflow.guard(fresh, "approve", _("审批发放"))
    amount, limited_by = offer(fresh)
    if amount <= 0:
        raise ValidationError({"face_yuan": _("%(limit)s已用完，不能发放") % {"limit": LIMITS[limited_by]}})
    today = timezone.localdate()
    reason = note or _("核定券面额%(w)s万元（按%(limit)s）") % {
        "w": show_wan(amount),
        "limit": LIMITS[limited_by],
    }
    return workflow.step(
        user, fresh, "approve", _("审批发放"), reason=reason,
        face_yuan=amount, approved_on=today, expires_on=today + dt.timedelta(days=fresh.scheme.valid_days),
    )  # fmt: skip


@transaction.atomic
def reject(user, voucher: Voucher, reason: str) -> Voucher:
    require_staff(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("不予批准须写明原因")})
    return workflow.step(user, voucher, "reject", _("不予批准"), reason=reason.strip())


@transaction.atomic
def use(user, voucher: Voucher, provider: ServiceProvider) -> Voucher:
    """The firm hands the voucher to a registered provider offering the voucher's kind of service."""
    if org_of(user) != voucher.enterprise_id:
        raise PermissionDenied(_("只有申请单位可以使用本券"))
    if not provider.active or voucher.service_kind not in provider.kinds:
        raise ValidationError({"provider": _("该服务机构未登记提供此类服务")})
    if provider.organisation_id == voucher.enterprise_id:
        raise ValidationError({"provider": _("不能在本单位使用创新券")})
    fresh = V.objects.select_for_update().get(pk=voucher.pk)
    if fresh.expires_on and fresh.expires_on < timezone.localdate():
        raise ValidationError({"status": _("本券已超过有效期")})
    return workflow.step(user, fresh, "use", _("使用"), provider=provider, used_on=timezone.localdate())


@transaction.atomic
def claim(user, voucher: Voucher, *, fee_yuan: Decimal, invoice_no: str, upload) -> Voucher:
    """The provider claims with the invoice and the proof of service: the voucher pays the scheme's
    share of the fee, no more than its face value."""
    fresh = V.objects.select_for_update(of=("self",)).select_related("scheme", "provider").get(pk=voucher.pk)
    if fresh.provider is None or org_of(user) != fresh.provider.organisation_id:
        raise PermissionDenied(_("只有承接服务的机构可以申请兑付"))
    workflow.guard(fresh, "claim", _("申请兑付"))
    invoice_no = (invoice_no or "").strip()
    errors = {}
    if fee_yuan is None or fee_yuan <= 0:
        errors["fee_yuan"] = _("实际服务费用应大于0元")
    if not invoice_no:
        errors["invoice_no"] = _("请填写发票号码")
    elif V.objects.filter(provider=fresh.provider, invoice_no=invoice_no).exclude(pk=fresh.pk).exists():
        errors["invoice_no"] = _("该发票已用于其他创新券的兑付，同一张发票不能重复兑付")
    if upload is None:
        errors["proof"] = _("请上传发票及服务证明")
    if errors:
        raise ValidationError(errors)
    if upload.size > max_attachment_bytes():
        raise ValidationError({"proof": _("文件过大")})
    content = upload.read()
    try:
        sniff(upload.name, content)
    except ValidationError as e:
        raise ValidationError({"proof": e.message_dict["file"]}) from e
    try:
        amount = voucher_award(fee_yuan, fresh.scheme.share, voucher_cap=fresh.face_yuan).amount
    except FinanceError as e:
        raise ValidationError({"fee_yuan": _("实际服务费用最多精确到分")}) from e
    ext = upload.name.rsplit(".", 1)[-1].lower()
    fresh.proof.save(f"{hashlib.sha256(content).hexdigest()[:16]}.{ext}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            return workflow.step(
                user, fresh, "claim", _("申请兑付"), reason=_("发票号码%(n)s") % {"n": invoice_no},
                fee_yuan=fee_yuan, invoice_no=invoice_no, claim_yuan=amount, claimed_on=timezone.localdate(),
                proof=fresh.proof,
            )  # fmt: skip
    except IntegrityError as e:
        raise ValidationError(
            {"invoice_no": _("该发票已用于其他创新券的兑付，同一张发票不能重复兑付")}
        ) from e


@transaction.atomic
def return_claim(user, voucher: Voucher, reason: str) -> Voucher:
    require_staff(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("退回须写明原因")})
    return workflow.step(
        user, voucher, "return_claim", _("退回兑付申请"), reason=reason.strip(),
        claim_yuan=None, fee_yuan=None, invoice_no="", claimed_on=None,
    )  # fmt: skip


@transaction.atomic
def settle(user, voucher: Voucher) -> Voucher:
    """Pay the claim once: the voucher row is locked and must still be waiting for payment."""
    require_staff(user)
    VoucherScheme.objects.select_for_update().get(pk=voucher.scheme_id)
    fresh = V.objects.select_for_update().get(pk=voucher.pk)
    workflow.guard(fresh, "settle", _("兑付"))
    return workflow.step(
        user, fresh, "settle", _("兑付"), settled_yuan=fresh.claim_yuan, settled_on=timezone.localdate(),
        reason=_("兑付%(w)s万元") % {"w": show_wan(fresh.claim_yuan)},
    )  # fmt: skip


def expire_overdue(today: dt.date | None = None, user=None) -> int:
    """Vouchers past their date that were never claimed release their budget."""
    today = today or timezone.localdate()
    n = 0
    for v in V.objects.filter(status__in=(V.Status.APPROVED, V.Status.USED), expires_on__lt=today):
        with transaction.atomic():
            workflow.step(user, v, "expire", _("过期"), reason=_("超过有效期未兑付，额度收回"))
            n += 1
    return n


def providers_for(voucher: Voucher):
    return [
        p
        for p in ServiceProvider.objects.filter(active=True).select_related("organisation")
        if voucher.service_kind in p.kinds and p.organisation_id != voucher.enterprise_id
    ]


def who_acts(user, voucher: Voucher) -> dict:
    """What this user may do with this voucher now, for the page."""
    staff = is_staff(user)
    org = org_of(user)
    s = voucher.status
    return {
        "approve": staff and s == V.Status.APPLIED,
        "use": org == voucher.enterprise_id and s == V.Status.APPROVED,
        "claim": voucher.provider_id is not None
        and org == voucher.provider.organisation_id
        and s == V.Status.USED,
        "settle": staff and s == V.Status.CLAIMED,
        "role": role_of(user),
    }


SERVICE_LABELS = dict(ServiceKind.choices)
