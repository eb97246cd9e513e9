"""Countries, languages, scripts and currencies, with names from CLDR (through Babel).

Kosovo has no ISO 3166 code; trm uses the user-assigned XK, as the EU and Eurostat do, and shows
it as "Kosovo*" with the UNSCR 1244 footnote (DOMAIN §5.3).
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale

# Codes CLDR lists as territories that are not countries or territories of ISO 3166-1
# (regions, reserved and pseudo codes); XK stays in.
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})

KOSOVO_FOOTNOTE = (
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


@lru_cache(maxsize=None)
def babel_locale(language: str) -> Locale:
    """The Babel locale for one of trm's language codes (``sr-Latn``, ``cnr``, ``en``…)."""
    return Locale.parse(language.replace("-", "_"))


@lru_cache(maxsize=None)
def country_codes() -> frozenset[str]:
    names = babel_locale("en").territories
    return frozenset(code for code in names if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


@lru_cache(maxsize=None)
def language_codes() -> frozenset[str]:
    names = babel_locale("en").languages
    return frozenset(code for code in names if code.isalpha() and code.islower() and len(code) in (2, 3))


@lru_cache(maxsize=None)
def script_codes() -> frozenset[str]:
    return frozenset(code for code in babel_locale("en").scripts if len(code) == 4 and code.isalpha())


@lru_cache(maxsize=None)
def currency_codes() -> frozenset[str]:
    return frozenset(code for code in babel_locale("en").currencies if len(code) == 3 and code.isupper())


def country_name(code: str, language: str) -> str:
    name = babel_locale(language).territories.get(code) or babel_locale("en").territories.get(code, code)
    return name + "*" if code == "XK" else name


def language_name(code: str, language: str) -> str:
    return babel_locale(language).languages.get(code) or babel_locale("en").languages.get(code, code)


def script_name(code: str, language: str) -> str:
    return babel_locale(language).scripts.get(code) or babel_locale("en").scripts.get(code, code)


def currency_name(code: str, language: str) -> str:
    return babel_locale(language).currencies.get(code) or babel_locale("en").currencies.get(code, code)


CODES_BY_TYPE = {
    "country": country_codes, "countries": country_codes, "language": language_codes,
    "script": script_codes, "currency": currency_codes,
}
NAME_BY_TYPE = {
    "country": country_name, "countries": country_name, "language": language_name,
    "script": script_name, "currency": currency_name,
}
