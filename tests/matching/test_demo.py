"""The matching demo step: realistic postings, computed matches, brokered cases, both events."""

import io

import pytest
from django.core.management import call_command

from kechuang.core.models import Organisation
from kechuang.matching import demo
from kechuang.matching.models import Achievement, Demand, Event, Match, MatchTransition

pytestmark = pytest.mark.django_db

EXPECTED = {
    "高盐有机废水处理与盐资源化技术": "高盐有机废水催化湿式氧化处理技术",
    "高性能聚烯烃催化剂国产化替代": "耐高温高活性聚烯烃催化剂",
    "陶瓷辊道窑余热回收与节能降耗": "陶瓷窑炉烟气余热梯级回收利用系统",
    "氮化硅陶瓷球致密化烧结工艺": "氮化硅陶瓷球气压烧结致密化技术",
    "低碳镁碳耐火材料抗氧化性能提升": "低碳镁碳砖抗氧化复合添加剂",
    "化工流程泵机械密封寿命提升": "化工流程泵集装式机械密封及寿命预测",
    "泵类设备智能运维与故障预警": "旋转机械振动监测与故障诊断预警系统",
    "原料药结晶工艺优化与晶型控制": "原料药晶型筛选与结晶过程控制技术",
    "重组蛋白表达量提升与纯化工艺开发": "重组蛋白高密度发酵与层析纯化平台",
    "高模量玻璃纤维配方开发": "高模量玻璃纤维组分设计与制备",
    "电子级化学品金属杂质深度去除": "电子级湿化学品金属杂质深度纯化技术",
    "磷酸锰铁锂正极材料制备技术": "磷酸锰铁锂正极材料共沉淀制备技术",
    "化工园区安全生产风险监测预警平台": "化工园区危险源物联网监测预警平台",
    "汽车零部件轻量化铝合金压铸": "高强韧铝合金真空压铸工艺",
    "农药中间体连续流微通道合成工艺": "微通道连续流硝化合成技术",
    "耐盐碱小麦品种选育与配套栽培": "耐盐碱小麦新品种及配套栽培技术",
}


def test_demo_step_posts_matches_and_records_events():
    call_command("demo", enterprises=40, seed=5, stdout=io.StringIO())
    # The matching step creates no organisation of its own (the finance step adds its partner banks).
    assert Organisation.objects.exclude(kind=Organisation.Kind.OTHER).count() == 40 + 15
    assert Demand.objects.count() >= len(demo.DEMANDS)
    assert Achievement.objects.count() == len(demo.ACHIEVEMENTS)
    assert Demand.objects.filter(organisation__kind="enterprise").count() == Demand.objects.count()
    # Each demand written for a problem finds the achievement written for that problem first.
    wrong = []
    for d in Demand.objects.filter(title__in=EXPECTED):
        top = d.matches.get(kind=Match.Kind.DEMAND_ACHIEVEMENT, rank=1).achievement.title
        if top != EXPECTED[d.title]:
            wrong.append((d.title, top))
    assert len(wrong) <= 1, wrong
    assert Match.objects.filter(kind=Match.Kind.ACHIEVEMENT_ENTERPRISE).exists()
    # Only the demo city's own event: 泰安's published figures stay a reference record for the tests.
    assert not Event.objects.filter(name=demo.TAIAN_EVENT["name"]).exists()
    local = Event.objects.get()
    assert "淄博" in local.organiser
    assert local.agreements == 1 and local.intentions == 2
    assert Match.objects.filter(status=Match.Status.SIGNED, event=local).count() == 1
    assert MatchTransition.objects.filter(to_status=Match.Status.INVALID).exclude(reason="").count() == 1
