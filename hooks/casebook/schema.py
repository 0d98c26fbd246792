"""The case contract as a JSON Schema, and plain-words messages for it.

``schema/case.schema.json`` is the single description of a case's front
matter: this module validates with it, the editor docs and the data codebook
are generated from it. Every field carries a ``description``, ``examples``
and an ``x-fix`` (how to fix a wrong value) used in the messages below.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from . import i18n
from .problems import Problems, did_you_mean
from .yamlsafe import YamlDoc, field_name

if TYPE_CHECKING:
    import jsonschema


@functools.cache
def load_schema(name: str = "case") -> dict:
    """The JSON Schema ``schema/<name>.schema.json`` shipped with the package."""
    text = resources.files(__package__).joinpath("schema").joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


_TEXTS: dict = {}


def _text(root: dict) -> str:
    """A schema as canonical JSON: the key its compiled validators are kept by (made once
    per schema object, which is kept alive here so that its ``id`` is not reused)."""
    hit = _TEXTS.get(id(root))
    if hit is None or hit[0] is not root:
        hit = _TEXTS[id(root)] = (root, json.dumps(root, sort_keys=True, ensure_ascii=False))
    return hit[1]


def _root(name: str | dict) -> dict:
    """The schema called ``name`` (shipped with the package), or ``name`` itself when it is a schema
    (a library's case schema, :attr:`casebook.contract.Contract.case_schema`)."""
    return name if isinstance(name, dict) else load_schema(name)


@functools.cache
def _validator(text: str) -> jsonschema.Draft202012Validator:
    """jsonschema's validator, which explains every violation: imported only when a value is wrong
    (it takes longer to import than a valid library of 100 cases takes to check)."""
    import jsonschema

    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)  # a fork's edited schema is itself checked
    return jsonschema.Draft202012Validator(schema)


def _resolve(root: dict, schema: dict) -> dict:
    """Merge a ``$ref`` to ``#/$defs/...`` into the schema that uses it."""
    ref = schema.get("$ref")
    if not ref:
        return schema
    target = root
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    merged = dict(_resolve(root, target))
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def schema_at(root: dict, path) -> dict:
    """The (resolved) subschema that describes the value at ``path``."""
    schema = _resolve(root, root)
    for part in path:
        if isinstance(part, int):
            schema = _resolve(root, schema.get("items", {}))
        else:
            schema = _resolve(root, schema.get("properties", {}).get(part, {}))
    return schema


def iter_fields(name: str | dict = "case") -> Iterator[tuple[str, dict, bool]]:
    """Every documented field as ``(dotted name, resolved schema, required)`` of the schema
    ``name`` (a shipped schema's name, or a schema such as a library's
    :attr:`casebook.contract.Contract.case_schema`).

    Drives the editor docs and the codebook, so they never disagree with
    validation.
    """
    root = _root(name)

    def walk(schema: dict, prefix: str) -> Iterator[tuple[str, dict, bool]]:
        required = set(schema.get("required", []))
        for key, sub in schema.get("properties", {}).items():
            sub = _resolve(root, sub)
            dotted = f"{prefix}{key}"
            yield dotted, sub, key in required
            if sub.get("type") == "object":
                yield from walk(sub, dotted + ".")
            items = _resolve(root, sub.get("items", {}))
            if items.get("type") == "object":
                yield from walk(items, dotted + "[].")

    yield from walk(_resolve(root, root), "")


_KIND = {
    "string": "text",
    "array": "a list",
    "object": "a group of fields",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def describe(value: Any) -> str:
    """A short plain-words description of a YAML value, for messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the text '{shown}'"
    if isinstance(value, list):
        return "a list"
    return "a group of fields"


_DATE = re.compile(r"^\s*(\d{4})-\d{1,2}(-\d{1,2})?")


def _message(error: jsonschema.ValidationError, root: dict) -> tuple[str, str] | None:
    """What is wrong, for one jsonschema error (``None``: reported elsewhere)."""
    kind = error.validator
    value = error.instance
    expected = error.validator_value
    if kind == "type":
        wanted = " or ".join(_KIND.get(t, t) for t in ([expected] if isinstance(expected, str) else expected))
        if expected == "integer" and isinstance(value, str):
            year = error.schema.get("minimum") == 1800
            date = _DATE.match(value)
            if date and year:
                return f"{describe(value)} is a date, but a year is expected", f"write only the year: {date.group(1)}"
            digits = "".join(value.split())
            if digits.isdigit() and digits != value.strip():
                return f"{describe(value)} has spaces in it", f"write the number without spaces or quotes: {digits}"
            if value.strip().isdigit():
                what = "a year" if year else "a number"
                return f"{describe(value)} is quoted, but {what} is a number", f"remove the quotes: {value.strip()}"
        if expected == "array" and isinstance(value, str):
            entries = [v.strip() for v in re.split(r"[,;]", value) if v.strip()][:3]
            example = " and ".join(f"'- {v[:40]}'" for v in entries)
            return f"must be a list, not {describe(value)}", f"put each entry on its own line, e.g. {example}"
        return f"must be {wanted}, not {describe(value)}", ""
    if kind == "minItems":
        return f"needs at least {expected} entr{'y' if expected == 1 else 'ies'}, found {len(value)}", ""
    if kind == "maxItems":
        return f"has {len(value)} entries, at most {expected} are allowed", "keep the most relevant ones"
    if kind == "minLength":
        if not value.strip():
            return "is empty", ""
        return f"is too short ({len(value)} characters, at least {expected})", ""
    if kind == "maxLength":
        return f"is too long ({len(value)} characters, at most {expected})", "shorten it"
    if kind == "pattern":
        if ";" in value:
            return (
                "contains a semicolon, which the CSV export uses to separate list entries",
                "use a comma or 'and' instead, or split it into two entries",
            )
        if re.search(r"[\x00-\x1f\x7f]", value):
            return "contains a line break or an invisible control character", "write it on one line"
        if not value.strip():
            return "is empty", ""
        if expected.startswith("^https?://"):
            if value.startswith(("https://", "http://")) and any(c.isspace() for c in value):
                return f"the web address '{value[:60]}' has a space in it", "remove the space (or write it as %20)"
            odd = next((c for c in value if c in '"<>{}|\\^`'), None)
            if value.startswith(("https://", "http://")) and odd:
                code = f"%{ord(odd):02X}"
                return f"the web address '{value[:60]}' has the character {odd}, which addresses may not contain", (
                    f"write it as {code}, or remove it"
                )
            return f"'{value[:60]}' is not a web address starting with https:// or http://", ""
        if expected.startswith("^[A-Z]{2}$") and i18n.country_by_name(value):
            return f"'{value}' is a country name, but a code is expected", f"write {i18n.country_by_name(value)}"
        if expected.startswith("^[a-z]{2}$") and i18n.language_by_name(value):
            return f"'{value}' is a language name, but a code is expected", f"write {i18n.language_by_name(value)}"
        if re.fullmatch(r"[A-Za-z]{2}", value) and expected.startswith("^[A-Z]{2}$"):
            return f"'{value}' must be written in capitals", f"write {value.upper()}"
        if re.fullmatch(r"[A-Za-z]{2}", value) and expected.startswith("^[a-z]{2}$"):
            return f"'{value}' must be written in lower case", f"write {value.lower()}"
        return f"{describe(value)} is not in the expected form", ""
    if kind in ("minimum", "maximum"):
        if error.schema.get("minimum") == 1800 and error.schema.get("maximum") == 2100:
            return f"the year {value} is outside the range 1800 to 2100", "check the year"
        side = "below the smallest" if kind == "minimum" else "above the largest"
        return f"the number {value} is {side} value allowed, {expected}", "check the number and its unit"
    if kind == "enum":
        allowed = [str(v) for v in expected]
        hint = did_you_mean(str(value), allowed) if isinstance(value, str) else ""
        return f"{describe(value)} is not one of the values allowed: {', '.join(allowed)}", hint
    if kind == "uniqueItems":
        return "lists the same value twice", "remove the repeated entry"
    if kind in ("anyOf", "const"):
        if isinstance(value, str):
            date = _DATE.match(value)
            if date:
                return f"{describe(value)} is a date, but a year is expected", f"write only the year: {date.group(1)}"
            if value.strip().isdigit():
                return f"{describe(value)} is quoted, but a year is a number", f"remove the quotes: {value.strip()}"
            if value.strip().lower() == "ongoing":
                return f"{describe(value)} must be written in lower case", "write ongoing"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"the year {value} is outside the range 1800 to 2100", "check the year"
        return f"must be a four-digit year or 'ongoing', not {describe(value)}", ""
    return f"{describe(value)} is not valid ({error.message})", ""


@functools.cache
def _fast_validator(text: str):
    """The schema compiled to Python by fastjsonschema: a quick yes/no for valid input.

    Only a "no" needs jsonschema's slower walk, which explains every violation.
    The schema uses nothing beyond draft-07, which fastjsonschema implements.
    """
    root = json.loads(text)

    def inline(node):
        if isinstance(node, dict):
            node = _resolve(root, node)  # draft-07 ignores keywords beside $ref: merge them instead
            return {k: inline(v) for k, v in node.items() if k not in ("$defs", "$id", "$schema")}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return fastjsonschema.compile({"$schema": "http://json-schema.org/draft-07/schema#", **inline(root)})


def is_valid(data: Any, name: str | dict = "case") -> bool:
    """Whether ``data`` satisfies the schema ``name`` (a shipped schema's name, or a schema) (fast path)."""
    try:
        _fast_validator(_text(_root(name)))(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validate(doc: YamlDoc, problems: Problems, name: str | dict = "case", skip: frozenset = frozenset()) -> None:
    """Check ``doc.data`` against the schema ``name`` (a shipped schema's name, or a schema),
    adding a problem per violation. Values at the paths in ``skip`` (and below them) are not
    reported again.
    """
    if not skip and is_valid(doc.data, name):
        return
    root = _root(name)
    for error in sorted(_validator(_text(root)).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        if any(path[: len(s)] == s for s in skip):
            continue
        sub = schema_at(root, path)
        if error.validator == "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            for key in missing:
                fix = schema_at(root, (*path, key)).get("x-fix", "")
                problems.add(doc.line_of(path), field_name((*path, key)), "is required but missing", fix)
            continue
        if error.validator == "additionalProperties":
            allowed = list(sub.get("properties", {}))
            for key in error.instance:
                if key in allowed:
                    continue
                hint = did_you_mean(key, allowed)
                fix = hint or f"the allowed fields here are: {', '.join(allowed)}"
                if hint:
                    fix += " Otherwise remove it."
                problems.add(doc.line_of((*path, key)), field_name((*path, key)), f"unknown field '{key}'", fix)
            continue
        if error.validator in ("anyOf", "const") and error.parent is not None:
            continue  # reported by the parent anyOf
        message = _message(error, root)
        if message is None:
            continue
        what, fix = message
        problems.add(doc.line_of(path), field_name(path), what, fix or sub.get("x-fix", ""))
