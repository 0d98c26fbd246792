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
