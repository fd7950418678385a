"""Where everything stands: per programme type, how many calls, applications, awards, challenges and
bids are in each stage (``kechuang programmes status`` prints it; ``--json`` for machines).

Challenges carry their programme type when posted under one; those without are counted on a row of
their own (``type`` None, “未归类”).
"""

from collections import Counter

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Application, Award, Bid, Call, Challenge, ProgrammeType

# What is counted, in the order printed: key, label, model, lookup of the programme type.
KINDS = (
    ("calls", gettext_lazy("申报通知"), Call, "programme_type_id"),
    ("applications", gettext_lazy("申报项目"), Application, "call__programme_type_id"),
    ("awards", gettext_lazy("立项项目"), Award, "call__programme_type_id"),
    ("challenges", gettext_lazy("揭榜榜单"), Challenge, "programme_type_id"),
    ("bids", gettext_lazy("揭榜团队"), Bid, "challenge__programme_type_id"),
)


def _counts(model, type_lookup: str) -> Counter:
    out = Counter()
    for row in model.objects.order_by().values(type_lookup, "status").annotate(n=Count("pk")):
        out[(row[type_lookup], row["status"])] = row["n"]
    return out


def status_counts() -> list[dict]:
    """One row per programme type (then one for challenges without a type, if any): ``type`` (the
    ProgrammeType or None) and, for each kind of KINDS, every status of that kind in workflow order
    with its count (zeros included)."""
    counted = {key: (model, _counts(model, lookup)) for key, _label, model, lookup in KINDS}
    types = list(ProgrammeType.objects.order_by("pk"))
    keys = [t.pk for t in types]
    if any(type_pk is None for _m, counts in counted.values() for (type_pk, _s) in counts):
        keys.append(None)
        types.append(None)
    return [
        {
            "type": ptype,
            **{
                key: {s: counts[(type_pk, s)] for s in model.Status.values}
                for key, (model, counts) in counted.items()
            },
        }
        for ptype, type_pk in zip(types, keys, strict=True)
    ]


def as_json(rows: list[dict]) -> list[dict]:
    """``status_counts`` as plain data: type code and name (null for challenges without a type)."""
    return [
        {
            "code": row["type"].code if row["type"] else None,
            "name": row["type"].name if row["type"] else str(_("未归类")),
            **{key: row[key] for key, *_rest in KINDS},
        }
        for row in rows
    ]


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: CJK and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def table(rows: list[dict]) -> list[str]:
    """The lines ``kechuang programmes status`` prints.

    For each type a heading, then one line per kind: the total, then the stages with something in
    them, in workflow order. The first stage of each kind (草稿 for calls and applications) is always
    shown, so that “nothing left in draft” reads as such; a kind with nothing at all shows “无”.
    Stage cells are padded to one width so that the columns line up.
    """
    cells: list[tuple[str, str, list[str]]] = []  # (heading, kind label + total, stage cells)
    heading_of = {}
    for index, row in enumerate(rows):
        ptype = row["type"]
        heading_of[index] = f"{ptype.name} [{ptype.code}]" if ptype else _("未归类的揭榜挂帅榜单")
        for key, label, model, _lookup in KINDS:
            counts = row[key]
            total = sum(counts.values())
            if ptype is None and not total:
                continue
            first = model.Status.values[0]
            stages = [
                f"{model.Status(s).label} {n}" for s, n in counts.items() if total and (n or s == first)
            ]
            cells.append((str(index), f"{label}", [str(total), *stages] if total else ["0", _("无")]))
    if not cells:
        return []
    kind_w = max(_width(c[1]) for c in cells)
    total_w = max(len(c[2][0]) for c in cells)
    stage_w = max((_width(s) for c in cells for s in c[2][1:]), default=0)
    lines, last = [], None
    for index, label, (total, *stages) in cells:
        if index != last:
            lines.append(heading_of[int(index)])
            last = index
        line = f"  {_pad(label, kind_w)}  {_('共')} {total.rjust(total_w)}  │ "
        lines.append((line + "  ".join(_pad(s, stage_w) for s in stages)).rstrip())
    return lines
