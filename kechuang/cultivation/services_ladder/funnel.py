"""The pool's funnel per district (储备 → 培育 → 申报 → 认定) with conversion rates against last year,
and the moves between rungs from one year to the next (a Sankey diagram)."""

from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from kechuang.core.models import District, Role
from kechuang.core.permissions import role_of
from kechuang.programs.models import Transition

from ..models.ladder import Candidate, Rung, RungMembership
from .access import pool_scope
from .rungs import top_rungs

STAGES = ("reserve", "cultivate", "apply", "certified")


def stage_labels() -> dict[str, str]:
    return {"reserve": _("储备"), "cultivate": _("培育"), "apply": _("申报"), "certified": _("认定")}


def _stages(user, year: int) -> dict[int, Counter]:
    """{district_id: Counter(stage → candidates that reached it)} for ``year``'s pool."""
    rows = list(
        Candidate.objects.filter(pool_scope(user), year=year)
        .exclude(status=Candidate.Status.REJECTED)
        .values_list("pk", "status", "enterprise__organisation__district_id")
    )
    ct = ContentType.objects.get_for_model(Candidate)
    moved: dict[int, set[str]] = {}
    ids = [pk for pk, _s, _d in rows]
    for start in range(0, len(ids), 900):
        for obj, action in Transition.objects.filter(
            content_type=ct, object_id__in=ids[start : start + 900], action__in=("admit", "apply")
        ).values_list("object_id", "action"):
            moved.setdefault(obj, set()).add(action)
    out: dict[int, Counter] = {}
    for pk, status, district in rows:
        c = out.setdefault(district, Counter())
        actions = moved.get(pk, set())
        certified = status == Candidate.Status.CERTIFIED
        c["reserve"] += 1
        if "admit" in actions or status in (
            Candidate.Status.CULTIVATING,
            Candidate.Status.APPLIED,
            Candidate.Status.CERTIFIED,
            Candidate.Status.NOT_YET,
        ):
            c["cultivate"] += 1
        if "apply" in actions or status == Candidate.Status.APPLIED or certified:
            c["apply"] += 1
        if certified:
            c["certified"] += 1
    return out


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def _rates(c: Counter) -> dict:
    return {
        "cultivate": _rate(c["cultivate"], c["reserve"]),
        "apply": _rate(c["apply"], c["cultivate"]),
        "certified": _rate(c["certified"], c["apply"]),
        "overall": _rate(c["certified"], c["reserve"]),
    }


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def funnel(user, year: int) -> dict:
    """Rows per district and a total row, each with the stage counts, the conversion rates (fractions)
    and their change against ``year - 1`` (fractions; shown as percentage points)."""
    this, last = _stages(user, year), _stages(user, year - 1)
    districts = District.objects.all()
    if role_of(user) == Role.DISTRICT_STAFF:
        districts = districts.filter(pk=user.district_id)
    rows = []
    total, total_last = Counter(), Counter()
    for d in districts:
        c, p = this.get(d.pk, Counter()), last.get(d.pk, Counter())
        total.update(c)
        total_last.update(p)
        if not c and not p:
            continue
        rows.append(_row(d.name, d.pk, c, p))
    return {
        "year": year,
        "rows": rows,
        "total": _row(_("合计"), None, total, total_last),
        "stages": [{"code": s, "label": stage_labels()[s], "value": total[s]} for s in STAGES],
    }


def _row(name: str, district_id, c: Counter, p: Counter) -> dict:
    rates, rates_last = _rates(c), _rates(p)
    return {
        "name": name,
        "district_id": district_id,
        "counts": [c[s] for s in STAGES],
        "rates": rates,
        "rates_last": rates_last,
        "deltas": {k: _points(_delta(rates[k], rates_last[k])) for k in rates},
    }


def _points(delta: float | None) -> str:
    """A change of rate in percentage points, as the bureau writes it: 提高3.2个百分点."""
    if delta is None:
        return "—"
    if abs(delta) < 0.0005:
        return _("持平")
    if delta > 0:
        return _("提高%(p)s个百分点") % {"p": f"{delta * 100:.1f}"}
    return _("下降%(p)s个百分点") % {"p": f"{-delta * 100:.1f}"}


def sankey(user, year: int) -> dict:
    """Nodes and links of the rung moves from ``year - 1`` to ``year`` among the enterprises in scope
    that are on a rung in either year. A firm's rung is its highest one."""
    labels = {r.value: str(r.label) for r in Rung}
    none_label = _("未入梯次")
    scoped = set(
        RungMembership.objects.filter(pool_scope(user), year__in=(year - 1, year)).values_list(
            "enterprise_id", flat=True
        )
    )
    before, after = top_rungs(year - 1, scoped), top_rungs(year, scoped)
    moves = Counter((before.get(pk), after.get(pk)) for pk in scoped)
    nodes, links = {}, []
    for (a, b), n in sorted(moves.items(), key=lambda kv: -kv[1]):
        src = f"{year - 1}·{labels[a] if a else none_label}"
        dst = f"{year}·{labels[b] if b else none_label}"
        nodes[src] = nodes[dst] = True
        links.append({"source": src, "target": dst, "value": n})
    return {"nodes": [{"name": n} for n in nodes], "links": links}
