"""GB/T 4754-2017 国民经济行业分类: the sections (门类) and the divisions (大类) each one owns.

Names are kept in Chinese (the matching engine reads them as text); pages show ``section_label``,
which translates them.
"""

from django.utils.translation import gettext, gettext_noop

SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": (gettext_noop("农、林、牧、渔业"), 1, 5),
    "B": (gettext_noop("采矿业"), 6, 12),
    "C": (gettext_noop("制造业"), 13, 43),
    "D": (gettext_noop("电力、热力、燃气及水生产和供应业"), 44, 46),
    "E": (gettext_noop("建筑业"), 47, 50),
    "F": (gettext_noop("批发和零售业"), 51, 52),
    "G": (gettext_noop("交通运输、仓储和邮政业"), 53, 60),
    "H": (gettext_noop("住宿和餐饮业"), 61, 62),
    "I": (gettext_noop("信息传输、软件和信息技术服务业"), 63, 65),
    "J": (gettext_noop("金融业"), 66, 69),
    "K": (gettext_noop("房地产业"), 70, 70),
    "L": (gettext_noop("租赁和商务服务业"), 71, 72),
    "M": (gettext_noop("科学研究和技术服务业"), 73, 75),
    "N": (gettext_noop("水利、环境和公共设施管理业"), 76, 79),
    "O": (gettext_noop("居民服务、修理和其他服务业"), 80, 82),
    "P": (gettext_noop("教育"), 83, 83),
    "Q": (gettext_noop("卫生和社会工作"), 84, 85),
    "R": (gettext_noop("文化、体育和娱乐业"), 86, 90),
    "S": (gettext_noop("公共管理、社会保障和社会组织"), 91, 97),
    "T": (gettext_noop("国际组织"), 98, 98),
}


def section_of_division(division: int) -> str | None:
    return next((s for s, (_n, lo, hi) in SECTIONS.items() if lo <= division <= hi), None)


def section_name(code: str | None) -> str:
    if not code:
        return ""
    entry = SECTIONS.get(code[0])
    return entry[0] if entry else ""


def section_label(code: str | None) -> str:
    """The section's name in the user's language, for pages and exports."""
    name = section_name(code)
    return gettext(name) if name else ""
