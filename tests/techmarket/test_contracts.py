"""Technology contract registration: filing, the office's checks, register/return/amend/cancel, the
audit, scoping per role, and the monthly table matching the registered contracts to the yuan."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kechuang.programs import workflow
from kechuang.programs.models import Transition
from kechuang.techmarket import services
from kechuang.techmarket.models import TechContract
from tests import factories as f

pytestmark = pytest.mark.django_db
C = TechContract
PDF = b"%PDF-1.4\n%test\n"


def values(**over) -> dict:
    today = timezone.localdate()
    v = {
        "title": "高盐废水资源化技术开发合同",
        "kind": C.Kind.DEV_COMMISSIONED,
        "field": "resources_env",
        "buyer_name": "淄博丙化工有限公司",
        "buyer_uscc": f.make_uscc(),
        "buyer_region": C.Region.CITY,
        "buyer_place": "",
        "signed_on": today - dt.timedelta(days=10),
        "starts_on": today - dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=300),
        "total_yuan": Decimal("1000000.00"),
        "transaction_yuan": Decimal("800000.00"),
        "payment_schedule": "签约后支付50%，验收后支付50%",
        "content": "开发催化湿式氧化工艺",
    }
    v.update(over)
    return v


def pdf():
    return SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf")


def test_file_register_and_count(city):
    inst, staff = city["users"]["institute"], city["users"]["staff"]
    c = services.file_contract(inst, values(), pdf())
    assert c.status == C.Status.SUBMITTED and c.seller == city["uni"]
    before = services.turnover(timezone.localdate().year)
    c = services.register(staff, c)
    assert c.status == C.Status.REGISTERED and c.number.startswith(str(timezone.localdate().year))
    assert services.turnover(timezone.localdate().year) == before + Decimal("800000.00")
    assert [t.action for t in workflow.history(c)] == ["file", "register"]


def test_return_and_resubmit(city):
    inst, staff = city["users"]["institute"], city["users"]["staff"]
    c = services.file_contract(inst, values(transaction_yuan=Decimal("100000")), pdf())
    with pytest.raises(ValidationError):
        services.send_back(staff, c, "  ")
    c = services.send_back(staff, c, "技术交易额有误")
    assert c.status == C.Status.RETURNED and c.return_reason == "技术交易额有误"
    c = services.resubmit(inst, c, values(transaction_yuan=Decimal("900000")))
    assert c.status == C.Status.SUBMITTED and c.transaction_yuan == Decimal("900000")
    c = services.register(staff, c)
    assert c.history.count() >= 3


def test_rules_name_the_field(city):
    inst = city["users"]["institute"]
    cases = [
        (values(transaction_yuan=Decimal("2000000")), "transaction_yuan"),
        (values(buyer_uscc=""), "buyer_uscc"),
        (values(buyer_uscc="91370303MA0000001X"), "buyer_uscc"),
        (values(buyer_region=C.Region.ABROAD, buyer_uscc="", buyer_place=""), "buyer_place"),
        (values(ends_on=timezone.localdate() - dt.timedelta(days=30)), "ends_on"),
        (values(signed_on=timezone.localdate() + dt.timedelta(days=1)), "signed_on"),
    ]
    for v, field in cases:
        with pytest.raises(ValidationError) as e:
            services.file_contract(inst, v, pdf())
        assert field in e.value.message_dict
    assert C.objects.count() == 0


def test_abroad_buyer_needs_no_uscc(city):
    c = services.file_contract(
        city["users"]["institute"],
        values(buyer_region=C.Region.ABROAD, buyer_uscc="", buyer_place="德国"),
        pdf(),
    )
    assert c.buyer_region == C.Region.ABROAD


def test_hostile_upload_refused(city):
    bad = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as e:
        services.file_contract(city["users"]["institute"], values(), bad)
    assert "contract_file" in e.value.message_dict
    assert C.objects.count() == 0


def test_office_refuses_duplicates_and_missing_file(city):
    inst, staff = city["users"]["institute"], city["users"]["staff"]
    first = services.register(staff, services.file_contract(inst, values(), pdf()))
    dup = services.file_contract(inst, values(), pdf())
    assert any("重复" in m for b, m in services.findings(dup) if b)
    with pytest.raises(ValidationError):
        services.register(staff, dup)
    dup.refresh_from_db()
    assert dup.status == C.Status.SUBMITTED and dup.number is None
    no_file = services.file_contract(inst, values(buyer_name="另一买方"))
    with pytest.raises(ValidationError):
        services.register(staff, no_file)
    assert first.number


def test_amend_and_cancel_keep_history(city):
    inst, staff = city["users"]["institute"], city["users"]["staff"]
    c = services.register(staff, services.file_contract(inst, values(), pdf()))
    year = timezone.localdate().year
    c = services.amend(staff, c, {"transaction_yuan": Decimal("700000")}, "签订补充协议")
    assert services.turnover(year) == Decimal("700000")
    c = services.cancel(staff, c, "双方解除合同")
    assert services.turnover(year) == 0
    assert [t.action for t in workflow.history(c)] == ["file", "register", "amend", "cancel"]
    assert c.history.filter(transaction_yuan=Decimal("800000")).exists()


def test_permissions_per_role(city):
    users = city["users"]
    c = services.register(users["staff"], services.file_contract(users["institute"], values(), pdf()))
    # Only the seller side files; only the office registers.
    for role in ("staff", "leader", "district", "expert"):
        with pytest.raises(PermissionDenied):
            services.file_contract(users[role], values(buyer_name=role), pdf())
    for role in ("institute", "enterprise", "district", "leader"):
        with pytest.raises(PermissionDenied):
            services.cancel(users[role], c, "x")
    # Scoping: the seller and its district see it; another district and another firm do not.
    assert services.visible(users["institute"]).filter(pk=c.pk).exists()
    assert services.visible(users["district"]).filter(pk=c.pk).exists()
    assert services.visible(users["leader"]).filter(pk=c.pk).exists()
    assert not services.visible(users["other_district"]).filter(pk=c.pk).exists()
    assert not services.visible(users["enterprise"]).filter(pk=c.pk).exists()
    assert not services.visible(users["expert"]).exists()
    with pytest.raises(PermissionDenied):
        services.get_contract(users["enterprise"], c.pk)


def test_monthly_table_matches_contracts_to_the_yuan(city):
    inst, staff = city["users"]["institute"], city["users"]["staff"]
    amounts = [Decimal("123456.78"), Decimal("0.01"), Decimal("99999999.99")]
    for i, a in enumerate(amounts):
        services.register(
            staff,
            services.file_contract(
                inst, values(buyer_name=f"买方{i}", total_yuan=a, transaction_yuan=a), pdf()
            ),
        )
    year = timezone.localdate().year
    table = services.monthly_table(year)
    assert table[-1]["transaction"] == sum(amounts)
    assert table[timezone.localdate().month - 1]["count"] == 3
    assert sum(r["transaction"] for r in table[:12]) == table[-1]["transaction"]
    indicator = services.compute_turnover_indicator(year)
    assert indicator[None].value == sum(amounts)
    assert indicator[city["zd"].pk].value == sum(amounts)


ACTIONS = ["register", "send_back", "resubmit", "amend", "cancel"]


class TestWorkflowProperty(HypothesisTestCase):
    """Any sequence of actions by any role: every refusal changes nothing, every change is audited,
    the status is always one the workflow allows, and a number exists exactly when registered."""

    @settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(
        st.lists(
            st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["staff", "institute", "enterprise"])),
            max_size=8,
        )
    )
    def test_any_sequence(self, steps):
        zd = f.district()
        uni = f.institute(zd, "测试大学甲")
        other = f.enterprise(zd).organisation
        users = {
            "staff": f.user(f.Role.BUREAU_STAFF),
            "institute": f.user(f.Role.INSTITUTE, organisation=uni),
            "enterprise": f.user(f.Role.ENTERPRISE, organisation=other),
        }
        c = services.file_contract(users["institute"], values(), pdf())
        for action, who in steps:
            before = (c.status, c.number, c.transaction_yuan)
            audits = Transition.objects.count()
            u = users[who]
            try:
                if action == "register":
                    services.register(u, c)
                elif action == "send_back":
                    services.send_back(u, c, "请核实")
                elif action == "resubmit":
                    services.resubmit(u, c, values())
                elif action == "amend":
                    services.amend(u, c, {"transaction_yuan": Decimal("600000")}, "补充协议")
                else:
                    services.cancel(u, c, "解除")
            except (ValidationError, PermissionDenied):
                c.refresh_from_db()
                assert (c.status, c.number, c.transaction_yuan) == before
                assert Transition.objects.count() == audits
                continue
            c.refresh_from_db()
            assert Transition.objects.count() == audits + 1
            assert c.status in C.Status.values
            assert (c.number is not None) == (c.status in (C.Status.REGISTERED, C.Status.CANCELLED))
            assert c.transaction_yuan <= c.total_yuan


def test_profile_section_shows_registered_contracts(city, rf):
    from kechuang.techmarket.panels import profile_section

    firm_user = f.user(f.Role.ENTERPRISE, organisation=city["e1"].organisation)
    c = services.file_contract(firm_user, values(), pdf())
    request = rf.get("/")
    request.user = city["users"]["staff"]
    assert profile_section(request, city["e1"]) == ""
    services.register(city["users"]["staff"], c)
    assert "80" in profile_section(request, city["e1"])  # 800,000 yuan = 80 万元
    request.user = city["users"]["other_district"]
    assert profile_section(request, city["e1"]) == ""
