"""Every date field of every form is pre-filled on edit: ``<input type=date>`` takes only ISO dates, and
the zh-hans input format (2026/11/23) left the required dates of 项目征集 and 榜单 blank."""

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

import kechuang
from kechuang.core.forms import DateInput
from kechuang.programs.services import challenges as svc
from kechuang.programs.views_challenges import ChallengeForm
from tests.programs.test_challenges_helpers import make_chal, terms
from tests.programs.test_ideas import sol  # noqa: F401 - fixture

DAY = dt.date(2026, 11, 23)


def _all_form_classes():
    """Every form class the project defines, found by importing each of its modules that holds forms."""
    for mod in pkgutil.walk_packages(kechuang.__path__, "kechuang."):
        leaf = mod.name.rsplit(".", 1)[-1]
        if leaf == "forms" or leaf.startswith("views"):
            importlib.import_module(mod.name)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted(
        (c for c in seen if c.__module__.startswith("kechuang.") and hasattr(c, "base_fields")),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def _date_fields():
    return [
        pytest.param(cls, name, id=f"{cls.__module__}.{cls.__qualname__}.{name}")
        for cls in _all_form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DateField)
    ]


def test_the_walk_finds_the_forms_of_the_bug():
    names = {p.id for p in _date_fields()}
    assert "kechuang.programs.views_challenges.ChallengeForm.deadline" in names
    assert "kechuang.programs.forms.SolicitationForm.closes_on" in names
    assert len(names) >= 10


@pytest.mark.parametrize(("cls", "name"), _date_fields())
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_field_renders_its_value_as_iso(cls, name, language):
    field = cls.base_fields[name]
    assert isinstance(field.widget, DateInput), "use kechuang.core.forms.DateField / DateInput"
    with translation.override(language):
        html = field.widget.render(name, DAY)
    assert 'type="date"' in html
    assert 'value="2026-11-23"' in html


def test_a_dynamic_date_field_of_the_policy_editor_is_iso_too():
    from kechuang.policies.forms import STARTER_YAML, PolicyVersionForm

    form = PolicyVersionForm(base_text=STARTER_YAML)
    dates = [n for n, fld in form.fields.items() if isinstance(fld, forms.DateField)]
    assert any(n.startswith("p_") for n in dates)
    with translation.override("zh-hans"):
        for n in dates:
            assert isinstance(form.fields[n].widget, DateInput), n


@pytest.mark.django_db
def test_challenge_edit_page_is_prefilled_and_saves_unchanged(client, city):
    chal = make_chal(city)
    staff = chal["staff"]
    c = svc.save_challenge(staff, terms("horse_race"))
    client.force_login(staff)
    url = reverse("challenge_edit", args=[c.pk])
    html = client.get(url).content.decode()
    assert f'value="{c.deadline.isoformat()}"' in html
    assert f'value="{c.gate_on.isoformat()}"' in html
    # What the browser posts back from the pre-filled page saves as it was.
    data = {k: v for k, v in ChallengeForm.initial_for(c).items() if v is not None}
    data["deadline"], data["gate_on"] = c.deadline.isoformat(), c.gate_on.isoformat()
    data["bounty_open"] = "on" if c.bounty_open else ""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert c.deadline == terms("horse_race")["deadline"]


@pytest.mark.django_db
def test_solicitation_edit_page_is_prefilled(client, city, sol):  # noqa: F811
    client.force_login(city["users"]["staff"])
    html = client.get(reverse("programme_solicitation_edit", args=[sol.pk])).content.decode()
    assert f'value="{sol.opens_on.isoformat()}"' in html
    assert f'value="{sol.closes_on.isoformat()}"' in html
