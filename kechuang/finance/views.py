"""科技金融 pages. Thin: each view checks, calls one service and renders."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.models import Organisation
from kechuang.core.permissions import role_of
from kechuang.core.spreadsheets import Column
from kechuang.programs import workflow

from . import importing
from .forms import ClaimForm, DefaultForm, LoanForm, RecoveryForm, VoucherApplyForm
from .models import Loan, LoanScheme, ServiceProvider, Voucher, VoucherScheme
from .services import is_staff, loans, vouchers


def _require_reader(user) -> None:
    if role_of(user) in (None, "expert"):
        raise PermissionDenied(_("当前角色无权查看科技金融业务"))


def _errors_to_messages(request, e: ValidationError) -> None:
    for errs in e.message_dict.values():
        for err in errs:
            messages.error(request, err)


def _form_errors(form, e: ValidationError) -> None:
    for field, errs in e.message_dict.items():
        for err in errs:
            form.add_error(field if field in form.fields else None, err)


# ------------------------------------------------------------------------------------------ vouchers


@login_required
def voucher_list(request):
    _require_reader(request.user)
    schemes = list(VoucherScheme.objects.all())
    scheme = next(
        (s for s in schemes if str(s.pk) == request.GET.get("scheme")), schemes[0] if schemes else None
    )
    qs = vouchers.visible(request.user)
    if scheme:
        qs = qs.filter(scheme=scheme)
    if request.GET.get("status") in Voucher.Status.values:
        qs = qs.filter(status=request.GET["status"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/vouchers.html",
        {
            "tab": "vouchers",
            "schemes": schemes,
            "scheme": scheme,
            "glance": vouchers.glance(
                scheme, None if is_staff(request.user) or request.user.is_city_staff else request.user
            )
            if scheme
            else None,
            "page": page,
            "statuses": Voucher.Status.choices,
            "can_apply": bool(scheme and vouchers.can_apply(request.user, scheme)),
            "query": f"scheme={scheme.pk}" if scheme else "",
        },
    )


@login_required
def voucher_export(request):
    _require_reader(request.user)
    columns = [
        _("券号"), _("方案"), _("申请单位"), _("服务类别"), Column(_("券面额（元）"), "money_yuan"),
        _("服务机构"), _("发票号码"), Column(_("兑付金额（元）"), "money_yuan"), Column(_("兑付日期"), "date"), _("状态"),
    ]  # fmt: skip
    rows = (
        [
            v.number,
            v.scheme.name,
            v.enterprise.name,
            v.get_service_kind_display(),
            v.face_yuan,
            v.provider.organisation.name if v.provider else "",
            v.invoice_no,
            v.settled_yuan,
            v.settled_on,
            v.get_status_display(),
        ]
        for v in vouchers.visible(request.user)
    )
    return audit.export_response(request, _("创新券台账"), _("创新券台账.xlsx"), columns, rows)


@login_required
def voucher_apply(request, scheme_pk: int):
    scheme = get_object_or_404(VoucherScheme, pk=scheme_pk)
    vouchers.can_apply(request.user, scheme).enforce()
    form = VoucherApplyForm(request.POST or None, kinds=scheme.service_kinds)
    if request.method == "POST" and form.is_valid():
        try:
            v = vouchers.apply(request.user, scheme, **form.cleaned_data)
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, _("申请已提交，等待审批"))
            return redirect("finance_voucher", v.pk)
    return render(
        request, "finance/form.html", {"form": form, "title": _("申请创新券"), "back": "finance_vouchers"}
    )


@login_required
def voucher_detail(request, pk: int):
    v = vouchers.get_voucher(request.user, pk)
    acts = vouchers.who_acts(request.user, v)
    offer = vouchers.offer(v) if acts["approve"] else None
    return render(
        request,
        "finance/voucher.html",
        {
            "tab": "vouchers",
            "v": v,
            "acts": acts,
            "offer": offer,
            "limit_label": vouchers.LIMITS.get(offer[1]) if offer else "",
            "providers": vouchers.providers_for(v) if acts["use"] else [],
            "claim_form": ClaimForm() if acts["claim"] else None,
            "history": workflow.history(v),
        },
    )


@login_required
@require_POST
def voucher_action(request, pk: int, action: str):
    v = vouchers.get_voucher(request.user, pk)
    try:
        if action == "approve":
            v = vouchers.approve(request.user, v)
            messages.success(request, _("已发放创新券"))
        elif action == "reject":
            vouchers.reject(request.user, v, request.POST.get("reason", ""))
            messages.success(request, _("已不予批准"))
        elif action == "use":
            provider = ServiceProvider.objects.filter(pk=request.POST.get("provider") or 0).first()
            if provider is None:
                raise ValidationError({"provider": _("请选择服务机构")})
            vouchers.use(request.user, v, provider)
            messages.success(request, _("已选定服务机构，服务完成后由服务机构申请兑付"))
        elif action == "claim":
            form = ClaimForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError({k: [str(x) for x in errs] for k, errs in form.errors.items()})
            vouchers.claim(
                request.user, v, fee_yuan=form.cleaned_data["fee_yuan"], invoice_no=form.cleaned_data["invoice_no"],
                upload=form.cleaned_data["proof"],
            )  # fmt: skip
            messages.success(request, _("兑付申请已提交"))
        elif action == "return_claim":
            vouchers.return_claim(request.user, v, request.POST.get("reason", ""))
            messages.success(request, _("已退回兑付申请"))
        elif action == "settle":
            vouchers.settle(request.user, v)
            messages.success(request, _("已兑付"))
        else:
            raise PermissionDenied(_("未知的操作"))
    except ValidationError as e:
        _errors_to_messages(request, e)
    return redirect("finance_voucher", pk)


# --------------------------------------------------------------------------------------------- loans


@login_required
def loan_list(request):
    _require_reader(request.user)
    qs = loans.visible(request.user)
    if request.GET.get("status") in Loan.Status.values:
        qs = qs.filter(status=request.GET["status"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/loans.html",
        {
            "tab": "loans",
            "page": page,
            "totals": loans.totals(request.user),
            "statuses": Loan.Status.choices,
            "can_file": loans.bank_of(request.user) is not None,
            "can_import": importing.can_import(request.user),
            "schemes": LoanScheme.objects.all(),
            "query": "",
        },
    )


@login_required
def loan_export(request):
    _require_reader(request.user)
    columns = [
        _("合作银行"), _("借款合同编号"), _("借款企业"), _("所在区县"), Column(_("贷款金额（元）"), "money_yuan"),
        Column(_("年利率"), "ratio"), Column(_("期限（月）"), "int"), Column(_("放款日期"), "date"), _("状态"),
        Column(_("本金损失（元）"), "money_yuan"), Column(_("补偿金额（元）"), "money_yuan"),
        Column(_("追偿返还（元）"), "money_yuan"),
    ]  # fmt: skip
    rows = (
        [
            x.bank.short_name,
            x.contract_no,
            x.borrower.name,
            x.borrower.district.name,
            x.amount_yuan,
            x.rate,
            x.term_months,
            x.granted_on,
            x.get_status_display(),
            x.loss_yuan,
            x.compensation_yuan,
            x.refunded_yuan,
        ]
        for x in loans.visible(request.user)
    )
    return audit.export_response(request, _("风险补偿贷款台账"), _("风险补偿贷款台账.xlsx"), columns, rows)


@login_required
def loan_new(request):
    bank = loans.bank_of(request.user)
    if bank is None:
        raise PermissionDenied(_("贷款由合作银行备案"))
    scheme = LoanScheme.objects.order_by("-year").first()
    form = LoanForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and scheme is not None:
        data = dict(form.cleaned_data)
        borrower = Organisation.objects.filter(uscc=data.pop("borrower").strip().upper()).first()
        data["rate"] = data["rate"] / Decimal(100)
        if borrower is None:
            form.add_error("borrower", _("企业库中没有这个统一社会信用代码的企业"))
        else:
            try:
                loan = loans.file_loan(request.user, scheme, borrower, data)
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, _("贷款已备案"))
                return redirect("finance_loan", loan.pk)
    return render(
        request, "finance/form.html", {"form": form, "title": _("备案贷款"), "back": "finance_loans"}
    )


@login_required
def loan_detail(request, pk: int):
    loan = loans.get_loan(request.user, pk)
    mine = loans.bank_of(request.user) is not None and loans.bank_of(request.user).pk == loan.bank_id
    return render(
        request,
        "finance/loan.html",
        {
            "tab": "loans",
            "loan": loan,
            "mine": mine,
            "staff": is_staff(request.user),
            "default_form": DefaultForm() if mine and loan.status == Loan.Status.FILED else None,
            "recovery_form": RecoveryForm() if mine and loan.status == Loan.Status.COMPENSATED else None,
            "recoveries": loan.recoveries.all(),
            "history": workflow.history(loan),
        },
    )


@login_required
@require_POST
def loan_action(request, pk: int, action: str):
    loan = loans.get_loan(request.user, pk)
    try:
        if action == "default":
            form = DefaultForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: [str(x) for x in errs] for k, errs in form.errors.items()})
            loans.report_default(
                request.user,
                loan,
                loss_yuan=form.cleaned_data["loss_yuan"],
                on=form.cleaned_data["defaulted_on"],
            )
            messages.success(request, _("已报告违约"))
        elif action == "repay":
            loans.repay(request.user, loan)
            messages.success(request, _("贷款已结清"))
        elif action == "compensate":
            loan = loans.compensate(request.user, loan)
            messages.success(request, _("已补偿"))
        elif action == "recovery":
            form = RecoveryForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: [str(x) for x in errs] for k, errs in form.errors.items()})
            loans.record_recovery(
                request.user,
                loan,
                amount_yuan=form.cleaned_data["amount_yuan"],
                on=form.cleaned_data["recovered_on"],
            )
            messages.success(request, _("追偿已登记"))
        else:
            raise PermissionDenied(_("未知的操作"))
    except ValidationError as e:
        _errors_to_messages(request, e)
    return redirect("finance_loan", pk)


@login_required
def loan_import(request):
    if not importing.can_import(request.user):
        raise PermissionDenied(_("只有市科技局工作人员可以导入贷款"))
    run = None
    if request.method == "POST" and request.FILES.get("file"):
        run = importing.import_loans(request.user, request.FILES["file"])
    return render(request, "finance/import.html", {"tab": "loans", "run": run})
