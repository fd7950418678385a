"""Open-challenge pages (thin: the use-cases live in services/challenges.py).

The board and a challenge's public part are open to everyone, signed in or not; bids, scores and
payments show only to those ``services.challenges.visible_bids`` allows.
"""

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core.forms import DateField
from kechuang.core.permissions import CITY_READERS, role_of

from .models import Bid, BountyPayment, Challenge
from .services import WAN, wan
from .services import challenges as svc
from .views_common import add_errors, flash

WIDGET = {"class": "form-control"}
TEAM_ROWS = 6
PLAN_ROWS = 4


def _add_errors(form, exc: ValidationError) -> None:
    add_errors(form, exc, {"bounty_yuan": "bounty_wan", "requested_yuan": "requested_wan"})


# ------------------------------------------------------------------------------------------ forms


class ChallengeForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("榜单名称"), max_length=200, widget=forms.TextInput(attrs=WIDGET)
    )
    field = forms.CharField(
        label=gettext_lazy("技术领域"), max_length=100, required=False, widget=forms.TextInput(attrs=WIDGET)
    )
    problem = forms.CharField(
        label=gettext_lazy("需求描述"), max_length=8000, widget=forms.Textarea(attrs={**WIDGET, "rows": 4})
    )
    requirements = forms.CharField(
        label=gettext_lazy("技术指标与验收标准"),
        max_length=8000,
        widget=forms.Textarea(attrs={**WIDGET, "rows": 4}),
    )
    bounty_wan = forms.DecimalField(
        label=gettext_lazy("榜额（万元）"),
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs=WIDGET),
    )
    bounty_open = forms.BooleanField(
        label=gettext_lazy("不限定榜额（由揭榜方提出经费需求，遴选时商定）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deadline = DateField(label=gettext_lazy("揭榜截止日期"))
    months = forms.IntegerField(label=gettext_lazy("攻关期限（月）"), widget=forms.NumberInput(attrs=WIDGET))
    mode = forms.ChoiceField(
        label=gettext_lazy("遴选方式"),
        choices=Challenge.Mode.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    max_teams = forms.IntegerField(
        label=gettext_lazy("入选团队数上限"), initial=1, widget=forms.NumberInput(attrs=WIDGET)
    )
    gate_on = DateField(
        label=gettext_lazy("赛马节点日期（仅赛马制）"),
        required=False,
    )
    gate_keep = forms.IntegerField(
        label=gettext_lazy("节点后保留团队数（仅赛马制）"),
        required=False,
        widget=forms.NumberInput(attrs=WIDGET),
    )

    @classmethod
    def initial_for(cls, c: Challenge) -> dict:
        return {
            "title": c.title, "field": c.field, "problem": c.problem, "requirements": c.requirements,
            "bounty_wan": wan(c.bounty_yuan), "bounty_open": c.bounty_open, "deadline": c.deadline,
            "months": c.months, "mode": c.mode,
            "max_teams": c.max_teams, "gate_on": c.gate_on, "gate_keep": c.gate_keep,
        }  # fmt: skip

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        amount = d.pop("bounty_wan")
        # An open bounty has no amount: whatever stayed in the box is not a bounty.
        d["bounty_yuan"] = None if d["bounty_open"] or amount is None else amount * WAN
        if d["mode"] != Challenge.Mode.HORSE_RACE:
            # The gate belongs to the horse race only: a switched mode leaves no stale gate behind.
            d["gate_on"] = d["gate_keep"] = None
        return d


class BidForm(forms.Form):
    leader = forms.CharField(
        label=gettext_lazy("团队负责人"), max_length=50, widget=forms.TextInput(attrs=WIDGET)
    )
    requested_wan = forms.DecimalField(
        label=gettext_lazy("申请榜额（万元）"), decimal_places=2, widget=forms.NumberInput(attrs=WIDGET)
    )
    months = forms.IntegerField(
        label=gettext_lazy("承诺完成期限（月）"), widget=forms.NumberInput(attrs=WIDGET)
    )
    plan = forms.CharField(
        label=gettext_lazy("攻关方案"), max_length=8000, widget=forms.Textarea(attrs={**WIDGET, "rows": 6})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(TEAM_ROWS):
            self.fields[f"team_name_{i}"] = forms.CharField(
                label=_("姓名"), max_length=50, required=False, widget=forms.TextInput(attrs=WIDGET)
            )
            self.fields[f"team_title_{i}"] = forms.CharField(
                label=_("职称/职务"), max_length=50, required=False, widget=forms.TextInput(attrs=WIDGET)
            )

    def team_rows(self):
        return [(self[f"team_name_{i}"], self[f"team_title_{i}"]) for i in range(TEAM_ROWS)]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "leader": d["leader"],
            "plan": d["plan"],
            "requested_yuan": d["requested_wan"] * WAN,
            "months": d["months"],
            "team": [{"name": d[f"team_name_{i}"], "title": d[f"team_title_{i}"]} for i in range(TEAM_ROWS)],
        }


# ------------------------------------------------------------------------------------------ pages


def challenge_board(request):
    field = request.GET.get("field", "")
    status = request.GET.get("status", "")
    data = svc.board(request.user, field=field, status=status)
    return render(
        request,
        "programs/challenges/board.html",
        {
            **data,
            "tab": "challenges",
            "field": field,
            "status": status,
            "statuses": [(s, label) for s, label in Challenge.Status.choices if s in svc.PUBLIC_STATUSES],
            "can_draft": svc.can_draft(request.user).allowed,
        },
    )


@login_required
def challenge_form(request, pk: int | None = None):
    user = request.user
    svc.can_draft(user).enforce()
    challenge = svc.get_challenge(user, pk) if pk else None
    if challenge is not None:
        svc.can_edit(user, challenge).enforce()
    form = ChallengeForm(
        request.POST or None, initial=ChallengeForm.initial_for(challenge) if challenge else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            challenge = svc.save_challenge(user, form.service_data(), challenge)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("榜单已保存为草稿，待市局审核后发布") if challenge.poster_id else _("榜单已保存为草稿"),
            )
            return redirect("challenge_detail", challenge.pk)
    return render(
        request,
        "programs/challenges/form.html",
        {
            "form": form,
            "challenge": challenge,
            "tab": "challenges",
            "cap_wan": wan(svc.challenge_type().max_grant_yuan),
        },
    )


def _plan_rows(selected, post=None) -> list[dict]:
    out = []
    for bid in selected:
        rows = []
        for i in range(PLAN_ROWS):
            key = f"p-{bid.pk}-{i}"
            rows.append(
                {
                    "key": key,
                    "milestone": post.get(f"{key}-milestone", "") if post else "",
                    "due": post.get(f"{key}-due", "") if post else "",
                    "amount": post.get(f"{key}-amount", "") if post else "",
                }
            )
        out.append(
            {
                "bid": bid,
                "requested_wan": wan(bid.requested_yuan),
                "agreed_wan": wan(svc.team_amount(bid)),
                "rows": rows,
            }
        )
    return out


def _parse_plans(post, selected) -> dict:
    plans = {}
    for bid in selected:
        rows = []
        for i in range(PLAN_ROWS):
            key = f"p-{bid.pk}-{i}"
            milestone = post.get(f"{key}-milestone", "").strip()
            due = post.get(f"{key}-due", "").strip()
            amount = post.get(f"{key}-amount", "").strip()
            if not (milestone or due or amount):
                continue
            where = _("%(o)s第%(i)s行") % {"o": bid.organisation.name, "i": i + 1}
            try:
                due_on = dt.date.fromisoformat(due)
            except ValueError:
                raise ValidationError({"due_on": _("%(w)s：计划日期格式不正确") % {"w": where}}) from None
            try:
                amount_yuan = Decimal(amount) * WAN
            except ArithmeticError:  # InvalidOperation, and Overflow of an absurd exponent
                raise ValidationError(
                    {"amount_yuan": _("%(w)s：金额须为数字（万元）") % {"w": where}}
                ) from None
            rows.append({"milestone": milestone, "due_on": due_on, "amount_yuan": amount_yuan})
        plans[bid.pk] = rows
    return plans


def _parse_agreed(post, challenge: Challenge) -> dict | None:
    """The amounts agreed with the ticked teams of an open-bounty challenge, 万元 → yuan."""
    if not challenge.bounty_open:
        return None
    agreed = {}
    for bid_id in post.getlist("bid"):
        text = post.get(f"agreed-{bid_id}", "").strip()
        if not text:
            continue  # the service names the team whose amount is missing
        try:
            agreed[bid_id] = Decimal(text) * WAN
        except ArithmeticError:
            raise ValidationError({"agreed_yuan": _("商定榜额须为数字（万元）")}) from None
    return agreed


def _detail(request, challenge: Challenge, *, bid_form=None, plan_post=None, status: int = 200):
    user = request.user
    challenge = svc.get_challenge(user, challenge.pk)
    staff = svc.is_staff(user)
    sees_all = role_of(user) in CITY_READERS or (
        svc.is_poster(user, challenge) and svc.poster_sees_bids(challenge)
    )
    bids = list(svc.visible_bids(user, challenge).prefetch_related("payments").order_by("-score", "pk"))
    for b in bids:
        b.requested_wan = wan(b.requested_yuan)
        b.agreed_wan = wan(b.agreed_yuan)
        b.plan_rows = [{"p": p, "amount_wan": wan(p.amount_yuan)} for p in b.payments.all()]
    own = [b for b in bids if user.is_authenticated and b.organisation_id == user.organisation_id]
    can_bid = bool(svc.can_bid(user, challenge)) and challenge.status == Challenge.Status.POSTED
    bid_open = challenge.deadline >= svc.today()
    live_own = any(b.status != Bid.Status.WITHDRAWN for b in own)
    selected = [b for b in bids if b.status == Bid.Status.SELECTED] if staff else []
    ranking, tied = (
        svc.gate_ranking(challenge)
        if staff
        and challenge.mode == Challenge.Mode.HORSE_RACE
        and challenge.status == Challenge.Status.RUNNING
        else ([], [])
    )
    return render(
        request,
        "programs/challenges/detail.html",
        {
            "challenge": challenge,
            "tab": "challenges",
            "bounty_wan": wan(challenge.bounty_yuan),
            "cap_wan": wan((challenge.programme_type or svc.challenge_type()).max_grant_yuan),
            "days_left": max((challenge.deadline - svc.today()).days, 0),
            "teams": svc.public_teams(challenge),
            "bids": bids if sees_all else [],
            "own": own,
            "staff": staff,
            "is_poster": svc.is_poster(user, challenge),
            "poster_waits": svc.is_poster(user, challenge) and not svc.poster_sees_bids(challenge),
            "can_edit": bool(svc.can_edit(user, challenge)),
            "can_cancel": bool(svc.can_cancel(user, challenge))
            and challenge.status in ("draft", "posted", "selecting")
            and not challenge.bids.filter(status=Bid.Status.SELECTED).exists(),
            "show_bid_form": can_bid and bid_open and not live_own,
            "bid_open": bid_open,
            "bid_form": bid_form or (BidForm() if can_bid and bid_open and not live_own else None),
            "plan_forms": _plan_rows(selected, plan_post)
            if challenge.status == Challenge.Status.SELECTING
            else [],
            "all_scored": all(b.score is not None for b in bids if b.status == Bid.Status.SUBMITTED),
            "ranking": ranking,
            "tied": {b.pk for b in tied},
            "gate_due": challenge.gate_on is not None and svc.today() >= challenge.gate_on,
            "paid_wan": wan(svc.paid_total(challenge)),
            "transitions": challenge.transitions.select_related("actor") if staff else [],
        },
        status=status,
    )


def challenge_detail(request, pk: int):
    challenge = svc.get_challenge(request.user, pk)
    return _detail(request, challenge)


@login_required
def challenge_bid(request, pk: int):
    user = request.user
    challenge = svc.get_challenge(user, pk)
    svc.can_bid(user, challenge).enforce()
    if request.method != "POST":
        return redirect("challenge_detail", pk)
    form = BidForm(request.POST)
    if form.is_valid():
        try:
            svc.submit_bid(user, challenge, form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已揭榜，请等待揭榜截止后的遴选结果"))
            return redirect("challenge_detail", pk)
    return _detail(request, challenge, bid_form=form, status=400)


@login_required
@require_POST
def challenge_action(request, pk: int, action: str):
    user = request.user
    challenge = svc.get_challenge(user, pk)
    post = request.POST
    reason = post.get("reason", "")
    try:
        if action == "post":
            svc.post_challenge(user, challenge, reason)
            messages.success(request, _("榜单已发布"))
        elif action == "cancel":
            svc.cancel_challenge(user, challenge, reason)
            messages.success(request, _("榜单已撤销"))
        elif action == "close":
            svc.close_bids(user, challenge)
            messages.success(request, _("已截止揭榜，进入遴选"))
        elif action == "select":
            svc.select_bids(user, challenge, post.getlist("bid"), reason, _parse_agreed(post, challenge))
            messages.success(request, _("已选定入选团队"))
        elif action == "start":
            svc.can_manage(user).enforce()
            selected = list(
                challenge.bids.filter(status=Bid.Status.SELECTED)
                .select_related("organisation")
                .order_by("pk")
            )
            try:
                svc.start(user, challenge, _parse_plans(post, selected))
            except ValidationError as exc:
                flash(request, exc)
                return _detail(request, challenge, plan_post=post, status=400)
            messages.success(request, _("已启动攻关并确定兑付计划"))
        elif action == "gate":
            svc.pass_gate(user, challenge, post.getlist("keep"), reason)
            messages.success(request, _("已完成赛马节点考核"))
        elif action == "conclude":
            svc.conclude(user, challenge, reason)
            messages.success(request, _("榜单已结项"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("challenge_detail", pk)


@login_required
@require_POST
def bid_action(request, pk: int, action: str):
    user = request.user
    bid = get_object_or_404(Bid.objects.select_related("challenge"), pk=pk)
    challenge = svc.get_challenge(user, bid.challenge_id)
    if not svc.visible_bids(user, challenge).filter(pk=pk).exists():
        raise PermissionDenied(_("无权查看该揭榜"))
    post = request.POST
    try:
        if action == "withdraw":
            svc.withdraw_bid(user, bid, post.get("reason", ""))
            messages.success(request, _("已撤回揭榜"))
        elif action == "score":
            svc.score_bid(user, bid, post.get("score", ""), post.get("opinion", ""))
            messages.success(request, _("已记录遴选得分"))
        elif action == "gate_score":
            svc.record_gate_score(user, bid, post.get("score", ""), post.get("opinion", ""))
            messages.success(request, _("已记录节点考核得分"))
        elif action in ("deliver", "fail"):
            svc.finish_bid(user, bid, action, post.get("reason", ""))
            messages.success(request, _("已记录攻关结果"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("challenge_detail", challenge.pk)


@login_required
@require_POST
def payment_pay(request, pk: int):
    payment = get_object_or_404(BountyPayment.objects.select_related("bid"), pk=pk)
    challenge = svc.get_challenge(request.user, payment.bid.challenge_id)
    try:
        svc.pay(request.user, payment)
        messages.success(request, _("已兑付"))
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("challenge_detail", challenge.pk)


urlpatterns = [
    path("challenges/", challenge_board, name="challenge_board"),
    path("challenges/new/", challenge_form, name="challenge_new"),
    path("challenges/<int:pk>/", challenge_detail, name="challenge_detail"),
    path("challenges/<int:pk>/edit/", challenge_form, name="challenge_edit"),
    path("challenges/<int:pk>/bid/", challenge_bid, name="challenge_bid"),
    path("challenges/<int:pk>/do/<slug:action>/", challenge_action, name="challenge_action"),
    path("challenges/bids/<int:pk>/do/<slug:action>/", bid_action, name="challenge_bid_action"),
    path("challenges/payments/<int:pk>/pay/", payment_pay, name="challenge_payment_pay"),
]
