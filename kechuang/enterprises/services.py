"""Use-cases of the enterprise registry: what pages, the API, commands and tasks call."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core import statyear, summaries
from kechuang.core.industries import SECTIONS, section_label
from kechuang.core.models import District, Role
from kechuang.core.permissions import CITY_READERS, can_read, can_write, role_of, scope_q
from kechuang.core.spreadsheets import Column
from kechuang.engines import labels as label_engine

from .models import DerivedLabel, Enterprise, YearlyFacts

WAN = Decimal(10000)
# Institute users and experts see no enterprise facts (DESIGN.md: an expert sees only what they are
# assigned; an institute's users deal with demands and achievements, not the registry).
REGISTRY_ROLES = {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF, Role.ENTERPRISE}
FACT_FIELDS = [
    f.name
    for f in YearlyFacts._meta.concrete_fields
    if f.name not in ("id", "enterprise", "year", "updated_at")
]


def visible_enterprises(user) -> QuerySet[Enterprise]:
    """Every enterprise ``user`` may read (row-level scope of DESIGN.md)."""
    return Enterprise.objects.filter(
        scope_q(user, district_field="organisation__district_id", organisation_field="organisation_id")
    )


def get_enterprise(user, pk: int, *, write: bool = False) -> Enterprise:
    """The enterprise, or 404 when it does not exist, or PermissionDenied with the reason."""
    enterprise = get_object_or_404(Enterprise.objects.select_related("organisation__district"), pk=pk)
    check = can_write if write else can_read
    check(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk).enforce()
    return enterprise


def search_enterprises(
    user,
    *,
    q: str = "",
    district: int | None = None,
    industry: str = "",
    label: str = "",
    year: int | None = None,
    fact: str = "",
) -> QuerySet[Enterprise]:
    """The list page's and the API's search: name or USCC, district, industry prefix, label, year.

    Year and label filters are EXISTS subqueries, not joins: a join on 900k label rows made the
    count of a filtered 100k-enterprise list the slowest query of the page.
    """
    qs = visible_enterprises(user)
    q = q.strip()
    if q:
        qs = qs.filter(Q(organisation__uscc=q.upper()) if len(q) == 18 else Q(organisation__name__contains=q))
    if district:
        qs = qs.filter(organisation__district_id=district)
    if industry:
        qs = qs.filter(industry_code__startswith=industry.upper())
    if year and not label:  # a label of that year implies facts of that year
        qs = qs.filter(Exists(YearlyFacts.objects.filter(enterprise_id=OuterRef("pk"), year=year)))
    if label:
        labels = DerivedLabel.objects.filter(
            enterprise_id=OuterRef("pk"), code=label, status=DerivedLabel.Status.YES
        )
        qs = qs.filter(Exists(labels.filter(year=year) if year else labels))
    if fact in FACT_FILTERS:  # the records behind an indicator (kechuang.indicators links here)
        facts = YearlyFacts.objects.filter(FACT_FILTERS[fact][1], enterprise_id=OuterRef("pk"))
        qs = qs.filter(Exists(facts.filter(year=year) if year else facts))
    return qs


# Filters on one year's facts, for the lists behind the indicators' figures.
FACT_FILTERS = {
    "high_tech": (_lazy("高新技术企业证书在有效期内"), Q(high_tech_cert_valid=True)),
    "rd_reported": (_lazy("已填报研发费用"), Q(rd_expense__isnull=False)),
    "rd_positive": (_lazy("研发费用大于零"), Q(rd_expense__gt=0)),
    "revenue_both": (
        _lazy("已填报营业收入和高新技术产品收入"),
        Q(revenue__isnull=False, high_tech_revenue__isnull=False),
    ),
}


def page_of_enterprises(qs: QuerySet[Enterprise], page_number, per_page: int, *, count: int | None = None):
    """A page of ``qs`` in registration order, paginated on ids only, then the page's rows fetched
    with their organisation and district: deep pages then cost an index walk, not 50k joined rows.
    ``count``, when the caller knows it (``unfiltered_count``), spares counting ``qs``."""
    paginator = Paginator(qs.order_by("pk").values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count  # a cached_property: the instance's value wins
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    found = Enterprise.objects.select_related("organisation__district").in_bulk(ids)
    page.object_list = [found[i] for i in ids if i in found]
    return page


def _status(value: bool | None) -> str:
    if value is None:
        return DerivedLabel.Status.UNKNOWN
    return DerivedLabel.Status.YES if value else DerivedLabel.Status.NO


LABEL_CODES = ("above_scale", "rd_active", "rd_intensity")


@transaction.atomic
def recompute_labels(enterprise_ids: Iterable[int] | None = None, *, batch_size: int = 5000) -> int:
    """Recompute the derived labels of the given enterprises (all when None) from their facts.

    Returns the number of label rows written. Labels are replaced per enterprise, so a rule-version
    change or a corrected fact never leaves a stale label behind.
    """
    facts = YearlyFacts.objects.all()
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    old = DerivedLabel.objects.filter(code__in=LABEL_CODES)
    if ids is None:
        old.delete()
        chunks = [facts]
    else:
        for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
            old.filter(enterprise_id__in=ids[start : start + 900]).delete()
        chunks = [facts.filter(enterprise_id__in=ids[i : i + 900]) for i in range(0, len(ids), 900)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    value_field = DerivedLabel._meta.get_field("value")

    def adapt(value):
        return connection.ops.adapt_decimalfield_value(
            value, value_field.max_digits, value_field.decimal_places
        )

    # Bulk writes by hand: the ORM's bulk_create spends most of its time preparing field values one by
    # one, and label rows were the slowest part of an import. PostgreSQL takes COPY (psycopg re-parses
    # every long multi-row INSERT); SQLite takes multi-row INSERTs of up to 999 parameters.
    table = DerivedLabel._meta.db_table
    columns = "enterprise_id, year, code, status, value, rule_version, computed_at"
    written = 0
    batch: list = []

    def flush(cursor) -> None:
        nonlocal written, batch
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            per_statement = 128  # 7 parameters a row, under SQLite's 999
            for start in range(0, len(batch), per_statement):
                part = batch[start : start + per_statement]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(part))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {values}", [v for row in part for v in row]
                )
        written += len(batch)
        batch = []

    with connection.cursor() as cursor:
        for chunk in chunks:
            rows = chunk.values_list(
                "enterprise_id", "year", "revenue", "rd_expense", "enterprise__industry_code"
            )
            for ent_id, year, revenue, rd_expense, industry in rows.iterator(chunk_size=batch_size):
                for lab in label_engine.derive({"revenue": revenue, "rd_expense": rd_expense}, industry):
                    batch.append(
                        (
                            ent_id,
                            year,
                            lab.code,
                            _status(lab.status),
                            adapt(lab.value),
                            label_engine.RULE_VERSION,
                            now,
                        )
                    )
                if len(batch) >= batch_size:
                    flush(cursor)
        flush(cursor)
    return written


def facts_by_year(enterprise: Enterprise) -> list[YearlyFacts]:
    return list(enterprise.facts.order_by("year"))


def labels_by_year(enterprise: Enterprise) -> dict[int, dict[str, DerivedLabel]]:
    out: dict[int, dict[str, DerivedLabel]] = {}
    for lab in enterprise.labels.all():
        out.setdefault(lab.year, {})[lab.code] = lab
    return out


def require_city_staff(user) -> None:
    if not (user.is_authenticated and user.is_city_staff):
        raise PermissionDenied(_("仅限市局工作人员"))


# ---------------------------------------------------------------- pages: list, export, profile, home

LABEL_CHOICES = [
    ("above_scale", _lazy("规模以上工业企业")),
    ("rd_active", _lazy("有研发活动")),
]
LABEL_NAMES = {
    "above_scale": _lazy("规上"),
    "rd_active": _lazy("有研发"),
    "rd_intensity": _lazy("研发投入强度"),
}


def industry_sections() -> list[tuple[str, str]]:
    return [(code, f"{code} {section_label(code)}") for code in SECTIONS]


def can_use_registry(user) -> bool:
    """Institute users and experts have no business with enterprises' confidential facts."""
    return user.is_authenticated and (user.is_superuser or user.role in REGISTRY_ROLES)


def visible_districts(user) -> QuerySet[District]:
    if user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER):
        return District.objects.all()
    if user.role == Role.DISTRICT_STAFF:
        return District.objects.filter(pk=user.district_id)
    return District.objects.none()


def latest_facts(enterprise_ids: list[int], year: int | None = None) -> dict[int, YearlyFacts]:
    """Each enterprise's facts of ``year``, or of its latest year when ``year`` is None (one query)."""
    qs = YearlyFacts.objects.filter(enterprise_id__in=enterprise_ids)
    if year:
        qs = qs.filter(year=year)
    out: dict[int, YearlyFacts] = {}
    for f in qs.order_by("enterprise_id", "year"):
        out[f.enterprise_id] = f  # later years overwrite earlier ones
    return out


def _labels_for(enterprise_ids: list[int], years: dict[int, int]) -> dict[int, dict[str, DerivedLabel]]:
    out: dict[int, dict[str, DerivedLabel]] = {}
    for lab in DerivedLabel.objects.filter(enterprise_id__in=enterprise_ids, year__in=set(years.values())):
        if years.get(lab.enterprise_id) == lab.year:
            out.setdefault(lab.enterprise_id, {})[lab.code] = lab
    return out


def list_rows(enterprises, *, year: int | None = None) -> list[dict]:
    """One dict per enterprise of a page: the enterprise, its facts of the year shown, its labels."""
    items = list(enterprises)
    ids = [e.pk for e in items]
    facts = latest_facts(ids, year)
    labels = _labels_for(ids, {pk: f.year for pk, f in facts.items()})
    return [{"enterprise": e, "facts": facts.get(e.pk), "labels": labels.get(e.pk, {})} for e in items]


def wan(amount: Decimal | None) -> Decimal | None:
    """Yuan → 10k yuan (万元), for display only."""
    return None if amount is None else (amount / WAN).quantize(Decimal("0.01"))


def export_rows(qs, *, year: int | None = None, chunk: int = 2000):
    headers = [
        Column(_("统一社会信用代码")), Column(_("企业名称")), Column(_("所属区县")), Column(_("行业代码")),
        Column(_("行业门类")), Column(_("成立日期"), "date"), Column(_("数据年度")),
        Column(_("营业收入（万元）"), "wan_yuan"), Column(_("研发费用（万元）"), "wan_yuan"),
        Column(_("研发投入强度"), "ratio"), Column(_("从业人员数"), "int"), Column(_("规上")),
        Column(_("有研发活动")),
    ]  # fmt: skip

    def rows():
        status_text = {"yes": _("是"), "no": _("否"), "unknown": _("未知")}
        last = 0
        base = qs.select_related("organisation__district").order_by("pk")
        while page := list(base.filter(pk__gt=last)[:chunk]):  # keyset paging: no deep OFFSET
            last = page[-1].pk
            for row in list_rows(page, year=year):
                e, f, labs = row["enterprise"], row["facts"], row["labels"]
                intensity = labs.get("rd_intensity")
                yield [
                    e.organisation.uscc, e.organisation.name, e.organisation.district.name, e.industry_code,
                    section_label(e.industry_code), e.registered_on, f.year if f else None,
                    wan(f.revenue) if f else None, wan(f.rd_expense) if f else None,
                    float(intensity.value) if intensity and intensity.value is not None else None,
                    f.employees if f else None,
                    status_text[labs["above_scale"].status] if "above_scale" in labs else None,
                    status_text[labs["rd_active"].status] if "rd_active" in labs else None,
                ]  # fmt: skip

    return headers, rows()


PROFILE_ROWS = [
    # (field, kind) — kind decides the display unit
    ("revenue", "money"), ("total_assets", "money"), ("net_assets", "money"), ("total_costs", "money"),
    ("net_profit", "money"), ("rd_expense", "money"), ("domestic_rd_expense", "money"),
    ("high_tech_revenue", "money"), ("employees", "int"), ("st_staff", "int"), ("rd_staff", "int"),
    ("invention_patents", "int"), ("class1_ip", "int"), ("class2_ip", "int"), ("transfers", "int"),
    ("innovation_score", "score"), ("in_key_field", "bool"), ("high_tech_cert_valid", "bool"),
    ("major_incident", "bool"), ("dishonest", "bool"), ("listed", "bool"),
]  # fmt: skip


def _chart_number(value) -> float | None:
    return None if value is None else float(value)


def profile_context(user, enterprise: Enterprise) -> dict:
    years = facts_by_year(enterprise)
    labels = labels_by_year(enterprise)
    table = []
    for name, kind in PROFILE_ROWS:
        field = YearlyFacts._meta.get_field(name)
        label = field.verbose_name.replace("（元）", "（万元）") if kind == "money" else field.verbose_name
        values = [wan(getattr(f, name)) if kind == "money" else getattr(f, name) for f in years]
        table.append({"label": label, "kind": kind, "values": values})
    intensity = [labels.get(f.year, {}).get("rd_intensity") for f in years]
    chart = {
        "years": [f.year for f in years],
        "revenue": [_chart_number(wan(f.revenue)) for f in years],
        "rd_expense": [_chart_number(wan(f.rd_expense)) for f in years],
        "rd_intensity": [
            None if lab is None or lab.value is None else round(float(lab.value) * 100, 2)
            for lab in intensity
        ],
        "employees": [f.employees for f in years],
        "st_staff": [f.st_staff for f in years],
        "rd_staff": [f.rd_staff for f in years],
    }
    label_rows = [
        {"year": f.year, "labels": [(LABEL_NAMES[c], labels.get(f.year, {}).get(c)) for c in LABEL_NAMES]}
        for f in reversed(years)
    ]
    return {
        "enterprise": enterprise,
        "organisation": enterprise.organisation,
        "industry_name": section_label(enterprise.industry_code),
        "years": [f.year for f in years],
        "table": table,
        "chart": chart,
        "chart_labels": {
            "revenue": _("营业收入"),
            "rd_expense": _("研发费用"),
            "rd_intensity": _("研发投入强度"),
            "employees": _("从业人员"),
            "st_staff": _("科技人员"),
            "rd_staff": _("研发人员"),
        },
        "label_rows": label_rows,
        "history": facts_history(enterprise),
        "can_edit": bool(
            can_write(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk)
        ),
    }


def facts_history(enterprise: Enterprise, limit: int = 30) -> list[dict]:
    """The latest changes to the enterprise's yearly facts: who, when, which field from what to what.

    One query: each record is compared with the previous record of the same facts row in Python
    (simple-history's ``prev_record`` would cost a query per line)."""
    records = list(
        YearlyFacts.history.filter(enterprise_id=enterprise.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous: dict[int, object] = {}
    out = []
    for record in records:
        changes = []
        prev = previous.get(record.id)
        if record.history_type == "~" and prev is not None:
            delta = record.diff_against(prev, excluded_fields=["updated_at"])
            changes = [
                {"field": YearlyFacts._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
        previous[record.id] = record
        out.append(
            {
                "when": record.history_date,
                "who": record.history_user or _("系统"),
                "year": record.year,
                "type": record.get_history_type_display(),
                "changes": changes,
            }
        )
    return out[::-1][:limit]


# A year counts as complete when it covers nearly as many enterprises as the best-covered year: a
# few firms late with last year's report do not hold the city back, a partial next year does not count.
COMPLETE_COVERAGE = 0.9


def statistical_year() -> int | None:
    """The year city and district figures report on: the latest year the bureau has closed, or until
    one is closed the latest year covering (nearly) as many enterprises as any year. The same for
    every user, so that the city's and a district's pages always agree."""
    closed = statyear.latest_closed()
    if closed is not None:
        return closed
    counts = fact_year_counts()
    if not counts:
        return None
    best = max(counts.values())
    return max(y for y, n in counts.items() if n >= COMPLETE_COVERAGE * best)


def fact_year_counts() -> dict[int, int]:
    """Enterprises with facts, year by year (counted once per change of the registry's data)."""
    return summaries.cached(
        summaries.FACTS,
        "fact_years",
        lambda: dict(YearlyFacts.objects.values_list("year").annotate(n=Count("pk"))),
    )


def fact_years() -> list[int]:
    """Every year that has yearly facts, latest first: the years a user may pick on the home page."""
    return sorted(fact_year_counts(), reverse=True)


def _scope_districts(user) -> list[int] | None:
    """The districts whose every enterprise ``user`` reads (city roles: all), or None when the user's
    scope is not whole districts (an enterprise reads only itself)."""
    role = role_of(user)
    if role in CITY_READERS:
        return list(District.objects.values_list("pk", flat=True))
    if role == Role.DISTRICT_STAFF:
        return [user.district_id] if user.district_id else []
    return None


def district_counts(user) -> dict[int | None, int]:
    """Enterprises per district, within ``user``'s scope."""
    districts = _scope_districts(user)
    if districts is None:
        rows = visible_enterprises(user).values("organisation__district").annotate(n=Count("pk"))
        return {row["organisation__district"]: row["n"] for row in rows}
    every = summaries.cached(summaries.FACTS, "district_counts", _every_district_count)
    if role_of(user) in CITY_READERS:
        return every
    return {d: n for d, n in every.items() if d in districts}


def unfiltered_count(user) -> int | None:
    """How many enterprises ``user`` reads, from the cached district counts (None when the user's scope
    is not whole districts): the unfiltered list's total without counting 100,000 rows per page."""
    if _scope_districts(user) is None:
        return None
    return sum(district_counts(user).values())


def label_counts(user, years: Iterable[int] | None = None) -> dict[tuple[int, int | None, str], int]:
    """Enterprises holding each label (status YES), as {(year, district, code): n} within ``user``'s
    scope and ``years`` (all when None). The whole city's table is counted once per change of the
    registry's data and cut to the user's districts; a narrower scope is counted directly."""
    years = None if years is None else set(years)
    districts = _scope_districts(user)
    if districts is None:
        qs = DerivedLabel.objects.filter(
            enterprise__in=visible_enterprises(user), status=DerivedLabel.Status.YES
        )
        if years is not None:
            qs = qs.filter(year__in=years)
        rows = qs.values_list("year", "enterprise__organisation__district", "code").annotate(n=Count("pk"))
        return {(y, d, c): n for y, d, c, n in rows}
    every = summaries.cached(summaries.FACTS, "label_counts", _every_label_count)
    keep = None if role_of(user) in CITY_READERS else set(districts)
    return {
        k: n for k, n in every.items() if (years is None or k[0] in years) and (keep is None or k[1] in keep)
    }


def _every_district_count() -> dict[int | None, int]:
    rows = Enterprise.objects.values_list("organisation__district").annotate(n=Count("pk"))
    return dict(rows)


def warm_figures() -> None:
    """Count the cached city figures now: a task that changed the registry calls this, so that the
    first person to open a workbench afterwards does not wait for them (with a shared cache)."""
    fact_year_counts()
    summaries.cached(summaries.FACTS, "district_counts", _every_district_count)
    summaries.cached(summaries.FACTS, "label_counts", _every_label_count)


def _every_label_count() -> dict[tuple[int, int | None, str], int]:
    rows = (
        DerivedLabel.objects.filter(status=DerivedLabel.Status.YES)
        .values_list("year", "enterprise__organisation__district", "code")
        .annotate(n=Count("pk"))
    )
    return {(y, d, c): n for y, d, c, n in rows}


def overview(user, year: int | None = None) -> dict:
    """Figures for a staff home page: per district, enterprises and labels of ``year`` (by default the
    statistical year)."""
    default = statistical_year()
    latest = year or default
    by_district = district_counts(user)
    counts = label_counts(user, [latest]) if latest else {}
    districts = []
    for d in visible_districts(user):
        districts.append(
            {
                "district": d,
                "enterprises": by_district.get(d.pk, 0),
                "above_scale": counts.get((latest, d.pk, "above_scale"), 0),
                "rd_active": counts.get((latest, d.pk, "rd_active"), 0),
            }
        )
    totals = {k: sum(row[k] for row in districts) for k in ("enterprises", "above_scale", "rd_active")}
    return {
        "year": latest,
        "default_year": default,
        "closed": latest is not None and latest in statyear.closed_years(),
        "years": fact_years(),
        "districts": districts,
        "totals": totals,
    }


def missing_facts(enterprise: Enterprise) -> dict:
    """The latest year's blank (unknown) facts, by their Chinese names: what the enterprise should fill in."""
    latest = enterprise.facts.order_by("-year").first()
    if latest is None:
        return {"year": None, "fields": []}
    names = [YearlyFacts._meta.get_field(n).verbose_name for n in FACT_FIELDS if getattr(latest, n) is None]
    return {"year": latest.year, "fields": names}


def search_for_picker(user, query: str, limit: int) -> list[tuple]:
    """Enterprises this user may read whose name contains ``query`` or whose USCC it is (type-ahead picker)."""
    qs = visible_enterprises(user).select_related("organisation__district")
    qs = qs.filter(organisation__name__icontains=query) | qs.filter(organisation__uscc=query.upper())
    rows = qs.order_by("organisation__name")[:limit]
    return [(e.pk, e.organisation.name, str(e.organisation.district)) for e in rows]
