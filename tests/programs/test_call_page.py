"""The call page names the eligibility policies as people know them, not by their codes."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_eligibility_shown_by_policy_name(client, prog):
    client.force_login(prog["ent_user"])
    page = client.get(reverse("programme_call_detail", args=[prog["call"].pk])).content.decode()
    assert 'data-testid="eligibility">高新技术企业认定<' in page
