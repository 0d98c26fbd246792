"""The controlled vocabulary: keyword groups and keywords from ``taxonomy/keywords.yml``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .pasted import lookalikes, ordinary
from .problems import Problem, Problems, did_you_mean
from .source import read_text
from .yamlsafe import YamlDoc, parse_yaml

TAXONOMY_PATH = "taxonomy/keywords.yml"
LANGUAGES = ("sv", "da", "nb")
"""The languages every keyword has a label in, besides English."""


def term_key(term: str) -> str:
    """The form terms are compared in: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", term).casefold().split())


@dataclass(frozen=True)
class Group:
    """A group of keywords, shown together on the keyword overview."""

    id: str
    label: str


@dataclass(frozen=True)
class Keyword:
    """One term of the vocabulary."""

    id: str
    """Stable identifier, used in URLs and exports."""
    label: str
    """English label."""
    group: str
    """Id of its group."""
    description: str
    """One sentence saying what it covers."""
    labels: dict
    """Translations: ``{"sv": ..., "da": ..., "nb": ...}``."""
    aliases: tuple = ()
    """Other names for the same concept."""
    broader: str | None = None
    """Id of the broader keyword, if any."""
    line: int = 1
    """Line of its entry in the taxonomy file."""


@dataclass
class Taxonomy:
    """The loaded vocabulary with a term index for resolving case keywords."""

    groups: dict = field(default_factory=dict)
    """Group id → :class:`Group`, in file order."""
    keywords: dict = field(default_factory=dict)
    """Keyword id → :class:`Keyword`, sorted by id."""
    terms: dict = field(default_factory=dict)
    """Folded id, label, alias or sv/da/nb label → keyword id."""
    readable: bool = True
    """Whether the file could be read (as YAML, with the fields ``groups:`` and ``keywords:``):
    the cases' keywords can be checked against it only then (:func:`load_taxonomy`)."""

    def resolve(self, term: str) -> str | None:
        """The id of the keyword that ``term`` (id, label or alias) names."""
        return self.terms.get(term_key(term))

    def suggest(self, term: str) -> str:
        """A did-you-mean hint for an unknown term, or ``""``."""
        labels = {term_key(k.label): k.label for k in self.keywords.values()}
        for key in self.terms:
            labels.setdefault(key, self.keywords[self.terms[key]].label)
        hint = did_you_mean(term_key(term), labels)
        if not hint:
            return ""
        best = hint.split("'")[1]
        keyword = self.keywords[self.terms[best]]
        return f"did you mean '{keyword.label}' ({keyword.id})?"

    def narrower(self, key=None) -> dict:
        """Keyword id → ids of the keywords whose ``broader`` it is: sorted by ``key`` of their
        labels, then id, when ``key`` is given (the library's collation, ``Collation.key``: the
        order a keyword page lists them in); else by id (the order of the data exports)."""
        out: dict = {}
        for kw in self.keywords.values():
            if kw.broader:
                out.setdefault(kw.broader, []).append(kw.id)
        if key is None:
            return {k: sorted(v) for k, v in out.items()}
        return {k: sorted(v, key=lambda kid: (key(self.keywords[kid].label), kid)) for k, v in out.items()}


def load_taxonomy(root: Path) -> tuple[Taxonomy, list[Problem]]:
    """Read and check the taxonomy under ``root``; returns what could be loaded and every problem.

    The problems come out step by step in this order: file and YAML, schema, group ids, keyword
    ids and labels, each keyword's aliases/group/broader, the sv/da/nb labels, broader cycles.
    A file that cannot be read at all gives an empty taxonomy with ``readable`` false, and one
    more problem saying that the cases' keywords are checked once it can be read (else every
    keyword of every case would be reported as unknown, the one real problem last).
    """
    problems = Problems(TAXONOMY_PATH)
    taxonomy = Taxonomy()
    doc = _read_document(root, problems)
    if doc is None:
        taxonomy.readable = False
        problems.add(
            1,
            "keywords",
            "the cases' keywords cannot be checked until this file can be read",
            "fix the problems above in this file, then check again",
        )
        return taxonomy, problems.items
    schema.validate(doc, problems, "taxonomy", skip=frozenset(doc.refused))
    taxonomy.groups = _load_groups(doc, problems)
    entries = _listed(doc, "keywords")
    loaded = _load_keywords(doc, entries, problems)
    owner = _own_terms(loaded)
    _check_references(doc, entries, loaded, taxonomy.groups, owner, problems)
    _check_translations(doc, entries, loaded, owner, problems)
    _check_cycles(loaded, problems)
    taxonomy.keywords = {kid: loaded[kid] for kid in sorted(loaded)}
    taxonomy.terms = owner
    return taxonomy, problems.items


def _read_document(root: Path, problems: Problems) -> YamlDoc | None:
    """The parsed taxonomy file, or ``None`` when it is unreadable, not YAML or not a mapping.

    Reports an unreadable file, pasted look-alike characters (quotes, dashes, ...), YAML errors,
    and a top level that is not a mapping (line 1).
    """
    text = read_text(root / TAXONOMY_PATH, problems)
    if text is None:
        return None
    for found in lookalikes(text):  # pasted from a word processor
        problems.add(found.line, found.field, found.message, found.fix)
    doc = parse_yaml(ordinary(text))
    for err in doc.errors:
        problems.add(err.line, err.field, err.message, err.fix)
    if not doc.readable:
        return None
    if not isinstance(doc.data, dict):
        problems.add(
            1,
            "taxonomy",
            "the file must contain the fields groups: and keywords:",
            "see the comment at the top of the file for the layout",
        )
        return None
    return doc


def _listed(doc: YamlDoc, key: str) -> list:
    """The top-level list ``key`` (``groups`` or ``keywords``), or ``[]`` if it is not a list."""
    value = doc.data.get(key)
    return value if isinstance(value, list) else []


def _load_groups(doc: YamlDoc, problems: Problems) -> dict[str, Group]:
    """Group id → :class:`Group`, in file order; reports an id used twice (the later entry is dropped).

    Entries that are not mappings with a text ``id`` are skipped (the schema reports them).
    """
    groups: dict[str, Group] = {}
    for i, entry in enumerate(_listed(doc, "groups")):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        line = doc.line_of(("groups", i))
        if entry["id"] in groups:
            problems.add(
                line, f"groups[{i}].id", f"the group id '{entry['id']}' is used twice", "give each group its own id"
            )
            continue
        groups[entry["id"]] = Group(entry["id"], str(entry.get("label", entry["id"])))
    return groups


def _load_keywords(doc: YamlDoc, entries: list, problems: Problems) -> dict[str, Keyword]:
    """Keyword id → :class:`Keyword`, in file order, from the ``keywords:`` ``entries``.

    Entries that are not mappings with a text ``id`` and ``label`` are skipped (the schema reports
    them); the reserved id ``index`` and a repeated id are reported and dropped; a label that folds
    (:func:`term_key`) to an earlier one is reported but the keyword is kept.
    """
    loaded: dict[str, Keyword] = {}
    seen_label: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("label"), str)
        ):
            continue
        line = doc.line_of(("keywords", i))
        if not _check_new_id(doc, i, entry["id"], loaded, problems):
            continue
        loaded[entry["id"]] = _keyword(entry, line)
        _check_label_unique(doc, i, entry, seen_label, problems)
    return loaded


def _check_new_id(doc: YamlDoc, i: int, kid: str, loaded: dict, problems: Problems) -> bool:
    """Whether keyword ``kid`` (entry ``i``) may be loaded: not ``index``, not already in ``loaded``."""
    if kid == "index":
        problems.add(
            doc.line_of(("keywords", i, "id")),
            f"keywords[{i}].id",
            "the id 'index' is reserved for the keyword overview",
            "choose an id derived from the label",
        )
        return False
    if kid in loaded:
        problems.add(
            doc.line_of(("keywords", i)),
            f"keywords[{i}].id",
            f"the keyword id '{kid}' is used twice (first on line {loaded[kid].line})",
            "give each keyword its own id, or merge the two entries",
        )
        return False
    return True


def _keyword(entry: dict, line: int) -> Keyword:
    """The :class:`Keyword` for one checked entry (text ``id`` and ``label``) at ``line``.

    Fields of the wrong type fall back to empty values: ``""`` labels, no aliases, no broader.
    """
    labels = entry.get("labels") if isinstance(entry.get("labels"), dict) else {}
    aliases = entry.get("aliases") if isinstance(entry.get("aliases"), list) else []
    return Keyword(
        id=entry["id"],
        label=entry["label"],
        group=str(entry.get("group", "")),
        description=str(entry.get("description", "")),
        labels={lang: labels.get(lang, "") for lang in LANGUAGES},
        aliases=tuple(a for a in aliases if isinstance(a, str)),
        broader=entry.get("broader") if isinstance(entry.get("broader"), str) else None,
        line=line,
    )


def _check_label_unique(doc: YamlDoc, i: int, entry: dict, seen_label: dict, problems: Problems) -> None:
    """Report entry ``i``'s label if its folded form is in ``seen_label`` (folded label → id), else add it."""
    folded = term_key(entry["label"])
    if folded in seen_label:
        problems.add(
            doc.line_of(("keywords", i, "label")),
            f"keywords[{i}].label",
            f"the label '{entry['label']}' is already used by '{seen_label[folded]}'",
            "labels must be unique; make one more specific or merge the keywords",
        )
    else:
        seen_label[folded] = entry["id"]


def _own_terms(loaded: dict[str, Keyword]) -> dict[str, str]:
    """The start of the term index: folded id and label → keyword id (the first keyword wins)."""
    owner: dict[str, str] = {}
    for kid, kw in loaded.items():
        for term in (kid, kw.label):
            owner.setdefault(term_key(term), kid)
    return owner


def _check_references(doc: YamlDoc, entries: list, loaded: dict, groups: dict, owner: dict, problems: Problems) -> None:
    """Check each loaded keyword's aliases, group and broader, entry by entry in file order.

    An entry counts as loaded when its id is in ``loaded`` with the entry's own line. Adds each
    alias to ``owner`` (folded term → keyword id), the term index, when no other term has it.
    """
    for i, kw in _loaded_entries(doc, entries, loaded):
        _check_aliases(doc, i, kw, owner, problems)
        _check_group(doc, i, kw, groups, problems)
        _check_broader(doc, i, kw, loaded, problems)


def _loaded_entries(doc: YamlDoc, entries: list, loaded: dict):
    """``(i, keyword)`` for each entry of ``entries`` that was loaded: its id is in ``loaded``
    with the entry's own line (a repeated id's later entry was not), in file order."""
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] in loaded:
            kw = loaded[entry["id"]]
            if kw.line == doc.line_of(("keywords", i)):
                yield i, kw


def _check_aliases(doc: YamlDoc, i: int, kw: Keyword, owner: dict, problems: Problems) -> None:
    """Index ``kw``'s aliases in ``owner``; report one that repeats its own terms or names another keyword."""
    for j, alias in enumerate(kw.aliases):
        where = ("keywords", i, "aliases", j)
        other = owner.get(term_key(alias))
        if other is None:
            owner[term_key(alias)] = kw.id
        elif other == kw.id:
            problems.add(
                doc.line_of(where),
                f"keywords[{i}].aliases[{j}]",
                f"the alias '{alias}' repeats the keyword's own label, id or another alias",
                "remove it",
            )
        else:
            problems.add(
                doc.line_of(where),
                f"keywords[{i}].aliases[{j}]",
                f"the alias '{alias}' already names the keyword '{other}'",
                "an alias may name only one keyword; remove it or merge the keywords",
            )


def _check_group(doc: YamlDoc, i: int, kw: Keyword, groups: dict, problems: Problems) -> None:
    """Report ``kw``'s group (entry ``i``) if it is set and not one of ``groups``."""
    if kw.group and kw.group not in groups:
        problems.add(
            doc.line_of(("keywords", i, "group")),
            f"keywords[{i}].group",
            f"unknown group '{kw.group}'",
            did_you_mean(kw.group, groups) or f"use one of: {', '.join(groups)}",
        )


def _check_broader(doc: YamlDoc, i: int, kw: Keyword, loaded: dict, problems: Problems) -> None:
    """Report ``kw``'s broader (entry ``i``) if it is the keyword itself or not a loaded keyword."""
    if kw.broader is None:
        return
    where = doc.line_of(("keywords", i, "broader"))
    if kw.broader == kw.id:
        problems.add(where, f"keywords[{i}].broader", "a keyword cannot be broader than itself", "remove broader:")
    elif kw.broader not in loaded:
        problems.add(
            where,
            f"keywords[{i}].broader",
            f"unknown keyword '{kw.broader}'",
            did_you_mean(kw.broader, loaded) or "use the id of another keyword",
        )


def _check_cycles(loaded: dict[str, Keyword], problems: Problems) -> None:
    """Report each cycle of two or more ``broader`` links once, at the line of its smallest id.

    Follows the chain from every id in sorted order; the message lists the cycle from its smallest id.
    """
    reported: set = set()
    for start in sorted(loaded):
        chain, node = [], start
        while node in loaded and node not in chain:
            chain.append(node)
            node = loaded[node].broader
        cycle = chain[chain.index(node) :] if node in chain else []
        if len(cycle) > 1 and min(cycle) not in reported:
            first = cycle.index(min(cycle))
            ordered = cycle[first:] + cycle[:first]
            reported.add(ordered[0])
            problems.add(
                loaded[ordered[0]].line,
                "broader",
                "broader terms form a cycle: " + " → ".join([*ordered, ordered[0]]),
                "remove broader: from one of them",
            )


def _check_translations(doc: YamlDoc, entries: list, loaded: dict, owner: dict, problems: Problems) -> None:
    """Add each loaded keyword's sv/da/nb labels to ``owner`` (folded term → keyword id), entry by
    entry in file order; report one that already names another keyword (its id, label, an alias
    or an earlier keyword's sv/da/nb label). A case may name a keyword by any of them, so a
    shared one would either be refused as unknown or, worse, quietly name the other keyword.
    A label the keyword shares with its own terms (``Integration`` in English and Danish) is fine."""
    for i, kw in _loaded_entries(doc, entries, loaded):
        for lang, label in kw.labels.items():
            if not isinstance(label, str) or not label.strip():
                continue
            other = owner.setdefault(term_key(label), kw.id)
            if other != kw.id:
                problems.add(
                    doc.line_of(("keywords", i, "labels", lang)),
                    f"keywords[{i}].labels.{lang}",
                    f"the {lang} label '{label}' already names the keyword '{other}' (line {loaded[other].line}), "
                    "so a case could not say which of the two it means",
                    "give each keyword its own label in every language; make one more specific or merge the keywords",
                )
