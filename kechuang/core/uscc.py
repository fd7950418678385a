"""统一社会信用代码 (unified social credit code) per GB 32100-2015.

Plain functions (Django only for translating the messages) so parsers and property tests can use it.

Layout (18 characters): registration authority (1) · organisation category (1) ·
administrative division code (6) · organisation code (9) · check character (1).
Characters come from the 31-symbol alphabet below (no I, O, Z, S, V).
"""

from django.utils.translation import gettext

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must already be in the alphabet)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """None when ``code`` is a valid USCC, else a message (in the user's language) naming the rule."""
    if not isinstance(code, str):
        return gettext("统一社会信用代码应为文本")
    if len(code) != 18:
        return gettext("统一社会信用代码应为18位，实际为%(n)s位") % {"n": len(code)}
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return gettext(
            "统一社会信用代码含有不允许的字符：%(chars)s（应为数字或除I、O、Z、S、V外的大写字母）"
        ) % {"chars": "、".join(bad)}
    if not code[2:8].isdigit():
        return gettext("统一社会信用代码第3至8位应为行政区划代码（6位数字）")
    expected = check_character(code[:17])
    if code[17] != expected:
        return gettext("统一社会信用代码校验位错误：第18位应为%(expected)s，实际为%(actual)s") % {
            "expected": expected,
            "actual": code[17],
        }
    return None


def normalise(code: str) -> str:
    """Trim and upper-case what people type or paste; the check still decides validity."""
    return code.strip().upper().replace(" ", "")


def is_valid(code: str) -> bool:
    return uscc_error(code) is None
