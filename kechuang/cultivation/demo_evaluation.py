"""Demo: yearly scores of the demo enterprises by the built-in systems, and one published list of
leading enterprises (创新型领军企业) with one alternate brought in and one proposal set aside, each with
its reason. Deterministic: it uses no randomness beyond the facts earlier steps made."""

import datetime as dt

from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on

from .models.evaluation import SelectionEntry, SelectionRound
from .services_evaluation import scoring, selection, systems


def _day(year: int, month: int, day: int, today: dt.date) -> dt.date:
    return min(dt.date(year, month, day), today)


def _staff(ctx):
    staff = ctx.get("users", {}).get("bureau_staff") or []
    return next((u for u in staff if u.username == "staff_high_tech"), staff[0] if staff else None)


def load_evaluation(ctx: dict, stdout) -> None:
    today, years = ctx["today"], ctx["years"]
    user = _staff(ctx)
    with on(_day(years[0] + 1, 3, 1, today)):
        innovation, high_growth = systems.ensure_builtin()
    scored = 0
    for year in years:
        with on(_day(year + 1, 5, 20, today)):
            scored += scoring.run(innovation, year, user).scored
            scoring.run(high_growth, year, user)
    last = years[-1]
    n = len(ctx.get("enterprises") or []) or 3000
    top_n = min(50, max(5, n // 60))
    # Loaded early in a year, the three scenes fall on the same day (today); the minutes keep them in order.
    with on(_day(last + 1, 6, 10, today)):
        rnd = selection.create_round(
            user,
            kind=SelectionRound.Kind.LEADING,
            year=last,
            system=innovation,
            top_n=top_n,
            require_high_tech=True,
            min_rd_intensity=None,
        )
    with on(_day(last + 1, 6, 12, today), minute=20):
        proposed = list(rnd.entries.filter(proposed=True).order_by("rank_city"))
        alternate = rnd.entries.filter(proposed=False, meets_conditions=True).order_by("rank_city").first()
        for entry in proposed[:-1] if alternate and len(proposed) > 1 else proposed:
            selection.decide(user, entry, True)
        if alternate and len(proposed) > 1:
            selection.decide(
                user, proposed[-1], False, _("该企业年内发生控股权变更，经研究暂缓列入，下一年度复核。")
            )
            selection.decide(
                user, alternate, True, _("该企业牵头承担省级重大科技创新工程项目，经局务会研究同意列入。")
            )
    with on(_day(last + 1, 6, 20, today), minute=40):
        rnd.refresh_from_db()
        selection.publish(user, rnd)
    included = rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).count()
    stdout.write(
        _("  企业评价 {s} 条得分（{y} 个年度），领军企业名单 {n} 家已发布").format(
            s=scored, y=len(years), n=included
        )
    )
