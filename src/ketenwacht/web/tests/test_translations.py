"""The Dutch catalogue: complete, consistent with its compiled .mo, and used by the pages."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

PROJECT_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES"
# Apps may keep their own catalogue (``<app>/locale``); Django finds it, and it is held to the
# same rules as the project's.
APP_CATALOGUES = sorted(Path(settings.LOCALE_PATHS[0]).parent.glob("*/locale/nl/LC_MESSAGES"))
CATALOGUES = [PROJECT_CATALOGUE, *APP_CATALOGUES]

DUTCH_DOORS = [
    "Ik ben opgelicht",
    "Controleer voordat je betaalt",
    "Stuur een verdacht bericht door",
]
ENGLISH_DOORS = ["I have been scammed", "Check before you pay", "Forward a suspicious message"]

PLACEHOLDER = re.compile(r"%\((\w+(?:\.\w+)*)\)[sd]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


@dataclass
class PoEntry:
    """One message of a .po file (the parts these tests look at)."""

    flags: set[str] = field(default_factory=set)
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)

    @property
    def catalogue_key(self) -> str:
        """The key gettext uses for the singular form: context EOT msgid."""
        return f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(1)), body)


def parse_po(path: Path) -> list[PoEntry]:
    """Parse a .po file written by makemessages; the header entry (empty msgid) comes first."""
    entries: list[PoEntry] = []
    current = PoEntry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, target, started
        if started:
            entries.append(current)
        current, target, started = PoEntry(), None, False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
        elif line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"continuation line without a keyword: {line}"
            _append(current, target, _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            target = _target_of(keyword)
            started = True
            _set(current, target, _unquote(value))
    finish()
    return entries


def _target_of(keyword: str) -> tuple[str, int]:
    plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
    if plural_form:
        return ("msgstr", int(plural_form.group(1)))
    names = {
        "msgctxt": "context",
        "msgid": "msgid",
        "msgid_plural": "msgid_plural",
        "msgstr": "msgstr",
    }
    return (names[keyword], 0)


def _set(entry: PoEntry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstrs[index] = value
    else:
        setattr(entry, name, value)


def _append(entry: PoEntry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstrs[index] += value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)


@pytest.fixture(scope="module", params=CATALOGUES, ids=lambda path: path.parent.parent.parent.name)
def catalogue(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


@pytest.fixture(scope="module")
def po_entries(catalogue: Path) -> list[PoEntry]:
    entries = parse_po(catalogue / "django.po")
    assert entries[0].msgid == "", "the header entry comes first"
    return entries[1:]


def test_the_site_is_dutch_first() -> None:
    from ketenwacht.conf import base

    assert base.LANGUAGE_CODE == "nl"
    assert [code for code, _name in base.LANGUAGES] == ["nl", "en"]


def test_catalogue_has_messages(catalogue: Path, po_entries: list[PoEntry]) -> None:
    assert po_entries
    if catalogue != PROJECT_CATALOGUE:
        return  # an app's own catalogue holds only that app's messages
    assert len(po_entries) > 1000
    assert {"I have been scammed", "Check before you pay"} <= {entry.msgid for entry in po_entries}


def test_every_message_is_translated_and_not_fuzzy(po_entries: list[PoEntry]) -> None:
    untranslated = [e.msgid for e in po_entries if not all(s.strip() for s in e.msgstrs.values())]
    fuzzy = [e.msgid for e in po_entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_plural_messages_have_both_dutch_forms(po_entries: list[PoEntry]) -> None:
    plurals = [entry for entry in po_entries if entry.msgid_plural is not None]
    assert plurals
    assert all(sorted(entry.msgstrs) == [0, 1] for entry in plurals)


def _keeps_placeholders_and_tags(entry: PoEntry, translation: str) -> bool:
    """A plural form may leave out the count; everything else keeps every placeholder and tag."""
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
    wanted = set().union(*(set(PLACEHOLDER.findall(source)) for source in sources))
    found = set(PLACEHOLDER.findall(translation))
    placeholders_kept = found <= wanted if entry.msgid_plural else found == wanted
    tags_kept = sorted(HTML_TAG.findall(translation)) == sorted(HTML_TAG.findall(entry.msgid))
    return placeholders_kept and tags_kept


def test_translations_keep_placeholders_and_html_tags(po_entries: list[PoEntry]) -> None:
    broken = [
        entry.msgid
        for entry in po_entries
        for translation in entry.msgstrs.values()
        if not _keeps_placeholders_and_tags(entry, translation)
    ]
    assert broken == []


def test_compiled_catalogue_matches_the_po_file(catalogue: Path, po_entries: list[PoEntry]) -> None:
    with (catalogue / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in po_entries:
        if entry.msgid_plural is None:
            expected[entry.catalogue_key] = entry.msgstrs[0]
        else:
            for index, text in entry.msgstrs.items():
                expected[(entry.catalogue_key, index)] = text
    compiled_messages = {key: value for key, value in compiled.items() if key != ""}
    assert compiled_messages == expected, "run compilemessages after changing django.po"


@pytest.mark.django_db
def test_home_page_in_dutch_shows_the_dutch_doors() -> None:
    # Asks for Dutch explicitly, so this holds even if test settings switch the default to English.
    response = Client(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("web:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl"' in page
    for title in DUTCH_DOORS:
        assert title in page
    for title in ENGLISH_DOORS:
        assert title not in page
    assert "Samen tegen online fraude" in page
    # The public warnings and the published figures are reachable from every page's footer.
    assert '<a href="/warnings/">Waarschuwingen over fraude</a>' in page
    assert '<a href="/statistieken/">Feiten en cijfers</a>' in page


@pytest.mark.django_db
def test_switching_to_english_shows_the_english_doors() -> None:
    client = Client()
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:home")})
    assert switched.status_code == 302
    page = client.get(reverse("web:home")).content.decode()
    for title in ENGLISH_DOORS:
        assert title in page
    for title in DUTCH_DOORS:
        assert title not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "dutch_heading"),
    [
        ("intake:start", "Ik ben opgelicht"),
        ("identifiers:public_check", "Controleer voordat je betaalt"),
    ],
)
def test_public_doors_open_in_dutch(url_name: str, dutch_heading: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="nl").get(reverse(url_name))
    assert response.status_code == 200
    assert f"<h1>{dutch_heading}</h1>" in response.content.decode()
