"""The ladder's step of ``kechuang demo``: rungs in the proportions the bureau publishes (淄博 2021: 1,027
high-tech firms and 1,379 tech SMEs for a city of about 3,000 firms in the registry; a few dozen leaders),
and two years of the high-tech cultivation pool told as a story (nominations, admissions, coaching,
applications, outcomes) through the services, so that every status change is audited on its day.

Deterministic from the seed (its own random stream); runs after the policies step (it reads the policy
engine's near misses).
"""

import datetime as dt

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core.demo_clock import on
from kechuang.core.models import Role

from .models.ladder import Candidate, CultivationAction, Rung, RungMembership, RungSource
from .services_ladder import check_contradictions, pool, rungs_from_rules
from .services_ladder.rungs import certificate_expiry, grant_rung

TECH_SME_SHARES = (0.33, 0.40, 0.46)  # of the registry, oldest year first (900 → 1,379 for ~3,000 firms)
LEADING_SHARE = 0.012  # 36 of 3,000
LISTING_SHARE = 0.01
POOL_SHARE = 0.025  # candidates per pool year
REASON = "演示数据"


def _ids(ctx) -> list[int]:
    return [e.pk for e in ctx["enterprises"]]


def _high_tech_rungs(ctx, rng, skip: set[int]) -> int:
    """Memberships from the facts' certificate flag, each with its certificate (issued in autumn,
    valid three years), except for the firms the pool story certifies itself."""
    years, records = ctx["years"], ctx["enterprise_records"]
    rows, seq = [], 0
    for ent, rec in zip(ctx["enterprises"], records, strict=True):
        if ent.pk in skip:
            continue
        valid = [y for y in years if rec["facts"][y].get("high_tech_cert_valid")]
        if not valid:
            continue
        first = valid[0]
        start = first - int(rng.integers(0, 3)) if first == years[0] else first
        certificates: dict[int, dt.date] = {}  # issue year → issue date: one certificate per cycle
        for y in valid:
            issue_year = start + 3 * ((y - start) // 3)
            if issue_year not in certificates:
                issued = dt.date(issue_year, int(rng.integers(10, 13)), int(rng.integers(1, 29)))
                certificates[issue_year] = issued if issued <= ctx["today"] else dt.date(issue_year, 1, 15)
            issued = certificates[issue_year]
            seq += 1
            rows.append(
                RungMembership(
                    enterprise_id=ent.pk, year=y, rung=Rung.HIGH_TECH, source=RungSource.PROVINCIAL,
                    certificate_no=f"GR{issue_year}37{ent.pk % 1_000_000:06d}", certified_on=issued,
                    expires_on=certificate_expiry(issued), reason=REASON,
                )
            )  # fmt: skip
    bulk_create_with_history(rows, RungMembership, batch_size=1000, default_change_reason=REASON)
    return len(rows)


def _tech_sme_rungs(ctx, rng) -> int:
    years, records, n = ctx["years"], ctx["enterprise_records"], ctx["n_enterprises"]
    shares = TECH_SME_SHARES[-len(years) :]
    rows, members = [], set()
    for y, share in zip(years, shares, strict=True):
        fits = []
        for ent, rec in zip(ctx["enterprises"], records, strict=True):
            f = rec["facts"][y]
            if None in (f.get("employees"), f.get("revenue"), f.get("total_assets"), f.get("rd_expense")):
                continue
            if (
                f["employees"] <= 500
                and f["revenue"] <= 2e8
                and f["total_assets"] <= 2e8
                and f["rd_expense"] > 0
            ):
                fits.append(ent)
        want = min(len(fits), round(share * n))
        # Firms re-register every year: most of last year's members that still qualify stay on, and
        # newcomers fill the register up to the year's size.
        kept = [e for e in fits if e.pk in members and rng.random() < 0.92][:want]
        kept_ids = {e.pk for e in kept}
        rest = [e for e in fits if e.pk not in kept_ids]
        extra = want - len(kept)
        picked = sorted(rng.choice(len(rest), size=extra, replace=False).tolist()) if extra > 0 else []
        chosen = sorted(kept + [rest[i] for i in picked], key=lambda e: e.pk)
        members = {e.pk for e in chosen}
        for k, ent in enumerate(chosen):
            district = ent.organisation.district.code
            rows.append(
                RungMembership(
                    enterprise_id=ent.pk, year=y, rung=Rung.TECH_SME, source=RungSource.PROVINCIAL,
                    register_no=f"{y}{district}{k + 1:05d}", reason=REASON,
                )
            )  # fmt: skip
    bulk_create_with_history(rows, RungMembership, batch_size=1000, default_change_reason=REASON)
    return len(rows)


def _staff_rungs(ctx, staff, leader) -> int:
    """Leaders, a unicorn or two and the listing reserve of the latest year: staff decisions approved by
    a bureau leader."""
    y, n = ctx["years"][-1], ctx["n_enterprises"]
    ht = set(
        RungMembership.objects.filter(year=y, rung=Rung.HIGH_TECH).values_list("enterprise_id", flat=True)
    )
    scored = []
    for ent, rec in zip(ctx["enterprises"], ctx["enterprise_records"], strict=True):
        f = rec["facts"][y]
        if ent.pk in ht and f.get("revenue") and f.get("rd_expense") is not None:
            scored.append(
                (float(f["revenue"]) * (1 + 20 * float(f["rd_expense"]) / float(f["revenue"])), ent, f)
            )
    scored.sort(key=lambda t: -t[0])
    written = 0
    with on(dt.date(y, 12, 20)):
        for _score, ent, _f in scored[: max(2, round(LEADING_SHARE * n))]:
            grant_rung(ent, y, Rung.LEADING, source=RungSource.STAFF, actor=staff, approver=leader,
                       reason=_("研发投入和营业收入居全市高新技术企业前列，经局务会研究认定"))  # fmt: skip
            written += 1
        reserve = [t for t in scored if not t[2].get("listed") and t[2]["revenue"] >= 1e8]
        for _score, ent, _f in reserve[: max(1, round(LISTING_SHARE * n))]:
            grant_rung(ent, y, Rung.LISTING_RESERVE, source=RungSource.STAFF, actor=staff, approver=leader,
                       reason=_("营业收入1亿元以上、有上市意向，列入上市后备企业库"))  # fmt: skip
            written += 1
        for _score, ent, _f in scored[: max(1, n // 1500)]:
            grant_rung(ent, y, Rung.UNICORN, source=RungSource.STAFF, actor=staff, approver=leader,
                       reason=_("估值和成长性达到独角兽企业标准，经专家论证认定"))  # fmt: skip
            written += 1
    return written


def _district_user(ctx, district_id):
    for u in ctx["users"].get(Role.DISTRICT_STAFF, []):
        if u.district_id == district_id:
            return u
    return None


ACTION_NOTES = {
    CultivationAction.Kind.VISIT: "上门走访，梳理研发项目和知识产权情况，对照认定条件逐项查找差距",
    CultivationAction.Kind.TRAINING: "参加全市高企认定政策专题培训",
    CultivationAction.Kind.IP: "指导企业围绕主导产品布局发明专利和软件著作权",
    CultivationAction.Kind.RD_ACCOUNT: "指导企业规范设置研发费用辅助账，归集近三年研发费用",
    CultivationAction.Kind.APPLICATION: "企业已在认定管理工作网提交申报材料",
}


def _pool_year(ctx, rng, year: int, certified: list, others: list, staff, stdout) -> dict:
    """One year's pool, day by day: nominations (April), admissions (May), coaching (June–September),
    applications (July), outcomes and certificates (November–December)."""
    sections = ctx["sections"]
    people = certified + others
    made: list[tuple[Candidate, str]] = []
    # Who ends where: the firms the facts certify are certified; of the rest, some are not yet
    # certified, some withdraw, a few are refused at admission and, in the latest year, some wait.
    latest = year == ctx["years"][-1]
    with on(dt.date(year, 4, 10)):
        for ent in people:
            user = _district_user(ctx, ent.organisation.district_id)
            by = user if user is not None and rng.random() < 0.6 else staff
            try:
                made.append(
                    (pool.nominate(by, ent, year, note=_("研发投入持续增长，具备冲刺高企的基础")), "")
                )
            except Exception:
                continue
    fates = {}
    cert_ids = {e.pk for e in certified}
    for cand, _x in made:
        if cand.enterprise_id in cert_ids:
            fates[cand.pk] = "certify"
        else:
            r = rng.random()
            if latest and r < 0.15:
                fates[cand.pk] = "wait"
            elif r < 0.25:
                fates[cand.pk] = "reject"
            elif r < 0.35:
                fates[cand.pk] = "withdraw"
            elif r < 0.55 and latest:
                fates[cand.pk] = "cultivating"
            else:
                fates[cand.pk] = "not_yet"
    admitted = []
    with on(dt.date(year, 5, 15)):
        for cand, _x in made:
            fate = fates[cand.pk]
            if fate == "wait":
                continue
            if fate == "reject":
                pool.reject(staff, cand, reason=_("研发活动不足，暂不具备培育条件"))
                continue
            kind = rng.choice(["district", "section", "agency"], p=[0.6, 0.25, 0.15])
            c = pool.admit(
                staff, cand, owner_kind=kind, section=sections.get("high_tech"),
                district=cand.enterprise.organisation.district, agency=_("淄博市科技服务中心"),
                reason=_("符合培育条件，同意入库"),
            )  # fmt: skip
            admitted.append(c)
    # Coaching actions change no status: written in bulk per scene (with their history), where the
    # service would take a locked read and a save each.
    for month, kind in ((6, CultivationAction.Kind.VISIT), (6, CultivationAction.Kind.TRAINING),
                        (7, CultivationAction.Kind.RD_ACCOUNT), (8, CultivationAction.Kind.IP)):  # fmt: skip
        day = dt.date(year, month, 25 if kind == CultivationAction.Kind.TRAINING else 12)
        rows = []
        for c in admitted:
            if fates[c.pk] == "withdraw" and month > 6:
                continue
            if kind != CultivationAction.Kind.VISIT and rng.random() < 0.35:
                continue
            user = _district_user(ctx, c.enterprise.organisation.district_id) or staff
            rows.append(CultivationAction(candidate=c, kind=kind, on=day, note=ACTION_NOTES[kind], by=user))
        with on(day):
            bulk_create_with_history(rows, CultivationAction, default_change_reason=REASON)
    with on(dt.date(year, 9, 5)):
        for c in admitted:
            if fates[c.pk] in ("certify", "not_yet") or (fates[c.pk] == "cultivating" and rng.random() < 0.4):
                user = _district_user(ctx, c.enterprise.organisation.district_id) or staff
                pool.log_action(user, c, kind=CultivationAction.Kind.APPLICATION, on=dt.date(year, 9, 5),
                                note=ACTION_NOTES[CultivationAction.Kind.APPLICATION])  # fmt: skip
    with on(dt.date(year, 7, 20)):
        for c in admitted:
            if fates[c.pk] == "withdraw":
                pool.close(staff, c, outcome="withdraw", reason=_("企业经营调整，主动申请退出培育"))
    issued = dt.date(year, 11, 28)
    certs = 0
    with on(dt.date(year, 12, 10)):
        for c in admitted:
            fate = fates[c.pk]
            if fate == "certify":
                for y in range(year, min(year + 2, ctx["years"][-1]) + 1):
                    grant_rung(c.enterprise, y, Rung.HIGH_TECH, source=RungSource.PROVINCIAL, actor=staff,
                               reason=_("省认定机构公布的高新技术企业名单"), certified_on=issued,
                               certificate_no=f"GR{year}37{c.enterprise_id % 1_000_000:06d}")  # fmt: skip
                pool.close(
                    staff, c, outcome="certify", reason=_("列入%(y)s年度高新技术企业认定名单") % {"y": year}
                )
                certs += 1
            elif fate == "not_yet":
                pool.close(staff, c, outcome="not_yet", reason=_("未列入本年度认定名单，继续培育"))
    return {"candidates": len(made), "certified": certs}


def load_ladder(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("ladder")
    years, n = ctx["years"], ctx["n_enterprises"]
    staff_users = ctx["users"].get(Role.BUREAU_STAFF, [])
    staff = next((u for u in staff_users if u.username == "staff_high_tech"), staff_users[0])
    leader = ctx["users"][Role.LEADER][0]
    records = ctx["enterprise_records"]
    pool_years = years[-2:]
    # The firms the pool story certifies: a share of those whose first certificate falls in a pool year.
    per_year = max(1, round(0.012 * n))
    story_certified: dict[int, list] = {}
    for y in pool_years:
        firsts = []
        for ent, rec in zip(ctx["enterprises"], records, strict=True):
            flags = [rec["facts"][yy].get("high_tech_cert_valid") for yy in years]
            j = years.index(y)
            if flags[j] and not any(flags[:j]) and j > 0 and flags[j - 1] is False:
                firsts.append(ent)
        k = min(len(firsts), per_year)
        story_certified[y] = (
            [firsts[i] for i in sorted(rng.choice(len(firsts), size=k, replace=False).tolist())] if k else []
        )
    skip = {e.pk for ents in story_certified.values() for e in ents}
    with on(min(dt.date(years[-1] + 1, 3, 31), ctx["today"])):
        ht = _high_tech_rungs(ctx, rng, skip)
        sme = _tech_sme_rungs(ctx, rng)
        rule = rungs_from_rules(years[-1], rungs=(Rung.GAZELLE,), actor=None)
    stdout.write(_("  高新技术企业 {h} 条、科技型中小企业 {s} 条、规则判定瞪羚企业 {g} 条梯次记录").format(
        h=ht, s=sme, g=rule.get(Rung.GAZELLE, 0)))  # fmt: skip
    # The pool: last year's from firms with R&D but no certificate, this year's from the engine's near misses.
    size = max(4, round(POOL_SHARE * n))
    taken = set(skip)
    for y in pool_years:
        if y == years[-1]:
            misses = [m["enterprise"] for m in pool.near_misses(staff, year=y, max_gaps=2)]
        else:
            misses = [
                ent for ent, rec in zip(ctx["enterprises"], records, strict=True)
                if rec["facts"][y].get("high_tech_cert_valid") is False and (rec["facts"][y].get("rd_expense") or 0) > 0
                and (rec["facts"][y].get("innovation_score") or 0) >= 60
            ]  # fmt: skip
        misses = [e for e in misses if e.pk not in taken]
        want = max(0, size - len(story_certified[y]))
        if len(misses) > want:
            misses = [misses[i] for i in sorted(rng.choice(len(misses), size=want, replace=False).tolist())]
        taken.update(e.pk for e in misses)
        done = _pool_year(ctx, rng, y, story_certified[y], misses, staff, stdout)
        stdout.write(
            _("  {y}年度高企培育库 {c} 家，认定 {k} 家").format(
                y=y, c=done["candidates"], k=done["certified"]
            )
        )
    written = _staff_rungs(ctx, staff, leader)
    flags = check_contradictions()
    stdout.write(
        _("  领军、独角兽和上市后备企业 {w} 条；与年度数据不一致、待核实 {f} 条").format(w=written, f=flags)
    )
