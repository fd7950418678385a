"""Small builders for the experts tests: experts in a few fields, a round with items."""

import itertools

from kechuang.core.models import Organisation
from kechuang.experts.models import Collaboration, Expert, ExpertField, ReviewItem, SelectionRound

_seq = itertools.count(1)

FIELDS = [
    ("先进陶瓷、氮化硅、烧结工艺", "430"),
    ("精细化工、催化剂、化工工艺", "530"),
    ("生物医药、药物制剂、中药", "350"),
    ("智能制造、数控机床、工业机器人", "460"),
    ("新能源、锂电池、储能材料", "480"),
]


def org(district, name: str | None = None) -> Organisation:
    return Organisation.objects.get_or_create(
        name=name or f"测试单位{next(_seq)}", defaults={"kind": Organisation.Kind.OTHER, "district": district}
    )[0]


def expert(district, organisation=None, *, name=None, field=0, user=None, **extra) -> Expert:
    keywords, code = FIELDS[field % len(FIELDS)]
    e = Expert.objects.create(
        name=name or f"专家{next(_seq)}",
        organisation=organisation or org(district),
        district=district,
        keywords=keywords,
        achievements=f"长期从事{keywords}研究",
        status=extra.pop("status", Expert.Status.APPROVED),
        user=user,
        **extra,
    )
    ExpertField.objects.create(expert=e, kind="discipline", code=code)
    return e


def experts(district, n: int, **kw) -> list[Expert]:
    return [expert(district, field=k, **kw) for k in range(n)]


def round_(n_items: int = 4, district=None, *, rule=SelectionRound.Rule.DRAW, **params) -> SelectionRound:
    defaults = {"per_item": 2, "max_load": 2, "max_probability": "0.5", "seed": 7}
    rnd = SelectionRound.objects.create(name="2025年度测试评审", rule=rule, **{**defaults, **params})
    for k in range(n_items):
        keywords, _code = FIELDS[k % len(FIELDS)]
        ReviewItem.objects.create(
            round=rnd,
            code=f"T{k + 1:03d}",
            title=f"{keywords.split('、')[0]}关键技术研究{k + 1}",
            text=f"本项目研究{keywords}",
            applicant_name=f"申报企业{k + 1}",
            district=district,
            members=[{"name": f"负责人{k + 1}", "organisation": f"申报企业{k + 1}"}],
        )
    return rnd


def collaboration(expert: Expert, partner: str, year: int) -> Collaboration:
    return Collaboration.objects.create(expert=expert, partner_name=partner, year=year, title="合作论文")
