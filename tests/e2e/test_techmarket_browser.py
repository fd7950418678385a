"""The contract registration journey in the browser: an institute files a technology-development
contract, the office returns it for a wrong technology transaction amount, the institute corrects it,
the office registers it, and the month's turnover on the statistics page rises by exactly that
amount."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.techmarket.models import TechContract
from tests import factories as f
from tests.e2e.conftest import click_confirmed, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _month_turnover(page) -> Decimal:
    page.goto(f"/techmarket/stats/?year={timezone.localdate().year}")
    text = page.inner_text(f"[data-testid=turnover-{timezone.localdate().month}]")
    return Decimal(text.replace(",", ""))


def _switch(page, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username, f.PASSWORD)


def test_file_return_correct_register(page, city, tmp_path):
    _switch(page, "staff_u")
    before = _month_turnover(page)

    _switch(page, "inst_u")
    page.goto("/techmarket/")
    page.click("[data-testid=contract-new]")
    today = timezone.localdate().isoformat()
    page.fill("#id_title", "陶瓷辊道窑余热回收技术开发")
    page.select_option("#id_kind", TechContract.Kind.DEV_COMMISSIONED)
    page.select_option("#id_field", "new_energy")
    page.fill("#id_buyer_name", "淄博丁陶瓷有限公司")
    page.fill("#id_buyer_uscc", f.make_uscc())
    page.select_option("#id_buyer_region", TechContract.Region.CITY)
    page.fill("#id_signed_on", today)
    page.fill("#id_starts_on", today)
    page.fill("#id_ends_on", f"{timezone.localdate().year + 1}-06-30")
    page.fill("#id_total_yuan", "120")
    page.fill("#id_transaction_yuan", "12")  # should be 100 万元: the office returns it
    page.fill("#id_payment_schedule", "签约后支付60%，验收后支付40%")
    page.fill("#id_content", "窑炉烟气与冷却带余热梯级回收用于坯体干燥")
    pdf = tmp_path / "合同.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%contract\n")
    page.set_input_files("#id_upload", str(pdf))
    page.click("[data-testid=contract-submit]")
    assert page.inner_text("[data-testid=contract-status]") == "待登记审核"
    contract = TechContract.objects.get(title="陶瓷辊道窑余热回收技术开发")

    _switch(page, "staff_u")
    page.goto(f"/techmarket/{contract.pk}/")
    assert "技术交易额不足合同总金额的30%" in page.inner_text("[data-testid=findings]")
    page.fill("[data-testid=return-reason-input]", "技术交易额填写有误，应为扣除设备款后的100万元")
    page.click("[data-testid=contract-return]")
    assert page.inner_text("[data-testid=contract-status]") == "已退回修改"

    _switch(page, "inst_u")
    page.goto(f"/techmarket/{contract.pk}/")
    assert "应为扣除设备款后的100万元" in page.inner_text("[data-testid=return-reason]")
    page.click("[data-testid=contract-correct]")
    page.fill("#id_transaction_yuan", "100")
    page.click("[data-testid=contract-submit]")
    assert page.inner_text("[data-testid=contract-status]") == "待登记审核"

    _switch(page, "staff_u")
    page.goto(f"/techmarket/{contract.pk}/")
    click_confirmed(page, "contract-register")
    assert page.inner_text("[data-testid=contract-status]") == "已登记"
    assert page.inner_text("[data-testid=contract-number]").startswith(str(timezone.localdate().year))
    history = page.inner_text("[data-testid=contract-history]")
    assert "已退回修改" in history and "已登记" in history

    assert _month_turnover(page) == before + Decimal("100")
    contract.refresh_from_db()
    assert (
        contract.transaction_yuan == Decimal("1000000.00")
        and contract.status == TechContract.Status.REGISTERED
    )
