"""技术合同 pages. Thin: each view checks, calls one service and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.models import District
from kechuang.core.money import wan
from kechuang.core.permissions import role_of
from kechuang.core.spreadsheets import Column
from kechuang.programs import workflow

from . import services
from .forms import ContractForm, ReasonForm
from .models import Broker, RegisteredResult, TechContract, TransferAgency

C = TechContract


def _require_reader(user) -> None:
    if role_of(user) is None or role_of(user) == "expert":
        raise PermissionDenied(_("当前角色无权查看技术合同"))


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _filtered(request):
    qs = services.visible(request.user)
    g = request.GET
    if g.get("status") in C.Status.values:
        qs = qs.filter(status=g["status"])
    if g.get("kind") in C.Kind.values:
        qs = qs.filter(kind=g["kind"])
    if (g.get("district") or "").isdigit():
        qs = qs.filter(seller__district_id=int(g["district"]))
    if (g.get("year") or "").isdigit():
        qs = qs.filter(registered_on__year=int(g["year"]))
    if g.get("q"):
        qs = qs.filter(services.search_q(g["q"][:100]))
    return qs


@login_required
def contract_list(request):
    _require_reader(request.user)
    qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "techmarket/list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "statuses": C.Status.choices,
            "kinds": C.Kind.choices,
            "districts": District.objects.all(),
            "can_file": services.can_file(request.user).allowed,
            "is_office": services.is_office(request.user),
            "waiting": services.visible(request.user).filter(status=C.Status.SUBMITTED).count(),
        },
    )


def _export_rows(qs):
    for c in qs.select_related("seller__district"):
        yield [
            c.number or "", c.title, c.get_kind_display(), c.get_field_display(), c.seller.name,
            c.seller.district.name, c.buyer_name, c.buyer_uscc, c.get_buyer_region_display(), c.buyer_place,
            c.signed_on, c.total_yuan, c.transaction_yuan, c.registered_on, c.get_status_display(),
        ]  # fmt: skip


@login_required
def contract_export(request):
    _require_reader(request.user)
    columns = [
        _("登记编号"), _("合同名称"), _("合同类型"), _("技术领域"), _("卖方"), _("卖方所在区县"), _("买方"),
        _("买方统一社会信用代码"), _("买方所在地区"), _("买方所在地"), Column(_("签订日期"), "date"),
        Column(_("合同总金额（元）"), "money_yuan"), Column(_("技术交易额（元）"), "money_yuan"),
        Column(_("登记日期"), "date"), _("状态"),
    ]  # fmt: skip
    return audit.export_response(
        request, _("技术合同登记表"), _("技术合同登记表.xlsx"), columns, _export_rows(_filtered(request))
    )


@login_required
def contract_new(request):
    services.can_file(request.user).enforce()
    form = ContractForm(request.POST or None, request.FILES or None, require_file=True)
    if request.method == "POST" and form.is_valid():
        try:
            values = {f: form.cleaned_data[f] for f in services.CONTRACT_FIELDS}
            contract = services.file_contract(request.user, values, form.cleaned_data.get("upload"))
        except ValidationError as e:
            _add_errors(form, e)
        else:
            messages.success(request, _("合同已提交，等待登记机构审核"))
            return redirect("techmarket_contract", contract.pk)
    return render(request, "techmarket/form.html", {"form": form, "title": _("填报技术合同")})


def _add_errors(form, e: ValidationError) -> None:
    for field, errs in e.message_dict.items():
        target = "upload" if field == "contract_file" else field
        for err in errs:
            form.add_error(target if target in form.fields else None, err)


@login_required
def contract_detail(request, pk: int):
    contract = services.get_contract(request.user, pk)
    office = services.is_office(request.user)
    is_seller = request.user.organisation_id == contract.seller_id and not office
    return render(
        request,
        "techmarket/detail.html",
        {
            "c": contract,
            "office": office,
            "is_seller": is_seller,
            "findings": services.findings(contract)
            if office and contract.status == C.Status.SUBMITTED
            else [],
            "history": workflow.history(contract),
            "reason_form": ReasonForm(),
        },
    )


@login_required
def contract_edit(request, pk: int):
    """The seller corrects a returned contract; the office amends a registered one."""
    contract = services.get_contract(request.user, pk)
    office = services.is_office(request.user)
    if not (
        (office and contract.status == C.Status.REGISTERED)
        or (
            not office
            and contract.status == C.Status.RETURNED
            and request.user.organisation_id == contract.seller_id
        )
    ):
        raise PermissionDenied(_("当前状态下不能修改此合同"))
    form = ContractForm(request.POST or None, request.FILES or None, instance=contract)
    reason_form = ReasonForm(request.POST or None) if office else None
    if request.method == "POST" and form.is_valid() and (reason_form is None or reason_form.is_valid()):
        values = {f: form.cleaned_data[f] for f in services.CONTRACT_FIELDS}
        try:
            if office:
                services.amend(request.user, contract, values, reason_form.cleaned_data["reason"])
                messages.success(request, _("合同已变更，变更前后的内容均已记录"))
            else:
                services.resubmit(request.user, contract, values, form.cleaned_data.get("upload"))
                messages.success(request, _("合同已重新提交，等待登记机构审核"))
        except ValidationError as e:
            _add_errors(form, e)
        else:
            return redirect("techmarket_contract", contract.pk)
    # The instance was changed by the bound form's validation; show the saved one's title.
    return render(
        request,
        "techmarket/form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "title": _("变更已登记合同") if office else _("修改后重新提交"),
            "contract": contract,
        },
    )


@login_required
@require_POST
def contract_action(request, pk: int, action: str):
    contract = services.get_contract(request.user, pk)
    reason = request.POST.get("reason", "")
    try:
        if action == "register":
            contract = services.register(request.user, contract, reason)
            messages.success(request, _("已登记，登记编号 %(n)s") % {"n": contract.number})
        elif action == "return":
            services.send_back(request.user, contract, reason)
            messages.success(request, _("已退回卖方修改"))
        elif action == "cancel":
            services.cancel(request.user, contract, reason)
            messages.success(request, _("合同登记已注销"))
        else:
            raise PermissionDenied(_("未知的操作"))
    except ValidationError as e:
        for errs in e.message_dict.values():
            for err in errs:
                messages.error(request, err)
    return redirect("techmarket_contract", pk)


def _stats_context(request):
    year = _year(request)
    table = services.monthly_table(year, request.user)
    by_district = services.turnover_by(year, "district", request.user)
    return year, table, by_district


@login_required
def stats(request):
    _require_reader(request.user)
    year, table, by_district = _stats_context(request)
    chart = {
        "months": [_("%(m)s月") % {"m": r["month"]} for r in table[:12]],
        "turnover": [float(wan(r["transaction"])) for r in table[:12]],
        "counts": [r["count"] for r in table[:12]],
        "districts": [d for d, _n, _t in by_district],
        "district_turnover": [float(wan(t)) for _d, _n, t in by_district],
        "labels": {"turnover": _("技术交易额（万元）"), "count": _("合同数（项）")},
    }
    return render(
        request,
        "techmarket/stats.html",
        {
            "year": year,
            "table": table,
            "kinds": C.Kind.choices,
            "by_district": by_district,
            "by_kind": services.turnover_by(year, "kind", request.user),
            "by_field": services.turnover_by(year, "field", request.user),
            "by_region": services.turnover_by(year, "region", request.user),
            "chart": chart,
            "years": services.years_with_contracts() or [year],
        },
    )


@login_required
def stats_export(request):
    _require_reader(request.user)
    year, table, _by = _stats_context(request)
    columns = [_("月份"), Column(_("登记合同数（项）"), "int"), Column(_("合同总金额（元）"), "money_yuan"),
               Column(_("技术交易额（元）"), "money_yuan")]  # fmt: skip
    columns += [Column(_("其中：%(k)s（元）") % {"k": label}, "money_yuan") for _v, label in C.Kind.choices]
    rows = [
        [
            (_("%(m)s月") % {"m": r["month"]}) if r["month"] else _("合计"),
            r["count"],
            r["total"],
            r["transaction"],
        ]
        + [r["kinds"][k] for k in C.Kind.values]
        for r in table
    ]
    what = _("%(y)s年技术合同登记月度统计表") % {"y": year}
    return audit.export_response(request, what, f"{what}.xlsx", columns, rows, sheet_title=_("月度统计"))


@login_required
def brokers(request):
    _require_reader(request.user)
    year = _year(request)
    rows = []
    for b in Broker.objects.select_related("agency"):
        contracts = b.contracts.filter(status=C.Status.REGISTERED, registered_on__year=year)
        rows.append(
            {
                "broker": b,
                "contracts": contracts.count(),
                "turnover": sum((c.transaction_yuan for c in contracts), start=0),
                "matches": b.matches.filter(computed_at__year=year).count(),
            }
        )
    agencies = TransferAgency.objects.select_related("district")
    return render(request, "techmarket/brokers.html", {"rows": rows, "agencies": agencies, "year": year})


@login_required
def results(request):
    _require_reader(request.user)
    from kechuang.core.permissions import scope_q

    qs = RegisteredResult.objects.filter(
        scope_q(
            request.user, district_field="organisation__district_id", organisation_field="organisation_id"
        )
    ).select_related("organisation", "award", "achievement")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "techmarket/results.html", {"page": page, "query": ""})


@login_required
def contract_import(request):
    from . import importing

    if not services.is_office(request.user):
        raise PermissionDenied(_("只有技术合同登记机构可以导入技术合同"))
    run = None
    if request.method == "POST" and request.FILES.get("file"):
        run = importing.import_contracts(request.user, request.FILES["file"])
    return render(request, "techmarket/import.html", {"run": run, "columns": "、".join(importing.COLUMNS)})
