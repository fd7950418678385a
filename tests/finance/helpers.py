import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kechuang.core.models import Organisation
from kechuang.finance.models import Bank, LoanScheme, ServiceProvider, VoucherScheme
from tests import factories as f


def pdf(name="发票.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%invoice\n", content_type="application/pdf")


def voucher_world(budget="100000", share="0.5", voucher_cap="30000", firm_cap="40000"):
    today = timezone.localdate()
    zd = f.district()
    scheme = VoucherScheme.objects.create(
        name="2026年度创新券", year=today.year, budget_yuan=Decimal(budget), share=Decimal(share),
        voucher_cap_yuan=Decimal(voucher_cap), firm_year_cap_yuan=Decimal(firm_cap),
        service_kinds=["testing", "rd"], applicant_kinds=["enterprise"], valid_days=180,
        opens_on=today - dt.timedelta(days=30), closes_on=today + dt.timedelta(days=30),
    )  # fmt: skip
    lab = f.institute(zd, "淄博检验检测研究院")
    provider = ServiceProvider.objects.create(organisation=lab, kinds=["testing", "rd"], registered_on=today)
    firms = [f.enterprise(zd) for _ in range(3)]
    users = {
        "staff": f.user(f.Role.BUREAU_STAFF),
        "provider": f.user(f.Role.INSTITUTE, organisation=lab),
        "firm": [f.user(f.Role.ENTERPRISE, organisation=e.organisation) for e in firms],
        "leader": f.user(f.Role.LEADER),
        "district": f.user(f.Role.DISTRICT_STAFF, district=zd),
    }
    return {"scheme": scheme, "provider": provider, "firms": firms, "users": users, "zd": zd}


def loan_world():
    today = timezone.localdate()
    zd = f.district()
    scheme = LoanScheme.objects.create(
        name="风险补偿", year=today.year, share=Decimal("0.4"), loan_cap_yuan=Decimal("2000000"),
        bank_year_cap_yuan=Decimal("3000000"), max_loan_yuan=Decimal("10000000"),
    )  # fmt: skip
    bank_org = Organisation.objects.create(name="齐鲁银行淄博分行", kind=Organisation.Kind.OTHER, district=zd)
    bank = Bank.objects.create(organisation=bank_org, short_name="齐鲁银行", joined_on=today)
    firm = f.enterprise(zd)
    return {
        "scheme": scheme, "bank": bank, "firm": firm, "zd": zd,
        "banker": f.user(f.Role.ENTERPRISE, organisation=bank_org),
        "staff": f.user(f.Role.BUREAU_STAFF),
        "firm_user": f.user(f.Role.ENTERPRISE, organisation=firm.organisation),
        "other_district": f.user(f.Role.DISTRICT_STAFF, district=f.district("370302", "淄川区")),
    }  # fmt: skip


def loan_values(**over):
    v = {
        "contract_no": "QL-2026-001", "amount_yuan": Decimal("5000000"), "rate": Decimal("0.045"),
        "term_months": 12, "purpose": "成果转化生产线建设", "granted_on": timezone.localdate() - dt.timedelta(days=5),
    }  # fmt: skip
    v.update(over)
    return v
