"""The house style of the PDFs the platform prints (draw records, application packs).

Chinese text is set in WenQuanYi Micro Hei from the Debian package ``fonts-wqy-microhei`` and the
glyphs used are embedded in each file. A viewer's own CJK fonts are not relied on: ReportLab's
built-in STSong-Light leaves the glyphs to the viewer, and viewers without Adobe's Asian font pack
print "·", "①" or "℃" as boxes. Noto CJK is not an option here: ReportLab embeds TrueType outlines
only, and Debian ships Noto CJK as CFF-based OpenType.

``KECHUANG_PDF_FONT`` (setting or environment variable) points at another TrueType file (.ttf, or a
.ttc whose first face is used) when a deployment prefers one.
"""

import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Table, TableStyle

FONT = "KechuangCJK"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_FILE = "wqy-microhei.ttc"
# Where Debian puts the file, then the other places fontconfig looks, so a copy in a user's or a
# container's font directory is found too.
FONT_DIRS = ("/usr/share/fonts/truetype/wqy", "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")  # fmt: skip


def font_path() -> Path:
    """The TrueType file the PDFs embed; a clear ``ImproperlyConfigured`` naming the package to
    install when there is none."""
    configured = getattr(settings, "KECHUANG_PDF_FONT", "") or os.environ.get("KECHUANG_PDF_FONT", "")
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return path
        raise ImproperlyConfigured(_("KECHUANG_PDF_FONT 指向的字体文件不存在：%(p)s") % {"p": path})
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        direct = root / FONT_FILE
        if direct.is_file():
            return direct
        if root.is_dir():
            found = next(root.rglob(FONT_FILE), None)
            if found is not None:
                return found
    raise ImproperlyConfigured(
        _(
            "生成 PDF 需要中文字体 %(f)s，本机未安装。请安装 Debian 软件包 %(p)s"
            "（sudo apt-get install %(p)s，或在项目目录运行 make browser），"
            "或设置 KECHUANG_PDF_FONT 指向一个 TrueType 字体文件。"
        )
        % {"f": FONT_FILE, "p": FONT_PACKAGE}
    )


@cache
def _register(path: str) -> None:
    # subfontIndex 0: the proportional face of the collection (1 is the monospaced one).
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))


def register_font() -> str:
    """Register the house font with ReportLab (once per process) and return its name."""
    _register(str(font_path()))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=register_font(), fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
    }


def table(rows, widths, header: bool = True) -> Table:
    """A gridded table in the house font; the first row shaded as a header when ``header``."""
    out = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), register_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")))
    out.setStyle(TableStyle(style))
    return out
