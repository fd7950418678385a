"""Type-ahead pickers: one search endpoint per kind, for signed-in users, returning only what they may pick."""

import pytest
from django import forms
from django.urls import reverse

from kechuang.core.forms import PickerWidget
from kechuang.core.models import Organisation

pytestmark = pytest.mark.django_db


def test_partners_found_by_name_without_loading_the_rest(client, city):
    client.force_login(city["users"]["enterprise"])
    html = client.get(reverse("pick", args=["partners"]), {"q": "理工"}).content.decode()
    assert "山东理工大学" in html and "淄博甲科技有限公司" not in html
    assert f'data-pick-value="{city["uni"].pk}"' in html


def test_partners_found_by_uscc(client, city):
    org = city["e2"].organisation
    client.force_login(city["users"]["institute"])
    html = client.get(reverse("pick", args=["partners"]), {"q": org.uscc.lower()}).content.decode()
    assert org.name in html


def test_empty_query_lists_nothing_and_a_miss_says_so(client, city):
    client.force_login(city["users"]["enterprise"])
    url = reverse("pick", args=["partners"])
    assert "list-group-item" not in client.get(url, {"q": " "}).content.decode()
    assert "没有找到匹配的结果" in client.get(url, {"q": "不存在的单位"}).content.decode()


def test_too_many_results_are_cut_with_a_hint(client, city):
    for i in range(25):
        Organisation.objects.create(
            name=f"测试机构{i:02d}", kind=Organisation.Kind.ENTERPRISE, district=city["zd"]
        )
    client.force_login(city["users"]["enterprise"])
    html = client.get(reverse("pick", args=["partners"]), {"q": "测试机构"}).content.decode()
    assert html.count("data-pick-value") == 20 and "只列出前20个" in html


def test_anonymous_users_are_sent_to_sign_in_and_unknown_kinds_are_404(client, city):
    assert client.get(reverse("pick", args=["partners"]), {"q": "理工"}).status_code == 302
    client.force_login(city["users"]["enterprise"])
    assert client.get(reverse("pick", args=["nobody"]), {"q": "x"}).status_code == 404


def test_widget_renders_only_the_chosen_options(city):
    class F(forms.Form):
        who = forms.ModelMultipleChoiceField(Organisation.objects.all(), widget=PickerWidget("partners"))

    html = str(F(initial={"who": [city["uni"].pk]})["who"])
    assert "山东理工大学" in html and "淄博乙材料有限公司" not in html
    assert f'<input type="hidden" name="who" value="{city["uni"].pk}">' in html
    assert "<option" not in html
    form = F({"who": [str(city["uni"].pk)]})
    assert form.is_valid() and list(form.cleaned_data["who"]) == [city["uni"]]


def _found(client, user, kind, q):
    client.force_login(user)
    return client.get(reverse("pick", args=[kind]), {"q": q}).content.decode()


def test_enterprises_picker_is_scoped_like_the_registry(client, city):
    users = city["users"]
    assert "淄博甲科技有限公司" in _found(client, users["staff"], "enterprises", "淄博")
    assert "淄博乙材料有限公司" in _found(client, users["staff"], "enterprises", "淄博")
    district = _found(client, users["district"], "enterprises", "淄博")  # 张店区 staff
    assert "淄博甲科技有限公司" in district and "淄博乙材料有限公司" not in district
    own = _found(client, users["enterprise"], "enterprises", "淄博")
    assert "淄博甲科技有限公司" in own and "淄博乙材料有限公司" not in own


def test_experts_picker_is_scoped_like_the_expert_library(client, city):
    from tests.experts import builders as b

    b.expert(city["zc"], name="王评审")
    assert "王评审" in _found(client, city["users"]["staff"], "experts", "王评")
    assert "王评审" not in _found(client, city["users"]["district"], "experts", "王评")  # another district
    assert "王评审" not in _found(client, city["users"]["enterprise"], "experts", "王评")
