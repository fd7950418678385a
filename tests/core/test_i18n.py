"""The English catalogue: the language switch really changes the pages, and every entry is translated.

The catalogue is parsed by hand: a .po file is a simple format and the project has no polib dependency.
"""

import ast
import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LC = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC / "django.po"
MO = LC / "django.mo"

# %(name)s and %% (python-format, also what {{ var }} in blocktranslate becomes), {name} / {s:.1f}
# (python-brace-format), and HTML tags. "<令牌>" in the API description is prose, not a tag.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%%|%[sdif]|\{[A-Za-z_][^{}]*\}")
HTML_TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|mark|p|small|span|strong|sub|sup)\b[^>]*>")


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts: flags (list), id, plural (or None), strs ({index: text}; -1 for a singular)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": [], "id": None, "plural": None, "strs": {}, "obsolete": False}
        target = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#") or not line.strip():
                continue
            elif m := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line):
                key, index, text = m.group(1), m.group(2), ast.literal_eval(m.group(3))
                if key.startswith("msgstr"):
                    target = ("strs", int(index) if index is not None else -1)
                    entry["strs"][target[1]] = text
                else:
                    target = ({"msgid": "id", "msgid_plural": "plural", "msgctxt": "ctxt"}[key], None)
                    entry[target[0]] = text
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if target[0] == "strs":
                    entry["strs"][target[1]] += text
                else:
                    entry[target[0]] += text
            else:
                raise AssertionError(f"unparsed line in {path.name}: {line!r}")
        if entry["id"] is not None and not entry["obsolete"]:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    entries = parse_po(PO)
    assert entries[0]["id"] == "", "the header entry comes first"
    return entries[1:]


def forms(entry: dict) -> list[tuple[str, str]]:
    """(source, translation) pairs; plural forms pair msgstr[0] with msgid and the rest with msgid_plural."""
    if entry["plural"] is None:
        return [(entry["id"], entry["strs"][-1])]
    return [(entry["id"] if i == 0 else entry["plural"], s) for i, s in sorted(entry["strs"].items())]


def test_catalogue_is_large_and_fully_translated(catalogue):
    assert len(catalogue) > 500  # makemessages found the project's strings, not an empty file
    untranslated = [e["id"] for e in catalogue if any(not s.strip() for _, s in forms(e))]
    fuzzy = [e["id"] for e in catalogue if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_plural_entries_have_both_forms(catalogue):
    plurals = [e for e in catalogue if e["plural"] is not None]
    assert plurals
    assert [e["id"] for e in plurals if sorted(e["strs"]) != [0, 1]] == []


def test_placeholders_and_tags_match(catalogue):
    mismatched = []
    for entry in catalogue:
        for source, translation in forms(entry):
            for pattern in (PLACEHOLDER, HTML_TAG):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(translation)):
                    mismatched.append((source, translation))
            # A leading newline or indent is layout in console output; the English must keep it.
            if (source[:1].isspace(), source.endswith("\n")) != (
                translation[:1].isspace(),
                translation.endswith("\n"),
            ):
                mismatched.append((source, translation))
    assert mismatched == []


def test_translations_are_english(catalogue):
    # Han characters in a translation mean an entry was copied rather than translated. The only
    # Chinese allowed is the literal yes/no answers the import template accepts (是/否) and the
    # Chinese list separator named in a help text.
    allowed = {"是", "否", "、"}
    han = re.compile(r"[\u4e00-\u9fff\u3001]")
    leftover = [(e["id"], s) for e in catalogue for _, s in forms(e) if set(han.findall(s)) - allowed]
    assert leftover == []


def test_compiled_catalogue_matches_the_po(catalogue):
    # The .mo is committed so no build step is needed at install; it must not lag behind the .po.
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for entry in catalogue:
        if entry["plural"] is None:
            if mo.gettext(entry["id"]) != entry["strs"][-1]:
                stale.append(entry["id"])
        elif (mo.ngettext(entry["id"], entry["plural"], 1), mo.ngettext(entry["id"], entry["plural"], 2)) != (
            entry["strs"][0],
            entry["strs"][1],
        ):
            stale.append(entry["id"])
    assert stale == []


def switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.parametrize(
    ("path", "english", "chinese"),
    [
        ("/", ["Enterprise registry", "Sign out", 'lang="en"'], ["企业库", "退出"]),
        (
            "/enterprises/",
            ["Enterprise registry", "Enterprise name", "Export to Excel"],
            ["企业名称", "导出Excel"],
        ),
    ],
)
def test_staff_pages_follow_the_language_switch(client, city, path, english, chinese):
    client.force_login(city["users"]["staff"])

    page = client.get(path).content.decode()
    for text in chinese:
        assert text in page
    for text in english:
        assert text not in page

    switch_to_english(client)
    page = client.get(path).content.decode()
    for text in english:
        assert text in page
    for text in chinese:
        assert text not in page


def test_browser_language_alone_does_not_switch_to_english(client, city):
    # The bureau's default is Chinese; only the explicit switch (the cookie) changes it.
    client.force_login(city["users"]["staff"])
    page = client.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert "企业名称" in page
    assert "Enterprise name" not in page


def test_every_marked_message_is_in_the_catalogue(tmp_path, catalogue):
    """The checks above only see what the catalogue holds; this one extracts the messages afresh
    (Django's makemessages over a copy of the package) so a new string cannot skip translation."""
    package = Path(settings.BASE_DIR)
    copy = tmp_path / "kechuang"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("static", "engines", "__pycache__", "*.mo"))
    cwd = Path.cwd()
    try:
        os.chdir(copy)  # makemessages writes into ./locale when the current directory has one
        call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = {e["id"] for e in parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]}
    assert len(extracted) > 1000, "extraction found too little: is GNU gettext installed?"
    missing = sorted(extracted - {e["id"] for e in catalogue})
    assert not missing, (
        f"{len(missing)} message(s) are not in {PO.relative_to(package.parent)}: run makemessages "
        f"(see the README) and translate them, e.g. {missing[:5]}"
    )
