"""Demo data of the review stage: this year's major-transfer call, closed, with six applications that
passed the formal check; round 1 (网络评审, random draw) closed with its results; round 2 (会议答辩,
best-match panel) scoring, some reviews submitted and the demo expert accounts' still to do.

The applications get to FORMAL_PASSED through their model transitions plus ``workflow.log`` (the
stage before this one); everything from the review rounds on goes through ``services.review``. Each
scene runs on its day (``kechuang.core.demo_clock``): the call's period, then each round's.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Role
from kechuang.experts import services as expert_services
from kechuang.experts.models import Assignment, Expert, SelectionRound

from . import services, workflow
from .demo import TRANSFER_GUIDE, guide
from .models import Application, Call, ProgrammeType, ReviewRound
from .services import review

# Title and the sentence of content of each application; the text also carries the research words
# of a demo expert account, so the best-match panel of the defence round seats those accounts.
PROJECTS = [
    ("氮化硅陶瓷球规模化生产线建设", "承接高校气压烧结成果，建设年产千万粒氮化硅陶瓷球生产线"),
    ("电子级氢氟酸提纯成果转化", "转化连续精馏提纯成果，建成千吨级电子级氢氟酸装置"),
    ("缓释制剂新辅料产业化", "转化缓控释高分子辅料成果，完成中试放大和关联审评"),
    ("伺服电机驱动系统产业化", "转化永磁同步电机矢量控制成果，形成系列化伺服产品"),
    ("高镍正极材料中试线建设", "转化高镍三元正极材料包覆改性成果，建成中试线"),
    ("陶瓷缺陷视觉检测装备产业化", "转化深度学习表面缺陷识别成果，研制在线检测装备"),
]
COMMENTS = [
    "成果来源清楚，转化路径可行，市场前景较好，建议支持。",
    "技术成熟度较高，但产业化投资测算偏乐观，建议细化资金使用计划。",
    "团队基础扎实，示范效应明显，考核指标可进一步量化。",
    "创新性一般，与已有产品差异不够突出，建议补充竞品对比。",
]


def _scores(rng, quality: float, harsh: float) -> dict:
    out = {}
    for c in services.DEFAULT_RUBRIC:
        value = quality - harsh + float(rng.normal(0, 0.3))
        out[c["code"]] = str(Decimal(str(max(0.0, min(10.0, round(value * 2) / 2)))))
    return out


def _declare(seat: Assignment) -> None:
    Assignment.objects.filter(pk=seat.pk).update(
        declaration=Assignment.Declaration.NO_CONFLICT, declared_at=timezone.now()
    )
    seat.refresh_from_db()


def _walk(obj, method: str, user, reason: str = "") -> None:
    before = obj.status
    getattr(obj, method)()
    if method == "submit":
        obj.submitted_at = timezone.now()
    obj.save()
    workflow.log(obj, method, before, user, reason)


def _applications(ctx, call, staff, accounts) -> list[Application]:
    """Submitted one every few days inside the call's period, endorsed by their districts three days
    later; the formal check comes after the deadline (``load_review``)."""
    enterprises = ctx.get("enterprises") or []
    # Applicants from the far end of the list: the programmes step uses the first ones.
    picks = list(reversed(enterprises))[: len(PROJECTS)]
    apps = []
    for k, (ent, (title, text)) in enumerate(zip(picks, PROJECTS, strict=False)):
        words = accounts[k % len(accounts)].keywords if accounts else ""
        day = call.opens_on + dt.timedelta(days=3 + 5 * k)
        with on(day, 9):
            app = Application.objects.create(
                call=call, applicant_id=ent.pk, title=title, abstract=f"{text}。涉及{words}。",
                requested_yuan=Decimal(1_000_000 + 300_000 * k), months=12, schema_version=call.schema_version,
                form_data={"leader": ["王建国", "李敏", "张磊", "刘洋", "陈静", "赵强"][k], "goals": f"{text}，{words}"},
            )  # fmt: skip
            _walk(app, "submit", None)
        with on(day + dt.timedelta(days=3), 15):
            _walk(app, "endorse", staff)
        apps.append(app)
    return apps


def load_review(ctx: dict, stdout) -> None:
    users = ctx.get("users", {})
    staff = (users.get(Role.BUREAU_STAFF) or users.get(Role.ADMIN) or [None])[0]
    if staff is None or len(ctx.get("enterprises") or []) < len(PROJECTS):
        return
    if not Expert.objects.filter(status=Expert.Status.APPROVED).exists():
        stdout.write(_("  没有专家数据，跳过专家评审"))
        return
    rng = ctx["rng_for"]("programme-review") if "rng_for" in ctx else ctx["rng"]
    today = ctx.get("today") or dt.date.today()
    services.seed_programme_types()
    accounts = list(
        Expert.objects.filter(user__role=Role.EXPERT, user__in=users.get(Role.EXPERT, [])).order_by(
            "user__username"
        )
    )

    ptype = ProgrammeType.objects.get(code="major_transfer")
    opens, closes = today - dt.timedelta(days=70), today - dt.timedelta(days=35)
    with on(opens - dt.timedelta(days=15), 10):
        call = Call.objects.create(
            programme_type=ptype, year=opens.year,
            title=_("%(y)s年度重大成果转化项目申报通知") % {"y": opens.year}, guide=guide(ptype, TRANSFER_GUIDE),
            topics=["科技成果产业化", "中试熟化"], budget_cap_yuan=ptype.max_grant_yuan, opens_on=opens,
            closes_on=closes, form_schema=services.DEFAULT_SCHEMA, rubric=services.DEFAULT_RUBRIC, max_awards=2,
            total_budget_yuan=Decimal(4_000_000), created_by=staff,
        )  # fmt: skip
    # The guide's review and publication belong to the calls stage: driven here by its transitions.
    for method, day in (("send_for_review", 12), ("approve", 10), ("publish", 1)):
        with on(opens - dt.timedelta(days=day), 10):
            _walk(call, method, staff)
    apps = _applications(ctx, call, staff, accounts)
    with on(closes + dt.timedelta(days=1), 9):
        _walk(call, "close", staff, _("申报期已结束"))
    with on(closes + dt.timedelta(days=2), 10):
        for app in apps:
            _walk(app, "formal_pass", staff)

    # Round 1: 网络评审, random draw, closed with its results.
    r1_opens, r1_closes = today - dt.timedelta(days=30), today - dt.timedelta(days=16)
    with on(r1_opens - dt.timedelta(days=2), 10):
        r1 = review.create_round(
            staff, call, _("网络评审"), ReviewRound.Kind.ONLINE, r1_opens, r1_closes, advance=3
        )
        sel = review.draw_panel(
            staff, r1, rule=SelectionRound.Rule.DRAW, per_item=5, max_load=3, reserves=1, max_per_org=2,
            seed=20260301,
        )  # fmt: skip
        _run_and_lock(staff, sel)
    with on(r1_opens, 9):
        r1 = review.open_round(staff, r1)
    quality = {a.pk: 8.6 - 0.45 * k for k, a in enumerate(apps)}
    harsh: dict[int, float] = {}
    seats = list(review.seats(r1).select_related("item__programme_entry").order_by("item_id", "pk"))
    for n, seat in enumerate(seats):
        with on(r1_opens + dt.timedelta(days=1 + n % 12), 10 + n % 8):
            _declare(seat)
            h = harsh.setdefault(seat.expert_id, float(rng.normal(0, 0.4)))
            app_id = seat.item.programme_entry.application_id
            q = quality[app_id] - (4.5 if n == 2 else 0)  # one far-off score, flagged as an outlier
            review._record(seat, _scores(rng, q, h), COMMENTS[n % len(COMMENTS)], submit=True, actor=None)
    with on(r1_closes + dt.timedelta(days=1), 10):
        r1 = review.close_round(staff, r1)

    # Round 2: 会议答辩 over the three advanced, best-match panel, scoring in progress.
    r2_opens = today - dt.timedelta(days=3)
    with on(r2_opens - dt.timedelta(days=3), 10):
        r2 = review.create_round(
            staff, call, _("会议答辩"), ReviewRound.Kind.PANEL, r2_opens, today + dt.timedelta(days=7),
            advance=None,
        )  # fmt: skip
        sel2 = review.draw_panel(staff, r2, rule=SelectionRound.Rule.OPTIMAL, per_item=5, max_load=3)
        _run_and_lock(staff, sel2)
    with on(r2_opens, 9):
        r2 = review.open_round(staff, r2)
    account_ids = {e.pk for e in accounts}
    done = 0
    for n, seat in enumerate(
        review.seats(r2).select_related("item__programme_entry").order_by("item_id", "pk")
    ):
        if seat.expert_id in account_ids or n % 3 == 2:
            continue  # the demo accounts (and a few others) still have to declare and score
        with on(r2_opens + dt.timedelta(days=1 + n % 2), 10 + n % 8):
            _declare(seat)
            app_id = seat.item.programme_entry.application_id
            h = harsh.get(seat.expert_id, 0.0)
            review._record(
                seat, _scores(rng, quality[app_id], h), COMMENTS[n % len(COMMENTS)], submit=True, actor=None
            )
        done += 1
    pending = review.progress(r2)
    mine = review.seats(r2).filter(expert__in=accounts).count()
    stdout.write(
        _(
            "  专家评审：{c}，第一轮已结束（晋级 {a} 项），第二轮评分中（已提交 {s}/{n} 份，演示专家账号待评 {m} 份）"
        ).format(
            c=call.title,
            a=r1.entries.filter(advanced=True).count(),
            s=pending["submitted"],
            n=pending["seats"],
            m=mine,
        )
    )


def _run_and_lock(staff, sel: SelectionRound) -> None:
    # ``start_run`` would queue the draw for the background worker; the demo runs it here.
    expert_services.validate_round(sel)
    sel = expert_services.run_round(sel, staff)
    if sel.status != SelectionRound.Status.DONE:
        raise RuntimeError(f"demo review draw failed: {sel.messages}")
    expert_services.lock_round(staff, sel)
