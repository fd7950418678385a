"""The demo city (淄博市): plain records generated from a seed, with no database access.

Every function here takes a ``numpy.random.Generator`` (or nothing) and returns plain dicts, so the
generator can be tested without a database and the records can be fed through the yearly-facts
template's own parser (``template.parse_rows``) to prove they would pass a real import.

The districts and their 6-digit codes are Zibo's real ones (GB/T 2260); the development zones have
internal codes (``3703Z1``…) because they are not administrative divisions, and their firms register
in a host district, whose code their USCC carries. Industries are real GB/T 4754-2017 classes,
weighted toward Zibo's industries (chemicals, ceramics and new materials, pumps and machinery,
pharmaceuticals, electronics, software, R&D services). Company and person names are generated
from common characters; any likeness to a real firm or person is coincidental.

Sizes and shares are tuned so that the default city (3000 firms) resembles the published figures in
``shared/seed-data/indicators.yaml``: about a thousand high-tech enterprises with valid certificates
in the latest year, roughly 1 400 tech-SME-like firms and about 1 500 above-scale industrial firms.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from kechuang.core.uscc import ALPHABET, check_character

from . import template

CITY = "淄博市"
CITY_CODE = "370300"
DEFAULT_ENTERPRISES = 3000
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    kind: str  # core.District.Kind value
    short: str  # used in company names, e.g. 淄博临淄…
    login: str  # demo user name of the district bureau's staff
    uscc_area: str  # the administrative code firms registered here carry in their USCC
    weight: float  # share of the city's firms


DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec("370303", "张店区", "district", "张店", "zhangdian", "370303", 0.20),
    DistrictSpec("370302", "淄川区", "district", "淄川", "zichuan", "370302", 0.10),
    DistrictSpec("370304", "博山区", "district", "博山", "boshan", "370304", 0.08),
    DistrictSpec("370305", "临淄区", "district", "临淄", "linzi", "370305", 0.12),
    DistrictSpec("370306", "周村区", "district", "周村", "zhoucun", "370306", 0.07),
    DistrictSpec("370321", "桓台县", "county", "桓台", "huantai", "370321", 0.09),
    DistrictSpec("370322", "高青县", "county", "高青", "gaoqing", "370322", 0.04),
    DistrictSpec("370323", "沂源县", "county", "沂源", "yiyuan", "370323", 0.05),
    # Zones are not administrative divisions: their firms' USCCs carry the host district's code.
    DistrictSpec("3703Z1", "淄博高新技术产业开发区", "zone", "高新", "gaoxinqu", "370303", 0.17),
    DistrictSpec("3703Z2", "淄博经济开发区", "zone", "经开", "jingkaiqu", "370303", 0.06),
    DistrictSpec("3703Z3", "文昌湖省级旅游度假区", "zone", "文昌湖", "wenchanghu", "370306", 0.02),
)

# The bureau's own sections (task_forces_2022.yaml), with stable slugs.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("office", "办公室"),
    ("personnel", "人事科"),
    ("policy", "政策法规与创新促进科"),
    ("planning", "规划与资源配置科"),
    ("cooperation", "科技合作科"),
    ("high_tech", "高新技术发展及产业化科"),
    ("rural_social", "农村与社会发展科"),
    ("talent", "人才与成果科"),
    ("foreign_experts", "外国专家服务科"),
    ("party", "机关党委"),
)


@dataclass(frozen=True)
class Profile:
    """How firms of a kind of industry look: median revenue (yuan), revenue per employee (yuan),
    assets per yuan of revenue, propensity to be high-tech and scale of R&D spending (relative)."""

    revenue: float
    productivity: float
    asset_ratio: float
    tech: float
    rd: float


PROFILES: dict[str, Profile] = {
    "process": Profile(60e6, 2.0e6, 1.3, 0.70, 0.7),
    "materials": Profile(40e6, 0.9e6, 1.2, 1.10, 1.0),
    "machinery": Profile(35e6, 0.8e6, 1.1, 1.15, 1.0),
    "pharma": Profile(45e6, 1.0e6, 1.4, 1.30, 1.4),
    "electronics": Profile(30e6, 0.8e6, 1.0, 1.40, 1.2),
    "software": Profile(6e6, 0.35e6, 0.8, 1.30, 1.8),
    "rd_service": Profile(4e6, 0.3e6, 1.0, 1.30, 2.0),
    "tech_service": Profile(5e6, 0.35e6, 0.8, 0.90, 1.2),
    "light": Profile(30e6, 0.6e6, 0.9, 0.50, 0.6),
    "agri": Profile(15e6, 0.5e6, 1.2, 0.60, 0.8),
    "energy": Profile(90e6, 3.0e6, 2.5, 0.40, 0.5),
}


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017, section letter + 4 digits
    name: str
    words: tuple[str, ...]  # what a firm of this class calls itself
    weight: float
    profile: str
    home: tuple[str, ...] = ()  # district codes where this industry clusters


_CHEM = ("370305", "370321", "370322")  # 临淄, 桓台, 高青: the petrochemical belt
_CERAMIC = ("370302", "370304")  # 淄川, 博山
_HIGH = ("3703Z1", "370303")  # 高新区, 张店

INDUSTRIES: tuple[Industry, ...] = (
    Industry("C2511", "原油加工及石油制品制造", ("石化", "石油化工"), 1.0, "process", _CHEM),
    Industry("C2613", "无机盐制造", ("化工", "无机材料"), 1.5, "process", _CHEM),
    Industry("C2614", "有机化学原料制造", ("化工", "化学", "石化"), 4.0, "process", _CHEM),
    Industry("C2631", "化学农药制造", ("农化", "生物化学"), 1.0, "process", _CHEM),
    Industry("C2641", "涂料制造", ("涂料", "化工"), 1.0, "process", _CHEM),
    Industry(
        "C2651", "初级形态塑料及合成树脂制造", ("新材料", "树脂", "高分子材料"), 2.5, "materials", _CHEM
    ),
    Industry("C2652", "合成橡胶制造", ("橡胶", "合成材料"), 1.0, "materials", _CHEM),
    Industry("C2662", "专项化学用品制造", ("精细化工", "化学品"), 2.5, "process", _CHEM),
    Industry("C2669", "其他专用化学产品制造", ("新材料", "助剂", "精细化工"), 2.5, "materials", _CHEM),
    Industry("C1495", "食品及饲料添加剂制造", ("生物科技", "食品添加剂"), 1.0, "light", ("370321",)),
    Industry("C1713", "棉印染精加工", ("纺织", "印染"), 1.5, "light", ("370306",)),
    Industry("C2221", "机制纸及纸板制造", ("纸业",), 1.0, "process", ("370321", "370322")),
    Industry(
        "C2710", "化学药品原料药制造", ("药业", "制药", "医药化工"), 1.5, "pharma", ("370323", "3703Z1")
    ),
    Industry("C2720", "化学药品制剂制造", ("药业", "制药"), 1.5, "pharma", ("370323", "3703Z1")),
    Industry("C2740", "中成药生产", ("中药", "药业"), 1.0, "pharma", ("370323", "370304")),
    Industry("C2761", "生物药品制造", ("生物制药", "生物科技"), 1.5, "pharma", ("3703Z1", "370323")),
    Industry("C2770", "卫生材料及医药用品制造", ("医疗用品", "卫材"), 1.0, "pharma", ("370323", "370303")),
    Industry("C2911", "轮胎制造", ("轮胎", "橡胶"), 0.5, "process", ("370305",)),
    Industry("C2922", "塑料板、管、型材制造", ("塑业", "管业"), 1.0, "materials", ("370306", "370302")),
    Industry("C3042", "特种玻璃制造", ("玻璃", "特种玻璃"), 1.0, "materials", ("370304",)),
    Industry("C3061", "玻璃纤维及制品制造", ("玻纤", "玻璃纤维"), 1.5, "materials", ("370302", "3703Z1")),
    Industry("C3071", "建筑陶瓷制品制造", ("陶瓷", "建陶"), 2.0, "materials", _CERAMIC),
    Industry("C3072", "卫生陶瓷制品制造", ("陶瓷", "卫浴"), 0.5, "materials", _CERAMIC),
    Industry("C3073", "特种陶瓷制品制造", ("特种陶瓷", "先进陶瓷", "陶瓷科技"), 2.0, "materials", _CERAMIC),
    Industry("C3074", "日用陶瓷制品制造", ("陶瓷", "瓷业"), 1.0, "materials", _CERAMIC),
    Industry("C3089", "耐火陶瓷制品及其他耐火材料制造", ("耐火材料", "耐材"), 2.0, "materials", _CERAMIC),
    Industry("C3091", "石墨及碳素制品制造", ("碳素", "石墨"), 1.0, "materials", ("370302",)),
    Industry("C3216", "铝冶炼", ("铝业",), 0.5, "process", ("370303", "370305")),
    Industry("C3240", "有色金属合金制造", ("合金", "新材料"), 1.0, "materials", ("370303",)),
    Industry("C3441", "泵及真空设备制造", ("泵业",), 2.5, "machinery", ("370304",)),
    Industry("C3443", "阀门和旋塞制造", ("阀门",), 1.0, "machinery", ("370304",)),
    Industry("C3451", "滚动轴承制造", ("轴承",), 1.0, "machinery", ("370306", "370321")),
    Industry("C3463", "气体、液体分离及纯净设备制造", ("环保设备", "过滤设备"), 1.0, "machinery", ()),
    Industry("C3484", "机械零部件加工", ("机械", "精工"), 2.0, "machinery", ()),
    Industry("C3511", "矿山机械制造", ("矿山机械", "重工"), 1.0, "machinery", ("370302",)),
    Industry("C3521", "炼油、化工生产专用设备制造", ("化工装备", "化工机械"), 1.5, "machinery", _CHEM),
    Industry("C3544", "制药专用设备制造", ("制药机械", "制药装备"), 0.5, "machinery", ()),
    Industry("C3562", "电子工业专用设备制造", ("智能装备", "电子设备"), 1.0, "machinery", _HIGH),
    Industry("C3589", "其他医疗设备及器械制造", ("医疗器械", "医疗科技"), 1.0, "pharma", _HIGH),
    Industry("C3670", "汽车零部件及配件制造", ("汽车部件", "汽配"), 2.0, "machinery", ("3703Z2", "370306")),
    Industry("C3812", "电动机制造", ("电机",), 1.5, "machinery", ("370304", "3703Z1")),
    Industry("C3821", "变压器、整流器和电感器制造", ("电气", "变压器"), 1.0, "machinery", ()),
    Industry("C3825", "光伏设备及元器件制造", ("光伏", "新能源"), 1.0, "electronics", _HIGH),
    Industry("C3841", "锂离子电池制造", ("新能源", "锂电"), 1.0, "electronics", _HIGH),
    Industry("C3976", "光电子器件制造", ("光电", "光电子"), 1.0, "electronics", _HIGH),
    Industry("C3982", "电子电路制造", ("电子", "电路"), 1.5, "electronics", _HIGH),
    Industry("C3985", "电子专用材料制造", ("电子材料", "新材料"), 1.5, "electronics", _HIGH),
    Industry("C4011", "工业自动控制系统装置制造", ("自动化", "智能控制"), 1.5, "electronics", _HIGH),
    Industry("C4014", "实验分析仪器制造", ("仪器", "分析仪器"), 1.0, "electronics", _HIGH),
    Industry("D4412", "热电联产", ("热电",), 0.5, "energy", _CHEM),
    Industry("D4416", "太阳能发电", ("光伏电力", "新能源"), 0.5, "energy", ()),
    Industry("I6511", "基础软件开发", ("软件",), 0.5, "software", _HIGH),
    Industry("I6513", "应用软件开发", ("软件", "信息技术", "网络科技"), 3.5, "software", _HIGH),
    Industry("I6520", "集成电路设计", ("微电子", "芯片"), 0.5, "software", _HIGH),
    Industry("I6531", "信息系统集成服务", ("信息技术", "数字科技", "智能科技"), 2.5, "software", _HIGH),
    Industry("I6532", "物联网技术服务", ("物联网", "智联科技"), 1.0, "software", _HIGH),
    Industry("I6550", "信息处理和存储支持服务", ("大数据", "数据科技"), 0.5, "software", _HIGH),
    Industry("M7320", "工程和技术研究和试验发展", ("技术研究院", "工程技术"), 2.0, "rd_service", _HIGH),
    Industry("M7330", "农业科学研究和试验发展", ("农业科技",), 0.5, "rd_service", ("370322", "370323")),
    Industry("M7340", "医学研究和试验发展", ("医学科技", "生物医药"), 0.5, "rd_service", _HIGH),
    Industry("M7452", "检测服务", ("检测技术", "检测"), 1.0, "tech_service", ()),
    Industry("M7483", "工程设计活动", ("工程设计",), 0.5, "tech_service", ("370303",)),
    Industry("M7513", "新材料技术推广服务", ("新材料科技",), 1.0, "tech_service", _HIGH),
    Industry("M7514", "节能技术推广服务", ("节能科技", "节能技术"), 1.0, "tech_service", ()),
    Industry("M7516", "环保技术推广服务", ("环保科技", "环境技术"), 1.0, "tech_service", ()),
    Industry("N7722", "大气污染治理", ("环保工程",), 0.5, "tech_service", _CHEM),
    Industry("A0511", "种子种苗培育活动", ("种业",), 0.5, "agri", ("370322", "370323", "370321")),
)

# Latent innovation classes, in the order of the shares below.
HIGH_TECH, CANDIDATE, INNOVATIVE, TRADITIONAL = range(4)
CLASS_SHARES = (0.335, 0.08, 0.27, 0.315)

# Company names: a place, a two-character trade name (字号), an industry word, a legal form.
_TRADE_CHARS = (
    "鑫华泰瑞金恒宏德信联源博创诚海天达丰盛隆昌祥汇通新安中正明嘉凯永宝东元立星润康晶峰辰宇航远鼎众"
    "益佳和顺兴利泽睿智腾飞晟昊宸铭锦硕弘运洁美合力科久光荣伟建"
)
_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国志红斌宁波晨浩宇欣然雪梅海燕文博"

# GB 11714-1997 organisation-code check: letters count as 10 + their position in A–Z.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(body8: str) -> str:
    """The 9-character organisation code (body plus its GB 11714 check character)."""
    values = (int(c) if c.isdigit() else ord(c) - 55 for c in body8)
    total = sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(rng: np.random.Generator, category: str, area: str, modern: bool) -> str:
    """A USCC (GB 32100-2015) with a valid check character.

    ``category`` is the registration authority plus organisation category ("91" enterprise, "12"
    public institution, "52" private non-enterprise unit); ``modern`` codes (issued since the 2015
    reform) carry Shandong's "MA3…" organisation codes, older ones the numeric codes of GB 11714.
    """
    while True:
        if modern:
            body = "MA3" + "".join(ALPHABET[i] for i in rng.integers(0, 31, 5))
        else:
            body = "".join(str(d) for d in rng.integers(0, 10, 8))
            body = str(rng.integers(1, 8)) + body[1:]
        org = _org_code(body)
        if all(c in ALPHABET for c in org):
            break
    first17 = category + area + org
    return first17 + check_character(first17)


def fact_years(today: dt.date | None = None) -> list[int]:
    """The last three completed fiscal years before ``today``."""
    year = (today or dt.date.today()).year
    return [year - 3, year - 2, year - 1]


def districts() -> list[dict]:
    return [
        {"code": d.code, "name": d.name, "kind": d.kind, "order": i, "login": d.login, "short": d.short}
        for i, d in enumerate(DISTRICTS, start=1)
    ]


def sections() -> list[dict]:
    return [{"code": code, "name": name} for code, name in SECTIONS]


# (name, district code, USCC category, area code of the registering authority, demo login or "")
_INSTITUTES: tuple[tuple[str, str, str, str, str], ...] = (
    ("山东理工大学", "370303", "12", "370000", "sdut"),
    ("淄博职业学院", "370303", "12", "370300", "zbvc"),
    ("山东轻工职业学院", "370303", "12", "370000", ""),
    ("山东工业职业学院", "370306", "12", "370000", ""),
    ("淄博师范高等专科学校", "370303", "12", "370300", ""),
    ("中国科学院兰州化学物理研究所淄博中心", "3703Z1", "12", "370300", "cas"),
    ("中国科学院过程工程研究所淄博分院", "3703Z1", "52", "370303", ""),
    ("山东省科学院新材料研究所淄博分所", "3703Z1", "12", "370300", ""),
    ("天津大学淄博研究院", "3703Z1", "52", "370303", ""),
    ("山东大学淄博生物医药研究院", "3703Z1", "52", "370303", ""),
    ("淄博市农业科学研究院", "370303", "12", "370300", ""),
    ("淄博市先进陶瓷研究院", "370302", "12", "370300", ""),
    ("淄博市检验检测计量研究总院", "370303", "12", "370300", ""),
    ("淄博市化工研究所", "370305", "12", "370300", ""),
    ("淄博市泵业技术研究所", "370304", "12", "370300", ""),
)


def institutes(rng: np.random.Generator) -> list[dict]:
    """Universities and research institutes of the demo city, each with a valid USCC."""
    return [
        {
            "name": name,
            "district": district,
            "uscc": make_uscc(rng, category, area, modern=category == "52"),
            "login": login,
        }
        for name, district, category, area, login in _INSTITUTES
    ]


def person_name(rng: np.random.Generator) -> str:
    surname = _SURNAMES[rng.integers(len(_SURNAMES))]
    given = "".join(_GIVEN[i] for i in rng.integers(0, len(_GIVEN), rng.integers(1, 3)))
    return surname + given


def _threshold(revenue: np.ndarray) -> np.ndarray:
    """High-tech certification's minimum R&D intensity by revenue band (高新技术企业认定管理办法)."""
    return np.where(revenue <= 50e6, 0.05, np.where(revenue <= 200e6, 0.04, 0.03))


def _money(values: np.ndarray) -> np.ndarray:
    """Yuan to whole hundreds of yuan (firms report in 万元 with two decimals). Flooring is monotone,
    so an inequality between two amounts survives it."""
    return np.floor(values / 100.0) * 100.0


def enterprises(rng: np.random.Generator, n: int, *, today: dt.date | None = None) -> list[dict]:
    """``n`` enterprises with three years of facts.

    Returns dicts with the template's static columns (``district`` is the district's name, and
    ``district_code`` its code) plus ``facts``: {year: {fact column: value}}. Money is Decimal yuan,
    counts int, flags bool, and None is a deliberate blank (unknown).
    """
    today = today or dt.date.today()
    years = fact_years(today)
    ny = len(years)

    # Industry, then district with the industry's clusters weighted up.
    ind_w = np.array([i.weight for i in INDUSTRIES])
    ind_idx = rng.choice(len(INDUSTRIES), size=n, p=ind_w / ind_w.sum())
    dist_codes = [d.code for d in DISTRICTS]
    base_w = np.array([d.weight for d in DISTRICTS])
    dist_p = []
    for ind in INDUSTRIES:
        w = base_w * np.array([4.0 if c in ind.home else 1.0 for c in dist_codes])
        dist_p.append(w / w.sum())
    dist_idx = np.array([rng.choice(len(DISTRICTS), p=dist_p[i]) for i in ind_idx])

    prof = [PROFILES[INDUSTRIES[i].profile] for i in ind_idx]
    p_rev = np.array([p.revenue for p in prof])
    p_prod = np.array([p.productivity for p in prof])
    p_assets = np.array([p.asset_ratio for p in prof])
    p_tech = np.array([p.tech for p in prof])
    p_rd = np.array([p.rd for p in prof])

    # Innovation class: a latent score tilted by the industry, cut at fixed shares so that counts scale
    # with n and the default city has about a thousand high-tech firms.
    latent = rng.normal(size=n) + np.log(p_tech)
    order = np.argsort(-latent, kind="stable")
    cls = np.empty(n, dtype=int)
    bounds = np.round(np.cumsum(CLASS_SHARES) * n).astype(int)
    start = 0
    for c, stop in enumerate(bounds):
        cls[order[start:stop]] = c
        start = stop
    is_ht, is_cand = cls == HIGH_TECH, cls == CANDIDATE
    techy = is_ht | is_cand

    # Size in the first year: log-normal revenue; growth is firm-specific plus yearly shocks.
    rev0 = np.maximum(p_rev * np.exp(rng.normal(0.0, 1.5, n)), 3e5)
    growth_mu = np.array([0.10, 0.08, 0.05, 0.02])[cls]
    growth = rng.normal(growth_mu, 0.12)
    shocks = rng.normal(0.0, 0.07, (n, ny))
    shocks[:, 0] = 0.0
    revenue = rev0[:, None] * np.exp(np.cumsum(growth[:, None] + shocks, axis=1) - growth[:, None])

    productivity = p_prod * np.exp(rng.normal(0.0, 0.45, n))
    emp0 = np.maximum(rev0 / productivity, 3 + rng.integers(0, 8, n))
    emp_noise = np.exp(rng.normal(0.0, 0.04, (n, ny)))
    employees = np.maximum(np.round(emp0[:, None] * (revenue / rev0[:, None]) ** 0.4 * emp_noise), 3)

    st_lo = np.array([0.11, 0.09, 0.06, 0.01])[cls]
    st_hi = np.array([0.45, 0.35, 0.25, 0.12])[cls]
    st_hi = np.where(p_rd >= 1.8, np.minimum(st_hi + 0.3, 0.9), st_hi)  # software and R&D firms
    st_share = rng.uniform(st_lo, st_hi)
    st_staff = np.minimum(np.round(employees * st_share[:, None]), employees)
    rd_staff = np.minimum(np.round(st_staff * rng.uniform(0.45, 0.9, n)[:, None]), st_staff)

    # Assets grow more slowly than revenue (economies of scale).
    asset_ratio = p_assets * np.exp(rng.normal(0.0, 0.35, n))
    assets = revenue * asset_ratio[:, None] * (revenue / rev0[:, None]) ** -0.3
    equity = rng.uniform(0.2, 0.8, n)
    distressed = rng.random(n) < 0.015
    equity = np.where(distressed, rng.uniform(-0.2, -0.01, n), equity)
    net_assets = assets * equity[:, None]

    cost_ratio = np.clip(rng.normal(0.92, 0.05, n)[:, None] + rng.normal(0.0, 0.025, (n, ny)), 0.7, 1.25)
    total_costs = revenue * cost_ratio
    margin = revenue - total_costs
    net_profit = np.where(margin > 0, margin * 0.8, margin)

    # R&D intensity: high-tech firms mostly clear their band's threshold, candidates are close to it,
    # innovative firms spend 1–4 %, most traditional ones nothing.
    thr = _threshold(revenue)
    factor = np.select(
        [is_ht, is_cand],
        [np.exp(rng.normal(np.log(1.5), 0.3, n)), np.exp(rng.normal(np.log(1.1), 0.25, n))],
        default=1.0,
    )
    other = np.where(
        cls == INNOVATIVE,
        rng.uniform(0.01, 0.04, n) * p_rd,
        np.where(rng.random(n) < 0.7, 0.0, rng.uniform(0.001, 0.015, n) * p_rd),
    )
    intensity = np.where(techy[:, None], thr * factor[:, None], other[:, None])
    intensity = np.minimum(intensity * np.exp(rng.normal(0.0, 0.08, (n, ny))), 0.6)
    rd_expense = np.minimum(revenue * intensity, total_costs)
    domestic_share = np.where(rng.random(n) < 0.85, 1.0, rng.uniform(0.6, 0.98, n))
    domestic_rd = rd_expense * domestic_share[:, None]

    ht_share = np.select(
        [is_ht, is_cand, cls == INNOVATIVE],
        [
            np.where(rng.random(n) < 0.93, rng.uniform(0.62, 0.95, n), rng.uniform(0.4, 0.6, n)),
            rng.uniform(0.5, 0.9, n),
            np.where(rng.random(n) < 0.6, rng.uniform(0.1, 0.6, n), 0.0),
        ],
        default=np.where(rng.random(n) < 0.1, rng.uniform(0.0, 0.3, n), 0.0),
    )
    ht_revenue = revenue * np.clip(ht_share[:, None] + rng.normal(0.0, 0.02, (n, ny)), 0.0, 1.0)

    # Intellectual property: stocks that only grow; transfers are a yearly flow.
    size = np.sqrt(np.clip(rev0 / 30e6, 0.05, 400.0))
    lam_inv = np.array([3.0, 1.8, 0.8, 0.15])[cls] * size * p_rd
    inv0 = rng.poisson(lam_inv)
    inv_new = rng.poisson(np.repeat((lam_inv * 0.25)[:, None], ny, axis=1))
    inv_new[:, 0] = 0
    inv = inv0[:, None] + np.cumsum(inv_new, axis=1)
    class1_rich = np.array([ind.code[:3] in ("C27", "I65", "A05") for ind in INDUSTRIES])[ind_idx]
    class1 = inv + np.where(class1_rich, rng.poisson(0.8, n), rng.poisson(0.05, n))[:, None]
    lam_c2 = np.array([10.0, 6.0, 3.0, 0.5])[cls] * np.where(p_rd >= 1.8, 2.0, 1.0) * size
    c2_new = rng.poisson(np.repeat((lam_c2 * 0.3)[:, None], ny, axis=1))
    c2_new[:, 0] = 0
    class2 = rng.poisson(lam_c2)[:, None] + np.cumsum(c2_new, axis=1)
    transfers = rng.poisson(np.repeat((np.array([3.0, 2.0, 0.8, 0.1])[cls])[:, None], ny, axis=1))

    key_field = rng.random(n) < np.array([1.0, 0.9, 0.55, 0.2])[cls]
    score = np.clip(rng.normal(np.array([78.0, 68.0, 58.0, 42.0])[cls], 8.0)[:, None]
                    + rng.normal(0.0, 2.5, (n, ny)), 0.0, 100.0)  # fmt: skip
    incident = rng.random((n, ny)) < 0.005
    dishonest_from = np.where(rng.random(n) < 0.006, rng.integers(0, ny, n), ny)
    dishonest = np.arange(ny)[None, :] >= dishonest_from[:, None]
    listed = ((rev0 > 1e9) & (rng.random(n) < 0.35)) | (techy & (rev0 > 3e8) & (rng.random(n) < 0.1))

    # Certificates: most high-tech firms already held one in the first year, the rest were certified
    # during the window (so the count grows as the published figures do); a few lapsed.
    first_cert = np.where(is_ht, rng.choice([0, 1, 2], n, p=[0.62, 0.2, 0.18]), ny)
    first_cert = np.where(is_cand & (rng.random(n) < 0.15), rng.integers(0, ny, n), first_cert)
    cert = np.arange(ny)[None, :] >= first_cert[:, None]
    lapsed = is_ht & (first_cert == 0) & (rng.random(n) < 0.04)
    cert[lapsed, ny - 1] = False

    # Registration dates: most firms are 5–25 years old; listed and large firms are older.
    age_days = np.exp(rng.normal(np.log(11 * 365), 0.6, n)) + np.where(rev0 > 5e8, 3650, 0)
    first_day = dt.date(years[0], 1, 1)
    latest = (first_day - dt.timedelta(days=400)).toordinal()  # certified firms must be a year old
    reg_ord = np.clip(first_day.toordinal() - age_days.astype(int), dt.date(1980, 1, 1).toordinal(), latest)

    columns = {
        "employees": employees, "st_staff": st_staff, "rd_staff": rd_staff,
        "revenue": _money(revenue), "total_assets": _money(assets), "net_assets": _money(net_assets),
        "total_costs": _money(total_costs), "net_profit": _money(net_profit),
        "rd_expense": _money(rd_expense),
        "domestic_rd_expense": _money(domestic_rd), "high_tech_revenue": _money(ht_revenue),
        "invention_patents": inv, "class1_ip": class1, "class2_ip": class2, "transfers": transfers,
        "in_key_field": np.repeat(key_field[:, None], ny, axis=1), "innovation_score": score,
        "major_incident": incident, "dishonest": dishonest, "high_tech_cert_valid": cert,
        "listed": np.repeat(listed[:, None], ny, axis=1),
    }  # fmt: skip
    # Deliberate blanks: a few per cent of cells are unknown, as in the districts' real returns.
    blank_rate = {c: 0.03 if c in template.BOOL_COLUMNS else 0.02 for c in template.FACT_COLUMNS}
    blank_rate.update({"revenue": 0.01, "employees": 0.01, "high_tech_cert_valid": 0.01})
    blanks = {c: rng.random((n, ny)) < rate for c, rate in blank_rate.items()}

    names = _company_names(rng, ind_idx, dist_idx, rev0, listed)
    usccs: set[str] = set()
    out = []
    for i in range(n):
        dist = DISTRICTS[dist_idx[i]]
        reg = dt.date.fromordinal(int(reg_ord[i]))
        while True:
            code = make_uscc(rng, "91", dist.uscc_area, modern=reg >= dt.date(2015, 10, 1))
            if code not in usccs:
                usccs.add(code)
                break
        facts = {}
        for j, year in enumerate(years):
            row = {}
            for col, values in columns.items():
                if blanks[col][i, j]:
                    row[col] = None
                else:
                    row[col] = _cell(col, values[i, j])
            facts[year] = row
        out.append(
            {
                "uscc": code,
                "name": names[i],
                "district": dist.name,
                "district_code": dist.code,
                "registered_on": reg,
                "industry_code": INDUSTRIES[ind_idx[i]].code,
                "facts": facts,
            }
        )
    return out


def _cell(col: str, value) -> object:
    if col in template.MONEY_COLUMNS:
        return Decimal(int(value)).quantize(Decimal("0.01"))
    if col in template.INT_COLUMNS:
        return int(value)
    if col in template.BOOL_COLUMNS:
        return bool(value)
    if col == "innovation_score":
        return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))
    raise KeyError(col)


def _company_names(
    rng: np.random.Generator, ind_idx: np.ndarray, dist_idx: np.ndarray, rev0: np.ndarray, listed: np.ndarray
) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i in range(len(ind_idx)):
        dist = DISTRICTS[dist_idx[i]]
        words = INDUSTRIES[ind_idx[i]].words
        if listed[i]:
            form = "股份有限公司"
        elif rev0[i] > 3e9:
            form = "集团有限公司"
        else:
            form = "股份有限公司" if rng.random() < 0.12 else "有限公司"
        while True:
            a, b = rng.choice(len(_TRADE_CHARS), 2, replace=False)
            trade = _TRADE_CHARS[a] + _TRADE_CHARS[b]
            roll = rng.random()
            if roll < 0.45:
                place = "淄博"
            elif roll < 0.8:
                place = "山东"
            elif dist.kind == "county":
                place = dist.name
            elif dist.kind == "district":
                place = "淄博" + dist.short
            else:  # firms in a zone name themselves after the city
                place = "淄博"
            name = f"{place}{trade}{words[rng.integers(len(words))]}{form}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
    return names


def template_rows(records: list[dict]) -> list[list[str]]:
    """The records as a filled-in yearly-facts template (header row first, one row per enterprise and
    year, cells as the text a person would type): what ``template.parse_rows`` reads."""
    rows: list[list[str]] = [list(template.COLUMNS)]
    for rec in records:
        for year, facts in rec["facts"].items():
            cells = {**{c: rec[c] for c in template.STATIC_COLUMNS}, "year": year, **facts}
            rows.append([_text(cells[c]) for c in template.COLUMNS])
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
