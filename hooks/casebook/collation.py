"""Collation: the order people expect titles, places and labels in, by language.

Code-point order puts 'TOGETHER' before 'Åmål' and 'Ängelholm' before 'Åmål',
which is wrong in every language. Sorting here uses ICU's collator (PyICU,
CLDR's tailorings of the Unicode Collation Algorithm, UTS #10): in Swedish Å,
Ä, Ö follow Z in that order; in Danish and Norwegian Æ, Ø, Å follow Z (and
'Aa' sorts as Å); in English they sort with A and O.

The library chooses the locale (``extra.casebook.collation`` in mkdocs.yml;
default: the site's language, ``theme.language``). Every listing, the explorer
and the exports sort with the same :class:`Collation`, so they agree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

DEFAULT_LOCALE = "en"


@functools.cache
def _collator(locale: str):
    import icu  # PyICU (pyicu-wheels): ICU's collation with CLDR's data

    collator = icu.Collator.createInstance(icu.Locale(locale))
    return collator


def known_locale(locale: str) -> bool:
    """Whether ICU has collation data for ``locale`` (a BCP 47 or ICU locale id such as
    ``sv``, ``da``, ``nb``, ``en``, ``de-AT``); the root collation does not count."""
    import icu

    name = icu.Locale(locale.replace("-", "_")).getName()
    return bool(name) and name.split("_")[0] in {loc.split("_")[0] for loc in icu.Collator.getAvailableLocales()}


@dataclass(frozen=True)
class Collation:
    """Sort keys for one locale. ``key(text)`` is a ``bytes`` key that sorts as ICU's
    collator compares (tertiary strength: case and accents decide only between otherwise
    equal texts); ties between equal keys are broken by the callers (by id)."""

    locale: str = DEFAULT_LOCALE
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def key(self, text: str) -> bytes:
        """The collation key of ``text``."""
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = _collator(self.locale.replace("-", "_")).getSortKey(text)
        return found

    def title_key(self, case) -> tuple:
        """Cases by title, then id: total and deterministic (``case`` has ``title`` and ``id``)."""
        return (self.key(case.title), case.id)

    def sorted(self, items, text=lambda item: item) -> list:
        """``items`` sorted by the collation key of ``text(item)``, then by that text itself."""
        return sorted(items, key=lambda item: (self.key(text(item)), text(item)))
