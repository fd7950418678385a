"""The Word house style: 公文 fonts written where Word reads them for Chinese text (w:eastAsia), with
no theme link left to override them."""

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from kechuang.core import word

THEME = [qn(a) for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")]


def east_asia(style) -> str:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    assert not [a for a in THEME if a in fonts.attrib], "a theme font would override the name"
    return fonts.get(qn("w:eastAsia"))


def reopened(doc):
    return Document(io.BytesIO(word.to_bytes(doc)))


def test_house_style_fonts_and_sizes():
    doc = word.document()
    word.title(doc, "关于下达2026年度项目的通知")
    word.heading(doc, "一、总体要求")
    word.paragraph(doc, "正文。")
    doc = reopened(doc)
    styles = doc.styles
    assert (east_asia(styles["Title"]), styles["Title"].font.size) == ("方正小标宋简体", Pt(22))
    assert styles["Title"].paragraph_format.alignment == 1  # centred
    assert (east_asia(styles["Heading 1"]), styles["Heading 1"].font.size) == ("黑体", Pt(16))
    assert (east_asia(styles["Normal"]), styles["Normal"].font.size) == ("仿宋_GB2312", Pt(16))
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert [p.style.name for p in doc.paragraphs] == ["Title", "Heading 1", "Normal"]


@pytest.mark.django_db
def test_award_notice_in_house_style(city):
    from kechuang.programs import exports
    from kechuang.programs.services import awards as svc
    from tests.programs.test_awards_support import approved, contract

    _call, apps = approved(city)
    award = svc.sign(city["users"]["staff"], apps[0].award_record, **contract(apps[0].award_record))
    doc = Document(io.BytesIO(exports.award_notice_docx(award)))
    by_style = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Title"] == ["项目立项通知书"]
    assert by_style["Heading 1"] == ["考核节点", "资金拨付计划"]
    assert east_asia(doc.styles["Normal"]) == "仿宋_GB2312"
