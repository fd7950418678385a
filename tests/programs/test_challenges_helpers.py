"""Shared builders for the open-challenge tests (no tests here: the other test_challenges* modules
import the fixture and helpers)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kechuang.core.models import Notification
from kechuang.programs import services
from kechuang.programs.models import Bid, BountyPayment, Challenge, Transition
from kechuang.programs.services import challenges as svc
from tests import factories as f

WAN = Decimal(10000)


def today() -> dt.date:
    return timezone.localdate()


def terms(mode: str = "single", **extra) -> dict:
    t = today()
    base = {
        "title": "高纯氮化硅粉体制备技术攻关",
        "problem": "国产氮化硅粉体α相含量低、杂质高，无法满足轴承球烧结要求。",
        "requirements": "α相≥95%，氧含量≤1.0%，建成百吨级中试线。",
        "field": "新材料",
        "bounty_yuan": 300 * WAN,
        "deadline": t + dt.timedelta(days=30),
        "months": 18,
        "mode": mode,
        "max_teams": 1,
    }
    if mode == "several":
        base["max_teams"] = 3
    if mode == "horse_race":
        base.update(max_teams=3, gate_on=t + dt.timedelta(days=200), gate_keep=1)
    base.update(extra)
    return base


def bid_data(**extra) -> dict:
    return {
        "leader": "王磊",
        "plan": "采用碳热还原氮化法，优化温度制度和添加剂配比。",
        "requested_yuan": 100 * WAN,
        "months": 12,
        "team": [{"name": "李娜", "title": "高级工程师"}, {"name": "赵强", "title": "博士"}],
        **extra,
    }


def past_deadline(challenge: Challenge, days: int = 1) -> Challenge:
    """Move the bidding deadline into the past through the DB (tests cannot wait for the calendar)."""
    Challenge.objects.filter(pk=challenge.pk).update(deadline=today() - dt.timedelta(days=days))
    challenge.refresh_from_db()
    return challenge


def gate_reached(challenge: Challenge) -> Challenge:
    Challenge.objects.filter(pk=challenge.pk).update(gate_on=today())
    challenge.refresh_from_db()
    return challenge


def snapshot():
    return (
        list(Challenge.objects.order_by("pk").values()),
        list(Bid.objects.order_by("pk").values()),
        list(BountyPayment.objects.order_by("pk").values()),
        list(Transition.objects.order_by("pk").values()),
        Notification.objects.count(),
    )


def make_chal(city):
    """For a module's ``chal`` fixture: the seeded types, staff, and four bidding organisations each with a user (e2, a third enterprise,
    the institute, and e1 whose user is the city fixture's enterprise user)."""
    services.seed_programme_types()
    e3 = f.enterprise(city["zd"], "淄博丙装备有限公司")
    users = city["users"]
    bidders = {
        "e1": users["enterprise"],
        "e2": f.user(f.Role.ENTERPRISE, "ent_b", organisation=city["e2"].organisation),
        "e3": f.user(f.Role.ENTERPRISE, "ent_c", organisation=e3.organisation),
        "uni": users["institute"],
    }
    return {**city, "staff": users["staff"], "bidders": bidders, "e3": e3}


def running(chal, mode: str = "horse_race", teams=("e2", "e3", "uni"), plans=None, **extra) -> Challenge:
    """A challenge taken to running with ``teams`` selected (scored 90, 80, 70…)."""
    staff = chal["staff"]
    c = svc.save_challenge(staff, terms(mode, **extra))
    c = svc.post_challenge(staff, c)
    bids = [svc.submit_bid(chal["bidders"][k], c, bid_data()) for k in teams]
    c = svc.close_bids(staff, past_deadline(c))
    for i, b in enumerate(bids):
        svc.score_bid(staff, b, 90 - 10 * i, "方案可行")
    svc.select_bids(staff, c, [b.pk for b in bids])
    if plans is None:
        c.refresh_from_db()
        plans = {}
        for b in bids:
            rows = [
                {"milestone": "方案评审", "due_on": today() + dt.timedelta(days=30), "amount_yuan": 20 * WAN}
            ]
            if mode == "horse_race":
                rows.append(
                    {
                        "milestone": "中试验收",
                        "due_on": c.gate_on + dt.timedelta(days=30),
                        "amount_yuan": 60 * WAN,
                    }
                )
            plans[b.pk] = rows
    return svc.start(staff, c, plans)
