"""Policy library pages. Thin: permissions, evaluation and storage live in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.models import Role
from kechuang.engines.rules import PolicyError

from . import declarations, services
from .forms import NewPolicyForm, PolicyVersionForm
from .models import Policy, PolicyResult, PolicyRun, PolicyVersion


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def policy_list(request):
    services.can_view_library(request.user).enforce()
    run_id = request.GET.get("run", "")
    return render(
        request,
        "policies/list.html",
        {
            "items": services.library(request.user),
            "can_manage": bool(services.can_manage(request.user)),
            # The run asked for, else the latest one: after a facts import staff see its re-evaluation here.
            "run": PolicyRun.objects.filter(pk=run_id).first()
            if run_id.isdigit()
            else PolicyRun.objects.first(),
        },
    )


@login_required
@require_POST
def reevaluate(request):
    services.can_manage(request.user).enforce()
    run = services.start_run(PolicyRun.Kind.ALL, user=request.user)
    messages.info(request, _("已开始按现行版本重新判定全部企业，完成后结果自动更新。"))
    return redirect(f"{redirect('policy_list').url}?run={run.pk}")


@login_required
def policy_detail(request, pk: int):
    policy = services.get_policy(request.user, pk)
    version = policy.current_version or policy.versions.first()
    compiled = declarations.compile_text(version.yaml_text) if version else None
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "version": version,
            "compiled": compiled,
            "conditions": declarations.condition_rows(compiled) if compiled else [],
            "parameters": declarations.scalar_parameters(compiled, version.effective_from)
            if compiled
            else [],
            "versions": policy.versions.select_related("created_by", "published_by"),
            "can_manage": bool(services.can_manage(request.user)),
        },
    )


@login_required
def policy_new(request):
    services.can_manage(request.user).enforce()
    form = NewPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_draft(
                request.user,
                policy=None,
                yaml_text=form.cleaned_data["yaml_text"],
                auto_grant=form.cleaned_data["auto_grant"],
                note=_("新建政策"),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存草稿，请预览判定结果后发布。"))
            return redirect("policy_version", version.pk)
    return render(request, "policies/new.html", {"form": form})


@login_required
def version_new(request, pk: int):
    policy = services.get_policy(request.user, pk)
    services.can_manage(request.user).enforce()
    base = policy.current_version or policy.versions.first()
    form = PolicyVersionForm(request.POST or None, base_text=base.yaml_text, auto_grant=policy.auto_grant)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_draft(
                request.user,
                policy=policy,
                yaml_text=form.cleaned_data["final_text"],
                auto_grant=form.cleaned_data["auto_grant"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("已保存为草稿版本 v%(n)s，请预览判定结果后发布。") % {"n": version.number}
            )
            return redirect("policy_version", version.pk)
    return render(request, "policies/version_form.html", {"policy": policy, "base": base, "form": form})


@login_required
def version_detail(request, pk: int):
    version = get_object_or_404(
        PolicyVersion.objects.select_related("policy", "created_by", "published_by"), pk=pk
    )
    services.get_policy(request.user, version.policy_id)
    compiled = declarations.compile_text(version.yaml_text)
    preview, preview_error = None, ""
    if version.status == PolicyVersion.Status.DRAFT:
        try:
            preview = services.preview(version, request.user)
        except PolicyError as exc:
            preview_error = declarations.explain(str(exc))
    stored = dict(PolicyResult.objects.filter(version=version).values_list("status").annotate(n=Count("pk")))
    return render(
        request,
        "policies/version.html",
        {
            "version": version,
            "policy": version.policy,
            "compiled": compiled,
            "conditions": declarations.condition_rows(compiled),
            "parameters": declarations.scalar_parameters(compiled, version.effective_from),
            "preview": preview,
            "preview_error": preview_error,
            "stored": stored,
            "can_manage": bool(services.can_manage(request.user)),
        },
    )


@login_required
@require_POST
def version_publish(request, pk: int):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    try:
        run = services.publish(request.user, version)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("policy_version", version.pk)
    messages.success(
        request,
        _("已发布 v%(n)s，原版本及其判定结果均已保留；正在重新判定全部企业。") % {"n": version.number},
    )
    url = redirect("policy_coverage", version.policy_id).url
    return redirect(f"{url}?run={run.pk}" if run else url)


@login_required
def coverage(request, pk: int):
    policy = services.get_policy(request.user, pk)
    run = None
    if run_id := request.GET.get("run", "").strip():
        run = PolicyRun.objects.filter(pk=run_id if run_id.isdigit() else 0).first()
    eligible = services.eligible_list(request.user, policy)[:100]
    cases = {
        c.enterprise_id: c for c in policy.cases.filter(enterprise_id__in=[r.enterprise_id for r in eligible])
    }
    rows = [{"result": r, "case": cases.get(r.enterprise_id)} for r in eligible]
    role = Role.ADMIN if request.user.is_superuser else request.user.role
    data = services.coverage(request.user, policy)
    chart = {
        "districts": [r["district"].name for r in data["rows"]],
        "granted": [r["granted"] for r in data["rows"]],
        "applied": [r["applied"] - r["granted"] for r in data["rows"]],
        "waiting": [max(r["eligible"] - r["applied"], 0) for r in data["rows"]],
        "labels": {"granted": _("已兑现"), "applied": _("已申报待兑现"), "waiting": _("符合条件未申报")},
    }
    return render(
        request,
        "policies/coverage.html",
        {
            **data,
            "chart": chart,
            "run": run,
            "eligible_rows": rows,
            "can_grant": role in (Role.ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_STAFF),
        },
    )


@login_required
def coverage_export(request, pk: int):
    policy = services.get_policy(request.user, pk)
    headers, rows = services.export_rows(request.user, policy)
    if policy.auto_grant:
        name, sheet = _("%(p)s免申即享名单.xlsx") % {"p": policy.name}, _("免申即享名单")
    else:
        name, sheet = _("%(p)s符合条件企业名单.xlsx") % {"p": policy.name}, _("符合条件企业")
    return audit.export_response(request, f"{policy.name}：{sheet}", name, headers, rows, sheet_title=sheet)


@login_required
def run_status(request, pk: int):
    services.can_view_library(request.user).enforce()
    run = get_object_or_404(PolicyRun, pk=pk)
    return render(request, "policies/run.html", {"run": run})


@login_required
def my_package(request):
    user = request.user
    if user.role != Role.ENTERPRISE or not user.organisation_id:
        raise PermissionDenied(_("政策包仅对企业用户开放；工作人员请从政策库或企业档案查看"))
    return enterprise_package(request, user.organisation_id)


@login_required
def enterprise_package(request, pk: int):
    enterprise = services.package_enterprise(request.user, pk)
    context = services.package(request.user, enterprise)
    context["is_own"] = request.user.role == Role.ENTERPRISE and request.user.organisation_id == enterprise.pk
    return render(request, "policies/package.html", context)


@login_required
@require_POST
def case_apply(request, policy_pk: int):
    user = request.user
    if user.role != Role.ENTERPRISE or not user.organisation_id:
        raise PermissionDenied(_("只能由本企业登记申报"))
    enterprise = services.package_enterprise(user, user.organisation_id)
    policy = get_object_or_404(Policy, pk=policy_pk)
    services.mark_applied(user, enterprise, policy)
    messages.success(request, _("已登记申报“%(p)s”。") % {"p": policy.name})
    return redirect("policy_my_package")


@login_required
@require_POST
def case_grant(request, policy_pk: int, enterprise_pk: int):
    policy = services.get_policy(request.user, policy_pk)
    enterprise = services.package_enterprise(request.user, enterprise_pk)
    services.mark_granted(request.user, enterprise, policy)
    messages.success(request, _("已确认“%(e)s”兑现。") % {"e": enterprise.organisation.name})
    return redirect("policy_coverage", policy.pk)
