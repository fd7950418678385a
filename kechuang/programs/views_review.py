"""Review pages (thin: the use-cases live in services/review.py).

Staff: the rounds of each call, a round's entries, panel, progress and results, the xlsx summary.
Experts: their seats with the declaration, the score form. Applicants: the feedback of closed rounds.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.forms import DateField
from kechuang.core.models import Role
from kechuang.core.spreadsheets import Column
from kechuang.experts.models import SelectionRound

from .models import Application, Call, ReviewRound
from .services import review as services
from .services.formschema import ordered_properties, show_answer
from .views_common import flash

WIDGET = {"class": "form-control"}


class RoundForm(forms.Form):
    name = forms.CharField(label=_lazy("轮次名称"), max_length=100, widget=forms.TextInput(attrs=WIDGET))
    kind = forms.ChoiceField(
        label=_lazy("评审方式"),
        choices=ReviewRound.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    opens_on = DateField(
        label=_lazy("评审开始日期"),
    )
    closes_on = DateField(
        label=_lazy("评审截止日期"),
    )
    advance = forms.IntegerField(
        label=_lazy("晋级项目数"),
        required=False,
        min_value=1,
        help_text=_lazy("本轮排名前若干项进入下一轮；留空表示本轮为最后一轮"),
        widget=forms.NumberInput(attrs=WIDGET),
    )


class DrawForm(forms.Form):
    rule = forms.ChoiceField(
        label=_lazy("遴选方式"),
        choices=SelectionRound.Rule.choices,
        initial=SelectionRound.Rule.DRAW,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    per_item = forms.IntegerField(
        label=_lazy("每个项目专家人数"), min_value=1, max_value=15, initial=5,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )  # fmt: skip
    max_load = forms.IntegerField(
        label=_lazy("每位专家最多评审项目数"), min_value=1, max_value=50, initial=5,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )  # fmt: skip
    reserves = forms.IntegerField(
        label=_lazy("每个项目候补专家人数"), min_value=0, max_value=5, initial=1,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )  # fmt: skip
    max_probability = forms.DecimalField(
        label=_lazy("单人入选概率上限"), min_value=0, max_value=1, decimal_places=3, initial="0.5",
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.05"}),
    )  # fmt: skip
    seed = forms.IntegerField(
        label=_lazy("随机种子（可空）"), required=False,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ staff


@login_required
def round_list(request):
    services.can_view(request.user).enforce()
    calls = list(services.reviewable_calls(request.user).prefetch_related("review_rounds"))
    rows = []
    for call in calls:
        rounds = sorted(call.review_rounds.all(), key=lambda r: r.seq)
        last = rounds[-1] if rounds else None
        can_new = (not rounds and call.status == Call.Status.CLOSED) or (
            last is not None and last.status == ReviewRound.Status.CLOSED and last.advance is not None
        )
        rows.append({"call": call, "rounds": rounds, "can_new": can_new})
    return render(
        request,
        "programs/review/rounds.html",
        {"rows": rows, "tab": "reviews", "can_manage": services.can_manage(request.user).allowed},
    )


@login_required
def round_new(request, call_pk: int):
    services.can_manage(request.user).enforce()
    call = get_object_or_404(services.reviewable_calls(request.user), pk=call_pk)
    seq = call.review_rounds.count() + 1
    today = timezone.localdate()
    initial = {
        "name": _("网络评审") if seq == 1 else _("会议答辩"),
        "kind": ReviewRound.Kind.ONLINE if seq == 1 else ReviewRound.Kind.PANEL,
        "opens_on": today,
        "closes_on": today + dt.timedelta(days=14),
    }
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rnd = services.create_round(
                request.user,
                call,
                data["name"],
                data["kind"],
                data["opens_on"],
                data["closes_on"],
                data["advance"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("已建立评审轮次，请抽取评审专家"))
            return redirect("programme_review_round", rnd.pk)
    return render(
        request,
        "programs/review/round_form.html",
        {"form": form, "call": call, "seq": seq, "tab": "reviews"},
    )


@login_required
def round_detail(request, pk: int):
    rnd = services.get_round(request.user, pk)
    entries = services.results(rnd)
    return render(
        request,
        "programs/review/round_detail.html",
        {
            "round": rnd,
            "entries": entries,
            "progress": services.progress(rnd),
            "can_manage": services.can_manage(request.user).allowed,
            "draw_form": DrawForm(),
            "transitions": rnd.transitions.select_related("actor"),
            "tab": "reviews",
        },
    )


@login_required
@require_POST
def round_draw(request, pk: int):
    rnd = services.get_round(request.user, pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for e in errors:
                messages.error(request, f"{form.fields[field].label}：{e}" if field in form.fields else e)
        return redirect("programme_review_round", rnd.pk)
    data = form.cleaned_data
    try:
        selection = services.draw_panel(
            request.user,
            rnd,
            rule=data["rule"],
            per_item=data["per_item"],
            max_load=data["max_load"],
            reserves=data["reserves"],
            max_probability=data["max_probability"],
            seed=data["seed"],
        )
    except ValidationError as exc:
        flash(request, exc)
        return redirect("programme_review_round", rnd.pk)
    messages.success(request, _("已建立专家遴选批次，请在专家遴选页面遴选并锁定专家名单"))
    return redirect("expert_round", selection.pk)


@login_required
@require_POST
def round_open(request, pk: int):
    rnd = services.get_round(request.user, pk)
    try:
        services.open_round(request.user, rnd)
        messages.success(request, _("已开始评分，已通知评审专家"))
    except ValidationError as exc:
        flash(request, exc)
    return redirect("programme_review_round", rnd.pk)


@login_required
@require_POST
def round_close(request, pk: int):
    rnd = services.get_round(request.user, pk)
    try:
        services.close_round(request.user, rnd, request.POST.get("reason", ""))
        messages.success(request, _("本轮评审已结束，结果已生成"))
    except ValidationError as exc:
        flash(request, exc)
    return redirect("programme_review_round", rnd.pk)


@login_required
def round_export(request, pk: int):
    rnd = services.get_round(request.user, pk)
    return audit.export_response(
        request,
        _("评审结果"),
        f"评审结果_{rnd.call.year}_{rnd.seq}.xlsx",
        [Column(_(h), kind) for h, kind in services.EXPORT_HEADERS],
        services.export_rows(rnd),
    )


# ----------------------------------------------------------------------------------------- expert


def _expert_only(user) -> None:
    if user.role != Role.EXPERT:
        raise PermissionDenied(_("此页面仅供评审专家使用"))


@login_required
def my_reviews(request):
    _expert_only(request.user)
    rows = []
    for seat in services.my_reviews(request.user):
        entry = seat.item.programme_entry
        rows.append({"seat": seat, "entry": entry, "review": services.review_of(seat)})
    return render(request, "programs/review/my_reviews.html", {"rows": rows, "tab": "my_reviews"})


@login_required
@require_POST
def my_declare(request, entry: int):
    _expert_only(request.user)
    seat = services.get_my_seat(request.user, entry)
    conflict = request.POST.get("conflict") == "1"
    try:
        services.declare(request.user, seat, conflict=conflict, note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash(request, exc)
        return redirect("programme_my_reviews")
    if conflict:
        messages.info(request, _("已记录您的回避声明，市科技局将另行安排专家"))
        return redirect("programme_my_reviews")
    return redirect("programme_review_score", entry)


def _score_fields(rubric, data):
    return [
        {
            "code": c["code"],
            "name": c["name"],
            "max": c["max"],
            "weight": c["weight"],
            "value": data.get(c["code"], ""),
        }
        for c in rubric
    ]


@login_required
def score(request, entry: int):
    _expert_only(request.user)
    seat = services.get_my_seat(request.user, entry)
    try:
        app = services.open_application(request.user, seat)
    except PermissionDenied as exc:
        messages.warning(request, str(exc))
        return redirect("programme_my_reviews")
    rnd = seat.item.programme_entry.round
    call = rnd.call
    review = services.review_of(seat)
    values = dict(review.scores) if review else {}
    comment = review.comment if review else ""
    errors: dict = {}
    if request.method == "POST":
        values = {c["code"]: request.POST.get(f"score_{c['code']}", "") for c in call.rubric}
        comment = request.POST.get("comment", "")
        submit = request.POST.get("action") == "submit"
        try:
            services.save_review(request.user, seat, values, comment, submit=submit)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("评分已提交") if submit else _("评分已暂存"))
            if submit:
                return redirect("programme_my_reviews")
            return redirect("programme_review_score", entry)
    blind = call.blind_review
    fields = [
        (prop.get("title", name), show_answer(app.form_data.get(name, "")))
        for name, prop in ordered_properties(call.form_schema)
        if not (blind and name == "leader")
    ]
    criteria = _score_fields(call.rubric, values)
    for c in criteria:
        c["error"] = " ".join(errors.get(f"scores.{c['code']}", []))
    other = [e for k, v in errors.items() if not k.startswith("scores.") for e in v]
    return render(
        request,
        "programs/review/score.html",
        {
            "seat": seat,
            "round": rnd,
            "call": call,
            "app": app,
            "blind": blind,
            "fields": fields,
            "co_applicants": [] if blind else list(app.co_applicants.all()),
            "attachments": [] if blind else list(app.attachments.all()),
            "criteria": criteria,
            "comment": comment,
            "errors": other,
            "review": review,
            "editable": rnd.status == ReviewRound.Status.SCORING
            and (review is None or review.status != review.Status.SUBMITTED),
            "tab": "my_reviews",
        },
    )


# --------------------------------------------------------------------------------------- applicant


@login_required
def feedback(request, pk: int):
    data = services.feedback(request.user, pk)
    app: Application = data["application"]
    return render(
        request,
        "programs/review/feedback.html",
        {**data, "app": app, "tab": "applications"},
    )


urlpatterns = [
    path("applications/<int:pk>/feedback/", feedback, name="programme_application_feedback"),
    path("reviews/", round_list, name="programme_review_rounds"),
    path("reviews/calls/<int:call_pk>/new/", round_new, name="programme_review_round_new"),
    path("reviews/<int:pk>/", round_detail, name="programme_review_round"),
    path("reviews/<int:pk>/draw/", round_draw, name="programme_review_draw"),
    path("reviews/<int:pk>/open/", round_open, name="programme_review_open"),
    path("reviews/<int:pk>/close/", round_close, name="programme_review_close"),
    path("reviews/<int:pk>/export.xlsx", round_export, name="programme_review_export"),
    path("reviews/mine/", my_reviews, name="programme_my_reviews"),
    path("reviews/mine/<int:entry>/", score, name="programme_review_score"),
    path("reviews/mine/<int:entry>/declare/", my_declare, name="programme_review_declare"),
]
