"""One reading of Markdown: `make check` takes headings from the parse the site renders with,
so the checker and the page agree on what is a section heading."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from casebook.body import agree, scan
from casebook.markdown_reading import MarkdownReading
from conftest import ROOT, SECTIONS, body, build, case_text, check

READING = MarkdownReading.from_file(ROOT / "mkdocs.yml")

TRICKY = [
    "- first measure\n- second measure\n---\n",  # a list, then a rule: not a heading
    "| a | b |\n|---|---|\n| 1 | 2 |\n---\n",  # a table, then a rule
    "Two lines\nof a paragraph\n---\n",  # Python-Markdown: a setext heading is a one-line paragraph
    "> ## quoted\n",
    "```\n## in code\n```\n",
    "    ## indented code\n",
    "!!! note\n    ## in a note\n",
]


def rendered_headings(text: str) -> list[tuple[int, str]]:
    """The top-level headings of the page MkDocs would render from ``text``."""
    md = markdown.Markdown(extensions=list(READING.extensions), extension_configs=READING.configs)
    soup = BeautifulSoup(md.convert(text), "html.parser")
    return [
        (int(h.name[1]), h.get_text(strip=True).rstrip("¶"))
        for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"], recursive=False)
    ]


@pytest.mark.parametrize("extra", TRICKY)
def test_checker_sees_the_headings_the_page_has(extra):
    text = body(text="Something the sources report.\n\n" + extra)
    headings, prose = scan(text, 1)
    checked = [(h.level, h.text) for h in agree(headings, prose, READING.headings(text), text, 1)]
    assert checked == rendered_headings(text)
    assert [t for lvl, t in checked if lvl == 2] == list(SECTIONS)


def test_a_heading_without_a_space_is_a_heading_on_the_page_and_in_the_check():
    text = body().replace("## Goals", "##Goals")
    headings, prose = scan(text, 5)
    checked = agree(headings, prose, READING.headings(text), text, 5)
    assert [(h.level, h.text) for h in checked] == rendered_headings(text)
    goals = next(h for h in checked if h.text == "Goals")
    assert text.split("\n")[goals.line - 5] == "##Goals"  # the line it is written on


def test_valid_case_with_rules_after_lists_and_tables_is_accepted_and_built(library):
    extra = "\n\n- first measure\n- second measure\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n---\n\nMore text.\n"
    text = case_text().replace("## Results\n\nSomething the sources report.", "## Results\n\nSomething." + extra)
    folder = library({"rules.md": text})
    result = check(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    built = build(folder)
    assert built.returncode == 0, built.output
    h2 = [h.get_text(strip=True).rstrip("¶") for h in built.html("cases/rules/").select(".cb-case__text h2")]
    assert h2 == list(SECTIONS)


def test_messages_and_lines_stay_as_before(library):
    """A misspelt section is still reported as unknown, at its line, with the hint."""
    text = case_text().replace("## Goals", "## Goels")
    folder = library({"misspelt.md": text})
    result = check(folder)
    line = text.split("\n").index("## Goels") + 1
    assert result.returncode == 1
    assert f"cases/misspelt.md:{line}: body: unknown section '## Goels'" in result.stderr
    assert "did you mean 'Goals'?" in result.stderr


@pytest.mark.parametrize("nested", ["> ## Results\n> quoted", "- item\n\n    ## Results", "!!! note\n    ## Results"])
def test_a_section_heading_inside_a_quote_list_or_note_is_reported(library, nested):
    """The page would show it among the sections (a second 'Results', with the first #results)."""
    text = case_text().replace("## Results\n", nested + "\n\n## Results\n", 1)
    result = check(library({"nested.md": text}))
    written = next(part for part in nested.split("\n") if "## Results" in part)
    line = text.split("\n").index(written) + 1
    assert result.returncode == 1
    reported = [ln for ln in result.stderr.splitlines() if "is inside a quote, list or note" in ln]
    assert reported == [
        f"cases/nested.md:{line}: body: the heading '## Results' is inside a quote, list or note, "
        "and would show among the sections; use ### for a heading inside a section, or take it out "
        "of the quote or list"
    ]


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("Some\u200btext.", "zero width space (U+200B)"),
        ("Area\u00adbased work.", "soft hyphen (U+00AD)"),
        ("\u2013 a measure", "en dash (U+2013)"),
        ("\u2014 a measure", "em dash (U+2014)"),
    ],
)
def test_pasted_characters_in_the_text_are_named_at_their_line(library, pasted, words):
    text = case_text().replace("## Goals\n\nSomething the sources report.", "## Goals\n\n" + pasted, 1)
    result = check(library({"pasted.md": text}))
    line = text.split("\n").index(pasted) + 1
    assert result.returncode == 1
    assert any(ln.startswith(f"cases/pasted.md:{line}: body:") and words in ln for ln in result.stderr.splitlines()), (
        result.stderr
    )


def test_soft_hyphen_in_heading(library):
    text = case_text().replace("## Goals", "## Go\u00adals", 1)
    result = check(library({"shy.md": text}))
    assert "soft hyphen (U+00AD)" in result.stderr


def test_a_line_of_text_over_a_rule_is_explained(library):
    text = case_text().replace(
        "## Goals\n\nSomething the sources report.", "## Goals\n\nSomething.\n\nSome paragraph\n---\n", 1
    )
    result = check(library({"rule.md": text}))
    line = text.split("\n").index("Some paragraph") + 1
    assert f"cases/rule.md:{line}: body: unknown section '## Some paragraph'" in result.stderr
    assert "the '---' on the next line makes this line a heading" in result.stderr
    assert "put a blank line before the '---'" in result.stderr
