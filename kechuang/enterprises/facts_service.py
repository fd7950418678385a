"""Single-record writes of the enterprise registry, shared by the pages and the API.

Every value is checked with the yearly-facts template's own rules (``template.CONVERTERS`` per
column, ``template.CONSISTENCY`` between columns), so a number refused in a district's spreadsheet
is refused the same way, with the same message, when typed into a form or sent to the API.

Errors: ``django.core.exceptions.ValidationError({field: message})`` for bad input (nothing is
written), ``PermissionDenied(reason)`` when the user may not make the change.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kechuang.core.models import District, Organisation, Role
from kechuang.core.permissions import CITY_WRITERS, can_write, role_of

from . import services
from .models import Enterprise, YearlyFacts
from .signals import facts_imported
from .template import CONSISTENCY, CONVERTERS, FACT_COLUMNS, LABELS_ZH
from .template import _Bad as RuleBroken  # the converters' error: carries the broken rule's text

STATIC_FIELDS = ("name", "district", "registered_on", "industry_code")


def _as_text(value) -> str:
    """The text a spreadsheet cell would hold, so that the template's converters judge it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    return str(value).strip()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _control_chars(text: str) -> bool:
    # PostgreSQL refuses NUL in text and no name legitimately holds control characters.
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _convert(column: str, value, errors: dict[str, str]):
    """The template converter's value for ``value`` (None when blank); records the rule it breaks."""
    if _blank(value):
        return None
    text = _as_text(value)
    if _control_chars(text):
        errors[column] = _("不能包含控制字符")
        return None
    try:
        return CONVERTERS[column](text)
    except RuleBroken as bad:
        errors[column] = bad.rule
        return None
    except ArithmeticError:
        # e.g. "NaN" for a score: Decimal refuses to order it; a refusal, not a server error.
        errors[column] = _("不是有效的数值")
        return None


def consistency_errors(record: Mapping) -> dict[str, str]:
    """The template's cross-column rules (``CONSISTENCY``) over one record, worded as the import
    report words them (tests/enterprises/test_api.py checks the wording against ``parse_rows``)."""
    errors: dict[str, str] = {}
    for small, large in CONSISTENCY:
        a, b = record.get(small), record.get(large)
        if a is not None and b is not None and a > b and small not in errors:
            errors[small] = f"{LABELS_ZH[small]}不能大于{LABELS_ZH[large]}（{b}）"
    return errors


def _enforce_write(user, enterprise: Enterprise) -> None:
    can_write(user, district_id=enterprise.organisation.district_id, organisation_id=enterprise.pk).enforce()


# ------------------------------------------------------------------------------------ yearly facts


def save_facts(user, enterprise: Enterprise, year, data: Mapping, *, replace: bool = False) -> YearlyFacts:
    """Create or update ``enterprise``'s facts of ``year`` from ``data`` and recompute its labels.

    ``data`` maps fact names (``template.FACT_COLUMNS``) to raw values: text as typed in a form,
    or int / Decimal / bool; ``None`` or ``""`` means unknown. Money is in yuan. Facts missing from
    ``data`` keep their stored value, or become unknown when ``replace`` is true (a PUT).

    The history row records ``user``. Raises ``PermissionDenied`` when ``user`` may not edit the
    enterprise, ``ValidationError({field: message})`` naming the field and the rule otherwise;
    either way nothing is written.
    """
    _enforce_write(user, enterprise)
    errors: dict[str, str] = {}
    year_value = _convert("year", year, errors)
    if year_value is None and "year" not in errors:
        errors["year"] = _("必填，不能为空")
    unknown = sorted(set(data) - set(FACT_COLUMNS))
    for name in unknown:
        errors[name] = _("不是年度数据的字段")
    converted = {c: _convert(c, data[c], errors) for c in FACT_COLUMNS if c in data}
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        facts = YearlyFacts.objects.select_for_update().filter(enterprise=enterprise, year=year_value).first()
        if facts is None:
            facts = YearlyFacts(enterprise=enterprise, year=year_value)
        for column in FACT_COLUMNS:
            if column in converted:
                setattr(facts, column, converted[column])
            elif replace:
                setattr(facts, column, None)
        # Checked on the merged record: a PATCH of one number must agree with the stored others.
        errors = consistency_errors({c: getattr(facts, c) for c in FACT_COLUMNS})
        if errors:
            raise ValidationError(errors)
        # Set explicitly: a token-authenticated API call or a task has no session user for
        # simple-history's middleware to find.
        facts._history_user = user
        try:
            with transaction.atomic():
                facts.save()
        except IntegrityError:
            # Another request created the same year between our read and our insert.
            raise ValidationError({"year": _("该年度数据正被同时修改，请重试")}) from None
        services.recompute_labels([enterprise.pk])
        _announce(enterprise, user)
    return facts


def _announce(enterprise: Enterprise, user) -> None:
    """Tell other apps (policy matching, …) once the change is committed, as an import does."""
    transaction.on_commit(
        lambda: facts_imported.send(sender=YearlyFacts, enterprise_ids=[enterprise.pk], user=user)
    )


# ------------------------------------------------------------------------- enterprise attributes


def _may_register(user) -> bool:
    role = role_of(user)
    return role in CITY_WRITERS or (role == Role.DISTRICT_STAFF and user.district_id is not None)


def _district(value, errors: dict[str, str]) -> District | None:
    if _blank(value):
        errors["district"] = _("必填，不能为空")
        return None
    pk = value.pk if isinstance(value, District) else value
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        errors["district"] = _("应为区县编号")
        return None
    found = District.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        errors["district"] = _("所属区县不存在")
    return found


def _static_values(data: Mapping, errors: dict[str, str]) -> dict:
    out: dict = {}
    if "name" in data:
        out["name"] = _convert("name", data["name"], errors)
        if out["name"] is None and "name" not in errors:
            errors["name"] = _("必填，不能为空")
    if "district" in data:
        out["district"] = _district(data["district"], errors)
    if "registered_on" in data:
        out["registered_on"] = _convert("registered_on", data["registered_on"], errors)
    if "industry_code" in data:
        out["industry_code"] = _convert("industry_code", data["industry_code"], errors) or ""
    return out


def create_enterprise(user, data: Mapping) -> Enterprise:
    """Register an enterprise: ``data`` holds ``uscc``, ``name``, ``district`` (an id; district staff
    may leave it out for their own), and optionally ``registered_on`` and ``industry_code``.

    The USCC must pass GB 32100-2015 (format and check character) and not be registered yet.
    Only the bureau's writers register anywhere; district staff register in their own district.
    """
    if not _may_register(user):
        raise PermissionDenied(_("当前角色无权登记企业"))
    data = dict(data)
    if _blank(data.get("district")) and role_of(user) == Role.DISTRICT_STAFF:
        data["district"] = user.district_id
    unknown = sorted(set(data) - {"uscc", *STATIC_FIELDS})
    errors: dict[str, str] = dict.fromkeys(unknown, _("不是企业登记信息的字段"))
    uscc = _convert("uscc", data.get("uscc"), errors)
    if uscc is None and "uscc" not in errors:
        errors["uscc"] = _("必填，不能为空")
    values = _static_values({"name": data.get("name"), "district": data.get("district"), **data}, errors)
    if uscc and Organisation.objects.filter(uscc=uscc).exists():
        errors["uscc"] = _("该统一社会信用代码已登记，不能重复登记")
    if errors:
        raise ValidationError(errors)
    district = values["district"]
    decision = can_write(user, district_id=district.pk, organisation_id=None)
    if not decision:
        raise PermissionDenied(_("只能在本区县登记企业"))
    try:
        with transaction.atomic():
            org = Organisation(
                name=values["name"], uscc=uscc, kind=Organisation.Kind.ENTERPRISE, district=district
            )
            org._history_user = user
            org.save()
            enterprise = Enterprise(
                organisation=org,
                registered_on=values.get("registered_on"),
                industry_code=values.get("industry_code", ""),
            )
            enterprise._history_user = user
            enterprise.save()
    except IntegrityError:
        # The same code registered by someone else since the check above.
        raise ValidationError({"uscc": _("该统一社会信用代码已登记，不能重复登记")}) from None
    return enterprise


def update_enterprise(user, enterprise: Enterprise, data: Mapping) -> Enterprise:
    """Change the static attributes present in ``data`` (``name``, ``district``, ``registered_on``,
    ``industry_code``). The USCC is the enterprise's identity and is not changed here. Moving an
    enterprise to another district is for the bureau's writers only: district staff would lose it,
    enterprises could escape their district's oversight."""
    _enforce_write(user, enterprise)
    unknown = sorted(set(data) - set(STATIC_FIELDS))
    errors: dict[str, str] = dict.fromkeys(unknown, _("不是可修改的企业信息字段"))
    values = _static_values(data, errors)
    if errors:
        raise ValidationError(errors)
    org = enterprise.organisation
    district = values.get("district")
    if district is not None and district.pk != org.district_id and role_of(user) not in CITY_WRITERS:
        raise PermissionDenied(_("只有市局工作人员可以调整企业所属区县"))
    with transaction.atomic():
        org_changed = False
        if "name" in values and values["name"] != org.name:
            org.name, org_changed = values["name"], True
        if district is not None and district.pk != org.district_id:
            org.district, org_changed = district, True
        if org_changed:
            org._history_user = user
            org.save()
        ent_changed = False
        for name in ("registered_on", "industry_code"):
            if name in values and values[name] != getattr(enterprise, name):
                setattr(enterprise, name, values[name])
                ent_changed = True
        if ent_changed:
            enterprise._history_user = user
            enterprise.save()
            if "industry_code" in values:
                # 规上 depends on the industry section, so the labels change with it.
                services.recompute_labels([enterprise.pk])
            _announce(enterprise, user)  # policies read the registration date and industry too
    return enterprise
