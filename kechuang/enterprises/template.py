"""The yearly-facts template: its columns (a contract with the districts' spreadsheets), and the
row-by-row parsing of a filled-in .csv or .xlsx into typed records plus a list of row errors.

Pure Python with no Django import, so the import service, the policy CLI and property tests share
one parser. Database-dependent checks (does the district exist?) belong to the import service.
"""

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kechuang.core.industries import section_of_division
from kechuang.core.reading import Refused, cell_text
from kechuang.core.rowreport import BadCell as _Bad
from kechuang.core.rowreport import RowError
from kechuang.core.uscc import normalise as normalise_uscc
from kechuang.core.uscc import uscc_error

COLUMNS: tuple[str, ...] = (
    "uscc", "name", "district", "registered_on", "industry_code", "year", "employees", "st_staff",
    "rd_staff", "revenue", "total_assets", "net_assets", "total_costs", "net_profit", "rd_expense",
    "domestic_rd_expense", "high_tech_revenue", "invention_patents", "class1_ip", "class2_ip", "transfers",
    "in_key_field", "innovation_score", "major_incident", "dishonest", "high_tech_cert_valid", "listed",
)  # fmt: skip

# Static attributes of the enterprise: they may repeat on each year's row, the latest year wins.
STATIC_COLUMNS = ("uscc", "name", "district", "registered_on", "industry_code")
FACT_COLUMNS = tuple(c for c in COLUMNS if c not in STATIC_COLUMNS and c != "year")
REQUIRED = ("uscc", "name", "district", "year")

LABELS_ZH: dict[str, str] = {
    "uscc": "统一社会信用代码", "name": "企业名称", "district": "所属区县", "registered_on": "成立日期",
    "industry_code": "国民经济行业代码", "year": "年度", "employees": "从业人员数", "st_staff": "科技人员数",
    "rd_staff": "研发人员数", "revenue": "营业收入（元）", "total_assets": "资产总额（元）",
    "net_assets": "净资产（元）", "total_costs": "成本费用总额（元）", "net_profit": "净利润（元）",
    "rd_expense": "研发费用（元）", "domestic_rd_expense": "境内研发费用（元）",
    "high_tech_revenue": "高新技术产品（服务）收入（元）", "invention_patents": "发明专利数",
    "class1_ip": "Ⅰ类知识产权数", "class2_ip": "Ⅱ类知识产权数", "transfers": "科技成果转化数",
    "in_key_field": "属于国家重点支持的高新技术领域", "innovation_score": "创新能力评价得分",
    "major_incident": "发生重大安全、质量事故或环境违法行为", "dishonest": "列入失信名单",
    "high_tech_cert_valid": "高新技术企业证书在有效期内", "listed": "已上市",
}  # fmt: skip

# The 填写说明 sheet of the downloadable template: one rule per column, in the words of the checks below.
_BOOL_RULE = "填 是/否（也可填 true/false 或 1/0）；留空表示未知"
_COUNT_RULE = "非负整数（人、件）；留空表示未知，不会当作0"
_MONEY_RULE = "金额，单位：元（不是万元），最多两位小数，不能为负数；留空表示未知，不会当作0"
RULES_ZH: dict[str, str] = {
    "uscc": "必填。18位统一社会信用代码，按 GB 32100-2015 校验最后一位；同一企业每个年度一行",
    "name": "必填。企业全称，不超过200字；同一企业各年度名称不同时以最近年度为准",
    "district": "必填。所属区县的全称（如 张店区）或6位行政区划代码（如 370303）；区县工作人员只能填本区县",
    "registered_on": "成立日期，格式 YYYY-MM-DD（如 2019-05-20），1900年之后且不晚于今天；可留空",
    "industry_code": "国民经济行业代码（GB/T 4754-2017），门类字母加2至4位数字，如 C3976；可留空",
    "year": "必填。数据所属年度，四位数字，如 2024；同一企业同一年度只能有一行",
    "employees": _COUNT_RULE, "st_staff": _COUNT_RULE + "；不能大于从业人员数",
    "rd_staff": _COUNT_RULE + "；不能大于从业人员数",
    "revenue": _MONEY_RULE, "total_assets": _MONEY_RULE,
    "net_assets": "金额，单位：元，可为负数，最多两位小数；不能大于资产总额；留空表示未知",
    "total_costs": _MONEY_RULE,
    "net_profit": "金额，单位：元，可为负数（亏损），最多两位小数；留空表示未知",
    "rd_expense": _MONEY_RULE + "；不能大于成本费用总额",
    "domestic_rd_expense": _MONEY_RULE + "；不能大于研发费用",
    "high_tech_revenue": _MONEY_RULE + "；不能大于营业收入",
    "invention_patents": _COUNT_RULE, "class1_ip": _COUNT_RULE, "class2_ip": _COUNT_RULE,
    "transfers": _COUNT_RULE,
    "in_key_field": _BOOL_RULE, "innovation_score": "0至100之间的分数，最多两位小数；留空表示未知",
    "major_incident": _BOOL_RULE, "dishonest": _BOOL_RULE, "high_tech_cert_valid": _BOOL_RULE,
    "listed": _BOOL_RULE,
}  # fmt: skip
EXAMPLES: dict[str, str] = {
    "uscc": "91370303MA0000001M", "name": "淄博某某科技有限公司", "district": "张店区",
    "registered_on": "2019-05-20", "industry_code": "C3976", "year": "2024", "employees": "120",
    "st_staff": "35", "rd_staff": "20", "revenue": "32500000", "total_assets": "48000000",
    "net_assets": "21000000", "total_costs": "29000000", "net_profit": "2600000", "rd_expense": "1650000",
    "domestic_rd_expense": "1650000", "high_tech_revenue": "21000000", "invention_patents": "3",
    "class1_ip": "3", "class2_ip": "8", "transfers": "1", "in_key_field": "是", "innovation_score": "78.5",
    "major_incident": "否", "dishonest": "否", "high_tech_cert_valid": "是", "listed": "否",
}  # fmt: skip

MONEY_COLUMNS = (
    "revenue", "total_assets", "net_assets", "total_costs", "net_profit", "rd_expense",
    "domestic_rd_expense", "high_tech_revenue",
)  # fmt: skip
SIGNED_MONEY = {"net_assets", "net_profit"}
INT_COLUMNS = (
    "employees", "st_staff", "rd_staff", "invention_patents", "class1_ip", "class2_ip", "transfers",
)  # fmt: skip
BOOL_COLUMNS = ("in_key_field", "major_incident", "dishonest", "high_tech_cert_valid", "listed")

# (smaller, larger): the first may not exceed the second in the same row.
CONSISTENCY = (
    ("st_staff", "employees"),
    ("rd_staff", "employees"),
    ("rd_expense", "total_costs"),
    ("domestic_rd_expense", "rd_expense"),
    ("high_tech_revenue", "revenue"),
    ("net_assets", "total_assets"),
)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INDUSTRY_RE = re.compile(r"^([A-T])?(\d{2}(?:\d{1,2})?)?$")

TRUE_WORDS = {"true", "1", "是", "yes", "y"}
FALSE_WORDS = {"false", "0", "否", "no", "n"}
MONEY_DIGITS = 15
MAX_MONEY = Decimal(10) ** MONEY_DIGITS  # a thousand trillion yuan: anything larger is a typo
MAX_COUNT = 10**9  # people or patents: anything larger is a typo


@dataclass
class ParseResult:
    records: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read (blank rows are skipped and not counted)
    record_rows: list[int] = field(default_factory=list)  # spreadsheet row number of each record

    @property
    def ok(self) -> bool:
        return not self.errors


_text = cell_text


# Static columns repeat on every year's row of an enterprise: checking each distinct value once is
# a tenth of the parse time of a 100,000-row file. (A raised rule is not cached, and is cheap.)
@functools.lru_cache(maxsize=65536)
def _uscc(raw: str) -> str:
    code = normalise_uscc(raw)
    message = uscc_error(code)
    if message:
        raise _Bad(message)
    return code


def _name(raw: str) -> str:
    if len(raw) > 200:
        raise _Bad("企业名称不能超过200个字符")
    return raw


@functools.lru_cache(maxsize=65536)
def _date(raw: str) -> dt.date:
    # Only the contract's YYYY-MM-DD (a time part after it is ignored): Python 3.11's fromisoformat
    # alone would also take 20190520 or week dates such as 2019-W20-1.
    text = raw[:10] if len(raw) > 10 and raw[10] in " T" else raw
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad("日期应为 YYYY-MM-DD 格式，例如 2019-05-20") from None
    if day.year < 1900 or day > dt.date.today():
        raise _Bad("日期应在1900年之后且不晚于今天")
    return day


@functools.lru_cache(maxsize=4096)
def _industry(raw: str) -> str:
    code = raw.upper().replace(" ", "")
    m = _INDUSTRY_RE.match(code)
    if not m or not code:
        raise _Bad("行业代码应符合GB/T 4754-2017，例如 C3976（门类字母加2至4位数字）")
    letter, digits = m.group(1), m.group(2)
    if digits:
        division = int(digits[:2])
        owner = section_of_division(division)
        if owner is None:
            raise _Bad(f"GB/T 4754-2017 中没有大类 {digits[:2]}")
        if letter and letter != owner:
            raise _Bad(f"大类 {digits[:2]} 属于门类 {owner}，与填写的门类 {letter} 不符")
        letter = owner
    return f"{letter}{digits or ''}"


def _year(raw: str) -> int:
    value = _int(raw)
    if not 1990 <= value <= dt.date.today().year:
        raise _Bad(f"年度应在1990至{dt.date.today().year}之间")
    return value


def _int(raw: str) -> int:
    if raw.isascii() and raw.isdigit():  # the common case, without a Decimal round trip
        if len(raw) > 10 or int(raw) > MAX_COUNT:
            raise _Bad("数值过大，请检查单位")
        return int(raw)
    try:
        number = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise _Bad("应为非负整数") from None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise _Bad("应为非负整数")
    if number > MAX_COUNT:
        raise _Bad("数值过大，请检查单位")
    return int(number)


def _money(raw: str, signed: bool) -> Decimal:
    try:
        number = Decimal(raw.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise _Bad("应为金额（单位：元），例如 12500000 或 12500000.50") from None
    if not number.is_finite():
        raise _Bad("应为金额（单位：元）")
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _Bad("金额最多保留两位小数（单位：元）")
    if number < 0 and not signed:
        raise _Bad("金额不能为负数")
    if abs(number) >= MAX_MONEY:
        raise _Bad("金额过大，请确认单位为元而非万元或分")
    return number.quantize(Decimal("0.01"))


def _bool(raw: str) -> bool:
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _Bad("应为 是/否（也可填 true/false 或 1/0）")


def _score(raw: str) -> Decimal:
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise _Bad("应为0至100之间的分数") from None
    # "NaN" and "sNaN" parse as Decimals, and sNaN raises on comparison: refuse them first.
    if not number.is_finite() or not (0 <= number <= 100) or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _Bad("应为0至100之间的分数，最多两位小数")
    return number


def _converters() -> dict[str, Callable[[str], object]]:
    conv: dict[str, Callable[[str], object]] = {
        "uscc": _uscc,
        "name": _name,
        "district": lambda raw: raw,
        "registered_on": _date,
        "industry_code": _industry,
        "year": _year,
        "innovation_score": _score,
    }
    for col in INT_COLUMNS:
        conv[col] = _int
    for col in MONEY_COLUMNS:
        conv[col] = (lambda signed: lambda raw: _money(raw, signed))(col in SIGNED_MONEY)
    for col in BOOL_COLUMNS:
        conv[col] = _bool
    return conv


CONVERTERS = _converters()
_HEADER_ALIASES = {**{c: c for c in COLUMNS}, **{v: k for k, v in LABELS_ZH.items()}}


ProgressFn = Callable[[int], None]
PROGRESS_EVERY = 5000  # rows between two progress calls


def header_names(header: list, first_row: int = 1) -> tuple[list[str | None], list[RowError]]:
    """The template column each header cell names (None for a blank or unknown heading), and the
    header's errors: unknown headings, missing required columns, repeated columns."""
    errors: list[RowError] = []
    names = [_HEADER_ALIASES.get(_text(h).lower() if _text(h).isascii() else _text(h)) for h in header]
    for pos, (raw, name) in enumerate(zip(header, names, strict=True)):
        if name is None and _text(raw):
            errors.append(RowError(first_row, _text(raw), "", f"第{pos + 1}列表头不是模板中的列名"))
    for col in REQUIRED:
        if col not in names:
            errors.append(RowError(first_row, col, "", "缺少必填列"))
    for col in sorted({n for n in names if n and names.count(n) > 1}):
        errors.append(RowError(first_row, col, "", "表头中该列重复出现"))
    return names, errors


def parse_cells(raw: dict[str, str], row_no: int) -> tuple[dict, list[RowError]]:
    """One data row (column -> trimmed text) as a typed record and its errors, in column order and
    then the cross-column rules; duplicates across rows are the caller's."""
    record: dict = dict.fromkeys(COLUMNS)
    row_errors: list[RowError] = []
    for col, text in raw.items():
        if text == "":
            if col in REQUIRED:
                row_errors.append(RowError(row_no, col, "", "必填，不能为空"))
            continue
        try:
            record[col] = CONVERTERS[col](text)
        except _Bad as bad:
            row_errors.append(RowError(row_no, col, text, bad.rule))
    for small, large in CONSISTENCY:
        a, b = record[small], record[large]
        if a is not None and b is not None and a > b:
            row_errors.append(
                RowError(row_no, small, raw[small], f"{LABELS_ZH[small]}不能大于{LABELS_ZH[large]}（{b}）")
            )
    return record, row_errors


def duplicate_error(row_no: int, year_text: str, first: int) -> RowError:
    return RowError(row_no, "year", year_text, f"与第{first}行重复：同一企业同一年度只能有一行")


def parse_rows(
    rows: Iterable[list], *, first_row: int = 1, progress: ProgressFn | None = None
) -> ParseResult:
    """Parse a header row followed by data rows (lists of cell values: str, number, date or None).

    ``progress(rows_read)`` is called every few thousand rows when given.
    """
    result = ParseResult()
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        result.errors.append(RowError(first_row, "", "", "文件为空：第一行应为表头"))
        return result
    names, result.errors = header_names(header, first_row)
    if result.errors:
        return result
    positions = [(i, n) for i, n in enumerate(names) if n]
    seen: dict[tuple[str, int], int] = {}
    for offset, cells in enumerate(iterator, start=1):
        row_no = first_row + offset
        if progress is not None and offset % PROGRESS_EVERY == 0:
            progress(offset)
        raw = {n: _text(cells[i]) if i < len(cells) else "" for i, n in positions}
        if not any(raw.values()):
            continue
        result.rows += 1
        record, row_errors = parse_cells(raw, row_no)
        if record["uscc"] and record["year"]:
            key = (record["uscc"], record["year"])
            if key in seen:
                row_errors.append(duplicate_error(row_no, raw["year"], seen[key]))
            else:
                seen[key] = row_no
        if row_errors:
            result.errors.extend(row_errors)
        else:
            result.records.append(record)
            result.record_rows.append(row_no)
    if result.rows == 0 and not result.errors:
        result.errors.append(RowError(first_row + 1, "", "", "文件中没有数据行"))
    return result


def read_facts_bytes(data: bytes, filename: str, *, progress: ProgressFn | None = None):
    """Parse an uploaded .csv or .xlsx column by column (``template_columns``, the same answer as
    ``parse_rows``): a ``ColumnarResult``, or a ``ParseResult`` holding the refusal. Never raises on
    bad content: see ``errors``."""
    from kechuang.core.columnar import iter_columns

    from .template_columns import parse_column_chunks

    try:
        result = parse_column_chunks(iter_columns(data, filename))
    except Refused as refused:
        return ParseResult(errors=[RowError(0, "", filename, refused.message)])
    if progress is not None:
        progress(result.rows)
    return result


def read_facts_file(path: str | Path):
    """Read a yearly-facts file (.csv or .xlsx), a plain .csv streamed from disk a chunk at a time.
    Never raises on bad content: see ``errors``."""
    from kechuang.core.columnar import iter_columns

    from .template_columns import parse_column_chunks

    path = Path(path)
    try:
        return parse_column_chunks(iter_columns(path))
    except OSError as exc:
        return ParseResult(errors=[RowError(0, "", str(path), f"无法读取文件：{exc.strerror}")])
    except Refused as refused:
        return ParseResult(errors=[RowError(0, "", path.name, refused.message)])


def latest_static(records: Iterable[dict]) -> dict[str, dict]:
    """Per USCC, the static attributes from that enterprise's latest year (blank cells do not
    overwrite a value given in another year)."""
    out: dict[str, dict] = {}
    for rec in sorted(records, key=lambda r: r["year"]):
        current = out.setdefault(rec["uscc"], {})
        for col in STATIC_COLUMNS:
            if rec[col] is not None:
                current[col] = rec[col]
    return out
