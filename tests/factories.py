"""Small builders for test data: valid USCCs, districts, organisations, enterprises, users by role."""

import itertools
from decimal import Decimal

from kechuang.core.models import District, Organisation, Role, User
from kechuang.core.uscc import check_character
from kechuang.enterprises.models import Enterprise, YearlyFacts

_seq = itertools.count(1)
PASSWORD = "Kechuang-Test-2026"


def make_uscc(n: int | None = None, area: str = "370303") -> str:
    n = next(_seq) if n is None else n
    body = f"91{area}MA{n:07d}"
    return body + check_character(body)


def district(code: str = "370303", name: str = "张店区") -> District:
    return District.objects.get_or_create(code=code, defaults={"name": name})[0]


def enterprise(
    dist: District, name: str | None = None, industry: str = "C3976", uscc: str | None = None
) -> Enterprise:
    n = next(_seq)
    org = Organisation.objects.create(
        name=name or f"测试企业{n}",
        uscc=uscc or make_uscc(n),
        kind=Organisation.Kind.ENTERPRISE,
        district=dist,
    )
    return Enterprise.objects.create(organisation=org, industry_code=industry)


def facts(ent: Enterprise, year: int, **values) -> YearlyFacts:
    defaults = {"employees": 100, "revenue": Decimal("30000000"), "rd_expense": Decimal("1500000")}
    return YearlyFacts.objects.create(enterprise=ent, year=year, **{**defaults, **values})


def user(role: str, username: str | None = None, **extra) -> User:
    username = username or f"{role}{next(_seq)}"
    u = User(username=username, role=role, **extra)
    u.set_password(PASSWORD)
    u.save()
    return u


def institute(dist: District, name: str = "测试大学") -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.INSTITUTE, district=dist)


__all__ = ["PASSWORD", "Role", "district", "enterprise", "facts", "institute", "make_uscc", "user"]
