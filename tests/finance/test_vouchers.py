"""Innovation vouchers: the caps and the budget hold, a claim is paid once, refusals change nothing,
every change is audited, each role sees its own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kechuang.finance.models import Voucher
from kechuang.finance.services import vouchers as svc
from kechuang.programs.models import Transition

from .helpers import pdf, voucher_world

pytestmark = pytest.mark.django_db
V = Voucher


def _issue(w, firm=0, fee="40000"):
    u = w["users"]
    v = svc.apply(
        u["firm"][firm],
        w["scheme"],
        service_kind="testing",
        purpose="材料检测",
        planned_fee_yuan=Decimal(fee),
    )
    return svc.approve(u["staff"], v)


def test_full_journey(db):
    w = voucher_world()
    u = w["users"]
    v = _issue(w)
    assert v.face_yuan == Decimal("20000.00")  # half of 40,000
    v = svc.use(u["firm"][0], v, w["provider"])
    v = svc.claim(u["provider"], v, fee_yuan=Decimal("50000"), invoice_no="No.0001", upload=pdf())
    assert v.claim_yuan == Decimal("20000.00")  # half of 50,000 is 25,000: the face value binds
    v = svc.settle(u["staff"], v)
    assert v.status == V.Status.SETTLED and v.settled_yuan == Decimal("20000.00")
    with pytest.raises(ValidationError):
        svc.settle(u["staff"], v)
    assert [t.action for t in Transition.objects.filter(object_id=v.pk).order_by("pk")] == [
        "apply", "approve", "use", "claim", "settle",
    ]  # fmt: skip
    g = svc.glance(w["scheme"])
    assert g["settled_yuan"] == Decimal("20000.00") and g["available"] == Decimal("80000.00")


def test_firm_cap_and_budget(db):
    w = voucher_world(budget="50000")
    a = _issue(w, 0, "60000")  # 30,000 (voucher cap)
    b = _issue(w, 0, "60000")  # firm cap 40,000 leaves 10,000
    assert (a.face_yuan, b.face_yuan) == (Decimal("30000.00"), Decimal("10000.00"))
    c = svc.apply(
        w["users"]["firm"][0],
        w["scheme"],
        service_kind="rd",
        purpose="研发",
        planned_fee_yuan=Decimal("1000"),
    )
    with pytest.raises(ValidationError) as e:
        svc.approve(w["users"]["staff"], c)
    assert "年度剩余额度" in str(e.value)
    c.refresh_from_db()
    assert c.status == V.Status.APPLIED and c.face_yuan is None
    d = _issue(w, 1, "60000")  # the budget has 10,000 left
    assert d.face_yuan == Decimal("10000.00")
    assert svc.committed(w["scheme"]) == Decimal("50000.00")


def test_invoice_pays_once(db):
    w = voucher_world()
    u = w["users"]
    a = svc.use(u["firm"][0], _issue(w, 0), w["provider"])
    b = svc.use(u["firm"][1], _issue(w, 1), w["provider"])
    svc.claim(u["provider"], a, fee_yuan=Decimal("10000"), invoice_no="INV-1", upload=pdf())
    with pytest.raises(ValidationError) as e:
        svc.claim(u["provider"], b, fee_yuan=Decimal("10000"), invoice_no="INV-1", upload=pdf())
    assert "invoice_no" in e.value.message_dict
    b.refresh_from_db()
    assert b.status == V.Status.USED and b.claim_yuan is None


def test_hostile_proof_refused(db):
    w = voucher_world()
    u = w["users"]
    v = svc.use(u["firm"][0], _issue(w), w["provider"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("发票.pdf", b"<script>", content_type="application/pdf")
    with pytest.raises(ValidationError) as e:
        svc.claim(u["provider"], v, fee_yuan=Decimal("100"), invoice_no="X1", upload=bad)
    assert "proof" in e.value.message_dict
    v.refresh_from_db()
    assert v.status == V.Status.USED


def test_permissions(db):
    w = voucher_world()
    u = w["users"]
    v = svc.apply(
        u["firm"][0], w["scheme"], service_kind="testing", purpose="检测", planned_fee_yuan=Decimal("1000")
    )
    for who in (u["firm"][0], u["provider"], u["leader"], u["district"]):
        with pytest.raises(PermissionDenied):
            svc.approve(who, v)
    v = svc.approve(u["staff"], v)
    with pytest.raises(PermissionDenied):
        svc.use(u["firm"][1], v, w["provider"])
    v = svc.use(u["firm"][0], v, w["provider"])
    with pytest.raises(PermissionDenied):
        svc.claim(u["firm"][0], v, fee_yuan=Decimal("100"), invoice_no="A", upload=pdf())
    assert svc.visible(u["firm"][0]).filter(pk=v.pk).exists()
    assert svc.visible(u["provider"]).filter(pk=v.pk).exists()
    assert svc.visible(u["district"]).filter(pk=v.pk).exists()
    assert not svc.visible(u["firm"][1]).filter(pk=v.pk).exists()


ACTIONS = ("approve", "use", "claim", "settle", "return_claim", "expire", "reject")


class TestVoucherProperty(HypothesisTestCase):
    """Random actions by random people over several vouchers: the budget and the firm caps are never
    passed, nothing is paid twice or above its face, refusals change nothing, changes are audited."""

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS), st.sampled_from(["staff", "firm", "provider"]),
                      st.integers(1, 90000)),
            max_size=14,
        )
    )  # fmt: skip
    def test_random_actions(self, steps):
        w = voucher_world(budget="60000")
        u = w["users"]
        vs = [
            svc.apply(u["firm"][i % 2], w["scheme"], service_kind="testing", purpose="检测", planned_fee_yuan=Decimal(30000 + i * 17000))
            for i in range(4)
        ]  # fmt: skip
        for k, (i, action, who, fee) in enumerate(steps):
            v = V.objects.get(pk=vs[i].pk)
            user = u[who][v.enterprise_id == w["firms"][1].organisation_id] if who == "firm" else u[who]
            snapshot = (v.status, v.face_yuan, v.claim_yuan, v.settled_yuan)
            audits = Transition.objects.count()
            try:
                if action == "approve":
                    svc.approve(user, v)
                elif action == "reject":
                    svc.reject(user, v, "不符合")
                elif action == "use":
                    svc.use(user, v, w["provider"])
                elif action == "claim":
                    svc.claim(user, v, fee_yuan=Decimal(fee), invoice_no=f"INV{k}", upload=pdf())
                elif action == "settle":
                    svc.settle(user, v)
                elif action == "return_claim":
                    svc.return_claim(user, v, "发票不清")
                else:
                    # The scheduled sweep, run as if the vouchers' term had passed.
                    svc.expire_overdue(timezone.localdate() + dt.timedelta(days=400))
            except (ValidationError, PermissionDenied):
                v.refresh_from_db()
                assert (v.status, v.face_yuan, v.claim_yuan, v.settled_yuan) == snapshot
                assert Transition.objects.count() == audits
                continue
            assert Transition.objects.count() >= audits
            for x in V.objects.all():
                assert x.status in V.Status.values
                if x.settled_yuan is not None:
                    assert x.status == V.Status.SETTLED and x.settled_yuan <= x.face_yuan
                if x.claim_yuan is not None:
                    assert x.claim_yuan <= x.face_yuan
            assert svc.committed(w["scheme"]) <= w["scheme"].budget_yuan
            for firm in w["firms"]:
                assert svc.committed(w["scheme"], firm.organisation_id) <= w["scheme"].firm_year_cap_yuan
            settles = Transition.objects.filter(action="settle").values_list("object_id", flat=True)
            assert len(settles) == len(set(settles))
