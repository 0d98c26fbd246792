"""One reading of Markdown: `make check` takes headings from the parse the site renders with,
so the checker and the page agree on what is a section heading."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from casebook.body import agree, scan
from casebook.markdown_reading import BUILTINS, MarkdownReading
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
        ("Some\u2028text.", "a line separator (U+2028)"),
        ("Some\u2029text.", "a paragraph separator (U+2029)"),
        ("Some\u0085text.", "a next line control (U+0085)"),
    ],
)
def test_pasted_characters_in_the_text_are_named_at_their_line(library, pasted, words):
    text = case_text().replace("## Goals\n\nSomething the sources report.", "## Goals\n\n" + pasted, 1)
    result = check(library({"pasted.md": text}))
    line = text.split("\n").index(pasted) + 1
    assert result.returncode == 1
    reported = [ln for ln in result.stderr.split("\n") if ln.startswith(f"cases/pasted.md:{line}: body:")]
    assert len(reported) == 1 and words in reported[0], result.stderr  # once, by its name


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


# Nested headings are reported at their own line, however they are written.

DEF_LIST = MarkdownReading.from_mkdocs([*READING.extensions, "def_list"], READING.configs)


@pytest.mark.parametrize(
    ("text", "reading", "expected"),
    [
        ("Fake news.\n\n> Fake\n> ---\n", READING, [(2, "Fake", 2, True)]),
        ("Intro, Fake.\n\n!!! note\n    Fake\n    ----\n", READING, [(2, "Fake", 3, True)]),
        ("- Fake item\n\n    Fake\n    ---\n", READING, [(2, "Fake", 2, True)]),
        ("1. one\n\n    Big\n    ===\n", READING, [(1, "Big", 2, True)]),
        ("Fake\n\nTerm\n:   ## Fake\n", DEF_LIST, [(2, "Fake", 3, False)]),
        (
            "> ## Same\n\nSame\n\n> ## Same\n\n> Same\n> ---\n",
            READING,
            [(2, "Same", 0, False), (2, "Same", 4, False), (2, "Same", 6, True)],
        ),
        ("Para\n\n> Tab\tbed\n> ---\n", READING, [(2, "Tab   bed", 2, True)]),  # tabs expanded, as read
    ],
)
def test_nested_headings_are_found_at_their_own_line(text, reading, expected):
    assert [tuple(h) for h in reading.nested_headings(text)] == expected


def test_def_list_heading_is_only_a_heading_where_the_site_has_def_list():
    assert READING.nested_headings("Term\n:   ## Fake\n") == []


@pytest.mark.parametrize(
    ("nested", "written", "fix"),
    [
        ("> Fake\n> ---", "> Fake", "the '---' on the next line makes this line a heading"),
        ("!!! note\n    Fake\n    ----", "    Fake", "the '---' on the next line makes this line a heading"),
        ("- item\n\n    Fake\n    ---", "    Fake", "the '---' on the next line makes this line a heading"),
        ("> Big\n> ===", "> Big", "the '===' on the next line makes this line a heading"),
    ],
)
def test_an_underlined_heading_inside_a_quote_list_or_note_is_reported_at_its_line(library, nested, written, fix):
    text = case_text().replace("## Results\n", "Fake and Big are words here.\n\n" + nested + "\n\n## Results\n", 1)
    result = check(library({"nested.md": text}))
    line = text.split("\n").index(written) + 1
    reported = [ln for ln in result.stderr.splitlines() if "is inside a quote, list or note" in ln]
    assert len(reported) == 1 and reported[0].startswith(f"cases/nested.md:{line}: body: the heading '#"), result.stderr
    assert fix in reported[0]


def with_config(folder, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the library's mkdocs.yml."""
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert old in text
    config.write_text(text.replace(old, new), "utf-8")


def test_a_definition_heading_is_reported_at_its_line_when_the_site_has_def_list(library):
    text = case_text().replace("## Results\n", "Term\n:   ## Fake\n\n## Results\n", 1)
    folder = library({"deflist.md": text})
    with_config(folder, "  - admonition\n", "  - admonition\n  - def_list\n")
    result = check(folder)
    line = text.split("\n").index(":   ## Fake") + 1
    assert f"cases/deflist.md:{line}: body: the heading '## Fake' is inside a quote" in result.stderr, result.stderr


# The check reads mkdocs.yml as MkDocs does: Python names imported, INHERIT followed.

MERMAID = """\
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""

MERMAID_NAME = "pymdownx.superfences.fence_code_format"

DIAGRAM = "```mermaid\n## Not a section\ngraph TD\n  A --> B\n```\n"


def test_python_names_in_mkdocs_yml_are_imported(tmp_path):
    from pymdownx.superfences import fence_code_format

    config = tmp_path / "mkdocs.yml"
    config.write_text("markdown_extensions:\n" + MERMAID, "utf-8")
    reading = MarkdownReading.from_file(config)
    assert reading.problems == ()
    fence = reading.configs["pymdownx.superfences"]["custom_fences"][0]
    assert fence["format"] is fence_code_format
    assert reading.headings("Intro\n\n" + DIAGRAM) == []  # code, as on the page
    assert reading.nested_headings("- item\n\n    " + DIAGRAM.replace("\n", "\n    ")) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("no_such_package.fence_format", "No module named 'no_such_package'"),
        ("pymdownx.superfences.no_such_format", "has no attribute 'no_such_format'"),
    ],
)
def test_a_python_name_that_cannot_be_imported_is_a_problem_at_its_line(tmp_path, name, reason):
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\nmarkdown_extensions:\n" + MERMAID.replace(MERMAID_NAME, name), "utf-8")
    reading = MarkdownReading.from_file(config)
    assert len(reading.problems) == 1
    problem = str(reading.problems[0])
    assert problem.startswith(f"mkdocs.yml:7: markdown_extensions: '!!python/name:{name}' cannot be imported (")
    assert reason in problem and "install the package" in problem


def test_inherit_merges_the_parent_under_the_child(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "base.yml").write_text(
        "markdown_extensions:\n  toc:\n    permalink: true\n  admonition: {}\n  def_list: {}\n", "utf-8"
    )
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "INHERIT: base/base.yml\nmarkdown_extensions:\n  toc:\n    toc_depth: 3\n"
        "  pymdownx.superfences:\n    custom_fences:\n      - name: mermaid\n        class: mermaid\n"
        "        format: !!python/name:" + MERMAID_NAME + "\n",
        "utf-8",
    )
    reading = MarkdownReading.from_file(config)
    assert reading.extensions == (*BUILTINS, "admonition", "def_list", "pymdownx.superfences")
    assert reading.configs["toc"] == {"permalink": True, "toc_depth": 3}
    assert reading.headings("Intro\n\n" + DIAGRAM) == []
    # a list is replaced, not merged (as MkDocs' deep merge does)
    config.write_text("INHERIT: base/base.yml\nmarkdown_extensions:\n  - tables\n", "utf-8")
    assert MarkdownReading.from_file(config).extensions == BUILTINS


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"mkdocs.yml": "site_name: x\nINHERIT: parent.yml\n"},
            "mkdocs.yml:2: INHERIT: the file 'parent.yml' does not exist",
        ),
        (
            {"mkdocs.yml": "INHERIT: a.yml\n", "a.yml": "INHERIT: mkdocs.yml\n"},
            "a.yml:1: INHERIT: 'mkdocs.yml' inherits back from this file (a circle)",
        ),
        (
            {
                "mkdocs.yml": "INHERIT: a.yml\n",
                "a.yml": "markdown_extensions:\n  - x:\n      f: !!python/name:nope.f\n",
            },
            "a.yml:3: markdown_extensions: '!!python/name:nope.f' cannot be imported",
        ),
    ],
)
def test_inherit_problems_are_reported_with_their_file_and_line(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    reading = MarkdownReading.from_file(tmp_path / "mkdocs.yml")
    assert len(reading.problems) == 1 and str(reading.problems[0]).startswith(expected), reading.problems


def mermaid_case() -> str:
    return case_text().replace("## Results\n\nSomething the sources report.", "## Results\n\nA diagram:\n\n" + DIAGRAM)


def page_agrees(built, case_id: str) -> None:
    """The built page has the eight sections and the diagram as code, with its '##' line in it."""
    assert built.returncode == 0, built.output
    page = built.html(f"cases/{case_id}/")
    h2 = [h.get_text(strip=True).rstrip("¶") for h in page.select(".cb-case__text h2")]
    assert h2 == list(SECTIONS)
    diagram = page.select_one(".mermaid")
    assert diagram is not None and "## Not a section" in diagram.get_text()


def test_check_and_page_agree_with_materials_mermaid_setup(library):
    folder = library({"diagram.md": mermaid_case()})
    with_config(folder, "  - tables\n", "  - tables\n" + MERMAID)
    result = check(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    page_agrees(build(folder), "diagram")


def test_check_and_page_agree_when_mkdocs_yml_inherits_the_setup(library):
    folder = library({"diagram.md": mermaid_case()})
    with_config(folder, "  - tables\n", "  - tables\n" + MERMAID)
    (folder / "mkdocs.yml").rename(folder / "base.yml")
    (folder / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: A library that inherits\n", "utf-8")
    result = check(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    built = build(folder)
    page_agrees(built, "diagram")
    assert "A library that inherits" in built.html("").title.get_text()


def test_check_reports_a_name_it_cannot_import_without_a_traceback(library):
    folder = library({"diagram.md": mermaid_case()})
    with_config(folder, "  - tables\n", "  - tables\n" + MERMAID.replace(MERMAID_NAME, "mermaid_fences.format"))
    result = check(folder)
    line = (folder / "mkdocs.yml").read_text("utf-8").split("\n").index(
        "          format: !!python/name:mermaid_fences.format"
    ) + 1
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"mkdocs.yml:{line}: markdown_extensions: '!!python/name:mermaid_fences.format' cannot be imported "
        "(No module named 'mermaid_fences')"
    ) in result.stderr
