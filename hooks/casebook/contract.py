"""The library's contract: the body sections every case has and the library's own front-matter
fields, declared as data in ``contract.yml`` at the library's root (the file name is the
``contract`` option of ``extra.casebook``), checked against ``schema/contract.schema.json``.

Whatever a library leaves out comes from Casebook's default contract, ``data/contract.yml``
(the eight sections of a good-practice case and no fields beyond the built-in ones). One
:class:`Contract` drives the case schema and the checker's messages, the new-case template,
the field reference, the exports and their Data Package, the explorer's facets and the case
page's metadata table.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import schema
from .problems import Problem, Problems
from .source import read_text
from .yamlsafe import parse_yaml

CONTRACT_PATH = "contract.yml"
"""The contract's file, relative to the library root, unless ``extra.casebook.contract`` names another."""

KINDS = ("text", "long-text", "year", "integer", "boolean", "one-of", "several-of", "url")
"""The kinds of field a library may declare (``kind:`` in contract.yml)."""

FACET_KINDS = frozenset({"year", "integer", "boolean", "one-of", "several-of"})
"""The kinds the explorer can filter on: values from a list as checkboxes with counts, years
and integers as ranges, booleans as yes/no."""

EXPORT_COLUMNS = frozenset({"id", "url", "period_start", "period_end", "version", "keyword_labels"})
"""Names the exports use for columns of their own: no field may take them."""

EXPLORER_PARAMETERS = frozenset(
    {"keyword", "keywords", "group", "groups", "country", "countries", "match", "from", "to", "q", "view"}
)
"""Names the explorer's address uses for its own filters: no field may take them."""

RANGE_SUFFIXES = ("_from", "_to", "_min", "_max")
"""How the explorer's address names the bounds of a year or integer facet (``budget_from``)."""


@dataclass(frozen=True)
class Section:
    """A ``## `` section of every case's body."""

    name: str
    guidance: str = ""
    """What it should contain (the template and the contributing guide show it)."""
    not_reported: bool = True
    """Whether it may say only the contract's :attr:`Contract.not_reported` sentence."""


@dataclass(frozen=True)
class Choice:
    """One allowed value of a ``one-of`` or ``several-of`` field."""

    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """A front-matter field a library declares beside the built-in ones."""

    name: str
    kind: str
    """One of :data:`KINDS`."""
    label: str
    description: str = ""
    required: bool = False
    facet: bool = False
    """Whether the explorer filters on it (only :data:`FACET_KINDS`)."""
    show: bool = True
    """Whether the case page's metadata table shows it."""
    unit: str | None = None
    """For ``integer``: the unit of its numbers (EUR, persons)."""
    minimum: int | None = None
    maximum: int | None = None
    values: tuple = ()
    """For ``one-of`` and ``several-of``: the :class:`Choice` s allowed, in order."""

    def label_of(self, value: str) -> str:
        """The reader's label of an allowed value (the value itself if it has none)."""
        return next((c.label for c in self.values if c.value == value), value)

    def shown(self, value) -> str:
        """A value as readers see it: 'Small', 'Yes', '250,000 EUR', 'Small, Medium'; '' for none."""
        if value is None or value == ():
            return ""
        if self.kind == "boolean":
            return "Yes" if value else "No"
        if self.kind == "integer":
            return f"{value:,}" + (f" {self.unit}" if self.unit else "")
        if self.kind == "one-of":
            return self.label_of(value)
        if self.kind == "several-of":
            return ", ".join(self.label_of(v) for v in value)
        return str(value)

    def json_schema(self) -> dict:
        """The JSON Schema of the field's value in a case's front matter (with the description,
        an example and the ``x-fix`` the checker's messages use)."""
        found = _KIND_SCHEMA[self.kind](self)
        found.update({"title": self.label, "description": self.description or self.label})
        found.setdefault("x-fix", _FIX[self.kind](self))
        return found


def _integer_schema(f: Field) -> dict:
    out = {"type": "integer", "minimum": 0 if f.minimum is None else f.minimum, "examples": [max(f.minimum or 0, 1)]}
    if f.unit:
        out["x-unit"] = f.unit
    if f.maximum is not None:
        out["maximum"] = f.maximum
    return out


_KIND_SCHEMA = {
    "text": lambda f: {"$ref": "#/$defs/line", "maxLength": 300, "examples": [f.label]},
    "long-text": lambda f: {
        "type": "string",
        "minLength": 1,
        "maxLength": 5000,
        "pattern": "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$(?![\\s\\S])",
        "examples": [f"{f.label}, in two or three plain sentences."],
    },
    "year": lambda f: {"$ref": "#/$defs/year", "examples": [2015]},
    "integer": _integer_schema,
    "boolean": lambda f: {"type": "boolean", "examples": [True]},
    "one-of": lambda f: {"type": "string", "enum": [c.value for c in f.values], "examples": [f.values[0].value]},
    "several-of": lambda f: {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"type": "string", "enum": [c.value for c in f.values]},
        "examples": [[c.value for c in f.values[:2]]],
    },
    "url": lambda f: {"$ref": "#/$defs/url", "examples": ["https://example.org/"]},
}

_FIX = {
    "text": lambda f: f"write it on one line, e.g. {f.name}: {f.label}",
    "long-text": lambda f: f"write plain sentences after '{f.name}: >-' on the lines below, indented",
    "year": lambda f: f"write a four-digit year without quotes, e.g. {f.name}: 2015",
    "integer": lambda f: (
        f"write a whole number without spaces or units, e.g. {f.name}: {max(f.minimum or 0, 1)}"
        + (f" (in {f.unit})" if f.unit else "")
    ),
    "boolean": lambda f: f"write {f.name}: true or {f.name}: false",
    "one-of": lambda f: f"write one of: {', '.join(c.value for c in f.values)}",
    "several-of": lambda f: (
        "list one or more of " + ", ".join(c.value for c in f.values) + ", one per line starting with '- '"
    ),
    "url": lambda f: "give a full web address starting with https://",
}


@dataclass(frozen=True)
class Contract:
    """What every case of a library has: its sections, in order, and its own fields."""

    sections: tuple
    """The :class:`Section` s, in order."""
    fields: tuple = ()
    """The library's own :class:`Field` s, in order (the built-in ones are not among them)."""
    not_reported: str = "Not reported in the sources."
    """What a section says when the sources are silent."""

    @property
    def section_names(self) -> tuple:
        """The section headings, in order."""
        return tuple(s.name for s in self.sections)

    @property
    def facets(self) -> tuple:
        """The fields the explorer filters on, in order."""
        return tuple(f for f in self.fields if f.facet)

    def field(self, name: str) -> Field | None:
        """The declared field called ``name``, if any."""
        return next((f for f in self.fields if f.name == name), None)

    @functools.cached_property
    def case_schema(self) -> dict:
        """The JSON Schema of a case's front matter: the built-in one with this contract's
        fields added (in order, after the built-in ones) and the required ones required."""
        base = schema.load_schema("case")
        properties = dict(base["properties"])
        properties.update({f.name: f.json_schema() for f in self.fields})
        required = list(base["required"]) + [f.name for f in self.fields if f.required]
        defs = dict(base["$defs"])
        defs["url"] = properties["sources"]["items"]["properties"]["url"]
        return {**base, "properties": properties, "required": required, "$defs": defs}

    def cache_key(self) -> tuple:
        """The contract as plain data (for the build cache's keys)."""
        return (
            tuple((s.name, s.guidance, s.not_reported) for s in self.sections),
            tuple(
                (*(getattr(f, k) for k in _FIELD_KEYS), tuple((c.value, c.label) for c in f.values))
                for f in self.fields
            ),
            self.not_reported,
        )


_FIELD_KEYS = ("name", "kind", "label", "description", "required", "facet", "show", "unit", "minimum", "maximum")


def named_in(config_file: Path) -> str | None:
    """The contract file ``extra.casebook.contract`` names in a library's mkdocs.yml (``None``:
    not named, or the file cannot be read; the build reports that). For the command line,
    which reads no MkDocs configuration; the build takes the option from MkDocs' config."""
    import yaml

    from .markdown_reading import ConfigError, read_mkdocs_config

    try:
        data = read_mkdocs_config(Path(config_file))  # INHERIT followed, as MkDocs does
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ConfigError):
        return None
    for key in ("extra", "casebook", "contract"):
        data = data.get(key) if isinstance(data, dict) else None
    return data.strip() if isinstance(data, str) and data.strip() else None


@functools.cache
def default_contract() -> Contract:
    """Casebook's default contract (``data/contract.yml``)."""
    text = resources.files(__package__).joinpath("data").joinpath("contract.yml").read_text("utf-8")
    doc = parse_yaml(text)
    return _build(doc.data, None)


def _option_line(config_file: Path, keys: tuple) -> int:
    """The 1-based line of the option at ``keys`` in ``config_file`` (a mkdocs.yml, its tags left
    unresolved), or 1 when it cannot be found: where a problem with the option's value is shown."""
    import yaml

    try:
        node = yaml.compose(config_file.read_text("utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 1
    line = 1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return 1
        found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
        if found is None:
            return 1
        line, node = found[0].start_mark.line + 1, found[1]
    return line


def load_contract(root: Path, name: str | None = None) -> tuple[Contract, list]:
    """The contract of the library at ``root``: ``name`` (relative to ``root``; default
    :data:`CONTRACT_PATH`, which may be absent) read and checked, with what it leaves out taken
    from :func:`default_contract`. Returns the contract and every problem found, each a
    :class:`casebook.problems.Problem` with the file's line and a fix; with problems, the
    contract returned is the default one (the caller stops before reading any case)."""
    rel = name or CONTRACT_PATH
    path = Path(root) / rel
    if not path.exists():
        if name is None:
            return default_contract(), []
        fix = f"create {rel}, or correct the name here"
        line = _option_line(Path(root) / "mkdocs.yml", ("extra", "casebook", "contract"))
        message = f"the contract file {rel} does not exist"
        return default_contract(), [Problem("mkdocs.yml", line, "extra.casebook.contract", message, fix)]
    problems = Problems(rel)
    text = read_text(path, problems)
    doc = parse_yaml(text or "") if text is not None else None
    for err in doc.errors if doc else ():
        problems.add(err.line, err.field, err.message, err.fix)
    if doc is None or not doc.readable:  # a repeated field or an alias: the rest is still checked
        return default_contract(), problems.items
    if doc.data is None:
        return default_contract(), problems.items
    if not isinstance(doc.data, dict):
        fix = "write sections: and fields: at the start of a line, with their entries below"
        problems.add(1, "contract", f"the contract is {schema.describe(doc.data)}, not a group of fields", fix)
        return default_contract(), problems.items
    schema.validate(doc, problems, name="contract", skip=frozenset(doc.refused))
    _check_sections(doc, problems)
    _check_fields(doc, problems)
    if problems:
        return default_contract(), problems.items
    return _build(doc.data, default_contract()), []


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _entries(data: dict, key: str) -> list:
    """``[(index, entry)]`` of the list ``data[key]``, its groups of fields only."""
    items = data.get(key)
    return [(i, e) for i, e in enumerate(items) if isinstance(e, dict)] if isinstance(items, list) else []


def _check_sections(doc, problems: Problems) -> None:
    """Two sections with one name (ignoring capitals and spaces)."""
    seen: dict = {}
    for i, section in _entries(doc.data, "sections"):
        if not isinstance(section.get("name"), str):
            continue  # the schema reports it
        key = _key(section["name"])
        if key in seen:
            first = doc.line_of(("sections", seen[key], "name"))
            problems.add(
                doc.line_of(("sections", i, "name")),
                f"sections[{i}].name",
                f"the section '{section['name']}' is declared twice (first on line {first})",
                "remove one of them, or give it another name",
            )
        else:
            seen[key] = i


def _check_fields(doc, problems: Problems) -> None:
    """Field definitions that contradict themselves or each other."""
    built_in = set(schema.load_schema("case")["properties"])
    seen: dict = {}
    for i, item in _entries(doc.data, "fields"):
        at = lambda key, i=i: doc.line_of(("fields", i, key))  # noqa: E731
        name, kind = item.get("name"), item.get("kind")
        where = f"fields[{i}]"
        if not isinstance(name, str):
            continue  # the schema reports it
        taken = _taken(name, built_in, doc.data)
        if taken:
            problems.add(at("name"), f"{where}.name", f"'{name}' is {taken}", "give the field another name")
        elif name in seen:
            first = doc.line_of(("fields", seen[name], "name"))
            what = f"the field '{name}' is declared twice (first on line {first})"
            problems.add(at("name"), f"{where}.name", what, "remove one of them, or give it another name")
        seen.setdefault(name, i)
        for message, key, fix in _contradictions(item, kind) if kind in KINDS else ():
            line = doc.line_of(("fields", i, *key)) if isinstance(key, tuple) else at(key)
            shown = f"{key[0]}[{key[1]}]" if isinstance(key, tuple) else key
            problems.add(line, f"{where}.{shown}", message, fix)


def _taken(name: str, built_in: set, data: dict) -> str:
    """What else already uses a field's ``name`` ('' when nothing does)."""
    if name in built_in:
        return "a built-in field"
    if name in EXPORT_COLUMNS:
        return "a column the exports use"
    if name in EXPLORER_PARAMETERS:
        return "a filter of the explorer's address"
    ranges = [e.get("name") for _, e in _entries(data, "fields") if e.get("kind") in ("year", "integer")]
    for other in ranges:
        if isinstance(other, str) and name in {other + s for s in RANGE_SUFFIXES}:
            return f"how the explorer's address names a bound of '{other}'"
    return ""


def _contradictions(item: dict, kind: str) -> list:
    """``[(message, key, fix)]`` for what a field's kind rules out (``key``: the option's name,
    or ``("values", index)``)."""
    out = []
    listed = kind in ("one-of", "several-of")
    if listed and item.get("values") in (None, []):
        fix = "add values: with one '- value: ...' per line"
        out.append((f"a {kind} field needs values to choose from", "kind", fix))
    if not listed and "values" in item:
        fix = f"remove values:, or change kind: {kind} to kind: one-of or several-of"
        out.append(("values apply only to one-of and several-of fields", "values", fix))
    values = [v.get("value") if isinstance(v, dict) else None for v in item.get("values") or ()] if listed else []
    for j, value in enumerate(values):
        if value is not None and value in values[:j]:
            first = values.index(value)
            what = f"the value '{value}' is listed twice (first as values[{first}])"
            out.append((what, ("values", j), "remove the repeated value"))
    if item.get("facet") and kind not in FACET_KINDS:
        fix = "remove facet: true; the explorer filters on year, integer, boolean, one-of and several-of fields"
        out.append((f"the explorer cannot filter on a {kind} field", "facet", fix))
    for key in ("unit", "minimum", "maximum"):
        if key in item and kind != "integer":
            fix = f"remove {key}:, or change kind: {kind} to kind: integer"
            out.append((f"{key} applies only to integer fields", key, fix))
    low, high = item.get("minimum"), item.get("maximum")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        out.append((f"the minimum {low} is above the maximum {high}", "maximum", "swap the two numbers"))
    return out


def _build(data: dict, default: Contract | None) -> Contract:
    """A :class:`Contract` from checked data; what ``data`` leaves out comes from ``default``."""
    sections = (
        tuple(
            Section(s["name"].strip(), " ".join(s.get("guidance", "").split()), s.get("not_reported", True))
            for s in data["sections"]
        )
        if data.get("sections") is not None or default is None
        else default.sections
    )
    fields = tuple(_field(f) for f in data.get("fields") or ())
    not_reported = (data.get("not_reported") or (default.not_reported if default else "")).strip()
    return Contract(sections=sections, fields=fields, not_reported=not_reported or Contract.not_reported)


def _field(item: dict) -> Field:
    values = tuple(Choice(v["value"], (v.get("label") or v["value"]).strip()) for v in item.get("values") or ())
    return Field(
        name=item["name"],
        kind=item["kind"],
        label=item["label"].strip(),
        description=" ".join(item.get("description", "").split()),
        required=item.get("required", False),
        facet=item.get("facet", False),
        show=item.get("show", True),
        unit=item.get("unit"),
        minimum=item.get("minimum"),
        maximum=item.get("maximum"),
        values=values,
    )


__all__ = ["CONTRACT_PATH", "Choice", "Contract", "Field", "Section", "default_contract", "load_contract"]
