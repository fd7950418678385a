"""The draw record prints every character a user can type, in a font the file carries."""

import pytest

from kechuang.experts import services
from kechuang.experts.models import SelectionRound
from kechuang.experts.pdf import draw_record_pdf
from tests.pdfcheck import TYPED, assert_prints

from . import builders as b

pytestmark = pytest.mark.django_db


def test_draw_record_prints_every_typed_character(city):
    b.expert(city["zd"], name="阿卜杜·热合曼", field=0)
    b.experts(city["zd"], 3)
    rnd = b.round_(2, district=city["zd"], rule=SelectionRound.Rule.OPTIMAL, per_item=2, max_load=2)
    item = rnd.items.first()
    item.title = "耐温1200℃的①号陶瓷（Al₂O₃）"
    item.save()
    rnd.items.exclude(pk=item.pk).update(title=TYPED[7:])
    services.start_run(city["users"]["staff"], rnd)
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.DONE, rnd.messages
    assert_prints(draw_record_pdf(rnd), "专家抽取记录", "耐温1200℃的①号陶瓷", TYPED[7:], "阿卜杜·热合曼")
