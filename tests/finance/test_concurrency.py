"""Concurrent claims and approvals on PostgreSQL (row locks): two settlements of one claim pay once;
approvals racing for the last of the budget never pass it. Skipped on SQLite, which serialises
writers anyway."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kechuang.finance.models import Voucher
from kechuang.finance.services import vouchers as svc

from .helpers import pdf, voucher_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def _race(n, fn):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            fn(i)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_a_claim_is_settled_once():
    w = voucher_world()
    u = w["users"]
    v = svc.apply(
        u["firm"][0], w["scheme"], service_kind="testing", purpose="检测", planned_fee_yuan=Decimal("40000")
    )
    v = svc.use(u["firm"][0], svc.approve(u["staff"], v), w["provider"])
    v = svc.claim(u["provider"], v, fee_yuan=Decimal("40000"), invoice_no="P-1", upload=pdf())
    outcomes = _race(4, lambda i: svc.settle(u["staff"], v))
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    v.refresh_from_db()
    assert v.status == Voucher.Status.SETTLED and v.settled_yuan == Decimal("20000.00")


def test_racing_approvals_stay_within_budget():
    w = voucher_world(budget="50000", voucher_cap="30000", firm_cap="30000")
    u = w["users"]
    vs = [
        svc.apply(
            u["firm"][i],
            w["scheme"],
            service_kind="testing",
            purpose="检测",
            planned_fee_yuan=Decimal("60000"),
        )
        for i in range(3)
    ]
    _race(3, lambda i: svc.approve(u["staff"], vs[i]))
    assert svc.committed(w["scheme"]) <= Decimal("50000")
    faces = sorted(Voucher.objects.exclude(face_yuan=None).values_list("face_yuan", flat=True))
    assert sum(faces) == Decimal("50000.00")
