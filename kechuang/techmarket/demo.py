"""The demo city's technology market: a year of registered technology contracts, a few waiting for
the office, one returned and one cancelled; two transfer agencies with their brokers; registered
results linked to the achievements they came from.

Scale: 淄博 registered 251.54亿元 of technology transaction amount in a year (shared/seed-data). The
default demo city of 3,000 enterprises stands for the whole city, so the year's registered turnover
is 251.54亿 × n / 3,000 (25.154亿 for the 300 firms the tests load), spread over n / 3 contracts
(at least 40) whose sizes follow a log-normal law and are scaled so that the sum is exact to the yuan.
Deterministic from the demo's seed.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.enterprises.demo import make_uscc
from kechuang.matching.models import Achievement, TechField
from kechuang.programs.models import Transition

from .models import Broker, RegisteredResult, TechContract, TransferAgency

C = TechContract
CITY_TURNOVER_YUAN = Decimal("25154000000")  # 251.54亿元
CITY_ENTERPRISES = 3000
REASON = "演示数据"
AREAS = {C.Region.CITY: "370303", C.Region.PROVINCE: "370102", C.Region.DOMESTIC: "320102"}
# One small PDF stands for every demo contract's scanned text.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

TITLES = {
    C.Kind.DEV_COMMISSIONED: ("{f}关键工艺开发", "{f}新产品研制", "{f}中试放大研究"),
    C.Kind.DEV_COOPERATIVE: ("{f}联合攻关", "{f}共性技术合作研发"),
    C.Kind.TRANSFER: ("{f}专利权转让", "{f}技术秘密转让"),
    C.Kind.LICENCE: ("{f}专利实施许可", "{f}软件著作权许可"),
    C.Kind.CONSULTING: ("{f}技术路线咨询", "{f}可行性论证"),
    C.Kind.SERVICE: ("{f}检验检测技术服务", "{f}工艺优化技术服务", "{f}设备智能化改造技术服务"),
}
KIND_WEIGHTS = {
    C.Kind.DEV_COMMISSIONED: 0.30, C.Kind.DEV_COOPERATIVE: 0.08, C.Kind.TRANSFER: 0.10,
    C.Kind.LICENCE: 0.05, C.Kind.CONSULTING: 0.07, C.Kind.SERVICE: 0.40,
}  # fmt: skip
REGIONS = {C.Region.CITY: 0.38, C.Region.PROVINCE: 0.30, C.Region.DOMESTIC: 0.30, C.Region.ABROAD: 0.02}
PROVINCE_CITIES = ("济南市", "青岛市", "潍坊市", "东营市", "烟台市", "滨州市")
OTHER_PROVINCES = ("江苏省", "浙江省", "广东省", "河北省", "北京市", "上海市")
ABROAD = ("德国", "韩国", "新加坡")
BUYER_WORDS = ("华信", "鲁中", "金诚", "泰和", "瑞丰", "海科", "恒远", "中科", "齐鲁", "宏达", "东岳", "新华")
BUYER_KINDS = (
    "化工有限公司",
    "新材料有限公司",
    "机械有限公司",
    "医药有限公司",
    "科技有限公司",
    "陶瓷有限公司",
)


def _pick(rng, weights: dict):
    keys = list(weights)
    return keys[int(rng.choice(len(keys), p=[weights[k] for k in keys]))]


def amounts(rng, n: int, total: Decimal) -> list[Decimal]:
    """``n`` positive amounts in whole yuan, log-normal, summing exactly to ``total``."""
    raw = rng.lognormal(mean=0.0, sigma=1.2, size=n)
    scaled = [Decimal(int(x / raw.sum() * float(total))) for x in raw]
    scaled = [max(a, Decimal(10000)) for a in scaled]
    biggest = max(range(n), key=lambda i: scaled[i])
    scaled[biggest] += total - sum(scaled)
    return scaled


def load_techmarket(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("techmarket")
    today = ctx["today"]
    n_firms = ctx["n_enterprises"]
    target = (CITY_TURNOVER_YUAN * n_firms / CITY_ENTERPRISES).quantize(Decimal(1))
    n = max(40, n_firms // 3)
    institutes = ctx["institutes"]
    firms = [e.organisation for e in ctx["enterprises"]]
    staff = next((u for u in ctx["users"].get("bureau_staff", []) if u.username == "staff_cooperation"), None)

    agencies = [
        TransferAgency(name=_("山东理工大学技术转移中心"), organisation=institutes[0], district=institutes[0].district,
                       level=TransferAgency.Level.PROVINCIAL, recognised_on=dt.date(today.year - 3, 6, 1)),
        TransferAgency(name=_("淄博市技术市场服务中心"), district=institutes[0].district,
                       level=TransferAgency.Level.MUNICIPAL, recognised_on=dt.date(today.year - 5, 3, 1)),
    ]  # fmt: skip
    agencies = bulk_create_with_history(agencies, TransferAgency, default_change_reason=REASON)
    brokers = [
        Broker(name=name, certificate_no=f"JSJJ{today.year - 2}{i:04d}", agency=agencies[i % 2])
        for i, name in enumerate(("王立新", "张晓梅", "刘建国", "陈静", "李海涛", "孙丽"), start=1)
    ]
    brokers = bulk_create_with_history(brokers, Broker, default_change_reason=REASON)

    money = amounts(rng, n, target)
    fields = list(TechField.values)
    contracts, audit = [], []
    for i in range(n + 5):
        kind = _pick(rng, KIND_WEIGHTS)
        seller = (
            institutes[int(rng.integers(len(institutes)))]
            if rng.random() < 0.35
            else firms[int(rng.integers(len(firms)))]
        )
        region = _pick(rng, REGIONS)
        place = {
            C.Region.CITY: "淄博市",
            C.Region.PROVINCE: PROVINCE_CITIES[int(rng.integers(len(PROVINCE_CITIES)))],
            C.Region.DOMESTIC: OTHER_PROVINCES[int(rng.integers(len(OTHER_PROVINCES)))],
            C.Region.ABROAD: ABROAD[int(rng.integers(len(ABROAD)))],
        }[region]
        field = fields[int(rng.integers(len(fields)))]
        label = TechField(field).label
        title = TITLES[kind][int(rng.integers(len(TITLES[kind])))].format(f=label)
        # The first ``n`` are registered and make the year's turnover; five more wait, were returned
        # or were cancelled, outside it.
        tx = money[i] if i < n else Decimal(int(rng.integers(5, 80)) * 10000)
        # Development and transfer contracts often carry equipment or materials outside the
        # technology transaction amount; consulting and service contracts count in full.
        extra = (
            Decimal(0)
            if kind in (C.Kind.CONSULTING, C.Kind.SERVICE)
            else (tx * Decimal(int(rng.integers(0, 25))) / 100).quantize(Decimal(1))
        )
        registered_on = today - dt.timedelta(days=int(rng.integers(0, 365)))
        signed_on = registered_on - dt.timedelta(days=int(rng.integers(3, 40)))
        buyer = (
            BUYER_WORDS[int(rng.integers(len(BUYER_WORDS)))]
            + BUYER_KINDS[int(rng.integers(len(BUYER_KINDS)))]
        )
        status = C.Status.REGISTERED
        if n <= i < n + 3:
            status, registered_on = C.Status.SUBMITTED, None
        elif i == n + 3:
            status, registered_on = C.Status.RETURNED, None
        elif i == n + 4:
            status = C.Status.CANCELLED
            registered_on = today - dt.timedelta(days=int(rng.integers(30, 200)))
            signed_on = registered_on - dt.timedelta(days=int(rng.integers(3, 40)))
        if registered_on is None:  # waiting or returned: filed in the last fortnight
            signed_on = today - dt.timedelta(days=int(rng.integers(5, 15)))
        broker = brokers[int(rng.integers(len(brokers)))] if rng.random() < 0.3 else None
        contracts.append(
            C(
                title=title, kind=kind, field=field, seller=seller,
                buyer_name=place.removesuffix("市").removesuffix("省") + buyer,
                buyer_uscc="" if region == C.Region.ABROAD else make_uscc(rng, "91", AREAS[region], True),
                buyer_region=region, buyer_place=place,
                signed_on=signed_on, starts_on=signed_on, ends_on=signed_on + dt.timedelta(days=int(rng.integers(90, 720))),
                total_yuan=tx + extra, transaction_yuan=tx,
                payment_schedule=_("合同签订后支付40%，中期支付30%，验收合格后支付30%"),
                content=_("围绕{t}，乙方提供技术方案、工艺参数和技术资料，并负责现场指导至甲方掌握。").format(t=title),
                file_name=_("技术合同.pdf"), broker=broker, agency=broker.agency if broker else None,
                registered_on=registered_on, status=status, filed_by=staff,
                return_reason=_("技术交易额与合同约定的技术费用不一致，请核实后重新填报") if status == C.Status.RETURNED else "",
            )
        )  # fmt: skip
    # Numbers in order of registration.
    seq = {}
    for c in sorted((c for c in contracts if c.registered_on), key=lambda c: c.registered_on):
        seq[c.registered_on.year] = seq.get(c.registered_on.year, 0) + 1
        c.number = f"{c.registered_on.year}370300{seq[c.registered_on.year]:06d}"
    stored = default_storage.save("techmarket/contracts/demo/demo-contract.pdf", ContentFile(DEMO_PDF))
    for c in contracts:
        c.contract_file.name = stored
    contracts = bulk_create_with_history(contracts, C, default_change_reason=REASON)
    ct = ContentType.objects.get_for_model(C)
    moments = []

    def at(day: dt.date, hour: int):
        return min(timezone.make_aware(dt.datetime.combine(min(day, today), dt.time(hour))), timezone.now())

    for c in contracts:
        filed = c.signed_on + dt.timedelta(days=2)
        audit.append(
            Transition(
                content_type=ct,
                object_id=c.pk,
                action="file",
                from_status="",
                to_status="submitted",
                reason=_("卖方提交登记"),
            )
        )
        moments.append(at(filed, 10))
        if c.status in (C.Status.REGISTERED, C.Status.CANCELLED):
            audit.append(
                Transition(
                    content_type=ct,
                    object_id=c.pk,
                    action="register",
                    from_status="submitted",
                    to_status="registered",
                    actor=staff,
                    reason=_("审核通过，予以登记"),
                )
            )
            moments.append(at(c.registered_on, 15))
        if c.status == C.Status.CANCELLED:
            audit.append(
                Transition(
                    content_type=ct,
                    object_id=c.pk,
                    action="cancel",
                    from_status="registered",
                    to_status="cancelled",
                    actor=staff,
                    reason=_("双方协商解除合同"),
                )
            )
            moments.append(at(c.registered_on + dt.timedelta(days=20), 11))
        if c.status == C.Status.RETURNED:
            audit.append(
                Transition(
                    content_type=ct,
                    object_id=c.pk,
                    action="send_back",
                    from_status="submitted",
                    to_status="returned",
                    actor=staff,
                    reason=c.return_reason,
                )
            )
            moments.append(at(filed + dt.timedelta(days=3), 16))
    audit = Transition.objects.bulk_create(audit)
    # ``at`` is set on insert; the audit tells when each step happened.
    for t, moment in zip(audit, moments, strict=True):
        t.at = moment
    Transition.objects.bulk_update(audit, ["at"], batch_size=500)  # fmt: skip

    results = []
    for i, a in enumerate(Achievement.objects.select_related("organisation").order_by("pk")[:8]):
        results.append(
            RegisteredResult(
                number=f"{today.year}37030{i + 1:04d}", title=a.title, organisation=a.organisation,
                field=getattr(a, "field", "") or TechField.NEW_MATERIALS,
                evidence=RegisteredResult.Evidence.EVALUATION, evidence_note=_("经第三方评价，成果总体达到国内先进水平"),
                achievement=a, level="provincial" if i % 2 == 0 else "municipal",
                registered_on=today - dt.timedelta(days=30 * (i + 1)),
            )
        )  # fmt: skip
    bulk_create_with_history(results, RegisteredResult, default_change_reason=REASON)
    registered = sum((c.transaction_yuan for c in contracts if c.status == C.Status.REGISTERED), Decimal(0))
    stdout.write(
        _("  技术合同 {n} 项，近一年登记技术交易额 {w} 亿元；技术经纪人 {b} 名；登记成果 {r} 项").format(
            n=len(contracts),
            w=(registered / Decimal(10**8)).quantize(Decimal("0.01")),
            b=len(brokers),
            r=len(results),
        )
    )
