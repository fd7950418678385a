import datetime as dt
from decimal import Decimal

import pytest

from kechuang.matching import engine, services
from kechuang.matching.models import TechField


@pytest.fixture(autouse=True)
def _bm25_only(settings):
    # The sentence encoder costs seconds to load; these tests are about the app, not the encoder.
    settings.KECHUANG_MATCH_ENCODER = "none"
    yield
    engine.reset()


def demand_data(**over) -> dict:
    data = {
        "title": "高盐有机废水处理技术",
        "problem": "公司每天产生约300吨高盐有机废水，COD很高，现有生化工艺难以稳定达标，希望引进催化湿式氧化技术实现达标排放。",
        "field": TechField.RESOURCES_ENV,
        "budget": Decimal("3000000"),
        "deadline": dt.date(2030, 6, 30),
        "contact_name": "王经理",
        "contact_phone": "0533-2781234",
        "visibility": "public",
    }
    return {**data, **over}


def achievement_data(**over) -> dict:
    data = {
        "title": "高盐有机废水催化湿式氧化处理技术",
        "abstract": "针对化工高盐高COD有机废水，开发了负载型催化剂和催化湿式氧化工艺，COD去除率达95%以上，已完成中试。",
        "field": TechField.RESOURCES_ENV,
        "leader": "李教授",
        "maturity": "pilot",
        "ip_kind": "invention",
        "ip_detail": "ZL202110458273.6",
        "transfer_mode": "cooperation",
        "asking_price": Decimal("2000000"),
        "contact_name": "李教授",
        "contact_phone": "13905330000",
        "visibility": "public",
    }
    return {**data, **over}


@pytest.fixture
def postings(city, django_capture_on_commit_callbacks):
    """A demand of e1 (张店区), a private demand of e2 (淄川区), two achievements of the university."""
    users = city["users"]
    with django_capture_on_commit_callbacks(execute=True):
        a1 = services.post_achievement(users["institute"], achievement_data())
        a2 = services.post_achievement(
            users["institute"],
            achievement_data(
                title="氮化硅陶瓷球气压烧结致密化技术",
                abstract="通过稀土氧化物复合烧结助剂和两步气压烧结制度，氮化硅陶瓷球致密度达99.8%以上，可用于高速精密轴承。",
                field=TechField.NEW_MATERIALS,
            ),
        )
        d1 = services.post_demand(users["enterprise"], demand_data())
        d2 = services.post_demand(
            users["staff"],
            demand_data(
                title="氮化硅陶瓷球烧结工艺优化",
                problem="我公司生产轴承用氮化硅陶瓷球，现有气压烧结产品致密度不足，存在微气孔，需要优化烧结助剂和烧结制度。",
                field=TechField.NEW_MATERIALS,
                visibility="private",
            ),
            enterprise=city["e2"].organisation,
        )
    return {**city, "a1": a1, "a2": a2, "d1": d1, "d2": d2}
