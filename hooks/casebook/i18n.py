"""Country and language names from Babel (CLDR), never a hand-written table."""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
"""CLDR territories that are not ISO 3166-1 countries (EU, UN, reserved and pseudo codes)."""


@functools.cache
def country_codes() -> frozenset:
    """The ISO 3166-1 alpha-2 codes CLDR names (plus XK, Kosovo)."""
    return frozenset(
        code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@functools.cache
def country_name(code: str, locale: str = "en") -> str:
    """The country's name in ``locale`` (English by default)."""
    return Locale.parse(locale).territories.get(code, code)


@functools.cache
def country_language(code: str) -> str | None:
    """The main language of a country as a BCP 47 code ('sv' for SE, 'da' for DK, 'nb' for NO),
    from CLDR's likely subtags (``und_<code>``); ``None`` when CLDR has none."""
    try:
        return Locale.parse(f"und_{code}").language or None
    except (UnknownLocaleError, ValueError):
        return None


@functools.cache
def country_native_name(code: str) -> str:
    """The country's name in its main language, e.g. 'Sverige' for SE."""
    try:
        locale = Locale.parse(f"und_{code}")
    except (UnknownLocaleError, ValueError):
        return country_name(code)
    return locale.territories.get(code, country_name(code))


def country_by_name(name: str) -> str | None:
    """The code for an English country name ('Sweden' → 'SE'), for hints."""
    wanted = name.strip().casefold()
    for code, label in Locale("en").territories.items():
        if label.casefold() == wanted and code in country_codes():
            return code
    return None


@functools.cache
def language_codes() -> frozenset:
    """ISO 639-1 (two-letter) language codes CLDR knows."""
    return frozenset(code for code in Locale("en").languages if len(code) == 2 and code.isalpha())


@functools.cache
def language_name(code: str, locale: str = "en") -> str:
    """The language's name in ``locale``, e.g. 'Norwegian Bokmål' for nb."""
    return Locale.parse(locale).languages.get(code, code)


def language_by_name(name: str) -> str | None:
    """The two-letter code for an English language name ('Swedish' → 'sv', 'Norwegian' → 'nb')."""
    wanted = name.strip().casefold()
    if wanted == "norwegian":
        return "nb"
    for code, label in Locale("en").languages.items():
        if label.casefold() == wanted and code in language_codes():
            return code
    return None
