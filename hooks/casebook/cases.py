"""A case: one ``cases/<id>.md`` file, loaded and checked against the contract."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import gazetteer, i18n, schema
from .body import TODO, check_body
from .cache import digest
from .contract import Contract, default_contract
from .pasted import lookalikes, ordinary
from .problems import Problem, Problems, did_you_mean
from .source import read_text, split_front_matter
from .taxonomy import Taxonomy
from .translit import slug
from .yamlsafe import field_name, parse_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""What a case id (its file name without ``.md``) looks like."""

ONGOING = "ongoing"


@dataclass(frozen=True)
class Source:
    """A document a case is written from."""

    title: str
    publisher: str | None = None
    year: int | None = None
    url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Case:
    """A validated case. Lists are tuples; keywords are taxonomy ids."""

    id: str
    path: str
    """File path relative to the library root (``cases/<id>.md``)."""
    title: str
    summary: str
    country: str
    municipalities: tuple
    period_start: int
    period_end: int | None
    """The last year, or ``None`` while the programme is ongoing."""
    keywords: tuple
    sources: tuple
    body: str
    """The Markdown after the front matter."""
    title_en: str | None = None
    neighbourhoods: tuple = ()
    organisations: tuple = ()
    locations: tuple = ()
    """Where the case is: a :class:`casebook.gazetteer.Location` for each of its municipalities
    and neighbourhoods that is placed (:func:`place_case`), in their order."""
    extra: tuple = ()
    """The library's own fields (:attr:`casebook.contract.Contract.fields`), in the contract's
    order, as ``(name, value)``: ``None`` when not given; a ``several-of`` value is a tuple."""
    meta: dict = field(default_factory=dict, compare=False)

    def cache_key(self) -> str:
        """What the case says, for the build cache's keys: the digest of its id, path, record and
        body (``meta``, the lines of its fields for messages, is left out: no page or file shows
        it), made once per case (keys of a 10,000-case build name each case several times)."""
        return self.digest

    @cached_property
    def digest(self) -> str:
        """The SHA-256 (hex) of what the case says (:meth:`cache_key`). A case loaded by
        :func:`casebook.library.load_library` has its cache entry's key here instead (the
        digest of its file's bytes and of everything it is read with), which names it as well."""
        return digest(self.id, self.path, self.record(), self.body)

    @cached_property
    def record_digest(self) -> str:
        """The SHA-256 (hex) of the case's id, path and :meth:`record`: what it says besides its
        body, which is all that any page but its own, and any data file, shows of it. An edit of
        the body alone leaves it as it was."""
        return digest(self.id, self.path, self.record())

    @cached_property
    def sources_digest(self) -> str:
        """The SHA-256 (hex) of what :func:`casebook.sources_check.check_sources` reads of the
        case: its path, its sources and the lines they are on in its file."""
        lines = {repr(k): v for k, v in self.meta.get("lines", {}).items() if len(k) > 1 and k[0] == "sources"}
        return digest(self.path, [vars(s) for s in self.sources], lines)

    @property
    def url(self) -> str:
        """The case's path on the site, relative to the site root."""
        return f"cases/{self.id}/"

    @property
    def period_label(self) -> str:
        """The period for readers: '2010–2015', '2011–ongoing' or '2015'."""
        if self.period_end == self.period_start:
            return str(self.period_start)
        return f"{self.period_start}–{self.period_end if self.period_end is not None else ONGOING}"

    def record(self) -> dict:
        """The front matter as plain data under the schema's field names; ``locations`` holds every
        placed place (:attr:`locations`), each with its ``source`` (gazetteer or case file)."""
        return {
            "title": self.title,
            "title_en": self.title_en,
            "summary": self.summary,
            "country": self.country,
            "municipalities": list(self.municipalities),
            "neighbourhoods": list(self.neighbourhoods),
            "locations": [
                {"place": loc.name, "latitude": loc.latitude, "longitude": loc.longitude, "source": loc.source}
                for loc in self.locations
            ],
            "period": {"start": self.period_start, "end": ONGOING if self.period_end is None else self.period_end},
            "organisations": list(self.organisations),
            "keywords": list(self.keywords),
            "sources": [{k: v for k, v in vars(s).items() if v is not None} for s in self.sources],
            **{name: list(v) if isinstance(v, tuple) else v for name, v in self.extra},
        }

    def value(self, name: str):
        """The value of one of the library's own fields (``None`` when not given)."""
        return next((v for n, v in self.extra if n == name), None)


def slugify(name: str) -> str:
    """A valid id suggestion for a file name ('Områdeløft Saupstad' → 'omradeloft-saupstad'),
    transliterated as in :func:`casebook.translit.slug`; ``case`` when nothing is left."""
    return slug(name) or "case"


RESERVED_IDS = frozenset({"index"})
"""Ids that would collide with generated pages (``cases/index.md`` is the case list)."""


def check_id(path: str, stem: str, problems: Problems) -> None:
    """The file name must be a valid id."""
    if stem in RESERVED_IDS:
        problems.add(
            1,
            "file name",
            f"'{stem}' is reserved for a page Casebook generates",
            "rename the file after the programme, e.g. cases/<programme-name>.md",
        )
    elif not ID_PATTERN.match(stem):
        problems.add(
            1,
            "file name",
            f"'{stem}' is not a valid case id (lower-case letters, digits and single hyphens)",
            f"rename the file to cases/{slugify(stem)}.md",
        )


def is_todo(value) -> bool:
    """Whether a value is the scaffold's placeholder, still to be filled in."""
    return isinstance(value, str) and value.strip().startswith(TODO)


def _report_todos(doc, problems: Problems, root: dict) -> frozenset:
    """Report every placeholder left from the scaffold; returns their paths. ``root``: the case schema."""
    found = []

    def walk(value, path):
        if is_todo(value):
            found.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))

    walk(doc.data, ())
    for path in found:
        sub = schema.schema_at(root, path)
        if isinstance(path[-1], int):  # a list entry: describe the list
            sub = schema.schema_at(root, path[:-1])
        parent = schema.schema_at(root, path[:-1])
        optional = isinstance(path[-1], str) and path[-1] not in parent.get("required", [])
        fix = sub.get("x-fix", "")
        if optional and "leave the field out" not in fix:
            fix += ", or delete the line if it does not apply"
        what = (
            "still to fill in"
            if isinstance(path[-1], int)
            else f"still to fill in: {sub.get('description', '').rstrip('.')}"
        )
        problems.add(doc.line_of(path), field_name(path), what, fix)
    return frozenset(found)


_MARKUP = re.compile(r"\]\(|\*\*|__|`")
"""Markdown an editor writes out of habit: a link's ``](``, bold ``**`` or ``__``, code's backtick.
(Text that looks like HTML is escaped and shown as typed: "fewer than <5%" is a sentence.)"""


def _check_plain_summary(summary, doc, problems: Problems) -> None:
    """Report Markdown in the summary, which every page, export and citation shows as plain text
    (the schema's description: "no Markdown or HTML"): it would show as typed."""
    found = _MARKUP.search(summary) if isinstance(summary, str) else None
    if found:
        problems.add(
            doc.line_of(("summary",)),
            "summary",
            f"the summary is plain text, so the markup in it ('{found.group(0)}') would show as typed",
            "write it as plain sentences; links and emphasis belong in the sections below",
        )


def _check_values(data: dict, doc, problems: Problems, taxonomy: Taxonomy | None) -> list:
    """Checks the schema cannot express; returns the resolved keyword ids."""
    country = data.get("country")
    if isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country) and country not in i18n.country_codes():
        problems.add(
            doc.line_of(("country",)),
            "country",
            f"'{country}' is not an ISO 3166-1 country code",
            "use the two-letter code, e.g. SE for Sweden, DK for Denmark, NO for Norway",
        )
    _check_plain_summary(data.get("summary"), doc, problems)
    period = data.get("period")
    if isinstance(period, dict):
        start, end = period.get("start"), period.get("end")
        if type(start) is int and type(end) is int and end < start:
            problems.add(
                doc.line_of(("period", "end")),
                "period.end",
                f"the end year {end} is before the start year {start}",
                "check both years; end must be the same as start or later",
            )
    for name in ("municipalities", "neighbourhoods", "organisations"):
        values = data.get(name)
        if not isinstance(values, list):
            continue
        seen: dict = {}
        for i, value in enumerate(values):
            if not isinstance(value, str) or is_todo(value):
                continue
            key = " ".join(value.casefold().split())
            if key in seen:
                problems.add(
                    doc.line_of((name, i)),
                    f"{name}[{i}]",
                    f"'{value}' is listed twice (also on line {doc.line_of((name, seen[key]))})",
                    "remove the repeated entry",
                )
            else:
                seen[key] = i
    _check_locations(data, doc, problems)
    sources = data.get("sources")
    for i, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, dict):
            continue
        language = source.get("language")
        if isinstance(language, str) and re.fullmatch(r"[a-z]{2}", language) and language not in i18n.language_codes():
            problems.add(
                doc.line_of(("sources", i, "language")),
                f"sources[{i}].language",
                f"'{language}' is not an ISO 639-1 language code",
                "use e.g. en (English), sv (Swedish), da (Danish), nb (Norwegian Bokmål)",
            )
    ids: list = []
    keywords = data.get("keywords")
    if taxonomy is None or not isinstance(keywords, list):
        return ids
    first: dict = {}
    for i, term in enumerate(keywords):
        if not isinstance(term, str) or not term.strip() or is_todo(term):
            continue
        line = doc.line_of(("keywords", i))
        kid = taxonomy.resolve(term)
        if kid is None:
            hint = taxonomy.suggest(term)
            problems.add(
                line,
                f"keywords[{i}]",
                f"'{term}' is not in the taxonomy",
                (hint + " " if hint else "") + "use a keyword from taxonomy/keywords.yml, or propose a new one there",
            )
            continue
        if kid in first:
            j, other = first[kid]
            same = "repeats" if other.casefold() == term.casefold() else f"means the same keyword ('{kid}') as"
            problems.add(
                line,
                f"keywords[{i}]",
                f"'{term}' {same} '{other}' (line {doc.line_of(('keywords', j))})",
                "keep only one of them",
            )
            continue
        first[kid] = (i, term)
        ids.append(kid)
    return ids


def _places_of(data: dict) -> dict:
    """The case's municipalities and neighbourhoods that are text, by folded name
    (:func:`casebook.gazetteer.fold`), in order."""
    places: dict = {}
    for name in ("municipalities", "neighbourhoods"):
        values = data.get(name)
        for value in values if isinstance(values, list) else ():
            if isinstance(value, str) and value.strip() and not is_todo(value):
                places.setdefault(gazetteer.fold(value), value.strip())
    return places


def _check_locations(data: dict, doc, problems: Problems) -> None:
    """Each entry of ``locations:`` names one of the case's places, once, with a point inside or
    near its country (:func:`_check_point`); the schema has checked the types and ranges."""
    locations = data.get("locations")
    if not isinstance(locations, list):
        return
    places = _places_of(data)
    seen: dict = {}
    for i, entry in enumerate(locations):
        if not isinstance(entry, dict):
            continue
        place = entry.get("place")
        if isinstance(place, str) and place.strip() and not is_todo(place):
            key = gazetteer.fold(place)
            line = doc.line_of(("locations", i, "place"))
            if key not in places:
                hint = did_you_mean(place, places.values())
                problems.add(
                    line,
                    f"locations[{i}].place",
                    f"'{place}' is not one of the case's municipalities or neighbourhoods",
                    (hint + " " if hint else "") + "write it as spelt under municipalities: or neighbourhoods:, "
                    "or add it there",
                )
            elif key in seen:
                problems.add(
                    line,
                    f"locations[{i}].place",
                    f"'{place}' is given twice (also on line {doc.line_of(('locations', seen[key], 'place'))})",
                    "keep one entry per place",
                )
            else:
                seen[key] = i
        _check_point(entry, data.get("country"), doc, i, problems)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_point(entry: dict, country, doc, i: int, problems: Problems) -> None:
    """The latitude and longitude of ``locations[i]``: finite, and inside the box around the
    country's places in the gazetteer (:meth:`casebook.gazetteer.Gazetteer.box`), or else
    reported as swapped when the other order is inside it."""
    lat, lon = entry.get("latitude"), entry.get("longitude")
    for name, value in (("latitude", lat), ("longitude", lon)):
        if _number(value) and not math.isfinite(value):
            problems.add(
                doc.line_of(("locations", i, name)),
                f"locations[{i}].{name}",
                f"must be a number, not {value}",
                f"write the {name} in decimal degrees, e.g. {55.7396 if name == 'latitude' else 12.4395}",
            )
            return
    if not (_number(lat) and _number(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return  # the schema reports it
    if not (isinstance(country, str) and country in i18n.country_codes()):
        return
    box = gazetteer.shared().box(country)
    if box is None:
        return
    south, north, west, east = box

    def inside(y, x):
        return south <= y <= north and west <= x <= east

    if inside(lat, lon):
        return
    name = i18n.country_name(country)
    line = doc.line_of(("locations", i, "latitude"))
    if inside(lon, lat):
        problems.add(
            line,
            f"locations[{i}]",
            f"latitude and longitude look swapped: ({lat}, {lon}) is far from {name}, ({lon}, {lat}) is in it",
            f"write latitude: {lon} and longitude: {lat} (latitude is north-south and comes first)",
        )
        return
    problems.add(
        line,
        f"locations[{i}]",
        f"the point ({lat}, {lon}) is not in or near {name} ({country})",
        f"check the coordinates (decimal degrees, latitude first): places in {name} lie between latitude "
        f"{south + gazetteer.MARGIN:.0f} and {north - gazetteer.MARGIN:.0f}, longitude "
        f"{west + gazetteer.MARGIN:.0f} and {east - gazetteer.MARGIN:.0f}",
    )


def place_case(country: str, municipalities, neighbourhoods, given: dict, gaz=None) -> tuple:
    """Where a case is: a :class:`casebook.gazetteer.Location` for each of its ``municipalities``
    then ``neighbourhoods`` (names, in order) that is placed, from ``given`` (folded name →
    ``(latitude, longitude)``, the case's ``locations:``; source "case file"), else from the
    gazetteer ``gaz`` (default :func:`casebook.gazetteer.shared`; source "gazetteer"). A
    neighbourhood is looked for among the places inside the case's municipalities, when the
    gazetteer knows any of them (a 'Centrum' elsewhere in the country is not it)."""
    gaz = gaz or gazetteer.shared()
    out = []
    areas = set()
    for name in municipalities:
        area = gaz.area(name, country)
        if area is not None:
            areas.add(area)
    within = frozenset(areas) if areas else None
    for name, inside in [*((m, None) for m in municipalities), *((n, within) for n in neighbourhoods)]:
        point = given.get(gazetteer.fold(name))
        if point is not None:
            out.append(gazetteer.Location(name, float(point[0]), float(point[1]), gazetteer.CASE_FILE))
            continue
        found = gaz.locate(name, country, inside)
        if found is not None:
            out.append(found)
    return tuple(out)


NOTE_FIX = (
    "add its coordinates to the case: locations: then '- place: {place}' with latitude: and longitude: "
    "on the next lines (decimal degrees, e.g. from a map's 'What's here?')"
)


def location_notes(case: Case) -> list:
    """Notes (:class:`casebook.problems.Problem`, not errors) on a case's places the map will
    not show: every municipality not placed and, when none of its places is placed, the case
    itself (it is on no map). At the line of the municipality (``case.meta["lines"]``)."""
    placed = {gazetteer.fold(loc.name) for loc in case.locations}
    lines = case.meta.get("lines", {})
    missing = [(i, m) for i, m in enumerate(case.municipalities) if gazetteer.fold(m) not in placed]
    if not case.locations:
        names = ", ".join(f"'{p}'" for p in (*case.municipalities, *case.neighbourhoods))
        return [
            Problem(
                case.path,
                lines.get(("municipalities",), 1),
                "municipalities",
                f"the case is on no map: none of its places ({names}) is in the gazetteer for {case.country}",
                NOTE_FIX.format(place=case.municipalities[0]),
            )
        ]
    return [
        Problem(
            case.path,
            lines.get(("municipalities", i), 1),
            f"municipalities[{i}]",
            f"'{name}' is not in the gazetteer for {case.country}: the map shows the case at its other places",
            NOTE_FIX.format(place=name),
        )
        for i, name in missing
    ]


@dataclass
class CaseReading:
    """What a case file says before the taxonomy is consulted: everything :func:`read_case`
    finds from the file's text alone (picklable, so the build cache keeps it by the file's
    digest, and a process pool can make it)."""

    rel: str
    problems: list
    """The problems found so far (:class:`casebook.problems.Problem`)."""
    doc: object = None
    """The parsed front matter (:class:`casebook.yamlsafe.YamlDoc`), ``None`` if there is none to check further."""
    body: str = ""
    todos: frozenset = frozenset()


def read_case(root: Path, path: Path, reading=None, contract: Contract | None = None) -> CaseReading:
    """Read and check one case file as far as its text alone allows: the id, the encoding,
    pasted look-alikes, the YAML, the body's outline (``reading``: the site's Markdown,
    :class:`casebook.markdown_reading.MarkdownReading`) and the schema, both as the library's
    ``contract`` says (default: :func:`casebook.contract.default_contract`). :func:`load_case`
    finishes it against the taxonomy."""
    contract = contract or default_contract()
    rel = path.relative_to(root).as_posix()
    problems = Problems(rel)
    check_id(rel, path.stem, problems)
    text = read_text(path, problems)
    if text is None:
        return CaseReading(rel, problems.items)
    parts = split_front_matter(text, problems)
    if parts is None:
        return CaseReading(rel, problems.items)
    for found in lookalikes(parts.front, parts.front_line - 1):  # pasted from a word processor
        problems.add(found.line, found.field, found.message, found.fix)
    doc = parse_yaml(ordinary(parts.front), parts.front_line - 1)
    for err in doc.errors:
        problems.add(err.line, err.field, err.message, err.fix)
    end_line = parts.body_line + parts.body.count("\n")
    check_body(parts.body, parts.body_line, problems, end_line, reading, contract)
    if not doc.readable:
        return CaseReading(rel, problems.items)
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"{schema.describe(doc.data)}, not fields"
        problems.add(
            parts.front_line,
            "front matter",
            f"the front matter is {what}",
            "write one field per line as name: value (title:, summary:, country: ...)",
        )
        return CaseReading(rel, problems.items)
    doc.lines.setdefault((), parts.front_line)
    todos = _report_todos(doc, problems, contract.case_schema)
    schema.validate(doc, problems, contract.case_schema, skip=todos | frozenset(doc.refused))
    return CaseReading(rel, problems.items, doc, parts.body, todos)


def load_case(
    root: Path,
    path: Path,
    taxonomy: Taxonomy | None,
    reading=None,
    read: CaseReading | None = None,
    contract: Contract | None = None,
) -> tuple[Case | None, list]:
    """Read and check one case file. Returns the case (``None`` if invalid) and its problems.
    ``reading``: the site's Markdown reading (:class:`casebook.markdown_reading.MarkdownReading`),
    which decides which lines are headings; ``read``: the file's :func:`read_case`, if already
    made; ``contract``: the library's (default: :func:`casebook.contract.default_contract`)."""
    contract = contract or default_contract()
    read = read if read is not None else read_case(root, path, reading, contract)
    problems = Problems(read.rel, list(read.problems))
    doc = read.doc
    if doc is None:
        return None, problems.items
    keywords = _check_values(doc.data, doc, problems, taxonomy)
    if problems:
        return None, problems.items
    data = doc.data
    period = data["period"]
    case = Case(
        id=path.stem,
        path=read.rel,
        title=data["title"].strip(),
        title_en=(data.get("title_en") or "").strip() or None,
        summary=" ".join(data["summary"].split()),
        country=data["country"],
        municipalities=tuple(v.strip() for v in data["municipalities"]),
        neighbourhoods=tuple(v.strip() for v in data.get("neighbourhoods") or ()),
        organisations=tuple(v.strip() for v in data.get("organisations") or ()),
        period_start=period["start"],
        period_end=None if period["end"] == ONGOING else period["end"],
        keywords=tuple(keywords),
        sources=tuple(
            Source(
                title=s["title"].strip(),
                publisher=(s.get("publisher") or "").strip() or None,
                year=s.get("year"),
                url=s.get("url"),
                language=s.get("language"),
            )
            for s in data["sources"]
        ),
        body=read.body,
        locations=_locations(data),
        extra=tuple((f.name, _own_value(data.get(f.name))) for f in contract.fields),
        meta={"lines": {k: v for k, v in doc.lines.items() if _kept_line(k)}},
    )
    return case, problems.items


def _kept_line(path: tuple) -> bool:
    """Whether :attr:`Case.meta` keeps the line of this front-matter path: a source's fields (for
    the sources check), the municipalities and their entries (for :func:`location_notes`)."""
    return (path[:1] == ("sources",) and len(path) > 1) or path[:1] == ("municipalities",)


def _locations(data: dict) -> tuple:
    """:func:`place_case` of a checked case's front matter."""
    given = {gazetteer.fold(e["place"]): (e["latitude"], e["longitude"]) for e in data.get("locations") or ()}
    return place_case(
        data["country"],
        [v.strip() for v in data["municipalities"]],
        [v.strip() for v in data.get("neighbourhoods") or ()],
        given,
    )


def _own_value(value):
    """A checked value of one of the library's own fields, as :attr:`Case.extra` keeps it."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return tuple(value)
    return value
