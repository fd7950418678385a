"""The bureau's Word house style (公文格式, after GB/T 9704): every .docx the platform writes starts from
``document()`` and adds its parts through ``title``, ``heading``, ``paragraph`` and ``table``.

- 标题: 方正小标宋简体 二号 (22 pt), centred;
- 一级标题: 黑体 三号 (16 pt); 二级标题: 楷体_GB2312 三号;
- 正文: 仿宋_GB2312 三号, fixed 28 pt lines, first line indented two characters; tables in 仿宋 四号;
- A4 with the 公文 margins; Latin letters and digits in Times New Roman.

Word picks the font of Chinese characters from ``w:rFonts/@w:eastAsia``, and a theme attribute
(``w:eastAsiaTheme``, ``w:asciiTheme``…) beats an explicit name. python-docx's ``font.name`` writes only
the Latin slots, and its default template points East-Asian text at the theme (MS Mincho), so the
fonts are written here by hand on the document defaults and on every style used, with the theme
attributes removed and the East-Asian language set to Chinese.
"""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}
BODY_FONT = "仿宋_GB2312"
ER_HAO, SAN_HAO, SI_HAO = Pt(22), Pt(16), Pt(14)  # 二号, 三号, 四号
LINE = Pt(28)

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Write all four font slots on a ``w:rPr`` (a style's, a run's or the defaults'), theme links
    removed."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(doc, name: str, east_asia: str, size, *, bold: bool = False):
    style = doc.styles[name]
    set_fonts(style.element.get_or_add_rPr(), east_asia)
    style.font.size = size
    size_cs = style.element.rPr.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = OxmlElement("w:szCs")
        style.element.rPr.find(qn("w:sz")).addnext(size_cs)
    size_cs.set(qn("w:val"), str(int(size.pt * 2)))
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    return style


def document():
    """An empty A4 document in the house style."""
    doc = Document()
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, BODY_FONT)
    lang = defaults.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    _style(doc, "Normal", BODY_FONT, SAN_HAO)
    title = _style(doc, "Title", TITLE_FONT, ER_HAO)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = LINE
    # The template's Title draws a rule under the text; 公文 titles have none.
    borders = title.element.pPr.find(qn("w:pBdr"))
    if borders is not None:
        title.element.pPr.remove(borders)
    for level, font in HEADING_FONTS.items():
        _style(doc, f"Heading {level}", font, SAN_HAO).paragraph_format.first_line_indent = Pt(32)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    return doc


def title(doc, text: str):
    return doc.add_paragraph(str(text), style="Title")


def heading(doc, text: str, level: int = 1):
    return doc.add_paragraph(str(text), style=f"Heading {level}")


def paragraph(doc, text: str = "", *, indent: bool = True, align: str | None = None):
    """A body paragraph: indented two characters unless ``indent`` is false; ``align`` is "right" or
    "center" for signatures and dates."""
    p = doc.add_paragraph(str(text))
    if indent and align is None:
        p.paragraph_format.first_line_indent = Pt(32)
    if align:
        p.alignment = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}[align]
    return p


def table(doc, rows, *, header: bool = True):
    """A gridded, centred table of strings in 仿宋 四号; the first row bold when ``header``."""
    rows = [[("" if c is None else str(c)) for c in row] for row in rows]
    out = doc.add_table(rows=0, cols=max(len(r) for r in rows))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    for k, row in enumerate(rows):
        cells = out.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            run = p.add_run(text)
            run.font.size = SI_HAO
            run.bold = header and k == 0
    return out


def to_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
