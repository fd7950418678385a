"""Writes the demo city into the database: the base steps of ``kechuang demo``.

The steps are registered in ``kechuang.core.registry.DEMO_STEPS`` when this module is imported (the
``demo`` command imports it), at orders 10–40, before any other app's steps (default order 100).
Each step is ``fn(ctx, stdout)`` and leaves in ``ctx`` what it made, for later steps:

``districts``   {code: District}              ``sections``  {code: Section}
``institutes``  [Organisation] (kind=institute) ``enterprises`` [Enterprise] in generation order
``enterprise_records`` the plain records of ``demo.enterprises`` (same order), with their facts
``users``       {role: [User]}                 ``signins``   rows of the sign-in table (append yours)
``rng_for(name)`` a numpy Generator seeded by (seed, name): a step that draws from its own stream
keeps its data unchanged when other steps are added or change.
``go_live``     the day the platform's records begin (``go_live``): places, organisations and users are
               created then, each year's facts when that year's returns came in, so that nothing the
               later steps tell (calls, reviews, awards…) involves a record that did not yet exist.
"""

import datetime as dt
import time
import zlib

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core import registry
from kechuang.core.demo_clock import on
from kechuang.core.models import District, Organisation, Role, Section, User

from . import demo
from .models import Enterprise, YearlyFacts
from .services import recompute_labels

DEMO_PASSWORD = "Kechuang-Demo-2026"
CHANGE_REASON = "演示数据"
BATCH = 1000

# Which sections get a demo staff account.
STAFF_SECTIONS = ("policy", "high_tech", "planning", "cooperation", "talent")


def go_live(years: list[int]) -> dt.date:
    """The first of March after the first year of facts: the city's registry was loaded then."""
    return dt.date(years[0] + 1, 3, 1)


def _go_live(ctx: dict) -> dt.date:
    return ctx.setdefault("go_live", go_live(ctx["years"]))


def facts_in(year: int, today: dt.date) -> dt.date:
    """When a year's facts reached the platform: with the statistical returns, by the end of April."""
    return min(dt.date(year + 1, 4, 30), today)


def rng_factory(seed: int):
    def rng_for(name: str) -> np.random.Generator:
        return np.random.default_rng([seed, zlib.crc32(name.encode())])

    return rng_for


def load_places(ctx: dict, stdout) -> None:
    """Districts and zones, and the bureau's sections (updated in place when they already exist)."""
    with on(_go_live(ctx)):
        _load_places(ctx, stdout)


def _load_places(ctx: dict, stdout) -> None:
    districts = {}
    for d in demo.districts():
        districts[d["code"]], _created = District.objects.update_or_create(
            code=d["code"], defaults={"name": d["name"], "kind": d["kind"], "order": d["order"]}
        )
    sections = {}
    for s in demo.sections():
        sections[s["code"]], _created = Section.objects.update_or_create(
            code=s["code"], defaults={"name": s["name"]}
        )
    ctx["districts"], ctx["sections"] = districts, sections
    stdout.write(_("  区县和功能区 {d} 个，科室 {s} 个").format(d=len(districts), s=len(sections)))


def load_institutes(ctx: dict, stdout) -> None:
    with on(_go_live(ctx)):
        _load_institutes(ctx, stdout)


def _load_institutes(ctx: dict, stdout) -> None:
    records = demo.institutes(ctx["rng_for"]("institutes"))
    orgs = [
        Organisation(
            name=r["name"],
            uscc=r["uscc"],
            kind=Organisation.Kind.INSTITUTE,
            district=ctx["districts"][r["district"]],
        )
        for r in records
    ]
    ctx["institutes"] = bulk_create_with_history(orgs, Organisation, default_change_reason=CHANGE_REASON)
    ctx["institute_logins"] = {
        r["login"]: org for r, org in zip(records, ctx["institutes"], strict=True) if r["login"]
    }
    stdout.write(_("  高校院所 {n} 家").format(n=len(orgs)))


def load_enterprises(ctx: dict, stdout) -> None:
    started = time.perf_counter()
    n = ctx["n_enterprises"]
    records = demo.enterprises(ctx["rng_for"]("enterprises"), n, today=ctx["today"])
    stdout.write(
        _("  生成企业 {n} 家及 {y} 个年度的数据（{s:.1f} 秒）").format(
            n=n, y=len(ctx["years"]), s=time.perf_counter() - started
        )
    )
    districts = ctx["districts"]
    orgs = [
        Organisation(
            name=r["name"],
            uscc=r["uscc"],
            kind=Organisation.Kind.ENTERPRISE,
            district=districts[r["district_code"]],
        )
        for r in records
    ]
    with on(_go_live(ctx)):
        orgs = bulk_create_with_history(
            orgs, Organisation, batch_size=BATCH, default_change_reason=CHANGE_REASON
        )
        enterprises = [
            Enterprise(organisation=org, registered_on=r["registered_on"], industry_code=r["industry_code"])
            for org, r in zip(orgs, records, strict=True)
        ]
        enterprises = bulk_create_with_history(
            enterprises, Enterprise, batch_size=BATCH, default_change_reason=CHANGE_REASON
        )
    stdout.write(
        _("  写入企业 {n} 家（{s:.1f} 秒）").format(n=len(enterprises), s=time.perf_counter() - started)
    )
    n_facts = 0
    for year in ctx["years"]:
        facts = [
            YearlyFacts(enterprise_id=ent.pk, year=year, **r["facts"][year])
            for ent, r in zip(enterprises, records, strict=True)
            if year in r["facts"]
        ]
        with on(facts_in(year, ctx["today"])):
            bulk_create_with_history(
                facts, YearlyFacts, batch_size=BATCH, default_change_reason=CHANGE_REASON
            )
        n_facts += len(facts)
    stdout.write(_("  写入年度数据 {n} 行（{s:.1f} 秒）").format(n=n_facts, s=time.perf_counter() - started))
    labels = recompute_labels()
    stdout.write(_("  计算衍生标签 {n} 个（{s:.1f} 秒）").format(n=labels, s=time.perf_counter() - started))
    ctx["enterprises"], ctx["enterprise_records"] = enterprises, records


def _pick(records: list[dict], year: int, test) -> int:
    """Index of the first record whose latest-year facts are complete and pass ``test``."""
    for i, r in enumerate(records):
        f = r["facts"][year]
        if all(v is not None for v in f.values()) and test(r, f):
            return i
    return -1


def demo_enterprises(records: list[dict], year: int) -> list[tuple[str, int, str]]:
    """(login, record index, description) of the enterprises that get a demo account: a high-tech
    firm, a small tech firm, an above-scale firm without a certificate (a dual-cultivation target) and a
    software firm. Each kind lists its tests from the most to the least typical, so that a small city
    still gets an account of each kind; a kind with no firm at all is skipped."""
    picks = [
        (
            "ent_hightech",
            _("高新技术企业"),
            [
                lambda r, f: f["high_tech_cert_valid"] and 50e6 <= f["revenue"] <= 300e6,
                lambda r, f: f["high_tech_cert_valid"],
            ],
        ),
        (
            "ent_small",
            _("科技型小微企业"),
            [
                lambda r, f: f["employees"] <= 50 and f["revenue"] < 10e6 and f["rd_expense"] > 0,
                lambda r, f: f["employees"] <= 100 and f["rd_expense"] > 0,
            ],
        ),
        (
            "ent_scale",
            _("规上工业企业，未获高企认定"),
            [
                lambda r, f: (
                    r["industry_code"][0] == "C" and f["revenue"] >= 30e6 and not f["high_tech_cert_valid"]
                ),
                lambda r, f: r["industry_code"][0] == "C" and f["revenue"] >= 20e6,
            ],
        ),
        ("ent_software", _("软件和信息技术服务企业"), [lambda r, f: r["industry_code"].startswith("I65")]),
    ]
    out, used = [], set()
    for login, what, tests in picks:
        for test in tests:
            i = _pick(records, year, lambda r, f, test=test: r["uscc"] not in used and test(r, f))
            if i >= 0:
                used.add(records[i]["uscc"])
                out.append((login, i, what))
                break
    return out


def load_users(ctx: dict, stdout) -> None:
    """One account per role and scope, all with the demo password (hashed once: the accounts share
    the password anyway, and hashing with Argon2 dozens of times would cost seconds)."""
    rng = ctx["rng_for"]("users")
    password = make_password(ctx["password"])
    ctx["password_hash"] = password  # later steps that add accounts reuse it rather than hash again
    rows: list[tuple[User, str]] = []

    def add(username: str, role: str, scope: str, **extra) -> None:
        user = User(
            username=username, role=role, password=password, display_name=demo.person_name(rng), **extra
        )
        rows.append((user, scope))

    add("admin", Role.ADMIN, _("全部（系统管理）"), is_superuser=True, is_staff=True)
    add("leader", Role.LEADER, _("全市（只读）"))
    for code in STAFF_SECTIONS:
        section = ctx["sections"][code]
        add(
            f"staff_{code}",
            Role.BUREAU_STAFF,
            _("全市 · {section}").format(section=section.name),
            section=section,
        )
    for d in demo.districts():
        district = ctx["districts"][d["code"]]
        add(f"district_{d['login']}", Role.DISTRICT_STAFF, district.name, district=district)
    records, enterprises = ctx["enterprise_records"], ctx["enterprises"]
    for login, i, what in demo_enterprises(records, ctx["years"][-1]):
        org = enterprises[i].organisation
        add(login, Role.ENTERPRISE, f"{org.name}（{what}）", organisation=org)
    for login, org in ctx["institute_logins"].items():
        add(f"inst_{login}", Role.INSTITUTE, org.name, organisation=org)
    for k in range(1, 6):
        add(f"expert{k}", Role.EXPERT, _("仅限分配给本人的评审"))

    with on(_go_live(ctx)):
        for user, _scope in rows:
            user.date_joined = timezone.now()
        users = bulk_create_with_history([u for u, _scope in rows], User, default_change_reason=CHANGE_REASON)
    by_role: dict[str, list[User]] = {}
    for user in users:
        by_role.setdefault(user.role, []).append(user)
    ctx["users"] = by_role
    ctx["signins"].extend(
        {"username": u.username, "role": str(Role(u.role).label), "scope": scope} for u, scope in rows
    )
    stdout.write(_("  用户 {n} 个（覆盖全部 {r} 种角色）").format(n=len(users), r=len(by_role)))


def register() -> None:
    """Put the base steps into the registry (idempotent: the registry ignores a step it already has)."""
    registry.add_demo_step(load_places, order=10)
    registry.add_demo_step(load_institutes, order=20)
    registry.add_demo_step(load_enterprises, order=30)
    registry.add_demo_step(load_users, order=40)


register()
