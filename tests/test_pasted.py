"""Text pasted from Word, Google Docs or a mail client: look-alike spaces, quotes, dashes,
bullets and invisible characters are named at their line, under the field's full name, with
what to type instead, and nothing of them is published."""

from __future__ import annotations

import re

import pytest

from casebook import load_library
from casebook.pasted import lookalikes, markdown_lookalikes, ordinary
from conftest import FRONT, ROOT, body, case_text, check, make_library

TAXONOMY = (ROOT / "taxonomy/keywords.yml").read_text("utf-8")


def _front_line(text: str, starts: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if line.startswith(starts))


@pytest.fixture
def problems(tmp_path):
    """``problems(text, taxonomy=None)``: the problems of a new library with the one case
    ``text`` (none if empty) and that taxonomy, checked in this process."""
    made = []

    def load(text: str, taxonomy: str | None = None) -> list:
        made.append(make_library(tmp_path / f"lib{len(made)}", {"pasted.md": text} if text else {}, taxonomy))
        return load_library(made[-1]).problems

    return load


def _only(problems, old: str, new: str, taxonomy: str | None = None):
    """The one problem of the test case with ``old`` replaced by ``new`` (fails if there are
    more), and the case's text."""
    text = case_text().replace(old, new, 1)
    assert new in text
    found = problems(text, taxonomy)
    assert len(found) == 1, found
    return found[0], text


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("title: Test programme", "title:\u00a0Test programme", "title", "no-break space (U+00A0)"),
        ("title: Test programme", "title: Test\u202fprogramme", "title", "narrow no-break space (U+202F)"),
        ("title: Test programme", "title: Test\u2007programme", "title", "figure space (U+2007)"),
        ("title: Test programme", "title: Test\u200bprogramme", "title", "zero width space (U+200B)"),
        ("title: Test programme", "title: Test\ufeffprogramme", "title", "zero width no-break space (U+FEFF)"),
        ("title: Test programme", "title: “Områdeløft Saupstad”", "title", "typographic quotation marks (“”)"),
        ("title: Test programme", "title: «Områdeløft Saupstad»", "title", "typographic quotation marks («»)"),
        ("title: Test programme", "title: „Områdeløft“", "title", "typographic quotation marks („“)"),
        ("  - Malmö", "\u00a0\u00a0- Malmö", "municipalities[0]", "no-break space (U+00A0)"),
        ("  - Malmö", "  – Malmö", "municipalities[0]", "en dash (U+2013)"),
        ("  - Malmö", "  — Malmö", "municipalities[0]", "em dash (U+2014)"),
        ("  - Malmö", "  - ‘Malmö’", "municipalities[0]", "typographic quotation marks (‘’)"),
        ("title: Test programme", 'title: "Test\u2028programme"', "title", "a line separator (U+2028)"),
        ("  - Malmö", "  - Mal\u2029mö", "municipalities[0]", "a paragraph separator (U+2029)"),
        ("  - Malmö", "  - Malm\u0085ö", "municipalities[0]", "a next line control (U+0085)"),
    ],
)
def test_each_lookalike_is_named_at_its_line(library, old, new, field, words):
    text = case_text().replace(old, new, 1)
    assert new in text
    result = check(library({"pasted.md": text}))
    assert result.returncode == 1
    line = _front_line(text, new[:12])
    expected = f"cases/pasted.md:{line}: {field}: "
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(expected)]
    assert lines and words in lines[0], result.stderr
    assert "tab" not in result.stderr  # not the old, wrong explanation
    assert "Traceback" not in result.stderr


def test_every_problem_in_one_run_with_the_rest_of_the_file_still_checked(library):
    text = case_text().replace("title: Test programme", "title: “Test programme”").replace("country: SE", "country: XX")
    text = text.replace("  - Malmö", "\u00a0\u00a0- Malmö")
    result = check(library({"pasted.md": text}))
    assert result.returncode == 1
    assert (
        f"pasted.md:{_front_line(text, 'title:')}: title: the value is in typographic quotation marks" in result.stderr
    )
    assert f"pasted.md:{_front_line(text, chr(0xA0))}: municipalities[0]: a no-break space" in result.stderr
    assert f"pasted.md:{_front_line(text, 'country:')}: country:" in result.stderr  # schema still checked


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_line_break_yaml_counts_and_the_file_does_not_leaves_later_lines_and_fields_right(problems, separator):
    """YAML 1.1 (PyYAML) reads U+2028, U+2029 and U+0085 as line breaks: every line number and
    field name after one ran a line ahead. Each is reported once, at its line, and the problems
    after it keep theirs."""
    text = case_text().replace("  - Malmö", f"  - Mal{separator}mö", 1).replace("country: SE", "country: XX", 1)
    text = text.replace("  - Participation", "  - Partici\u200bpation", 1)
    assert f"Mal{separator}mö" in text and "Partici\u200bpation" in text
    found = [(p.line, p.field, p.message.split(",")[0]) for p in problems(text)]
    assert found == [
        (_front_line(text, "country:"), "country", found[0][2]),
        (_front_line(text, f"  - Mal{separator}"), "municipalities[0]", "an invisible line break"),
        (_front_line(text, "  - Partici"), "keywords[1]", "an invisible character"),
    ], found
    assert "XX" in found[0][2]


def test_a_joiner_inside_an_emoji_is_kept_and_one_between_letters_is_named(tmp_path):
    """A zero width joiner makes one emoji of several ('👨‍👩‍👧', Unicode UTS #51): told to delete
    it, an editor would split the emoji; between letters it is still a pasted character."""
    from casebook import load_library

    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = case_text().replace("title: Test programme", f"title: Test programme {family}", 1)
    text = text.replace("Something the sources report.", f"A {family} and a \u2764\ufe0f\u200d\U0001f525.", 1)
    library = load_library(make_library(tmp_path / "lib", {"emoji.md": text}))
    assert library.problems == [] and library.cases["emoji"].title == f"Test programme {family}"
    assert [m for m, _ in markdown_lookalikes("Some\u200dtext")] == [
        "an invisible character, a zero width joiner (U+200D), is in the text"
    ]


def test_quotes_inside_running_text_and_a_leading_bom_are_fine():
    assert lookalikes("\ufefftitle: Det “nya” Alby\nsummary: She said “yes”, they said no.\n") == []


def test_pasted_taxonomy_lines_are_named_too(problems):
    bad = TAXONOMY.replace("    label: Safety and security", "    label:\u00a0Safety and security", 1)
    found = problems("", bad)
    line = _front_line(bad, "    label:\u00a0Safety")
    assert [(p.line, p.message) for p in found] == [
        (line, "a no-break space (U+00A0) is used where an ordinary space belongs")
    ]
    assert re.fullmatch(r"keywords\[\d+\]\.label", found[0].field), found[0].field


def test_a_valid_case_with_nordic_letters_passes(library):
    text = case_text("Områdeløft Saupstad").replace("  - Malmö", "  - Trondheim").replace("country: SE", "country: NO")
    result = check(library({"omradeloft-saupstad.md": text}))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "\u00a0",
        "key: \u00a0",
        "\u00a0\n\u00a0- ",
        "–",
        "a: ‘b’",
        "\u200b:",
        "a:\n  •",
        "\r\r“\u00a0",
        "a: [“b”\n“c”: ‘",
    ],
)
def test_odd_lines_never_crash_and_name_what_they_find(text):
    found = lookalikes(text)
    assert found and all(f.message and f.fix and f.field for f in found)
    assert ordinary(text).count("\n") == text.count("\n")  # lines keep their numbers


def test_lines_without_lookalikes_are_not_flagged():
    assert lookalikes("title: Områdeløft\nmunicipalities:\n  - Malmö\n  -\nsummary: ''\n") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - segregation", "  – segregation"),  # a later entry: no YAML error on the next line
        ("  - urban-renewal", "  — urban-renewal"),  # the first entry: no "must be a list" with the dash in it
        ("country: SE", "country: ‘SE’"),  # no "not in the expected form" besides the quotes
        ("country: SE", "country：SE"),  # a fullwidth colon
    ],
)
def test_one_message_per_pasted_problem(library, old, new):
    text = case_text().replace(old, new, 1)
    assert new in text
    result = check(library({"pasted.md": text}))
    assert result.returncode == 1
    problems = [ln for ln in result.stderr.splitlines() if ln.startswith("cases/pasted.md:")]
    assert len(problems) == 1, problems
    assert f"pasted.md:{_front_line(text, new[:10])}:" in problems[0]


# List markers: a dash or bullet where '- ' belongs, or pasted in front of an entry -----------------


@pytest.mark.parametrize(
    ("new", "named"),
    [
        ("  –\tSeved", "an en dash (U+2013)"),
        ("  —Seved", "an em dash (U+2014)"),
        ("  \u2212 Seved", "a minus sign (U+2212)"),
        ("  • Seved", "a bullet (U+2022)"),
        ("  ·Seved", "a middle dot (U+00B7)"),
        ("  ‣ Seved", "a triangular bullet (U+2023)"),
        ("  ▪\tSeved", "a black small square (U+25AA)"),
        ("  ● Seved", "a black circle (U+25CF)"),
        ("  \uf0b7\tSeved", "a bullet from the Symbol font (U+F0B7)"),
        ("  * Seved", "'*' is used as a list marker"),
        ("  + Seved", "'+' is used as a list marker"),
        ("  -Seved", "no space after its '-'"),
    ],
)
def test_a_list_marker_other_than_a_hyphen_is_named_with_the_hyphen_as_the_fix(problems, new, named):
    problem, text = _only(problems, "  - Seved", new)
    assert (problem.line, problem.field) == (_front_line(text, new), "neighbourhoods[0]")
    assert named in problem.message
    assert "('- ')" in problem.fix and problem.fix.endswith(": - Seved")
    assert "must be a list" not in problem.message


@pytest.mark.parametrize(
    ("new", "named", "typed"),
    [
        ("  - – Seved", "an en dash (U+2013)", "- Seved"),
        ("  - —Seved", "an em dash (U+2014)", "- Seved"),
        ("  - • Seved", "a bullet (U+2022)", "- Seved"),
        ("  - ▪ Seved", "a black small square (U+25AA)", "- Seved"),
        ('  - "● Seved"', "a black circle (U+25CF)", '- "Seved"'),
    ],
)
def test_a_dash_or_bullet_at_the_start_of_an_entry_is_a_pasted_marker(problems, new, named, typed):
    problem, text = _only(problems, "  - Seved", new)
    assert (problem.line, problem.field) == (_front_line(text, new), "neighbourhoods[0]")
    assert f"the list entry starts with {named}" in problem.message and "published" in problem.message
    assert problem.fix.endswith(f"write it as: {typed}")


def test_a_pasted_marker_on_a_keyword_is_reported_once_not_again_as_an_unknown_keyword(problems):
    problem, text = _only(problems, "  - Participation", "  - • Participation")
    assert (problem.line, problem.field) == (_front_line(text, "  - • "), "keywords[1]")


def test_a_pasted_marker_in_a_flow_list_and_in_the_taxonomy(problems):
    problem, _ = _only(problems, "neighbourhoods:\n  - Seved", "neighbourhoods: [– Seved, Sofielund]")
    assert problem.field == "neighbourhoods[0]" and problem.fix.endswith("write it as: Seved")
    bad = TAXONOMY.replace("      - Grannsamverkan", "      •\tGrannsamverkan", 1)
    found = problems("", bad)
    assert [p.line for p in found] == [_front_line(bad, "      •\tGrann")], found
    assert re.fullmatch(r"keywords\[\d+\]\.aliases\[1\]", found[0].field), found[0].field
    assert "a bullet (U+2022) is used as a list marker" in found[0].message


@pytest.mark.parametrize("new", ["  • Seved", "  - • Seved", "  –Seved"])
def test_following_the_advice_passes(problems, new):
    problem, text = _only(problems, "  - Seved", new)
    typed = problem.fix.rsplit(": ", 1)[1]
    assert typed == "- Seved"
    assert problems(text.replace(new, "  " + typed)) == []


# Typographic quotation marks: only around a whole value, in any kind of value -------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "marks", "typed"),
    [
        ("municipalities:\n  - Malmö", "municipalities: [“Lund”, Ystad]", "municipalities[0]", "(“”)", "Lund"),
        ("  - segregation", "  - «segregation»", "keywords[2]", "(«»)", "- segregation"),
        (
            "neighbourhoods:\n  - Seved",
            "neighbourhoods: [Seved, ‚Sofielund‘]",
            "neighbourhoods[1]",
            "(‚‘)",
            "Sofielund",
        ),
        ("    publisher: A publisher", "    publisher: ”A publisher”", "sources[0].publisher", "(””)", "publisher: A"),
        ("  - title: A report", "  - title: »A report«", "sources[0].title", "(»«)", "title: A report"),
    ],
)
def test_typographic_quotes_around_an_entry_or_a_nested_value_are_named(problems, old, new, field, marks, typed):
    problem, text = _only(problems, old, new)
    assert (problem.line, problem.field) == (_front_line(text, new.split("\n")[0]), field)
    assert f"typographic quotation marks {marks}" in problem.message and "published" in problem.message
    assert f"write it as: {typed}" in problem.fix


@pytest.mark.parametrize(
    ("new", "typed"),
    [
        ('title: "“Test programme”"', 'title: "Test programme"'),
        ("title: '«Test programme»'", "title: 'Test programme'"),
        ('title: "„Test programme“"', 'title: "Test programme"'),
    ],
)
def test_typographic_quotes_inside_plain_quotes_are_still_pasted(problems, new, typed):
    problem, text = _only(problems, "title: Test programme", new)
    assert (problem.line, problem.field) == (_front_line(text, "title:"), "title")
    assert "inside its plain quotes" in problem.message
    assert problem.fix == f"delete the typographic marks, and write it as: {typed}"


@pytest.mark.parametrize(
    "title",
    [
        "Evaluation of “Together”",
        "“Områdeløft” Saupstad",
        "The tenants’",
        "Bydelsløft i ”Groruddalen”",
        "’Tis the neighbourhood",
        "«Bo» i Tensta",
        '"“Miljardprogrammet” och “Tillsammans”"',
        "'‘Områdeløft’ and ‘Together’'",
    ],
)
def test_quotes_inside_the_text_are_fine(problems, title):
    assert problems(case_text(title)) == []


def test_quotes_at_both_ends_that_are_not_one_pair_say_how_to_keep_them(problems):
    problem, text = _only(problems, "title: Test programme", "title: “Miljardprogrammet” och “Tillsammans”")
    assert (problem.line, problem.field) == (_front_line(text, "title:"), "title")
    assert "starts and ends with typographic quotation marks" in problem.message
    assert 'wrap the whole value in plain double quotes ("…"), which keeps the marks inside it' in problem.fix
    kept = problem.fix.rsplit(": ", 2)[-2:]
    assert kept == ["title", '"“Miljardprogrammet” och “Tillsammans”"']
    assert problems(text.replace(text.split("\n")[1], ": ".join(kept))) == []


def test_a_value_starting_with_plain_quotes_closed_early_says_to_wrap_the_whole_value(problems):
    text = case_text().replace("title: Test programme", 'title: "Områdeløft" Saupstad')
    found = problems(text)
    assert [(p.line, p.field) for p in found] == [(_front_line(text, "title:"), "yaml")], found
    assert 'starts with a quotation mark (") that closes before the value ends' in found[0].message
    assert "title: '\"Områdeløft\" Saupstad'" in found[0].fix and "title: “Områdeløft” Saupstad" in found[0].fix


def test_nothing_pasted_reaches_the_published_data():
    front = 'title: "“A”"\nm: [“B”, ‘C’]\nn:\n  - • D\n  –E\nsummary: >-\n  – part of the text\n'
    assert ordinary(front) == "title: \"A\"\nm: ['B', 'C']\nn:\n  - D\n  - E\nsummary: >-\n  – part of the text\n"
    assert [f.line for f in lookalikes(front)] == [1, 2, 2, 4, 5]  # a dash in folded text is text


# Invisible characters, bidirectional controls among them --------------------------------------------

INVISIBLES = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]
INVISIBLES += ["\u2066", "\u2067", "\u2068", "\u2069", "\u2060", "\u00ad"]


@pytest.mark.parametrize("char", INVISIBLES)
def test_invisible_characters_are_named_in_front_matter_taxonomy_and_text(problems, char):
    code = f"(U+{ord(char):04X})"
    text = case_text().replace("title: Test programme", f"title: Test {char}programme")
    text = text.replace("## Results\n\nSomething", f"## Results\n\nSome{char}thing", 1)
    bad = TAXONOMY.replace("      sv: Trygghet och säkerhet", f"      sv: Trygghet{char} och säkerhet", 1)
    found = problems(text, bad)
    where = [(p.path, p.line, p.field) for p in found if code in p.message]
    assert where == [
        ("cases/pasted.md", _front_line(text, "title:"), "title"),
        ("cases/pasted.md", _front_line(text, f"Some{char}"), "body"),
        ("taxonomy/keywords.yml", _front_line(bad, "      sv: Trygghet"), where[2][2]),
    ], found
    assert re.fullmatch(r"keywords\[\d+\]\.labels\.sv", where[2][2])
    named = [p for p in found if code in p.message]
    assert all("delete it" in p.fix for p in named)
    if char not in "\u2060\u00ad":
        assert all("bidirectional control" in p.message and "Trojan source" in p.message for p in named)


# Nested fields are named in full --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("  end: 2015", "  end:\u00a02015", "period.end"),
        ("    year: 2016", "    year:\u20072016", "sources[0].year"),
        ("    language: sv", "    language: s\u200dv", "sources[0].language"),
        ("  - title: A report", "  — title: A report", "sources[0]"),
        ("  - Seved", "  - Se\u00adved", "neighbourhoods[0]"),
    ],
)
def test_nested_fields_are_named_in_full(problems, old, new, field):
    problem, text = _only(problems, old, new)
    assert (problem.line, problem.field) == (_front_line(text, new), field)


# The case text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("• a measure", "a list entry starts with a bullet (U+2022)"),
        ("▪a measure", "a list entry starts with a black small square (U+25AA)"),
        ("–\ta measure", "a list entry starts with an en dash (U+2013)"),
        ("\u00a0\u00a0- a measure", "a no-break space (U+00A0) indents a list entry"),
        ("-\u00a0a measure", "a no-break space (U+00A0) follows the list marker '-'"),
        ("1.\u202fa measure", "a narrow no-break space (U+202F) follows the list marker '1.'"),
        ("A measure\u2067 in the text.", "a right-to-left isolate (U+2067)"),
        ("Text\u008d here.", "an invisible control character (U+008D) is in the text, a sign of Windows-1252"),
        ("He said \u0093yes.", "an invisible control character (U+0093)"),
    ],
)
def test_pasted_list_markers_in_the_text_are_named(problems, line, words):
    text = case_text().replace("## Goals\n\nSomething the sources report.", f"## Goals\n\n{line}", 1)
    found = problems(text)
    assert [(p.line, p.field) for p in found] == [(text.split("\n").index(line) + 1, "body")], found
    assert words in found[0].message and found[0].fix


@pytest.mark.parametrize(
    "line", ["- a measure", "* a measure", "1. a measure", "A\u00a0000 homes were built.", "2010–2015 it ran.", "-5 %"]
)
def test_ordinary_text_and_lists_are_not_flagged(line):
    assert markdown_lookalikes(line) == []


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009"])
def test_a_heading_with_another_space_names_it(problems, space):
    text = case_text().replace("## What was done", f"## What{space}was done", 1)
    found = problems(text)
    assert len(found) == 1, found
    name = f"(U+{ord(space):04X})"
    assert found[0].line == _front_line(text, "## What") and name in found[0].message
    assert "where an ordinary space belongs" in found[0].message and found[0].fix == "write it as: ## What was done"


def test_a_flow_entry_with_a_comma_in_typographic_quotes_is_one_entry(problems):
    problem, text = _only(problems, "neighbourhoods:\n  - Seved", "neighbourhoods: [«Seved, Sofielund», Rosengård]")
    assert (problem.line, problem.field) == (_front_line(text, "neighbourhoods:"), "neighbourhoods[0]")
    assert "«Seved, Sofielund» is in typographic quotation marks" in problem.message
    assert problem.fix == 'type plain double quotes instead: "Seved, Sofielund"'
    assert problems(text.replace("«Seved, Sofielund»", '"Seved, Sofielund"')) == []


@pytest.mark.parametrize(
    ("old", "new", "typed"),
    [
        ("title: Test programme", "title: “Area: Saupstad”", 'title: "Area: Saupstad"'),
        ("    publisher: A publisher", "    publisher: ‘#1 Publisher’", 'publisher: "#1 Publisher"'),
        ("  - Seved", "  - “2016”", '- "2016"'),
    ],
)
def test_a_value_that_needs_quoting_is_told_to_have_plain_quotes(problems, old, new, typed):
    problem, text = _only(problems, old, new)  # and not a YAML error, a comment or a number besides
    assert problem.line == _front_line(text, new)
    assert problem.fix == f"type plain double quotes instead, which this value needs: {typed}"
    assert problems(text.replace(new, new[: len(new) - len(new.lstrip())] + typed)) == []


def test_a_star_where_yaml_expects_a_value_is_explained(problems):
    text = case_text().replace("title: Test programme", "title: *Områdeløft* Saupstad")
    found = problems(text)
    assert [(p.line, p.field) for p in found] == [(_front_line(text, "title:"), "yaml")], found
    assert "starts with '*' or '&'" in found[0].message and 'double quotes, e.g. title: "*' in found[0].fix


def test_typographic_quotes_around_folded_text_are_named_and_left_out(problems):
    front = case_text().split("---")[1].replace("  A test programme", "  “A test programme", 1)
    front = front.replace("published.\n", "published.”\n", 1)
    assert "“A test" in front and "published.”" in front
    [found] = lookalikes(front)
    assert (found.line, found.field, found.fix) == (3, "summary", "delete the marks at its start and end")
    assert "“" not in ordinary(front) and "”" not in ordinary(front)


def test_a_tab_used_for_indentation_is_named_and_the_rest_still_checked(library):
    """A mail client turns the indentation into a tab: named at each line where it is, and the
    file read as if it were spaces, so that the other problems are listed in the same run."""
    front = FRONT.format(title="Test").replace("  - Malmö", "\t- Malmö").replace("  start: 2010", "\tstart: 2010")
    front = front.replace("country: SE", "country: se").replace("  - segregation", "  - segregatoin")
    front = front.replace("    publisher: A publisher", "\tpublisher: A publisher").replace(
        "  end: 2015", "\tend: 2015"
    )
    root = library({"tab.md": case_text(front=front)})
    found = [line for line in check(root).stderr.splitlines() if line.startswith("cases/tab.md:")]
    assert [line.split(": ", 2)[1] for line in found] == [
        "country",
        "municipalities[0]",
        "period.start",
        "period.end",
        "keywords[2]",
        "sources[0].publisher",
    ], found  # each tab read at the indentation of the line above: under its own field
    assert sum("a tab character is used for indentation; indent with spaces" in line for line in found) == 4


@pytest.mark.parametrize(
    ("start", "words"),
    [
        ("\u00a0", "a no-break space (U+00A0) makes this line text, not the heading '## Challenges'"),
        ("\u2003", "makes this line text, not the heading '## Challenges'"),
        ("\t", "a tab before it makes this line a code block, not the heading '## Challenges'"),
    ],
)
def test_a_heading_after_a_pasted_space_is_named_at_its_own_line(library, start, words):
    text = case_text(body_text=body()).replace("\n## Challenges\n", f"\n{start}## Challenges\n")
    found = [line for line in check(library({"x.md": text})).stderr.splitlines() if line.startswith("cases/x.md:")]
    line = text.split("\n").index(f"{start}## Challenges") + 1
    assert any(p.startswith(f"cases/x.md:{line}: body: ") and words in p for p in found), found


@pytest.mark.parametrize("dash", ["\u2014", "\u2013-", "\u2013\u2013", "\u2014 "])
def test_a_closing_fence_made_into_a_dash_is_named_at_its_line(library, dash):
    text = case_text().replace("\n---\n\nA lead", f"\n{dash}\n\nA lead", 1)
    line = text.split("\n").index(dash) + 1
    found = [p for p in check(library({"x.md": text})).stderr.splitlines() if p.startswith("cases/x.md:")]
    assert found == [
        f"cases/x.md:{line}: front matter: this line is '{dash.strip()}' (a dash a word processor made of '---'), "
        "so the front matter is never closed; write three hyphens instead: ---"
    ]
