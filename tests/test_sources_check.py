"""One document, one description: the check notices a source described differently in two cases."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from casebook import load_library
from casebook.cases import Source
from casebook.sources_check import check_sources, generic, title_key, url_key
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


MALMO = {"publisher": "Malmö stad", "year": 2015}
BOTKYRKA = {"publisher": "Botkyrka kommun", "year": 2019}


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
        # the same title, two different addresses: two documents
        (
            {"title": "Slutrapport", **MALMO, "url": "https://malmo.se/slutrapport"},
            {"title": "Slutrapport", **BOTKYRKA, "url": "https://www.botkyrka.se/slutrapport.pdf"},
        ),
        (
            {"title": "Boligliv i balance", "year": 2015, "url": "https://givrum.dk/boligliv"},
            {"title": "Boligliv i balance", "year": 2018, "url": "https://realdania.dk/boligliv"},
        ),
        # one title the start of the other, two different addresses
        (
            {"title": "Evaluation", "url": "https://example.org/evaluation"},
            {"title": "Evaluation of the area programme in Malmö", "url": "https://malmo.se/evaluation"},
        ),
        # a generic title from two publishers, no address
        ({"title": "Final report", **MALMO}, {"title": "Final report", **BOTKYRKA}),
        ({"title": "Slutrapport", **MALMO}, {"title": "slutrapport.", **BOTKYRKA, "language": "sv"}),
        (
            {"title": "Evaluering", "publisher": "GivRum"},
            {"title": "Evaluering", "publisher": "Realdania", "year": 2020},
        ),
        ({"title": "Årsrapport 2014", **MALMO}, {"title": "Årsrapport 2014", **BOTKYRKA}),
        ({"title": "Final report", **MALMO, "url": "https://malmo.se/r"}, {"title": "Final report", **BOTKYRKA}),
        # a generic title with no publisher says nothing about which document it is
        ({"title": "Slutrapport", "year": 2015}, {"title": "Slutrapport", "year": 2019}),
        ({"title": "Evaluation", **MALMO}, {"title": "Evaluation of Together", **BOTKYRKA}),
    ],
)
def test_different_documents_are_left_alone(library, first, second):
    a = with_sources("A programme", first)
    b = with_sources("B programme", second)
    assert problems(library, {"a.md": a, "b.md": b}) == []


def test_the_examples_of_different_documents_pass_make_check(library):
    a = with_sources("A programme", {"title": "Slutrapport", **MALMO, "url": "https://malmo.se/slutrapport"})
    b = with_sources("B programme", {"title": "Slutrapport", **BOTKYRKA, "url": "https://botkyrka.se/slutrapport"})
    c = with_sources("C programme", {"title": "Final report", **MALMO}, {"title": "Evaluation", "year": 2012})
    d = with_sources("D programme", {"title": "Final report", **BOTKYRKA}, {"title": "Evaluation", "year": 2014})
    proc = check(library({"a.md": a, "b.md": b, "c.md": c, "d.md": d}))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "titles",
    [
        ("Plan", "Plan for Malmö", "Plan for Oslo"),
        ("Områdesprogrammet i Malmö", "Områdesprogrammet i Malmö – Seved", "Områdesprogrammet i Malmö – Rosengård"),
        ("Boligliv i balance", "Boligliv i balance: Gladsaxe", "Boligliv i balance: Odense", "Boligliv i balance"),
    ],
)
def test_titles_are_not_grouped_through_a_shorter_one_they_both_start_with(library, titles):
    """The two longer titles do not start one another: the short one may be either, so none is grouped."""
    files = {
        f"{chr(97 + i)}.md": with_sources(f"{chr(65 + i)} programme", {"title": t, "publisher": "P", "year": 2010 + i})
        for i, t in enumerate(titles)
    }
    found = problems(library, files)
    if len(titles) == 4:  # the first and the last cite the same title: they are grouped, with each other only
        assert len(found) == 1 and found[0].startswith("cases/d.md:") and "of cases/a.md:" in found[0], found
        assert "(year 2010 there, 2013 here)" in found[0]
    else:
        assert found == []


def test_a_source_without_address_matching_two_addresses_is_grouped_with_neither(library):
    files = {
        "a.md": with_sources("A programme", {"title": "Boligliv i balance", "year": 2015, "url": "https://a.dk/b"}),
        "b.md": with_sources("B programme", {"title": "Boligliv i balance", "year": 2016, "url": "https://b.dk/b"}),
        "c.md": with_sources("C programme", {"title": "Boligliv i balance", "year": 2017}),
    }
    assert problems(library, files) == []


def test_a_report_and_its_annex_in_one_case_are_two_documents(library):
    a = with_sources(
        "A programme",
        {"title": "Områdesprogrammet i Malmö", "year": 2015},
        {"title": "Områdesprogrammet i Malmö: bilaga", "year": 2016},
    )
    b = with_sources("B programme", {"title": "Områdesprogrammet i Malmö", "year": 2015})
    root = library({"a.md": a, "b.md": b})
    assert load_library(root).problems == []
    b = with_sources("B programme", {"title": "Områdesprogrammet i Malmö", "year": 2014})
    (root / "cases/b.md").write_text(b, "utf-8")
    found = [str(p) for p in load_library(root).problems]
    assert len(found) == 1 and "(year 2015 there, 2014 here)" in found[0] and found[0].startswith("cases/b.md:")


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # a generic title with the same publisher: the same document, the year missing in one place
        # (publishers matched ignoring letter case, and the difference reported)
        (
            {"title": "Final report", **MALMO},
            {"title": "Final report", "publisher": "Malmö Stad"},
            ["publisher", "year"],
        ),
        # a generic title the start of another, the same publisher
        ({"title": "Slutrapport", **MALMO}, {"title": "Slutrapport – Seved", **MALMO}, ["title"]),
        # one address known, one title the start of the other
        (
            {"title": "Boligliv i balance", "year": 2015, "url": "https://givrum.dk/b"},
            {"title": "Boligliv i balance – evaluering", "year": 2015},
            ["title", "url"],
        ),
        # the same address, different titles and a generic one
        (
            {"title": "Evaluation", "url": "https://example.org/e", "publisher": "A"},
            {"title": "Evaluation report", "url": "http://www.example.org/e/", "publisher": "B"},
            ["publisher", "title"],
        ),
    ],
)
def test_the_same_document_described_differently_is_still_found(library, first, second, expected):
    a = with_sources("A programme", first)
    b = with_sources("B programme", second)
    found = problems(library, {"a.md": a, "b.md": b})
    assert sorted(re.search(r"\((\w+) ", p).group(1) for p in found) == expected, found


def test_spacing_in_a_title_or_publisher_is_not_a_difference(library):
    a = with_sources("A programme", {"title": "Boligliv i  balance", "publisher": "Giv  Rum", "year": 2015})
    b = with_sources("B programme", {"title": "Boligliv i balance", "publisher": "Giv Rum", "year": 2015})
    root = library({"a.md": a, "b.md": b})
    assert load_library(root).problems == []
    b = with_sources("B programme", {"title": "Boligliv i balance", "publisher": "Giv Rum", "year": 2016})
    (root / "cases/b.md").write_text(b, "utf-8")
    assert len(load_library(root).problems) == 1


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Slutrapport", True),
        ("Final report 2012–2015", True),
        ("Delårsrapporten", True),
        ("Evaluation of Together", True),
        ("Handlingsplanen", True),
        ("Boligliv i balance", False),
        ("Rapport från Workshop i Botkyrka", False),
        ("Områdesprogrammet i Malmö", False),
    ],
)
def test_generic_titles(title, expected):
    assert generic(title) is expected


def test_many_citations_of_one_title_are_checked_in_linear_time():
    """5,000 cases citing one report without an address and 5,000 with addresses of their own."""
    cases = {}
    for i in range(10_000):
        url = f"https://example.org/{i}" if i % 2 else None
        source = Source(title="Rapport från Workshop i Botkyrka", year=2011, url=url)
        cases[str(i)] = SimpleNamespace(path=f"cases/{i:05d}.md", meta={}, sources=(source,))
    started = time.perf_counter()
    assert check_sources(cases) == []  # the one without an address matches many addresses
    assert time.perf_counter() - started < 5


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
    a = with_sources("A programme", {"title": "Områdeløft Saupstad", "language": "sv"})
    b = with_sources("B programme", {"title": "Områdeløft  Saupstad", "language": "nb"})
    proc = check(library({"a.md": a, "b.md": b}))
    assert proc.returncode != 0 and "cases/b.md:" in proc.stdout + proc.stderr
    assert "(language 'sv' there, 'nb' here)" in proc.stdout + proc.stderr
    real = check(ROOT)
    assert real.returncode == 0, real.stdout + real.stderr


def test_the_line_named_is_the_sources_own_whatever_order_the_front_matter_is_in(library):
    """A missing field is reported at its entry's line. An entry's lines were gathered from
    every field list's n-th entry, so with ``sources:`` above ``municipalities:`` the second
    municipality's line stood in for the second source's."""
    a = with_sources(
        "A programme",
        {"title": "Områdesprogram för Rosengård", "year": 2014},
        {"title": "Slutrapport Seved", "url": "https://example.org/seved", "year": 2016},
    )
    b = with_sources(
        "B programme",
        {"title": "Områdesprogram för Rosengård", "year": 2014},
        {"title": "Slutrapport Seved", "url": "https://example.org/seved"},
    )
    front = b.index("sources:\n")
    sources = b[front : b.index("---", front)]
    b = b.replace(sources, "")
    b = b.replace("municipalities:\n  - Malmö\n", sources + "municipalities:\n  - Malmö\n  - Lund\n")
    assert b.index("sources:") < b.index("municipalities:")
    found = problems(library, {"a.md": a, "b.md": b})
    entry = line_of(b, 'title: "Slutrapport Seved"')
    assert found == [
        f"cases/b.md:{entry}: sources[1]: the same source as sources[1] of "
        f"cases/a.md:{line_of(a, 'year: 2016')} is described differently there (year 2016 there, none here); "
        "describe it the same way in both (the same title, publisher, year, language and url)"
    ]
