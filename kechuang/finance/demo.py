"""The demo city's S&T finance: this year's voucher scheme with vouchers in every stage, two partner
banks (each with a demo user) and their loans, one default compensated with a recovery netted, and a
testing institute registered as a voucher provider (with a demo user).

Each scene runs through the services on its own day (``kechuang.core.demo_clock``), so the audit,
the caps and the locks are exactly those of the pages. Deterministic from the demo's seed."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.demo_clock import on
from kechuang.core.models import Organisation, Role, User
from kechuang.enterprises.demo import make_uscc

from .models import Bank, LoanScheme, ServiceKind, ServiceProvider, Voucher, VoucherScheme
from .services import loans, vouchers

BANKS = (
    ("齐鲁银行股份有限公司淄博分行", "齐鲁银行", "bank_qilu"),
    ("中国建设银行股份有限公司淄博分行", "建设银行", "bank_ccb"),
)
PROOF = b"%PDF-1.4\n%demo invoice\n"


class _Upload:
    """What the services read of an uploaded file."""

    def __init__(self, name: str, content: bytes):
        self.name, self._content, self.size = name, content, len(content)

    def read(self, *args) -> bytes:
        return self._content


def load_finance(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("finance")
    today = ctx["today"]
    # The scheme year began 330 days ago, so that every scene of it lies in the past whatever the day.
    start = today - dt.timedelta(days=330)
    staff = next(u for u in ctx["users"]["bureau_staff"] if u.username == "staff_cooperation")
    password = make_password(ctx["password"])
    district = (
        ctx["districts"]["370303"] if "370303" in ctx["districts"] else next(iter(ctx["districts"].values()))
    )

    # A testing institute takes vouchers; its people sign in as an institute's users.
    lab = next((o for o in ctx["institutes"] if "检验检测" in o.name), ctx["institutes"][0])
    provider = ServiceProvider.objects.create(
        organisation=lab, kinds=[ServiceKind.TESTING, ServiceKind.RD, ServiceKind.DESIGN], registered_on=start
    )
    ServiceProvider.objects.create(
        organisation=ctx["institutes"][0], kinds=[ServiceKind.RD, ServiceKind.TRANSFER], registered_on=start
    )
    users = [User(username="provider_lab", role=Role.INSTITUTE, organisation=lab, password=password,
                  display_name=_("检测院兑付专员"))]  # fmt: skip
    banks = []
    for name, short, login in BANKS:
        org = Organisation.objects.create(
            name=name,
            kind=Organisation.Kind.OTHER,
            district=district,
            uscc=make_uscc(rng, "91", "370303", True),
        )
        banks.append(Bank.objects.create(organisation=org, short_name=short, joined_on=start))
        users.append(User(username=login, role=Role.ENTERPRISE, organisation=org, password=password,
                          display_name=_("%(b)s科技金融专员") % {"b": short}))  # fmt: skip
    joined = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=1), dt.time(9)))
    for u in users:
        u.date_joined = joined
        u.save()
    ctx["signins"].extend(
        {
            "username": u.username,
            "role": str(Role(u.role).label),
            "scope": f"{u.organisation.name}（{_('科技金融')}）",
        }
        for u in users
    )
    by_name = {u.username: u for u in users}

    scheme = VoucherScheme.objects.create(
        name=_("%(y)s年度淄博市科技创新券") % {"y": start.year}, year=start.year, budget_yuan=Decimal("5000000"),
        share=Decimal("0.5"), voucher_cap_yuan=Decimal("100000"), firm_year_cap_yuan=Decimal("200000"),
        service_kinds=[k for k, _l in ServiceKind.choices], applicant_kinds=[Organisation.Kind.ENTERPRISE],
        valid_days=180, opens_on=start, closes_on=start + dt.timedelta(days=364),
    )  # fmt: skip
    firms = [e.organisation for e in ctx["enterprises"][:40]]
    firm_users = {u.organisation_id: u for u in ctx["users"].get("enterprise", [])}
    # Firms without a demo account apply through their registered contact's account, which signs in with
    # the demo password like every demo account.
    for firm in firms:
        if firm.pk not in firm_users:
            firm_users[firm.pk] = User.objects.create(
                username=f"contact_{firm.uscc or firm.pk}", role=Role.ENTERPRISE, organisation=firm,
                password=ctx["password_hash"], display_name=_("%(f)s联系人") % {"f": firm.name[:20]}, date_joined=joined,
            )  # fmt: skip
    stages = (
        ["settled"] * 6
        + ["claimed"] * 3
        + ["used"] * 3
        + ["approved"] * 3
        + ["applied"] * 3
        + ["rejected", "expired"]
    )
    n_stages = len(stages)
    for i, stage in enumerate(stages):
        firm = firms[i % len(firms)]
        applicant = firm_users.get(firm.pk) or User(
            role=Role.ENTERPRISE, organisation=firm, username=f"demo{i}"
        )
        day = start + dt.timedelta(days=int(i * (today - start).days * 0.8 / n_stages))
        if stage == "expired":
            day = start
        fee = Decimal(int(rng.integers(4, 30)) * 10000)
        with on(day):
            v = vouchers.apply(applicant, scheme, service_kind=ServiceKind.TESTING if i % 2 else ServiceKind.RD,
                               purpose=_("新产品性能检测与工艺验证"), planned_fee_yuan=fee)  # fmt: skip
        if stage == "applied":
            continue
        with on(min(day + dt.timedelta(days=5), today)):
            if stage == "rejected":
                vouchers.reject(staff, v, _("所申请服务不属于本年度支持范围"))
                continue
            v = vouchers.approve(staff, v)
        if stage == "approved":
            continue
        if stage == "expired":
            with on(min(day + dt.timedelta(days=200), today)):
                vouchers.expire_overdue()
            continue
        with on(min(day + dt.timedelta(days=12), today)):
            v = vouchers.use(applicant, v, provider)
        if stage == "used":
            continue
        with on(min(day + dt.timedelta(days=40), today)):
            v = vouchers.claim(by_name["provider_lab"], v, fee_yuan=fee, invoice_no=f"3700{today.year}{i:06d}",
                               upload=_Upload("发票.pdf", PROOF))  # fmt: skip
        if stage == "claimed":
            continue
        with on(min(day + dt.timedelta(days=55), today)):
            vouchers.settle(staff, v)

    # Loans: the scheme needs only an enterprise of the registry (no policy code), so every firm the
    # banks lend to passes the check.
    lscheme = LoanScheme.objects.create(
        name=_("%(y)s年度科技成果转化贷款风险补偿") % {"y": start.year}, year=start.year, share=Decimal("0.4"),
        loan_cap_yuan=Decimal("2000000"), bank_year_cap_yuan=Decimal("5000000"), max_loan_yuan=Decimal("10000000"),
    )  # fmt: skip
    made = []
    borrowers = [e.organisation for e in ctx["enterprises"][40:70]] or firms
    for i in range(12):
        bank = banks[i % 2]
        banker = by_name[BANKS[i % 2][2]]
        # Loans are granted within the scheme's year.
        span = min(int((today - start).days * 0.7), (dt.date(start.year, 12, 31) - start).days)
        day = start + dt.timedelta(days=int(i * span / 12))
        with on(day):
            made.append(loans.file_loan(banker, lscheme, borrowers[i % len(borrowers)], {
                "contract_no": f"{bank.short_name[:2]}{start.year}{i + 1:04d}",
                "amount_yuan": Decimal(int(rng.integers(10, 80)) * 100000), "rate": Decimal("0.0385") + Decimal(i % 3) / 1000,
                "term_months": 12, "purpose": _("科技成果转化产业化项目流动资金"), "granted_on": day,
            }))  # fmt: skip
    bad, banker = made[0], by_name[BANKS[0][2]]
    later = min(bad.granted_on + dt.timedelta(days=150), today)
    with on(later):
        bad = loans.report_default(
            banker, bad, loss_yuan=(bad.amount_yuan * Decimal("0.6")).quantize(Decimal(1)), on=later
        )
    with on(min(later + dt.timedelta(days=10), today)):
        bad = loans.compensate(staff, bad)
    with on(min(later + dt.timedelta(days=40), today)):
        loans.record_recovery(
            banker, bad, amount_yuan=Decimal("300000"), on=min(later + dt.timedelta(days=40), today)
        )
    with on(min(made[1].granted_on + dt.timedelta(days=120), today)):
        loans.repay(by_name[BANKS[1][2]], made[1])
    g = vouchers.glance(scheme)
    stdout.write(
        _("  创新券 {n} 张（已兑付 {s} 张），合作银行 {b} 家，备案贷款 {l} 笔，补偿 1 笔").format(
            n=Voucher.objects.count(), s=g["settled"], b=len(banks), l=len(made)
        )
    )
