"""The core spreadsheet reader refuses hostile files before parsing them (issue 10, point 4): a sheet
that declares or holds a cell at XFD1048576, a zip bomb, a lying zip header, an over-long CSV line.
Each file is built here, byte by byte, so the test shows exactly what the attack is."""

import io
import subprocess
import sys
import zipfile

import pytest

from kechuang.core.reading import Limits, Refused, cell_text, column_letters, column_number, read_rows
from kechuang.core.spreadsheets import xlsx_bytes

_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(rows: dict[int, str], dimension: str = "A1", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx written by hand: ``rows`` maps a row number to its cells' XML."""
    body = "".join(f'<row r="{n}">{cells}</row>' for n, cells in sorted(rows.items()))
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, payload in (extra or {}).items():
            z.writestr(name, payload)
    return buffer.getvalue()


HEADER = {1: cell("A1", "uscc") + cell("B1", "name")}


def refusal(data: bytes, filename: str = "x.xlsx", limits: Limits | None = None) -> str:
    with pytest.raises(Refused) as caught:
        list(read_rows(data, filename, limits))
    return caught.value.message


def test_a_normal_workbook_is_read():
    data = xlsx_bytes(["统一社会信用代码", "年度"], [["91370303MA3C1234X5", 2024], ["甲", None]])
    rows = [[cell_text(c) for c in r] for r in read_rows(data, "facts.xlsx")]
    assert rows == [["统一社会信用代码", "年度"], ["91370303MA3C1234X5", "2024"], ["甲", ""]]


def test_declared_dimension_past_the_limits_is_refused():
    data = workbook(HEADER, dimension="A1:XFD1048576")
    assert len(data) < 2000  # the 1.5 KB file of the issue
    assert refusal(data) == "工作表声明的范围到 XFD1048576，超过了 64 列（到 BL 列）的上限"
    tall = workbook(HEADER, dimension="A1:B2000000")
    assert refusal(tall) == "工作表声明的范围到 B2000000，超过了 1,048,576 行的上限"


def test_a_real_cell_at_xfd1048576_is_refused():
    data = workbook({**HEADER, 1048576: cell("XFD1048576", "boom")})
    assert refusal(data) == "工作表在 XFD 列有内容，超过了 64 列（到 BL 列）的上限"
    row_only = workbook({**HEADER, 1048577: cell("A1048577", "boom")})
    assert refusal(row_only) == "工作表第 1,048,577 行有内容，超过了 1,048,576 行的上限"


def test_a_sparse_sheet_within_the_limits_is_refused():
    # One cell at BL1000000 is inside the limits, but a parser would allocate 64 million cells for it.
    data = workbook({**HEADER, 1_000_000: cell("BL1000000", "boom")})
    assert refusal(data) == (
        "工作表第 1,000,000 行有内容，但整张表只有 3 个单元格，空行过多；请删除数据下方的空行和零散内容后重新上传"
    )
    # The same stray cell below enough data is an ordinary sheet.
    near = workbook({**HEADER, 15_000: cell("B15000", "note")})
    assert len(list(read_rows(near, "x.xlsx"))) == 15_000


def test_zip_bomb_is_refused_by_its_ratio_before_anything_is_unpacked():
    bomb = workbook(HEADER, extra={"xl/media/bomb.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert refusal(bomb).startswith("文件的压缩比为 ")
    assert "超过了 200 倍的上限（可能是压缩炸弹）" in refusal(bomb)


def test_unpacked_size_limit_counts_every_entry():
    limits = Limits(max_unpacked_bytes=1024 * 1024, max_ratio=10_000)
    data = workbook(HEADER, extra={"xl/media/big.bin": b"\0" * (2 * 1024 * 1024)})
    assert refusal(data, limits=limits) == "文件解压后为 2 MB，超过了 1 MB 的上限（可能是压缩炸弹）"


def test_zip_header_that_lies_about_the_size_is_caught_while_streaming():
    """The declared size says 1 KB; the entry really unpacks to 2 MB."""
    data = bytearray(workbook(HEADER, extra={"xl/media/big.bin": b"\0" * (2 * 1024 * 1024)}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/media/big.bin")
    # Rewrite the uncompressed size (offset 22 in the local header, 24 in the central directory).
    real = info.file_size.to_bytes(4, "little")
    fake = (1024).to_bytes(4, "little")
    data = bytes(data).replace(real, fake)
    message = refusal(data, limits=Limits(max_unpacked_bytes=1024 * 1024))
    assert message.startswith("文件解压后为") or message.startswith("无法读取 .xlsx 文件")


def test_too_many_entries_is_refused():
    extra = {f"xl/media/{n}.txt": b"x" for n in range(30)}
    message = refusal(workbook(HEADER, extra=extra), limits=Limits(max_entries=20))
    assert message == "压缩包内有 35 个文件，超过了 20 个的上限，不是正常的 Excel 文件"


def test_damaged_and_unknown_files():
    assert refusal(b"\x00not a workbook") == "无法读取 .xlsx 文件，请确认文件未损坏且为 Excel 2007 及以上格式"
    assert refusal(b"a,b\n", "x.xls") == "只支持 .xlsx 和 .csv 文件"


def test_file_size_limit():
    data = b"a,b\n" * 1000
    message = refusal(data, "x.csv", Limits(max_file_bytes=1024))
    assert message == "文件大小为 0 MB，超过了每个文件 0 MB 的上限，请拆分后分批导入"


def test_csv_encodings_as_chinese_offices_save_them():
    text = "企业名称,年度\n淄博新材,2024\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("gb18030")):
        assert list(read_rows(data, "x.csv")) == [["企业名称", "年度"], ["淄博新材", "2024"]]


def test_over_long_csv_line_is_refused_with_its_line_number():
    data = b"name,year\n" + b"a" * 70_000 + b",2024\n"
    assert refusal(data, "x.csv") == "第2行过长（70,006个字符），超过了每行 65,536 个字符的上限"


def test_unclosed_quote_that_swallows_the_file_is_refused():
    data = b'name,year\n"' + b"a,2024\n" * 30_000
    assert refusal(data, "x.csv").startswith("第")
    assert "引号不成对或单元格过长" in refusal(data, "x.csv")


def test_csv_rows_and_columns_limits():
    limits = Limits(max_rows=3, max_columns=4)
    assert refusal(b"a\n" * 4, "x.csv", limits) == "数据超过了每个文件 3 行的上限，请拆分后分批导入"
    assert refusal(b"a,b,c,d,e\n", "x.csv", limits) == "第1行有 5 列，超过了 4 列的上限"


def test_column_letters_round_trip():
    for n in (1, 26, 27, 52, 64, 702, 703, 16384):
        assert column_number(column_letters(n)) == n
    assert column_letters(64) == "BL" and column_letters(16384) == "XFD"


def test_the_process_survives_the_bomb_under_a_memory_cap(tmp_path):
    """The issue's crash: the whole process died. Read the 1.5 KB file in a child limited to 1 GB."""
    path = tmp_path / "boom.xlsx"
    path.write_bytes(workbook({**HEADER, 1048576: cell("XFD1048576", "boom")}, dimension="A1"))
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from kechuang.core.reading import Refused, read_rows\n"
        "try:\n"
        f"    list(read_rows(open({str(path)!r}, 'rb').read(), 'boom.xlsx'))\n"
        "except Refused as r:\n"
        "    print(r.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "工作表在 XFD 列有内容，超过了 64 列（到 BL 列）的上限"
