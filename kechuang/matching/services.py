"""Use-cases of industry–academia matching: what pages, the API, tasks and the demo call.

Who sees what (DESIGN.md's scoping, plus two-way posting's openness):

* a **public** demand or achievement is visible to every signed-in user (that is what posting is for);
* a **private** one only to its own organisation, to the staff of its district and to city staff;
* **matches** (brokering cases) only to staff: city staff all, district staff their district's;
  leaders read them, and only city staff and district staff record outcomes.

For other apps: ``index_expert_profile`` / ``remove_expert_profile`` are how the experts app puts its
experts into demand matching without this app importing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from kechuang.core.industries import section_name
from kechuang.core.models import District, Organisation, Role
from kechuang.core.permissions import CITY_READERS, CITY_WRITERS, can_write, role_of, scope_q
from kechuang.core.spreadsheets import Column
from kechuang.engines.textmatch import Document

from . import engine
from .industries import industry_words
from .models import (
    Achievement,
    Demand,
    Event,
    EventParticipant,
    IndexedExpert,
    Match,
    MatchTransition,
    Visibility,
)

WAN = Decimal(10000)
TOP_K = 10  # recommendations kept per record and kind
FIELD_BONUS = 0.3  # added to the engine's fused score when both records name the same technology field
# The engine's fused score is a sum of per-query normalised signals (the best hit scores about 3.75 with
# the default weights); below this floor a "match" shares a common word or two and only adds noise.
MIN_SCORE = 0.5
PROFILE_WEIGHT = 0.5  # a firm matched on its name and industry only ranks below one matched on its demands
# Words every firm and achievement uses: sharing only these says nothing about a firm's need.
GENERIC_TERMS = frozenset(
    [
        "技术",
        "开发",
        "工艺",
        "制造",
        "生产",
        "产品",
        "设备",
        "系统",
        "应用",
        "提高",
        "研究",
        "有限公司",
        "公司",
        "科技",
        "工程",
        "服务",
        "制品",
        "材料",
        "新材料",
    ]
)
Status = Match.Status


def is_staff(user) -> bool:
    return role_of(user) in CITY_READERS | {Role.DISTRICT_STAFF}


def wan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else (amount / WAN).quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------------ visibility


def _posting_scope(user) -> Q | None:
    """The filter of visible postings, or None for "everything"."""
    role = role_of(user)
    if role is None:
        return Q(pk__in=[])
    if role in CITY_READERS:
        return None
    own = scope_q(user, district_field="organisation__district_id", organisation_field="organisation_id")
    return Q(visibility=Visibility.PUBLIC) | own


def visible_demands(user) -> QuerySet[Demand]:
    scope = _posting_scope(user)
    qs = Demand.objects.select_related("organisation__district")
    return qs if scope is None else qs.filter(scope)


def visible_achievements(user) -> QuerySet[Achievement]:
    scope = _posting_scope(user)
    qs = Achievement.objects.select_related("organisation__district")
    return qs if scope is None else qs.filter(scope)


def get_demand(user, pk: int, *, write: bool = False) -> Demand:
    """The demand, or 404 when it does not exist *or is not visible* (private ids cannot be probed);
    for a write, PermissionDenied with the reason."""
    demand = get_object_or_404(visible_demands(user), pk=pk)
    if write:
        _check_write(user, demand.organisation)
    return demand


def get_achievement(user, pk: int, *, write: bool = False) -> Achievement:
    achievement = get_object_or_404(visible_achievements(user), pk=pk)
    if write:
        _check_write(user, achievement.organisation)
    return achievement


def _check_write(user, organisation: Organisation) -> None:
    if role_of(user) == Role.EXPERT:
        raise PermissionDenied(_("专家账号不能发布或修改需求和成果"))
    can_write(user, district_id=organisation.district_id, organisation_id=organisation.pk).enforce()


def can_edit(user, posting) -> bool:
    try:
        _check_write(user, posting.organisation)
    except PermissionDenied:
        return False
    return True


def can_post_demand(user) -> bool:
    return role_of(user) in CITY_WRITERS | {Role.DISTRICT_STAFF, Role.ENTERPRISE}


def can_post_achievement(user) -> bool:
    return role_of(user) in CITY_WRITERS | {Role.DISTRICT_STAFF, Role.INSTITUTE}


def visible_matches(user) -> QuerySet[Match]:
    role = role_of(user)
    qs = Match.objects.select_related(
        "demand__organisation", "achievement__organisation", "expert", "enterprise", "district", "event"
    )
    if role in CITY_READERS:
        return qs
    if role == Role.DISTRICT_STAFF and user.district_id:
        return qs.filter(district_id=user.district_id)
    return qs.none()


def can_see_matches(user, posting) -> bool:
    role = role_of(user)
    if role in CITY_READERS:
        return True
    return role == Role.DISTRICT_STAFF and posting.organisation.district_id == user.district_id


def can_broker(user, match: Match) -> bool:
    role = role_of(user)
    if role in CITY_WRITERS:
        return True
    return role == Role.DISTRICT_STAFF and match.district_id == user.district_id


def visible_districts(user) -> QuerySet[District]:
    return District.objects.all()


# ------------------------------------------------------------------------------------ search lists


def _words(q: str) -> list[str]:
    # PostgreSQL refuses NUL in a parameter; nothing a person searches for needs control characters.
    return ["".join(c for c in w if c.isprintable()) for w in q.split()][:8]


def search_demands(
    user, *, q: str = "", field: str = "", district: int | None = None, status: str = "", mine: bool = False
) -> QuerySet[Demand]:
    qs = visible_demands(user)
    for word in _words(q):
        qs = qs.filter(
            Q(title__contains=word) | Q(problem__contains=word) | Q(organisation__name__contains=word)
        )
    if field:
        qs = qs.filter(field=field)
    if district:
        qs = qs.filter(organisation__district_id=district)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
    return qs.order_by("-created_at", "-pk")


def search_achievements(
    user,
    *,
    q: str = "",
    field: str = "",
    district: int | None = None,
    status: str = "",
    maturity: str = "",
    mine: bool = False,
) -> QuerySet[Achievement]:
    qs = visible_achievements(user)
    for word in _words(q):
        qs = qs.filter(
            Q(title__contains=word) | Q(abstract__contains=word) | Q(organisation__name__contains=word)
        )
    if field:
        qs = qs.filter(field=field)
    if district:
        qs = qs.filter(organisation__district_id=district)
    if status:
        qs = qs.filter(status=status)
    if maturity:
        qs = qs.filter(maturity=maturity)
    if mine:
        qs = qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
    return qs.order_by("-created_at", "-pk")


# ------------------------------------------------------------------------------------ posting

DEMAND_FIELDS = (
    "title", "problem", "field", "industry_code", "budget", "deadline", "contact_name", "contact_phone",
    "visibility", "status",
)  # fmt: skip
ACHIEVEMENT_FIELDS = (
    "title", "abstract", "field", "leader", "maturity", "ip_kind", "ip_detail", "transfer_mode",
    "asking_price", "contact_name", "contact_phone", "visibility", "status",
)  # fmt: skip


def demand_owner(user, enterprise: Organisation | None) -> Organisation:
    """Whose demand this is: an enterprise user's own firm; staff name the enterprise they post for."""
    role = role_of(user)
    if role == Role.ENTERPRISE:
        if not user.organisation_id or user.organisation.kind != Organisation.Kind.ENTERPRISE:
            raise PermissionDenied(_("您的账号未关联企业，不能发布技术需求"))
        return user.organisation
    if role not in CITY_WRITERS | {Role.DISTRICT_STAFF}:
        raise PermissionDenied(_("当前角色不能发布技术需求"))
    if enterprise is None or enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError({"enterprise": _("请指定提出需求的企业")})
    _check_write(user, enterprise)
    return enterprise


def achievement_owner(user, institute: Organisation | None) -> Organisation:
    role = role_of(user)
    if role == Role.INSTITUTE:
        if not user.organisation_id:
            raise PermissionDenied(_("您的账号未关联高校院所，不能发布科技成果"))
        return user.organisation
    if role not in CITY_WRITERS | {Role.DISTRICT_STAFF}:
        raise PermissionDenied(_("当前角色不能发布科技成果"))
    if institute is None or institute.kind != Organisation.Kind.INSTITUTE:
        raise ValidationError({"institute": _("请指定成果所属的高校院所")})
    _check_write(user, institute)
    return institute


def _save(record, user, data: dict, allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("不是可填写的字段") for name in sorted(unknown)})
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(record, name, value)
    record.full_clean()
    record.save()


def _after_commit(fn, *args) -> None:
    # Enqueue only once the row is committed, so the worker reads what was saved.
    transaction.on_commit(lambda: fn(*args))


@transaction.atomic
def post_demand(user, data: dict, *, enterprise: Organisation | None = None) -> Demand:
    """Post a demand; ``data`` holds model fields (money in yuan). ValidationError names the field."""
    owner = demand_owner(user, enterprise)
    demand = Demand(organisation=owner, created_by=user if user.is_authenticated else None)
    if not data.get("industry_code") and hasattr(owner, "enterprise"):
        data = {**data, "industry_code": owner.enterprise.industry_code}
    data.pop("status", None)  # a new demand is open
    _save(demand, user, data, DEMAND_FIELDS)
    from .tasks import refresh_demand_task

    _after_commit(refresh_demand_task, demand.pk)
    return demand


@transaction.atomic
def update_demand(user, demand: Demand, data: dict) -> Demand:
    _check_write(user, demand.organisation)
    _save(demand, user, data, DEMAND_FIELDS)
    from .tasks import refresh_demand_task

    _after_commit(refresh_demand_task, demand.pk)
    return demand


@transaction.atomic
def post_achievement(user, data: dict, *, institute: Organisation | None = None) -> Achievement:
    owner = achievement_owner(user, institute)
    achievement = Achievement(organisation=owner, created_by=user if user.is_authenticated else None)
    data = dict(data)
    data.pop("status", None)
    _save(achievement, user, data, ACHIEVEMENT_FIELDS)
    from .tasks import refresh_achievement_task

    _after_commit(refresh_achievement_task, achievement.pk)
    return achievement


@transaction.atomic
def update_achievement(user, achievement: Achievement, data: dict) -> Achievement:
    _check_write(user, achievement.organisation)
    _save(achievement, user, data, ACHIEVEMENT_FIELDS)
    from .tasks import refresh_achievement_task

    _after_commit(refresh_achievement_task, achievement.pk)
    return achievement


def institutes_for(user) -> QuerySet[Organisation]:
    """The institutes ``user`` may post an achievement for."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.INSTITUTE).order_by("name")
    role = role_of(user)
    if role in CITY_WRITERS:
        return qs
    if role == Role.DISTRICT_STAFF:
        return qs.filter(district_id=user.district_id)
    if role == Role.INSTITUTE:
        return qs.filter(pk=user.organisation_id)
    return qs.none()


def enterprise_by_code(code: str) -> Organisation | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE, uscc=code).first()


# ------------------------------------------------------------------------------------ experts (interface)


def index_expert_profile(
    expert_id: int,
    *,
    name: str,
    text: str,
    fields: Iterable[str] = (),
    affiliation: str = "",
    active: bool = True,
    refresh: bool = True,
) -> IndexedExpert:
    """Called by the experts app whenever an expert's profile changes (``active=False`` when the
    expert leaves the pool). ``text`` is what the expert works on, in words: research keywords,
    representative achievements, the names of their disciplines and industries. ``fields`` are codes
    kept as filter metadata; a demand's TechField code among them adds the same-field bonus. Once
    committed, the open demands closest to the profile are re-matched (nightly: all of them); a bulk
    caller passes ``refresh=False`` and calls ``refresh_all`` once instead."""
    card, _created = IndexedExpert.objects.update_or_create(
        expert_id=expert_id,
        defaults={
            "name": name,
            "text": text,
            "fields": list(fields),
            "affiliation": affiliation,
            "active": active,
        },
    )
    if not active:
        Match.objects.filter(expert=card, status=Status.RECOMMENDED).delete()
        return card
    if not refresh:
        return card
    from .tasks import refresh_expert_task

    _after_commit(refresh_expert_task, card.pk)
    return card


def remove_expert_profile(expert_id: int) -> None:
    """The expert left the pool: open recommendations go, brokered cases stay (marked inactive)."""
    IndexedExpert.objects.filter(expert_id=expert_id).update(active=False)
    Match.objects.filter(expert__expert_id=expert_id, status=Status.RECOMMENDED).delete()


# ------------------------------------------------------------------------------------ matching


def _stamp(updated_at) -> str:
    return updated_at.isoformat()


def _achievement_index() -> engine.SyncedIndex:
    idx = engine.index_for("achievements")
    stamps = {
        str(pk): _stamp(u)
        for pk, u in Achievement.objects.filter(status=Achievement.Status.OPEN).values_list(
            "pk", "updated_at"
        )
    }

    def load(ids):
        for a in Achievement.objects.filter(pk__in=[int(i) for i in ids]):
            yield Document(str(a.pk), a.text(), {"field": a.field})

    idx.sync(stamps, load)
    return idx


def _expert_index() -> engine.SyncedIndex:
    idx = engine.index_for("experts")
    stamps = {
        str(pk): _stamp(u)
        for pk, u in IndexedExpert.objects.filter(active=True).values_list("pk", "updated_at")
    }

    def load(ids):
        for e in IndexedExpert.objects.filter(pk__in=[int(i) for i in ids]):
            yield Document(str(e.pk), f"{e.name}，{e.affiliation}。{e.text}", {"field": list(e.fields)})

    idx.sync(stamps, load)
    return idx


def _enterprise_text(org: Organisation, industry: str, demands: list[str]) -> str:
    parts = [org.name, industry_words(industry) or section_name(industry)]
    parts += demands
    return "。".join(p for p in parts if p)


def _enterprise_index() -> engine.SyncedIndex:
    """Every enterprise, described by its name, industry and open demands (what it needs).

    Lexical only: most of these texts are a firm's name, where sentence vectors add little, and
    encoding every firm of a city would cost minutes on the first run."""
    idx = engine.index_for("enterprises", dense=False)
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE)
        .annotate(
            last=Max("demands__updated_at", filter=Q(demands__status=Demand.Status.OPEN)),
            n=Count("demands", filter=Q(demands__status=Demand.Status.OPEN)),
        )
        .values_list("pk", "name", "enterprise__industry_code", "last", "n")
    )
    stamps = {
        str(pk): f"{name}|{industry}|{last and _stamp(last)}|{n}" for pk, name, industry, last, n in rows
    }

    def load(ids):
        pks = [int(i) for i in ids]
        demands: dict[int, list[str]] = {}
        for d in Demand.objects.filter(organisation_id__in=pks, status=Demand.Status.OPEN).order_by("pk"):
            demands.setdefault(d.organisation_id, []).append(f"{d.title}：{d.problem}")
        for org in Organisation.objects.filter(pk__in=pks).select_related("enterprise"):
            industry = getattr(getattr(org, "enterprise", None), "industry_code", "") or ""
            mine = demands.get(org.pk, [])
            yield Document(
                str(org.pk), _enterprise_text(org, industry, mine), {"has_demand": "1" if mine else "0"}
            )

    idx.sync(stamps, load)
    return idx


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _trim_term(term: str) -> str:
    """A shared phrase without the punctuation the engine may leave at its ends ("以上，")."""
    start, end = 0, len(term)
    while start < end and not _is_word_char(term[start]):
        start += 1
    while end > start and not _is_word_char(term[end - 1]):
        end -= 1
    return term[start:end]


def _trim_spans(text: str, spans) -> list[list]:
    out = []
    for start, end, kind in spans:
        while start < end and not _is_word_char(text[start]):
            start += 1
        while end > start and not _is_word_char(text[end - 1]):
            end -= 1
        if end - start >= 1:
            out.append([start, end, kind])
    return out


def _reasons(hit, same_field: bool) -> dict:
    """What a page needs to show why: the engine's explanation, tidied for display."""
    ex = hit.explanation
    out = {"same_field": same_field, "signals": {k: round(v, 4) for k, v in hit.signals.items()}}
    if ex is not None:
        shared = []
        for term in map(_trim_term, ex.shared_terms):
            if len(term) >= 2 and term not in shared:
                shared.append(term)
        out.update(
            {
                "text": ex.default_text,
                "shared": shared,
                "related": [t for t, _w in ex.related_terms],
                "snippet": ex.snippet,
                "snippet_spans": _trim_spans(ex.snippet, ex.snippet_spans),
                "clipped_left": ex.snippet_start > 0,
            }
        )
    return out


def _specific(hit) -> bool:
    """Whether a hit shares at least one non-generic term with the query."""
    shared = hit.explanation.shared_terms if hit.explanation else []
    return any(len(t) >= 2 and t not in GENERIC_TERMS for t in map(_trim_term, shared))


def _ranked(hits, field: str, field_of) -> list[tuple[str, float, dict]]:
    scored = []
    for hit in hits:
        same = bool(field) and field in field_of(hit)
        scored.append((hit.doc_id, hit.score + (FIELD_BONUS if same else 0.0), _reasons(hit, same)))
    scored = [r for r in scored if r[1] >= MIN_SCORE]
    scored.sort(key=lambda r: (-r[1], r[0]))
    return scored[:TOP_K]


def _field_values(hit) -> list[str]:
    value = hit.fields.get("field", [])
    return [value] if isinstance(value, str) else list(value)


@transaction.atomic
def _store(kind: str, anchor: dict, district_of, ranked: list[tuple[dict, float, dict]]) -> int:
    """Write ``ranked`` [(target kwargs, score, reasons)] as the anchor's recommendations.

    A case staff already work on (any status but 推荐) is never deleted or reset: only its score and
    reasons are refreshed. Recommendations that fell out of the top are removed.
    """
    target = {"demand_achievement": "achievement_id", "demand_expert": "expert_id"}.get(kind, "enterprise_id")
    existing = {getattr(m, target): m for m in Match.objects.filter(kind=kind, **anchor)}
    seen = set()
    now = timezone.now()
    for rank, (kwargs, score, reasons) in enumerate(ranked, start=1):
        key = kwargs[target]
        seen.add(key)
        match = existing.get(key)
        if match is None:
            # get_or_create: two workers refreshing the same record must not trip the unique constraint.
            Match.objects.get_or_create(
                kind=kind,
                **anchor,
                **kwargs,
                defaults={
                    "district_id": district_of(kwargs),
                    "score": score,
                    "rank": rank,
                    "reasons": reasons,
                },
            )
        else:
            Match.objects.filter(pk=match.pk).update(score=score, rank=rank, reasons=reasons, updated_at=now)
    stale = [m.pk for key, m in existing.items() if key not in seen]
    Match.objects.filter(pk__in=stale, status=Status.RECOMMENDED).delete()
    Match.objects.filter(pk__in=stale).exclude(status=Status.RECOMMENDED).update(rank=None)
    return len(ranked)


def _demand_index() -> engine.SyncedIndex:
    idx = engine.index_for("demands")
    stamps = {
        str(pk): _stamp(u)
        for pk, u in Demand.objects.filter(status=Demand.Status.OPEN).values_list("pk", "updated_at")
    }

    def load(ids):
        for d in Demand.objects.filter(pk__in=[int(i) for i in ids]):
            yield Document(str(d.pk), d.text(), {"field": d.field})

    idx.sync(stamps, load)
    return idx


CASCADE_K = 3  # a changed record also re-ranks the lists of its best few counterparts


def refresh_demand(demand_id: int, *, cascade: bool = True) -> int:
    """Recompute a demand's recommended achievements and experts; returns how many were kept.

    With ``cascade``, the achievements it matches best also re-rank their enterprises (this
    demand changed how its enterprise reads)."""
    demand = Demand.objects.select_related("organisation").filter(pk=demand_id).first()
    if demand is None:
        return 0
    if demand.status != Demand.Status.OPEN:
        Match.objects.filter(demand=demand, status=Status.RECOMMENDED).delete()
        return 0
    district = demand.organisation.district_id
    query = demand.text()
    achievements = _achievement_index()
    with achievements.lock:
        hits = achievements.search(query, k=TOP_K * 2)
    ranked = [({"achievement_id": int(i)}, s, r) for i, s, r in _ranked(hits, demand.field, _field_values)]
    n = _store(Match.Kind.DEMAND_ACHIEVEMENT, {"demand": demand}, lambda _kw: district, ranked)
    experts = _expert_index()
    with experts.lock:
        hits = experts.search(query, k=TOP_K * 2)
    ranked_experts = [({"expert_id": int(i)}, s, r) for i, s, r in _ranked(hits, demand.field, _field_values)]
    n += _store(Match.Kind.DEMAND_EXPERT, {"demand": demand}, lambda _kw: district, ranked_experts)
    if cascade:
        for kwargs, _s, _r in ranked[:CASCADE_K]:
            refresh_achievement(kwargs["achievement_id"], cascade=False)
    return n


def refresh_achievement(achievement_id: int, *, cascade: bool = True) -> int:
    """Recompute the enterprises most likely to need an achievement (by their open demands, industry
    and name); with ``cascade``, the open demands it answers best re-rank their achievements."""
    achievement = Achievement.objects.filter(pk=achievement_id).first()
    if achievement is None:
        return 0
    if achievement.status != Achievement.Status.OPEN:
        Match.objects.filter(achievement=achievement, status=Status.RECOMMENDED).delete()
        return 0
    query = achievement.text()
    enterprises = _enterprise_index()
    with enterprises.lock:
        # Two searches, because scores are normalised per search: firms that posted demands (their own
        # words of what they need), and firms known only by name and industry, which would otherwise
        # always lose to the first kind.
        with_demands = enterprises.search(query, k=TOP_K, filters={"has_demand": "1"})
        profiles = enterprises.search(query, k=TOP_K, filters={"has_demand": "0"})
    scored = [(h, h.score, "demand") for h in with_demands if h.score >= MIN_SCORE]
    scored += [(h, h.score * PROFILE_WEIGHT, "profile") for h in profiles if _specific(h)]
    scored = [item for item in scored if item[1] >= MIN_SCORE]
    scored.sort(key=lambda item: (-item[1], int(item[0].doc_id)))
    hits = [h for h, _s, _b in scored[:TOP_K]]
    districts = dict(
        Organisation.objects.filter(pk__in=[int(h.doc_id) for h in hits]).values_list("pk", "district_id")
    )
    ranked = [
        ({"enterprise_id": int(h.doc_id)}, score, {**_reasons(h, False), "basis": basis})
        for h, score, basis in scored[:TOP_K]
    ]
    # Each recommended enterprise's district brokers that case.
    n = _store(
        Match.Kind.ACHIEVEMENT_ENTERPRISE,
        {"achievement": achievement},
        lambda kw: districts[kw["enterprise_id"]],
        ranked,
    )
    if cascade:
        demands = _demand_index()
        with demands.lock:
            found = demands.search(query, k=CASCADE_K)
        for hit in found:
            refresh_demand(int(hit.doc_id), cascade=False)
    return n


def refresh_expert(card_id: int) -> int:
    """Re-rank the open demands an expert's (new or changed) profile fits best."""
    card = IndexedExpert.objects.filter(pk=card_id, active=True).first()
    if card is None:
        return 0
    demands = _demand_index()
    with demands.lock:
        found = demands.search(card.text, k=TOP_K)
    return sum(refresh_demand(int(hit.doc_id), cascade=False) for hit in found)


def refresh_all(*, rebuild: bool = False) -> dict:
    """Re-match every open demand and achievement (the nightly job, and the demo)."""
    if rebuild:
        engine.reset()
    demands = list(Demand.objects.filter(status=Demand.Status.OPEN).values_list("pk", flat=True))
    achievements = list(
        Achievement.objects.filter(status=Achievement.Status.OPEN).values_list("pk", flat=True)
    )
    n = sum(refresh_demand(pk, cascade=False) for pk in demands)
    n += sum(refresh_achievement(pk, cascade=False) for pk in achievements)
    # Closed records keep their brokered cases but lose their open recommendations.
    Match.objects.filter(status=Status.RECOMMENDED).exclude(
        Q(demand__isnull=True) | Q(demand__status=Demand.Status.OPEN)
    ).delete()
    Match.objects.filter(status=Status.RECOMMENDED).exclude(
        Q(achievement__isnull=True) | Q(achievement__status=Achievement.Status.OPEN)
    ).delete()
    return {"demands": len(demands), "achievements": len(achievements), "matches": n}


# ------------------------------------------------------------------------------------ brokering

ACTIONS = {
    # action: (model method, target status)
    "contact": ("contact", Status.CONTACTED),
    "express_intention": ("express_intention", Status.INTENTION),
    "sign": ("sign", Status.SIGNED),
    "invalidate": ("invalidate", Status.INVALID),
}


ACTIONS_LABELS = {action: Status(target).label for action, (_m, target) in ACTIONS.items()}


def available_actions(match: Match) -> list[tuple[str, str]]:
    """(action, label of the status it leads to) for the legal next steps of ``match``."""
    out = []
    for action, (method, target) in ACTIONS.items():
        if can_proceed(getattr(match, method)):
            out.append((action, Status(target).label))
    return out


@transaction.atomic
def advance_match(
    user,
    match_id: int,
    action: str,
    *,
    reason: str = "",
    event: Event | None = None,
    amount: Decimal | None = None,
) -> Match:
    """Record a brokering outcome: one legal transition, logged with who, when and why.

    Refuses (ValidationError naming the field) an unknown action, an illegal step (e.g. 推荐 →
    已签约), 无效 without a reason, or a negative amount; PermissionDenied when ``user`` may not
    broker this case. Nothing changes on refusal.
    """
    match = Match.objects.select_for_update().filter(pk=match_id).first()
    if match is None or not visible_matches(user).filter(pk=match_id).exists():
        from django.http import Http404

        raise Http404(_("未找到该匹配记录"))
    if not can_broker(user, match):
        raise PermissionDenied(_("只有市局和所属区县的工作人员可以记录对接情况"))
    if action not in ACTIONS:
        raise ValidationError({"action": _("未知的操作")})
    method, target = ACTIONS[action]
    if not can_proceed(getattr(match, method)):
        raise ValidationError(
            {
                "action": _("当前状态为“%(from)s”，不能变更为“%(to)s”")
                % {"from": match.get_status_display(), "to": Status(target).label}
            }
        )
    reason = (reason or "").strip()
    if target == Status.INVALID and not reason:
        raise ValidationError({"reason": _("标记为无效时必须说明原因")})
    if amount is not None:
        if target != Status.SIGNED:
            raise ValidationError({"amount": _("只有签约时才填写签约金额")})
        if amount < 0:
            raise ValidationError({"amount": _("签约金额不能为负数")})
    from_status = match.status
    getattr(match, method)()
    match.status_reason = reason
    if event is not None:
        match.event = event
    if amount is not None:
        match.agreement_amount = amount
    match.save()
    MatchTransition.objects.create(
        match=match, action=action, from_status=from_status, to_status=match.status, actor=user, reason=reason
    )
    return match


def match_rows(qs) -> list[dict]:
    """For display: each match with the record on its other side and its rendered reasons."""
    return [{"match": m, "target": _target(m)} for m in qs]


def _target(m: Match) -> dict:
    if m.kind == Match.Kind.DEMAND_ACHIEVEMENT:
        a = m.achievement
        return {
            "title": a.title,
            "org": a.organisation.name,
            "who": a.leader,
            "url_name": "achievement_detail",
            "pk": a.pk,
        }
    if m.kind == Match.Kind.DEMAND_EXPERT:
        e = m.expert
        return {"title": e.name, "org": e.affiliation, "who": e.name, "url_name": "", "pk": e.pk}
    return {
        "title": m.enterprise.name,
        "org": m.enterprise.name,
        "who": "",
        "url_name": "",
        "pk": m.enterprise_id,
    }


def suggested_achievements(demand: Demand) -> list[Achievement]:
    """The public achievements recommended for ``demand`` (for the enterprise that posted it)."""
    qs = (
        demand.matches.filter(kind=Match.Kind.DEMAND_ACHIEVEMENT, achievement__visibility=Visibility.PUBLIC)
        .exclude(status=Status.INVALID)
        .select_related("achievement__organisation")
        .order_by(*Match._meta.ordering)
    )
    return [m.achievement for m in qs[:TOP_K]]


def search_matches(
    user, *, status: str = "", kind: str = "", district: int | None = None, event: int | None = None
):
    qs = visible_matches(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if district:
        qs = qs.filter(district_id=district)
    if event:
        qs = qs.filter(event_id=event)
    return qs.order_by("-updated_at", "-pk")


def outcome_counts(user) -> dict[str, int]:
    """Matches per status in the caller's scope: the brokering figures that feed evaluation."""
    counts = dict(visible_matches(user).values_list("status").annotate(n=Count("pk")).order_by())
    return {s: counts.get(s, 0) for s in Status.values}


# ------------------------------------------------------------------------------------ events


def can_manage_events(user) -> bool:
    return role_of(user) in CITY_WRITERS | {Role.DISTRICT_STAFF}


def visible_events(user) -> QuerySet[Event]:
    if role_of(user) is None:
        return Event.objects.none()
    return Event.objects.select_related("district")


def can_edit_event(user, event: Event) -> bool:
    role = role_of(user)
    if role in CITY_WRITERS:
        return True
    return (
        role == Role.DISTRICT_STAFF
        and event.district_id is not None
        and event.district_id == user.district_id
    )


@transaction.atomic
def save_event(user, event: Event) -> Event:
    if not (can_manage_events(user) and (event.pk is None or can_edit_event(user, event))):
        raise PermissionDenied(_("只有市局和区县科技局工作人员可以登记对接活动"))
    if role_of(user) == Role.DISTRICT_STAFF:
        event.district_id = user.district_id  # a district bureau records its own events
    if event.pk is None:
        event.created_by = user
    event.full_clean()
    event.save()
    return event


def add_participant(
    user, event: Event, *, kind: str, name: str = "", organisation: Organisation | None = None, note: str = ""
):
    if not can_edit_event(user, event):
        raise PermissionDenied(_("无权修改该活动"))
    participant = EventParticipant(
        event=event,
        kind=kind,
        organisation=organisation,
        name=name or (organisation.name if organisation else ""),
        note=note,
    )
    participant.full_clean()
    participant.save()
    return participant


def event_figures(event: Event) -> list[dict]:
    """Each figure: its label, what the organisers reported, and what the system recorded."""
    by_kind = dict(event.participants.values_list("kind").annotate(n=Count("pk")).order_by())
    statuses = dict(event.matches.values_list("status").annotate(n=Count("pk")).order_by())
    recorded = {
        "institutes": by_kind.get(EventParticipant.Kind.INSTITUTE, 0),
        "experts": by_kind.get(EventParticipant.Kind.EXPERT, 0),
        "enterprises_attending": by_kind.get(EventParticipant.Kind.ENTERPRISE, 0),
        "intentions": statuses.get(Status.INTENTION, 0) + statuses.get(Status.SIGNED, 0),
        "agreements": statuses.get(Status.SIGNED, 0),
    }
    return [
        {
            "name": name,
            "label": Event._meta.get_field(name).verbose_name,
            "reported": getattr(event, name),
            "recorded": recorded.get(name),
        }
        for name in Event.FIGURES
    ]


def event_totals(events) -> dict[str, int | None]:
    """Each figure summed over ``events``; None where no event reported it (unknown, not zero)."""
    totals: dict[str, int | None] = dict.fromkeys(Event.FIGURES)
    for event in events:
        for name in Event.FIGURES:
            value = getattr(event, name)
            if value is not None:
                totals[name] = (totals[name] or 0) + value
    return totals


# ------------------------------------------------------------------------------------ exports


def _yes_no_private(v: str) -> str:
    return str(Visibility(v).label)


def demand_export(qs):
    headers = [
        _("编号"), _("需求名称"), _("需求企业"), _("所属区县"), _("技术领域"), _("行业代码"),
        Column(_("技术难题描述"), width=50), Column(_("预算（万元）"), "wan_yuan"),
        Column(_("期望解决时间"), "date"), _("联系人"), _("联系电话"), _("公开范围"), _("状态"),
        Column(_("发布时间"), "datetime"),
    ]  # fmt: skip

    def rows():
        for d in qs.select_related("organisation__district").iterator(chunk_size=1000):
            yield [
                d.pk, d.title, d.organisation.name, d.organisation.district.name, d.get_field_display(),
                d.industry_code, d.problem, wan(d.budget), d.deadline, d.contact_name, d.contact_phone,
                _yes_no_private(d.visibility), d.get_status_display(), timezone.localtime(d.created_at).replace(tzinfo=None),
            ]  # fmt: skip

    return headers, rows()


def achievement_export(qs):
    headers = [
        _("编号"), _("成果名称"), _("成果单位"), _("所属区县"), _("技术领域"), _("成果负责人"), _("成熟度"),
        _("知识产权类型"), _("知识产权说明"), _("转化方式"), Column(_("意向价格（万元）"), "wan_yuan"),
        Column(_("成果简介"), width=50), _("公开范围"), _("状态"), Column(_("发布时间"), "datetime"),
    ]  # fmt: skip

    def rows():
        for a in qs.select_related("organisation__district").iterator(chunk_size=1000):
            yield [
                a.pk, a.title, a.organisation.name, a.organisation.district.name, a.get_field_display(), a.leader,
                a.get_maturity_display(), a.get_ip_kind_display(), a.ip_detail, a.get_transfer_mode_display(),
                wan(a.asking_price) if a.asking_price is not None else _("面议"), a.abstract,
                _yes_no_private(a.visibility), a.get_status_display(),
                timezone.localtime(a.created_at).replace(tzinfo=None),
            ]  # fmt: skip

    return headers, rows()


def match_export(qs):
    headers = [
        Column(_("编号"), "int"), _("匹配类型"), _("需求"), _("成果"), _("专家"), _("企业"), _("区县"),
        Column(_("排名"), "int"), Column(_("匹配度"), "number"), Column(_("匹配理由"), width=50), _("对接状态"),
        _("状态说明"), _("对接活动"), Column(_("签约金额（万元）"), "wan_yuan"), Column(_("更新时间"), "datetime"),
    ]  # fmt: skip

    def rows():
        for m in qs:
            yield [
                m.pk, m.get_kind_display(), m.demand.title if m.demand else None,
                m.achievement.title if m.achievement else None, m.expert.name if m.expert else None,
                m.enterprise.name if m.enterprise else (m.demand.organisation.name if m.demand else None),
                m.district.name, m.rank, round(m.score, 4), m.reasons.get("text", ""), m.get_status_display(),
                m.status_reason, m.event.name if m.event else None, wan(m.agreement_amount),
                timezone.localtime(m.updated_at).replace(tzinfo=None),
            ]  # fmt: skip

    return headers, rows()


def event_export(qs):
    headers = [
        _("活动名称"),
        _("活动类型"),
        Column(_("举办日期"), "date"),
        _("举办地点"),
        _("主办区县"),
        _("主办单位"),
    ]
    headers += [Column(str(Event._meta.get_field(n).verbose_name), "int") for n in Event.FIGURES]
    headers += [Column(_("签约金额（万元）"), "wan_yuan")]

    def rows():
        for e in qs:
            yield [
                e.name,
                e.get_kind_display(),
                e.date,
                e.place,
                e.district.name if e.district else _("市级"),
                e.organiser,
                *[getattr(e, n) for n in Event.FIGURES],
                wan(e.agreement_amount),
            ]

    return headers, rows()


# ------------------------------------------------------------------------------------ home panels


def overview(user) -> dict:
    demands = visible_demands(user)
    achievements = visible_achievements(user)
    return {
        "demands_open": demands.filter(status=Demand.Status.OPEN).count(),
        "achievements_open": achievements.filter(status=Achievement.Status.OPEN).count(),
        "outcomes": outcome_counts(user) if is_staff(user) else None,
        "events": list(visible_events(user)[:3]),
        "deadline_soon": demands.filter(
            status=Demand.Status.OPEN, deadline__lte=timezone.localdate() + dt.timedelta(days=30)
        ).count(),
    }
