"""The house PDF font: found where Debian installs it, or a clear message naming the package."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kechuang.core import pdf


def test_font_found_in_debian_package():
    assert pdf.font_path().name == "wqy-microhei.ttc"


def test_missing_font_names_the_package(monkeypatch, tmp_path, settings):
    settings.KECHUANG_PDF_FONT = ""
    monkeypatch.delenv("KECHUANG_PDF_FONT", raising=False)
    monkeypatch.setattr(pdf, "FONT_DIRS", (str(tmp_path),))
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        pdf.font_path()


def test_font_in_a_subfolder_is_found(monkeypatch, tmp_path, settings):
    settings.KECHUANG_PDF_FONT = ""
    monkeypatch.delenv("KECHUANG_PDF_FONT", raising=False)
    (tmp_path / "wqy").mkdir()
    (tmp_path / "wqy" / "wqy-microhei.ttc").write_bytes(b"")
    monkeypatch.setattr(pdf, "FONT_DIRS", (str(tmp_path),))
    assert pdf.font_path() == tmp_path / "wqy" / "wqy-microhei.ttc"


def test_configured_font_must_exist(settings, tmp_path):
    settings.KECHUANG_PDF_FONT = str(tmp_path / "none.ttf")
    with pytest.raises(ImproperlyConfigured, match=r"none\.ttf"):
        pdf.font_path()
