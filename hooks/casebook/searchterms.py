"""What site search knows besides a case's English text: the names, in every language, of
the keywords it carries, and the ASCII spellings of its Nordic words.

Readers search in Swedish, Danish and Norwegian ('trygghet', 'boligsocial') and
type place names without å, ä, ö, æ, ø ('Vaerebro', 'Malmoe'). Pagefind folds
accents (ä → a) but not æ, ø, nor the two-letter spellings (ø → oe), so each
case's search document carries them (``overrides/partials/cb-search-doc.html``),
and the search box gets the vocabulary to explain matches and suggest terms
when nothing matches (``data/search-terms.json``, read by ``assets/search.js``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from .taxonomy import LANGUAGES, Taxonomy
from .translit import search_key, spellings

_NON_ASCII_WORD = re.compile(r"\b\w*[^\W\x00-\x7f]\w*")
"""A word (a longest run of word characters) with a non-ASCII letter or digit in it: found by
the regular expression engine, not by testing each of a case's ~600 words in Python."""


def keyword_names(kid: str, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Every name of a keyword as ``(language, name)``: ``en`` label, ``sv``/``da``/``nb``
    labels, then aliases as ``alias``; duplicates left out."""
    keyword = taxonomy.keywords[kid]
    names = [("en", keyword.label)] + [(lang, keyword.labels[lang]) for lang in LANGUAGES if keyword.labels.get(lang)]
    names += [("alias", alias) for alias in keyword.aliases]
    seen: set = set()
    out = []
    for lang, name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append((lang, name))
    return out


def case_search_terms(case, taxonomy: Taxonomy) -> dict:
    """For one case's search document: ``{"keywords": [[(language, name), ...] per keyword],
    "spellings": "space-separated ASCII spellings of its non-ASCII words"}``. O(length of the case)."""
    keywords = [keyword_names(kid, taxonomy) for kid in case.keywords]
    texts = [case.title, case.title_en or "", case.summary, case.body]
    texts += [*case.municipalities, *case.neighbourhoods, *case.organisations]
    texts += [name for names in keywords for _, name in names]
    words = {word for text in texts for word in _NON_ASCII_WORD.findall(text)}
    spelt = sorted({s for word in words for s in spellings(word)})
    return {"keywords": keywords, "spellings": " ".join(spelt)}


def search_vocabulary(library) -> str:
    """``data/search-terms.json`` for the search box: every keyword with its names and search
    keys, and every place with its cases' count, as
    ``{"keywords": [{"id", "label", "url", "names": [[lang, name, key], ...]}],
    "places": [{"name", "key", "url", "cases"}]}`` (URLs relative to the site root).
    Places come from the cases' municipalities and neighbourhoods, in collation order."""
    taxonomy = library.taxonomy
    keywords = [
        {
            "id": kid,
            "label": kw.label,
            "url": f"keywords/{kid}/",
            "names": [[lang, name, search_key(name)] for lang, name in keyword_names(kid, taxonomy)],
        }
        for kid, kw in taxonomy.keywords.items()
    ]
    counts: dict = {}
    for case in library.cases.values():
        for name in {*case.municipalities, *case.neighbourhoods}:
            counts[name] = counts.get(name, 0) + 1
    places = [
        {"name": name, "key": search_key(name), "url": "explore/?q=" + quote(name, safe=""), "cases": counts[name]}
        for name in library.collation.sorted(counts)
    ]
    return json.dumps({"keywords": keywords, "places": places}, ensure_ascii=False, separators=(",", ":"))
