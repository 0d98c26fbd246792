"""The strict YAML reader and the case schema, without a build."""

from __future__ import annotations

import math

import jsonschema
import pytest

from casebook.schema import iter_fields, load_schema, schema_at
from casebook.yamlsafe import parse_yaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("2010", 2010),
        ("-3", -3),
        ("0o17", 15),
        ("0x1F", 31),
        ("2010-05-01", "2010-05-01"),
        ("12:30", "12:30"),
        ("1_000", "1_000"),
        ("~", None),
        ("null", None),
        ("''", ""),
        ("'2010'", "2010"),
        ("!!str 2010", "2010"),
        ("1.5", 1.5),
        ("Malmo\u0308", "Malmö"),
    ],
)
def test_core_schema_scalars(text, value):
    doc = parse_yaml(f"key: {text}\n")
    assert doc.errors == []
    assert doc.data == {"key": value}
    assert type(doc.data["key"]) is type(value)


def test_special_floats():
    doc = parse_yaml("a: .inf\nb: -.Inf\nc: .nan\n")
    assert doc.data["a"] == math.inf and doc.data["b"] == -math.inf and math.isnan(doc.data["c"])


def test_lines_are_recorded_with_offset():
    doc = parse_yaml("a: 1\nb:\n  - x\n  - y\nc:\n  d: 2\n", line_offset=1)
    assert doc.lines[("a",)] == 2
    assert doc.lines[("b", 1)] == 5
    assert doc.lines[("c", "d")] == 7
    assert doc.line_of(("c", "d", "missing")) == 7


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\na: 2\n", 2, "appears twice (first on line 1)"),
        ("a: &x 1\nb: *x\n", 2, "anchors and aliases"),
        ("a: !!python/object:os.system x\n", 1, "tag"),
        ("a: !custom x\n", 1, "tag"),
        ("a: !!binary aGVsbG8=\n", 1, "tag"),
        ("? [a, b]\n: 1\n", 1, "not text"),
        ("1: x\n", 1, "not text"),
        ("a: [1, 2\nb: 3\n", 1, "never closed"),
        ("a: 'open\nb: 2\n", 1, "never closed"),
        ("a: 1\n---\nb: 2\n", 2, "second '---'"),
        ("title: Area lift: Saupstad\n", 1, "double quotes"),
        ("a:\n\tb: 1\n", 2, "tab"),
        ("a: 1\nb: x\x1fy\n", 2, "control character (U+001F)"),
    ],
)
def test_yaml_problems(text, line, words):
    doc = parse_yaml(text)
    assert any(e.line == line and words in e.message + e.fix for e in doc.errors), doc.errors


def test_billion_laughs_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 20)]
    doc = parse_yaml("\n".join(lines))
    assert doc.errors and all("anchors" in e.message for e in doc.errors)


def test_schema_is_valid_and_documents_every_field():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    fields = {name: (sub, required) for name, sub, required in iter_fields()}
    assert set(fields) >= {
        "title",
        "title_en",
        "summary",
        "country",
        "municipalities",
        "neighbourhoods",
        "period",
        "period.start",
        "period.end",
        "organisations",
        "keywords",
        "sources",
        "sources[].title",
        "sources[].publisher",
        "sources[].year",
        "sources[].url",
        "sources[].language",
    }
    required = {name for name, (_, req) in fields.items() if req and "." not in name and "[" not in name}
    assert required == {"title", "summary", "country", "municipalities", "period", "keywords", "sources"}
    for name, (sub, _) in fields.items():
        assert sub.get("description"), f"{name} has no description"
        assert sub.get("x-fix"), f"{name} has no x-fix (how to fix a wrong value)"
        assert sub.get("examples"), f"{name} has no examples"


@pytest.mark.parametrize("name", [n for n, _, _ in iter_fields()])
def test_schema_examples_are_valid(name):
    root = load_schema()
    path = tuple(0 if part == "[]" else part for part in name.replace("[]", ".[]").split("."))
    sub = schema_at(root, path)
    validator = jsonschema.Draft202012Validator({**sub, "$defs": root["$defs"]})
    for example in sub["examples"]:
        assert not list(validator.iter_errors(example)), (name, example)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("title: Test programme\n", "title: Test programme\ntitle: Again\n", "title", "appears twice"),
        ("  - Malmö\nneighbourhoods:\n  - Seved\n", "  - Malmö\nneighbourhoods: *m\n", "neighbourhoods", "aliases"),
        ("  start: 2010\n", "  start: !!python/object:os.system x\n", "period.start", "tag"),
        ("  - Seved\n", "  - !!binary aGVsbG8=\n", "neighbourhoods[0]", "tag"),
    ],
)
def test_a_refused_yaml_value_hides_no_other_problem_of_the_file(tmp_path, old, new, field, words):
    """A repeated field, an alias or a tag leaves the rest of the front matter readable: it is
    checked in the same run (every problem at once), and the refused value is reported once."""
    from casebook import load_library
    from conftest import case_text, make_library

    text = case_text().replace("municipalities:\n", "municipalities: &m\n", 1) if "*m" in new else case_text()
    text = text.replace(old, new, 1).replace("country: SE", "country: se", 1).replace("segregation\n", "segregatoin\n")
    text = text.replace("period:\n", "bogus: 1\nperiod:\n", 1)
    assert new in text
    found = load_library(make_library(tmp_path / "lib", {"x.md": text})).problems
    on = {p.field: p.message for p in found}
    assert words in on.get(field, ""), found
    assert {"country", "bogus", "keywords[2]"} <= set(on), found
    assert [p.field for p in found].count(field) == 1, found
