"""Transliteration: Latin letters spelt in ASCII, for ids, heading anchors and search.

One table (``data/transliteration.json``) serves Python and the browser: the
build writes it into the site as ``assets/transliteration.js``, which
``assets/casebook.js`` reads, so :func:`search_key` here and ``casebook.fold``
in the browser give the same key for the same text (a test runs both).

- :func:`transliterate`: the one ASCII spelling of a text (ICU's
  ``Any-Latin; Latin-ASCII`` transform: 'Økonomi' → 'Okonomi', 'Værebro' →
  'Vaerebro'), for ids and anchors.
- :func:`spellings`: every usual ASCII spelling of a word ('Malmö' → malmo,
  malmoe), for the search index: readers type either.
- :func:`search_key`: the key text is compared by in search (lower case, ASCII,
  both spellings folded together: 'Værebro', 'Vaerebro' → 'varebro';
  'Vårby', 'Vaarby', 'Varby' → 'varby'; 'Søerne', 'Soeerne', 'Soerne' → 'sorne').
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("data") / "transliteration.json"

MAX_SPELLINGS = 8
"""At most this many spellings per word (a word with many letters of two spellings
gets the all-short and the all-long one)."""


@functools.cache
def table() -> dict:
    """The table: ``{"letters": {letter: [ASCII spellings, first = ICU's]}, "digraphs": [...]}``."""
    return json.loads(TABLE_PATH.read_text("utf-8"))


@functools.cache
def _first() -> dict:
    return str.maketrans({letter: spelt[0] for letter, spelt in table()["letters"].items()})


@functools.cache
def _digraphs() -> re.Pattern:
    return re.compile("|".join(table()["digraphs"]))


def _strip_marks(text: str) -> str:
    """Text without combining marks (NFD), the way the browser does it (U+0300–U+036F)."""
    return re.sub("[\u0300-\u036f]", "", unicodedata.normalize("NFD", text))


def _collapsed(text: str) -> str:
    """``text`` with each digraph of the table (``aa ae oe ue``) by its first letter, again and
    again until none is left: 'soeerne' → 'soerne' → 'sorne', 'gudenaaen' → 'gudenan'."""
    while True:
        shorter = _digraphs().sub(lambda m: m.group(0)[0], text)
        if shorter == text:
            return text
        text = shorter


@functools.cache
def _icu_ascii():
    import icu  # PyICU (pyicu-wheels): ICU's transforms, CLDR data

    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


def transliterate(text: str) -> str:
    """``text`` in ASCII letters by ICU's ``Any-Latin; Latin-ASCII`` transform (CLDR),
    capitals kept: 'Områdeløft' → 'Omradeloft', 'Ærø' → 'AEro', 'Київ' → 'Kiiv'."""
    return _icu_ascii().transliterate(unicodedata.normalize("NFC", text))


def search_key(text: str) -> str:
    """The key search compares, ASCII in lower case, the same for every usual spelling of a
    word ('Malmö', 'Malmoe', 'Malmo' → 'malmo'; 'Gudenåen', 'Gudenaaen', 'Gudenaen' → 'gudenan').

    Steps (the same as ``fold`` in ``overrides/assets/casebook.js``): NFC, lower case, each
    letter of the table by its first spelling; then the compatibility decomposition (NFKD:
    'ﬁ' → 'fi', full-width letters → ASCII), lower case again, accents removed (U+0300–U+036F)
    and the table once more, for table letters that carried an accent ('ǿ' → 'ø' → 'o');
    then every digraph of the table by its first letter until none is left.

    Collapsing until none is left makes a letter's long spelling before an 'e' meet the
    written letter and its short spelling: 'Søerne' → 'soerne' → 'sorne' = 'Soeerne' →
    'soerne' → 'sorne' = 'Soerne'. The price: an ASCII 'aa', 'ae', 'oe', 'ue' always reads as
    a Nordic or German letter, so a few English words share a key with a shorter one
    ('poetry' → 'potry', found by 'pot'; 'does' → 'dos'; 'queen' → 'qun'). Telling 'oe' in
    'poetry' from 'oe' for 'ö' needs a dictionary; search here favours finding the place
    names and Nordic words readers type in ASCII."""
    spelt = unicodedata.normalize("NFC", text).lower().translate(_first())
    plain = _strip_marks(unicodedata.normalize("NFKD", spelt).lower()).translate(_first())
    return _collapsed(plain)


def spellings(word: str) -> list[str]:
    """Every ASCII spelling of ``word`` in lower case, the ICU one first ('Malmö' →
    ['malmo', 'malmoe']; 'Ærø' → ['aero', 'aeroe']); ``[]`` for a word already in ASCII."""
    return list(_spellings(word))


@functools.lru_cache(maxsize=1 << 16)
def _spellings(word: str) -> tuple:
    """:func:`spellings`, remembered: a library repeats its words in every case."""
    word = unicodedata.normalize("NFC", word).lower()
    if word.isascii():
        return ()
    options = [_letter_spellings(ch) for ch in word]
    if any(len(o) > 1 for o in options) and 2 ** sum(len(o) > 1 for o in options) > MAX_SPELLINGS:
        combos = [[o[0] for o in options], [o[-1] for o in options]]
    else:
        combos = itertools.product(*options)
    out: list[str] = []
    for combo in combos:
        spelt = "".join(combo)
        if spelt not in out and spelt.isascii():
            out.append(spelt)
    return tuple(out)


def _letter_spellings(ch: str) -> list[str]:
    """The spellings of one lower-case NFC character: the table's; for a table letter with a
    further accent, that letter's ('ǿ' as 'ø': ['o', 'oe']; 'ǻ' as 'å'); else the character's
    compatibility decomposition without accents ('é' → ['e'], 'ﬁ' → ['fi']), non-ASCII if
    it has no ASCII spelling ('ж')."""
    letters = table()["letters"]
    if ch in letters:
        return letters[ch]
    parts = unicodedata.normalize("NFD", ch)
    while len(parts) > 1 and unicodedata.combining(parts[-1]):
        parts = parts[:-1]
        if unicodedata.normalize("NFC", parts) in letters:
            return letters[unicodedata.normalize("NFC", parts)]
    plain = _strip_marks(unicodedata.normalize("NFKD", ch).lower())
    return ["".join(letters.get(c, [c])[0] for c in plain)]


def slug(text: str, separator: str = "-") -> str:
    """An ASCII slug: transliterated, lower case, runs of other characters as one
    ``separator`` ('### Økonomi og styring' → 'okonomi-og-styring'); ``""`` when nothing
    is left (the caller chooses a fallback)."""
    return separator.join(re.findall(r"[a-z0-9]+", transliterate(text).lower()))


def browser_table_js() -> str:
    """``assets/transliteration.js``: the table for ``casebook.fold`` in the browser."""
    data = {"letters": table()["letters"], "digraphs": table()["digraphs"]}
    return "window.casebookTransliteration = " + json.dumps(data, ensure_ascii=False, sort_keys=True) + ";\n"


PAGE_ANCHORS = frozenset(
    {
        "browse",
        "by-municipality",
        "cases",
        "cb-all-changes",
        "cb-bar-total",
        "cb-bibtex",
        "cb-cite-dataset",
        "cb-cite-text",
        "cb-contents",
        "cb-copied",
        "cb-csl",
        "cb-csv",
        "cb-dataset-bibtex",
        "cb-dataset-csl",
        "cb-dataset-version",
        "cb-explore",
        "cb-map",
        "cb-map-off",
        "cb-map-place",
        "cb-map-status",
        "cb-feed",
        "cb-from",
        "cb-jump",
        "cb-legend",
        "cb-link",
        "cb-list",
        "cb-more",
        "cb-no-history",
        "cb-notice",
        "cb-q",
        "cb-q-hint",
        "cb-results-title",
        "cb-to",
        "cb-total",
        "cb-version",
        "cb-which-file",
        "cite",
        "codebook",
        "contents",
        "map",
        "map-title",
        "map-unplaced",
        "csv",
        "how-to-cite",
        "keywords",
        "latest",
        "licence",
        "related-cases",
        "section",
        "sources",
        "versions",
    }
)
"""Every id the templates in ``overrides/`` write themselves (the case page's ``sources``,
``how-to-cite``, ``cb-bibtex``; the home page's ``browse``; the listing pages' own, for a
template that one day shows Markdown too), and ``section``, the id of a heading with no
letters: a heading never takes one of them, or the page would have two elements with one id
(and the Download BibTeX button would download a heading). Ids the templates build from
data (charts, places, groups) are on pages without Markdown.
``tests/test_translit_collation.py`` reads the templates and fails when one is missing."""


def heading_id(text: str, separator: str = "-") -> str:
    """A heading's anchor, for Python-Markdown's ``toc`` (its ``slugify`` option): the
    :func:`slug` of the heading; ``section`` when it has no letter or digit; with
    ``-section`` added when the template uses that id itself (:data:`PAGE_ANCHORS`). ``toc``
    numbers repeats within the text (``section_1``), so no id is empty and none collides."""
    found = slug(text, separator)
    if not found:
        return "section"
    return f"{found}{separator}section" if found in PAGE_ANCHORS else found
