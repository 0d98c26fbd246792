"""Text pasted from Word, Google Docs or a mail client: look-alike spaces, quotes and dashes
are named at their line, with what to type instead, and nothing of them is published."""

from __future__ import annotations

import pytest

from casebook.pasted import lookalikes
from conftest import case_text, check


def _front_line(text: str, starts: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if line.startswith(starts))


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
        ("  - Malmö", "\u00a0\u00a0- Malmö", "municipalities", "no-break space (U+00A0)"),
        ("  - Malmö", "  – Malmö", "municipalities", "en dash (U+2013)"),
        ("  - Malmö", "  — Malmö", "municipalities", "em dash (U+2014)"),
        ("  - Malmö", "  - ‘Malmö’", "municipalities", "typographic quotation marks (‘’)"),
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
    assert f"pasted.md:{_front_line(text, chr(0xA0))}: municipalities: a no-break space" in result.stderr
    assert f"pasted.md:{_front_line(text, 'country:')}: country:" in result.stderr  # schema still checked


def test_quotes_inside_running_text_and_a_leading_bom_are_fine():
    assert lookalikes("\ufefftitle: Det “nya” Alby\nsummary: She said “yes”, they said no.\n") == []


def test_pasted_taxonomy_lines_are_named_too(library):
    from conftest import ROOT

    taxonomy = (ROOT / "taxonomy/keywords.yml").read_text("utf-8")
    bad = taxonomy.replace("    label: Safety and security", "    label:\u00a0Safety and security", 1)
    result = check(library({}, taxonomy=bad))
    line = _front_line(bad, "    label:\u00a0Safety")
    assert f"taxonomy/keywords.yml:{line}: label: a no-break space (U+00A0)" in result.stderr


def test_a_valid_case_with_nordic_letters_passes(library):
    text = case_text("Områdeløft Saupstad").replace("  - Malmö", "  - Trondheim").replace("country: SE", "country: NO")
    result = check(library({"omradeloft-saupstad.md": text}))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", ["\u00a0", "key: \u00a0", "\u00a0\n\u00a0- ", "–", "a: ‘", "\u200b:"])
def test_odd_lines_never_crash_and_name_what_they_find(text):
    found = lookalikes(text)
    assert found and all(f.message and f.fix for f in found)


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
