"""The PDF glyph check (no tests here): read a PDF back with PDFium, the engine of Chromium's viewer,
and refuse any text drawn in a font the file does not carry, and any character the carried font has
no glyph for (ReportLab draws such characters as the empty box of glyph 0)."""

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from fontTools.ttLib import TTCollection, TTFont

from kechuang.core import pdf

# What a user can type into a name, a title or an opinion: the middle dot of minority and foreign
# names, full-width punctuation, circled numbers, units, Latin and digits.
TYPED = "阿卜杜·热合曼，。：；！？、（）【】《》“”‘’…—①②⑩℃％ABCxyz0123456789"


def _font_name(font) -> str:
    n = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
    buffer = ctypes.create_string_buffer(n)
    pdfium_c.FPDFFont_GetBaseFontName(font, buffer, n)
    return buffer.value.decode("latin-1")


def house_cmap() -> set[int]:
    path = str(pdf.font_path())
    face = TTCollection(path).fonts[0] if path.endswith(".ttc") else TTFont(path)
    return set(face.getBestCmap())


def pdf_text(content: bytes) -> str:
    """Every page's text, after checking each text object is set in an embedded font."""
    doc = pdfium.PdfDocument(content)
    pages = []
    for page in doc:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
            assert pdfium_c.FPDFFont_GetIsEmbedded(font), f"font {_font_name(font)} is not embedded"
        pages.append(page.get_textpage().get_text_range())
    return "\n".join(pages)


def assert_prints(content: bytes, *expected: str) -> str:
    """Fail unless every character of ``expected`` is in the PDF, in an embedded font with a glyph."""
    text = pdf_text(content)
    cmap = house_cmap()
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    assert not missing, f"no glyph for {missing}"
    flat = "".join(text.split())
    for want in expected:
        assert "".join(want.split()) in flat, f"{want!r} not in the PDF text"
    return text
