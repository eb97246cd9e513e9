"""The web interface's catalogues (trm/locale/*/LC_MESSAGES/django.po): complete, placeholders kept,
Serbian Cyrillic by rule, and read by Django. No database."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

import trm
from trm.reporting.catalogue_check import latin_to_cyrillic

LOCALE = Path(trm.__file__).parent / "locale"
DIRS = ("sq", "bs", "bg", "hr", "mk", "ro", "sr_Latn", "sr_Cyrl", "cnr", "it", "de", "el", "fr", "nl")
PYTHON_FORMAT = re.compile(r"%\(\w+\)[a-zA-Z]")
BRACES = re.compile(r"\{[^{}]*\}")


def catalogue(directory):
    with (LOCALE / directory / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle)


def entries(directory):
    """(message, forms): every entry but the header, with its translations as a tuple."""
    for message in catalogue(directory):
        if message.id:
            yield message, message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(text):
    return sorted(PYTHON_FORMAT.findall(text) + BRACES.findall(text))


def cyrillic(text):
    """latin_to_cyrillic between Python-format placeholders, which it would read as words."""
    pieces = PYTHON_FORMAT.split(text)
    kept = PYTHON_FORMAT.findall(text)
    out = [latin_to_cyrillic(pieces[0])]
    for placeholder, piece in zip(kept, pieces[1:]):
        out += [placeholder, latin_to_cyrillic(piece)]
    return "".join(out)


@pytest.mark.parametrize("directory", DIRS)
def test_every_entry_is_translated_and_none_is_fuzzy(directory):
    plurals = catalogue(directory).num_plurals
    untranslated, fuzzy = [], []
    for message, forms in entries(directory):
        expected = plurals if message.pluralizable else 1
        if len(forms) != expected or not all(form.strip() for form in forms):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [] and fuzzy == [], f"{directory}: untranslated {untranslated[:3]}, fuzzy {fuzzy[:3]}"


@pytest.mark.parametrize("directory", DIRS)
def test_every_translation_keeps_the_placeholders_of_its_english_text(directory):
    for message, forms in entries(directory):
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        for form in forms:
            assert placeholders(form) == placeholders(english[-1]), (directory, english[0], form)


def test_serbian_cyrillic_is_serbian_latin_transliterated_entry_for_entry():
    latin = {message.id: forms for message, forms in entries("sr_Latn")}
    cyrillic_entries = {message.id: forms for message, forms in entries("sr_Cyrl")}
    assert latin.keys() == cyrillic_entries.keys()
    for msgid, forms in latin.items():
        assert cyrillic_entries[msgid] == tuple(cyrillic(form) for form in forms), msgid


def test_the_albanian_interface_does_not_say_cases_in_english():
    with translation.override("sq"):
        assert translation.gettext("Cases") != "Cases"


def test_every_interface_text_is_in_the_catalogues():
    """Texts in templates and code that makemessages would collect are all in the catalogue (and so,
    by the tests above, translated in every language)."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po
    root = Path(__file__).resolve().parents[2] / "trm"
    found = set()
    for path in root.rglob("*.html"):
        found |= set(re.findall(r'{% translate "([^"]+)"', path.read_text()))
    for path in root.rglob("*.py"):
        if "reporting" not in path.parts and "migrations" not in path.parts:
            found |= set(re.findall(r'\b(?:_|gettext|gettext_lazy)\("([^"]+)"\)', path.read_text()))
    with (root / "locale" / "sq" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert found and sorted(found - known) == []
