"""One document, one description: the check notices a source described differently in two cases."""

from __future__ import annotations

import re

import pytest

from casebook import load_library
from casebook.sources_check import title_key, url_key
from conftest import ROOT, case_text, check

SOURCE = """\
  - title: {title}
{rest}"""


def with_sources(title: str, *sources: dict) -> str:
    """A valid case titled ``title`` whose sources are ``sources`` (dicts of front-matter fields)."""
    lines = []
    for source in sources:
        fields = [f"    {k}: {v}" for k, v in source.items() if k != "title"]
        lines.append(f'  - title: "{source["title"]}"' + "".join("\n" + f for f in fields))
    text = case_text(title)
    start = text.index("sources:\n") + len("sources:\n")
    end = text.index("---", start)
    return text[:start] + "\n".join(lines) + "\n" + text[end:]


def problems(library, files: dict) -> list[str]:
    lib = load_library(library(files))
    return [str(p) for p in lib.problems]


def line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[: text.index(needle, start)].count("\n") + 1


def test_the_same_address_described_differently_names_both_places(library):
    a = with_sources("A programme", {"title": "Area plan", "url": "https://www.example.org/plan/", "year": 2011})
    b = with_sources("B programme", {"title": "Area plan", "url": "http://example.org/plan", "year": 2012})
    found = problems(library, {"a.md": a, "b.md": b})
    assert found == [
        f"cases/b.md:{line_of(b, 'year: 2012')}: sources[0]: the same source as sources[0] of "
        f"cases/a.md:{line_of(a, 'year: 2011')} is described differently there (year 2011 there, 2012 here); "
        "describe it the same way in both (the same title, publisher, year, language and url)"
    ]


def test_a_title_that_starts_another_is_the_same_document(library):
    a = with_sources(
        "A programme",
        {"title": "Final report from Botkyrka", "publisher": "The Multicultural Centre", "language": "en"},
        {"title": "Rapport från Workshop i Botkyrka", "language": "sv"},
    )
    b = with_sources(
        "B programme",
        {
            "title": "rapport från workshop i Botkyrka – Utan välmående miljonprogramsområden",
            "year": 2011,
            "language": "sv",
        },
    )
    found = problems(library, {"a.md": a, "b.md": b})
    fields = sorted(re.search(r"\((\w+) ", p).group(1) for p in found)
    assert fields == ["title", "year"], found
    assert all(p.startswith("cases/b.md:") and "sources[1] of cases/a.md:" in p for p in found)
    title = next(p for p in found if "(title" in p)
    assert title.startswith(f"cases/b.md:{line_of(b, 'rapport från')}: sources[0]:")
    assert "(title 'Rapport från Workshop i Botkyrka' there, 'rapport från workshop i Botkyrka – Utan" in title
    year = next(p for p in found if "(year" in p)
    # the entry's first line where a field is absent
    assert f"of cases/a.md:{line_of(a, 'Rapport från')} " in year and "(year none there, 2011 here)" in year


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            {"title": "Annual report", "publisher": "Malmö stad"},
            {"title": "Annual reports of Gladsaxe"},
        ),  # not a word end
        (
            {"title": "Evaluation", "url": "https://example.org/a"},
            {"title": "Final evaluation", "url": "https://example.org/b"},
        ),
        (
            {"title": "Plan", "url": "https://example.org/plan?id=1"},
            {"title": "Other plan", "url": "https://example.org/plan?id=2"},
        ),
    ],
)
def test_different_documents_are_left_alone(library, first, second):
    a = with_sources("A programme", first)
    b = with_sources("B programme", second)
    assert problems(library, {"a.md": a, "b.md": b}) == []


def test_the_same_description_everywhere_is_fine_and_the_odd_one_out_is_named(library):
    same = {"title": "Boligliv i balance", "publisher": "GivRum", "year": 2015, "language": "da"}
    odd = {**same, "publisher": "Realdania"}
    files = {
        "a.md": with_sources("A programme", same),
        "b.md": with_sources("B programme", same),
        "c.md": with_sources("C programme", odd),
        "d.md": with_sources("D programme", same),
    }
    root = library(files)
    found = [str(p) for p in load_library(root).problems]
    assert len(found) == 1 and found[0].startswith("cases/c.md:") and "of cases/a.md:" in found[0]
    assert "(publisher 'GivRum' there, 'Realdania' here)" in found[0]
    (root / "cases/c.md").unlink()
    assert load_library(root).problems == []


def test_one_case_citing_two_parts_of_a_document_is_not_this_checks_business(library):
    a = with_sources("A programme", {"title": "Plan", "year": 2010}, {"title": "Plan: annex", "year": 2011})
    assert problems(library, {"a.md": a}) == []


def test_normalisation():
    assert url_key("https://www.Example.org/a/#top") == url_key("http://example.org/a") == "example.org/a"
    assert url_key("https://example.org:8080/a") == "example.org:8080/a" != url_key("https://example.org/a")
    assert (
        title_key("Rapport från Workshop — Utan.  ")
        == title_key("rapport från  workshop – utan")
        == "rapport från workshop - utan"
    )


def test_the_check_reports_through_make_check_and_the_real_library_passes(library):
    a = with_sources("A programme", {"title": "Plan", "language": "sv"})
    b = with_sources("B programme", {"title": "Plan", "language": "nb"})
    proc = check(library({"a.md": a, "b.md": b}))
    assert proc.returncode != 0 and "cases/b.md:" in proc.stdout + proc.stderr
    assert "(language 'sv' there, 'nb' here)" in proc.stdout + proc.stderr
    real = check(ROOT)
    assert real.returncode == 0, real.stdout + real.stderr
