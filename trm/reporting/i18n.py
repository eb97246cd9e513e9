"""Gettext catalogues for the template: labels, help texts, code labels, validation messages.

The catalogues are ordinary ``.po`` files (``locale/<language>/LC_MESSAGES/template.po``), keyed by
the English source text, so translators use the tools they know. They are read with Babel, so the
engine needs no compile step and no Django.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "sq", "bs", "bg", "hr", "mk", "ro", "sr-Latn", "sr-Cyrl", "cnr", "it", "de", "el", "fr", "nl")
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "template"


def locale_dirname(language: str) -> str:
    """``sr-Latn`` → ``sr_Latn``: the directory name gettext and Django use."""
    return language.replace("-", "_")


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / locale_dirname(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


class UnknownLanguage(ValueError):
    pass


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    return language


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """msgid → msgstr for one language; untranslated and fuzzy entries are left out."""
    check_language(language)
    path = po_path(language)
    if language == SOURCE_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle)
    return {m.id: m.string for m in po if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def gettext(text: str | None, language: str) -> str | None:
    """The translation of an English source text, or the text itself when there is none."""
    if text is None:
        return None
    return catalogue(language).get(text, text)


def missing(msgids, language: str) -> list[str]:
    """The source texts that have no translation in ``language``."""
    if language == SOURCE_LANGUAGE:
        return []
    translated = catalogue(language)
    return sorted(m for m in set(msgids) if m not in translated)
