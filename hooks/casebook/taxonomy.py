"""The controlled vocabulary: keyword groups and keywords from ``taxonomy/keywords.yml``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .pasted import lookalikes, ordinary
from .problems import Problem, Problems, did_you_mean
from .source import read_text
from .yamlsafe import parse_yaml

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
    """Folded id, label, alias or unambiguous sv/da/nb label → keyword id."""

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

    def narrower(self) -> dict:
        """Keyword id → sorted ids of the keywords whose ``broader`` it is."""
        out: dict = {}
        for kw in self.keywords.values():
            if kw.broader:
                out.setdefault(kw.broader, []).append(kw.id)
        return {k: sorted(v) for k, v in out.items()}


def load_taxonomy(root: Path) -> tuple[Taxonomy, list[Problem]]:
    """Read and check the taxonomy; returns what could be loaded and every problem."""
    problems = Problems(TAXONOMY_PATH)
    taxonomy = Taxonomy()
    text = read_text(root / TAXONOMY_PATH, problems)
    if text is None:
        return taxonomy, problems.items
    for found in lookalikes(text):  # pasted from a word processor
        problems.add(found.line, found.field, found.message, found.fix)
    doc = parse_yaml(ordinary(text))
    for err in doc.errors:
        problems.add(err.line, err.field, err.message, err.fix)
    if doc.errors:
        return taxonomy, problems.items
    if not isinstance(doc.data, dict):
        problems.add(
            1,
            "taxonomy",
            "the file must contain the fields groups: and keywords:",
            "see the comment at the top of the file for the layout",
        )
        return taxonomy, problems.items
    schema.validate(doc, problems, "taxonomy")
    groups = doc.data.get("groups") if isinstance(doc.data.get("groups"), list) else []
    for i, entry in enumerate(groups):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        line = doc.line_of(("groups", i))
        if entry["id"] in taxonomy.groups:
            problems.add(
                line, f"groups[{i}].id", f"the group id '{entry['id']}' is used twice", "give each group its own id"
            )
            continue
        taxonomy.groups[entry["id"]] = Group(entry["id"], str(entry.get("label", entry["id"])))
    entries = doc.data.get("keywords") if isinstance(doc.data.get("keywords"), list) else []
    seen_label: dict = {}
    loaded: dict = {}
    for i, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("label"), str)
        ):
            continue
        line = doc.line_of(("keywords", i))
        kid = entry["id"]
        if kid == "index":
            problems.add(
                doc.line_of(("keywords", i, "id")),
                f"keywords[{i}].id",
                "the id 'index' is reserved for the keyword overview",
                "choose an id derived from the label",
            )
            continue
        if kid in loaded:
            problems.add(
                line,
                f"keywords[{i}].id",
                f"the keyword id '{kid}' is used twice (first on line {loaded[kid].line})",
                "give each keyword its own id, or merge the two entries",
            )
            continue
        labels = entry.get("labels") if isinstance(entry.get("labels"), dict) else {}
        aliases = entry.get("aliases") if isinstance(entry.get("aliases"), list) else []
        loaded[kid] = Keyword(
            id=kid,
            label=entry["label"],
            group=str(entry.get("group", "")),
            description=str(entry.get("description", "")),
            labels={lang: labels.get(lang, "") for lang in LANGUAGES},
            aliases=tuple(a for a in aliases if isinstance(a, str)),
            broader=entry.get("broader") if isinstance(entry.get("broader"), str) else None,
            line=line,
        )
        folded = term_key(entry["label"])
        if folded in seen_label:
            problems.add(
                doc.line_of(("keywords", i, "label")),
                f"keywords[{i}].label",
                f"the label '{entry['label']}' is already used by '{seen_label[folded]}'",
                "labels must be unique; make one more specific or merge the keywords",
            )
        else:
            seen_label[folded] = kid
    # The term index: ids, labels and aliases must each name exactly one keyword.
    owner: dict = {}
    for kid, kw in loaded.items():
        for term in (kid, kw.label):
            owner.setdefault(term_key(term), kid)
    for i, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or entry.get("id") not in loaded
            or loaded[entry["id"]].line != doc.line_of(("keywords", i))
        ):
            continue
        kw = loaded[entry["id"]]
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
        if kw.group and kw.group not in taxonomy.groups:
            problems.add(
                doc.line_of(("keywords", i, "group")),
                f"keywords[{i}].group",
                f"unknown group '{kw.group}'",
                did_you_mean(kw.group, taxonomy.groups) or f"use one of: {', '.join(taxonomy.groups)}",
            )
        if kw.broader is not None:
            where = doc.line_of(("keywords", i, "broader"))
            if kw.broader == kw.id:
                problems.add(
                    where, f"keywords[{i}].broader", "a keyword cannot be broader than itself", "remove broader:"
                )
            elif kw.broader not in loaded:
                problems.add(
                    where,
                    f"keywords[{i}].broader",
                    f"unknown keyword '{kw.broader}'",
                    did_you_mean(kw.broader, loaded) or "use the id of another keyword",
                )
    # Cycles in broader: follow each chain; report each cycle once, at its smallest id.
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
    taxonomy.keywords = {kid: loaded[kid] for kid in sorted(loaded)}
    # Swedish, Danish and Norwegian labels name their keyword too, unless one
    # of them is shared by two keywords or equals another keyword's term.
    translated: dict = {}
    for kid, kw in loaded.items():
        for label in kw.labels.values():
            if isinstance(label, str) and label.strip():
                translated.setdefault(term_key(label), set()).add(kid)
    for term, kids in sorted(translated.items()):
        if len(kids) == 1 and term not in owner:
            owner[term] = next(iter(kids))
    taxonomy.terms = owner
    return taxonomy, problems.items
