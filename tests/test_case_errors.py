"""Every kind of bad case input gets a ``path:line: field: message; fix`` line.

Each variant is loaded through the public entry point (``load_library``);
one test per channel (the ``check`` command, the MkDocs build) proves the
report, exit status and "no traceback" promises end to end.
"""

from __future__ import annotations

import pytest

from casebook import load_library
from conftest import FRONT, SECTIONS, body, build, case_text, check

GOOD = FRONT.format(title="Test programme")


def replace(old: str, new: str) -> str:
    """The valid front matter with one piece replaced."""
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (id, file text, expected line (a number, or the text of that line), expected field, expected words)
VARIANTS = [
    ("empty file", "", 1, "file", "empty"),
    ("whitespace only", "\n\n  \n", 1, "file", "empty"),
    ("no front matter", "# Title\n\n" + body(), 1, "front matter", "does not start with front matter"),
    ("unclosed front matter", "---\n" + GOOD + "\n" + body(), 1, "front matter", "never closed"),
    (
        "tab indentation",
        case_text(front=replace("  start: 2010", "\tstart: 2010")),
        "\tstart: 2010",
        "period.start",
        "tab",
    ),
    (
        "bad indentation",
        case_text(front=replace("  - Malmö", "    - Malmö\n  - Lund")),
        "  - Lund",
        "yaml",
        "list entry",
    ),
    (
        "unbalanced quote",
        case_text(front=replace("title: Test programme", 'title: "Test programme')),
        'title: "Test programme',
        "yaml",
        "never closed",
    ),
    ("front matter is a list", case_text(front="- a\n- b\n"), 2, "front matter", "a list"),
    ("front matter is a scalar", case_text(front="just text\n"), 2, "front matter", "text"),
    ("front matter is empty", "---\n---\n" + body(), 2, "front matter", "empty"),
    (
        "duplicate key",
        case_text(front=GOOD + "country: DK\n"),
        "country: DK",
        "country",
        "appears twice (first on line 6)",
    ),
    (
        "anchor and alias",
        case_text(front=replace("  - Seved", "  - &x Seved") + "organisations: *x\n"),
        "organisations: *x",
        "organisations",
        "anchors",
    ),
    (
        "python tag",
        case_text(front=replace("title: Test programme", "title: !!python/name:os.system x")),
        "title: !!python/name:os.system x",
        "title",
        "tag",
    ),
    (
        "number title",
        case_text(front=replace("title: Test programme", "title: 1234")),
        "title: 1234",
        "title",
        "must be text, not the number 1234",
    ),
    (
        "string keywords",
        case_text(
            front=replace("keywords:\n  - urban-renewal\n  - Participation\n  - segregation", "keywords: urban-renewal")
        ),
        "keywords: urban-renewal",
        "keywords",
        "must be a list",
    ),
    (
        "dict country",
        case_text(front=replace("country: SE", "country:\n  code: SE")),
        "country:",
        "country",
        "must be text, not a group of fields",
    ),
    (
        "lower-case country",
        case_text(front=replace("country: SE", "country: se")),
        "country: se",
        "country",
        "write SE",
    ),
    (
        "unknown country",
        case_text(front=replace("country: SE", "country: QQ")),
        "country: QQ",
        "country",
        "not an ISO 3166-1 country code",
    ),
    (
        "country name",
        case_text(front=replace("country: SE", "country: Sweden")),
        "country: Sweden",
        "country",
        "country name, but a code is expected; write SE",
    ),
    (
        "year as date",
        case_text(front=replace("start: 2010", "start: 2010-05-01")),
        "  start: 2010-05-01",
        "period.start",
        "write only the year: 2010",
    ),
    (
        "year as string",
        case_text(front=replace("start: 2010", 'start: "2010"')),
        '  start: "2010"',
        "period.start",
        "remove the quotes",
    ),
    ("year out of range", case_text(front=replace("end: 2015", "end: 3015")), "  end: 3015", "period.end", "outside"),
    (
        "end as date",
        case_text(front=replace("end: 2015", "end: 2015-12-31")),
        "  end: 2015-12-31",
        "period.end",
        "write only the year: 2015",
    ),
    ("end word", case_text(front=replace("end: 2015", "end: present")), "  end: present", "period.end", "'ongoing'"),
    (
        "end before start",
        case_text(front=replace("end: 2015", "end: 2001")),
        "  end: 2001",
        "period.end",
        "before the start",
    ),
    ("period missing end", case_text(front=replace("  end: 2015\n", "")), "period:", "period.end", "missing"),
    (
        "unknown keyword",
        case_text(front=replace("  - segregation", "  - segregaton")),
        "  - segregaton",
        "keywords[2]",
        "did you mean 'Segregation'",
    ),
    (
        "repeated keyword",
        case_text(front=replace("  - segregation", "  - Participation\n  - segregation")),
        17,
        "keywords[2]",
        "repeats 'Participation'",
    ),
    (
        "same keyword by alias",
        case_text(front=replace("  - segregation", "  - Lone mothers\n  - Single mothers")),
        "  - Single mothers",
        "keywords[3]",
        "means the same keyword",
    ),
    (
        "same keyword twice by label and id",
        case_text(front=replace("  - segregation", "  - Urban renewal")),
        "  - Urban renewal",
        "keywords[2]",
        "means the same keyword",
    ),
    (
        "empty keyword",
        case_text(front=replace("  - segregation", '  - ""\n  - segregation')),
        '  - ""',
        "keywords[2]",
        "empty",
    ),
    ("too few keywords", case_text(front=replace("  - segregation\n", "")), "keywords:", "keywords", "at least 3"),
    ("unknown field", case_text(front=GOOD + "sumary: x\n"), "sumary: x", "sumary", "did you mean 'summary'"),
    (
        "source without title",
        case_text(front=replace("  - title: A report\n    publisher", "  - publisher")),
        "  - publisher: A publisher",
        "sources[0].title",
        "missing",
    ),
    (
        "javascript url",
        case_text(front=replace("https://example.org/report", "javascript:alert(1)")),
        "    url: javascript:alert(1)",
        "sources[0].url",
        "https://",
    ),
    (
        "data url",
        case_text(front=replace("https://example.org/report", "data:text/html,x")),
        "    url: data:text/html,x",
        "sources[0].url",
        "https://",
    ),
    (
        "relative url",
        case_text(front=replace("https://example.org/report", "/report.pdf")),
        "    url: /report.pdf",
        "sources[0].url",
        "https://",
    ),
    (
        "unknown language",
        case_text(front=replace("language: sv", "language: xx")),
        "    language: xx",
        "sources[0].language",
        "ISO 639-1",
    ),
    (
        "semicolon in a list item",
        case_text(front=replace("  - Seved", "  - Seved; Sofielund")),
        "  - Seved; Sofielund",
        "neighbourhoods[0]",
        "semicolon",
    ),
    (
        "short summary",
        case_text(
            front=replace(
                "summary: >-\n  A test programme used by the Casebook test suite to check how cases are\n"
                "  loaded, validated and published.",
                "summary: Too short.",
            )
        ),
        "summary: Too short.",
        "summary",
        "too short",
    ),
    (
        "very long title",
        case_text(front=replace("title: Test programme", "title: " + "x" * 300)),
        2,
        "title",
        "too long",
    ),
    (
        "multi-line title",
        case_text(front=replace("title: Test programme", 'title: "Line\\nbreak"')),
        2,
        "title",
        "line break",
    ),
    (
        "NO as false would be",
        case_text(front=replace("country: SE", "country: no")),
        "country: no",
        "country",
        "write NO",
    ),
    (
        "missing section",
        case_text(body_text=body(SECTIONS[:3] + SECTIONS[4:])),
        "## Success factors",
        "body",
        "'## Results' is missing",
    ),
    (
        "misspelt section",
        case_text(body_text=body(["Background", "Goal", *SECTIONS[2:]])),
        32,
        "body",
        "did you mean 'Goals'",
    ),
    (
        "section in wrong case",
        case_text(body_text=body(["background", *SECTIONS[1:]])),
        28,
        "body",
        "write it as: ## Background",
    ),
    ("duplicated section", case_text(body_text=body([*SECTIONS, "Goals"])), 60, "body", "appears twice"),
    (
        "reordered sections",
        case_text(body_text=body(["Goals", "Background", *SECTIONS[2:]])),
        32,
        "body",
        "comes after 'Goals'",
    ),
    ("empty section", case_text(body_text=body(SECTIONS[:-1]) + "## Continuation\n\n"), 56, "body", "empty"),
    ("level-1 heading", case_text(body_text="# Title\n\n" + body()), 28, "body", "level-1 heading"),
    (
        "raw html",
        case_text(body_text=body().replace("Something", "<script>alert(1)</script>", 1)),
        30,
        "body",
        "raw HTML",
    ),
    (
        "javascript link",
        case_text(body_text=body().replace("Something", "[x](javascript:alert(1))", 1)),
        30,
        "body",
        "link target",
    ),
    (
        "image from another site",
        case_text(body_text=body().replace("Something", "A ![tracker](https://evil.example/pixel.gif) pixel", 1)),
        30,
        "body",
        "link to it instead, without the '!': [tracker](https://evil.example/pixel.gif)",
    ),
    (
        "image by reference",
        case_text(body_text=body().replace("Something", "![photo][1]\n\n[1]: https://example.org/p.jpg\n", 1)),
        30,
        "body",
        "an image ('![photo][') is not published with a case",
    ),
    (
        "markup in the summary",
        case_text().replace("  A test programme used", "  A **test** programme used", 1),
        3,
        "summary",
        "the summary is plain text, so the markup in it ('**') would show as typed",
    ),
    (
        "heading after spaces",
        case_text(body_text=body().replace("## Goals", "   ## Goals", 1)),
        "   ## Goals",
        "body",
        "the heading '## Goals' starts with a space, so the page shows it as text",
    ),
    (
        "footnote",
        case_text(body_text=body().replace("Something", "A claim.[^1]\n\n[^1]: A note.\n", 1)),
        30,
        "body",
        "footnotes ('[^1]') are not published in case text",
    ),
    (
        "e-mail address in angle brackets",
        case_text(body_text=body().replace("Something", "Write to <someone@example.org>.", 1)),
        30,
        "body",
        "write it as a link: [someone@example.org](mailto:someone@example.org)",
    ),
    (
        "space in a link's address",
        case_text(body_text=body().replace("Something", "[y](https://a.example/ b)", 1)),
        30,
        "body",
        "the web address 'https://a.example/ b' has a space in it",
    ),
    (
        "no-break space in a link's address",
        case_text(body_text=body().replace("Something", "[x](https://a.example/\u00a0b)", 1)),
        30,
        "body",
        "has a no-break space (U+00A0) in it",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_bad_input_is_reported_with_file_and_line(library, text, line, field, words):
    if isinstance(line, str):  # the first line of the file that reads exactly so
        line = text.split("\n").index(line) + 1
    root = library({"bad-case.md": text, "good-case.md": case_text("Good one")})
    lib = load_library(root)
    mine = [p for p in lib.problems if p.path == "cases/bad-case.md"]
    assert mine, "no problem reported"
    assert any(p.line == line and p.field == field and words in str(p) for p in mine), "\n".join(map(str, mine))
    # Nothing is silently dropped: the bad case is not published, the good one is unaffected.
    assert "bad-case" not in lib.cases
    assert "good-case" in lib.cases
    assert not [p for p in lib.problems if p.path == "cases/good-case.md"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_such(library, encoding):
    """Windows editors save 'Unicode' as UTF-16: named so, with how to save it again, not 'binary'."""
    data = case_text().encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff" + case_text()).encode(encoding)  # with its byte order mark, as editors write it
    found = load_library(library({"wide.md": data})).problems
    assert [(p.line, p.message) for p in found] == [
        (1, "the file is UTF-16 text (what Windows calls 'Unicode'), not UTF-8")
    ], found


def test_binary_and_non_utf8_files(library):
    latin1 = case_text().encode("utf-8") + "\nMalm\xf6\n".encode("latin-1")
    root = library({"binary.md": b"---\x00\x01\x02", "latin1.md": latin1})
    text = "\n".join(map(str, load_library(root).problems))
    assert "cases/binary.md:1: file: the file is binary" in text
    line = latin1.count(b"\n", 0, latin1.index(b"\xf6")) + 1
    assert f"cases/latin1.md:{line}: file: the file is not UTF-8 text (byte 0xf6" in text


def test_huge_file(library):
    root = library({"huge.md": case_text(body_text=body(text="word " * 250_000))})
    assert "cases/huge.md:1: file: the file is too large" in "\n".join(map(str, load_library(root).problems))


@pytest.mark.parametrize("name", ["My Case.md", "Capitals.md", "double--hyphen.md", "trailing-.md"])
def test_bad_file_names(library, name):
    root = library({name: case_text()})
    problems = load_library(root).problems
    assert any(p.field == "file name" and "rename the file to cases/" in str(p) for p in problems)


def test_other_files_and_folders_in_cases_are_reported(library):
    root = library({"notes.txt": "x", "draft.markdown": "x", ".gitkeep": "", ".hidden.md": case_text()})
    (root / "cases" / "sub").mkdir()
    problems = {(p.path, p.field) for p in load_library(root).problems}
    assert problems == {
        ("cases/notes.txt", "file name"),
        ("cases/draft.markdown", "file name"),
        ("cases/sub", "folder"),
        ("cases/.hidden.md", "file name"),
    }


def test_colliding_ids(library):
    root = library({"alby.md": case_text("One"), "Alby.md": case_text("Two")})
    text = "\n".join(map(str, load_library(root).problems))
    assert "collides with cases/Alby.md" in text or "collides with cases/alby.md" in text


def test_bom_and_crlf_work(library):
    text = "\ufeff" + case_text().replace("\n", "\r\n")
    lib = load_library(library({"windows.md": text}))
    assert not lib.problems
    assert lib.cases["windows"].title == "Test programme"


def test_nfd_names_are_normalised(library):
    nfd = "Malmo\u0308"
    lib = load_library(library({"nfd.md": case_text().replace("Malmö", nfd)}))
    assert not lib.problems
    assert lib.cases["nfd"].municipalities == ("Malmö",)


def test_nfd_duplicates_are_found(library):
    text = case_text().replace("  - Malmö\n", "  - Malmö\n  - Malmo\u0308\n")
    problems = load_library(library({"dup.md": text})).problems
    assert [str(p) for p in problems] == [
        "cases/dup.md:9: municipalities[1]: 'Malmö' is listed twice (also on line 8); remove the repeated entry"
    ]


def test_unquoted_no_is_norway(library):
    lib = load_library(library({"norway.md": case_text().replace("country: SE", "country: NO")}))
    assert not lib.problems
    assert lib.cases["norway"].country == "NO"


def test_ongoing_and_labels_resolve_to_ids(library):
    text = case_text().replace("end: 2015", "end: ongoing").replace("  - segregation", "  - LONE MOTHERS")
    lib = load_library(library({"x.md": text}))
    assert not lib.problems
    case = lib.cases["x"]
    assert case.period_end is None and case.period_label == "2010–ongoing"
    assert case.keywords == ("urban-renewal", "participation", lib.taxonomy.resolve("Single mothers"))


def test_all_problems_in_one_run(library):
    bad = case_text(front=replace("country: SE", "country: se") + "sumary: x\n", body_text=body(SECTIONS[1:]))
    root = library({"a.md": bad, "b.md": "", "c.md": "no front matter\n"})
    problems = load_library(root).problems
    assert {p.path for p in problems} == {"cases/a.md", "cases/b.md", "cases/c.md"}
    assert len([p for p in problems if p.path == "cases/a.md"]) == 3


def test_check_command_reports_everything_and_fails(library):
    root = library({"a.md": case_text(front=replace("country: SE", "country: se")), "b.md": "", "ok.md": case_text()})
    proc = check(root)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        "cases/a.md:6: country: 'se' must be written in capitals; write SE",
        "cases/b.md:1: file: the file is empty; start from the template: make new-case ID=<id>, or copy an existing case",
        "2 problems in 2 files.",
    ]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_check_command_github_annotations(library):
    root = library({"a.md": case_text(front=replace("country: SE", "country: se"))})
    proc = check(root, "--github")
    assert proc.returncode == 1
    assert proc.stdout.strip() == (
        "::error file=cases/a.md,line=6,title=Casebook%3A country::country: 'se' must be written in capitals; write SE"
    )


def test_check_command_passes_on_good_library(library):
    proc = check(library({"ok.md": case_text()}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: 1 case and ")


def test_build_fails_listing_every_problem_without_traceback(library):
    root = library({"a.md": case_text(front=replace("end: 2015", "end: 2001")), "b.md": "x", "ok.md": case_text()})
    built = build(root)
    assert built.returncode != 0
    assert "cases/a.md:13: period.end: the end year 2001 is before the start year 2010" in built.output
    assert "cases/b.md:1: front matter: the file does not start with front matter" in built.output
    assert "Casebook: 2 problems in 2 files." in built.output
    assert "Traceback" not in built.output
    assert not (root / "site" / "index.html").exists()


def test_deeply_nested_yaml_is_an_error_not_a_crash(library):
    text = case_text(front=GOOD + "organisations: " + "[" * 3000 + "]" * 3000 + "\n")
    problems = load_library(library({"deep.md": text})).problems
    assert [p.message for p in problems] == ["the YAML is nested too deeply to be read"]


def test_reserved_id(library):
    problems = load_library(library({"index.md": case_text()})).problems
    assert [(p.path, p.field) for p in problems] == [("cases/index.md", "file name")]
    assert "reserved" in problems[0].message


def test_symlinks_are_refused(library, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text(case_text("Secret"), "utf-8")
    root = library({})
    (root / "cases" / "link.md").symlink_to(secret)
    lib = load_library(root)
    assert "link" not in lib.cases
    assert [(p.path, p.message) for p in lib.problems] == [
        ("cases/link.md", "symbolic links are not allowed in cases/")
    ]


def problems_of(library, text) -> list[str]:
    root = library({"x.md": text})
    return [f"{p.line}: {p.field}: {p.message}; {p.fix}" for p in load_library(root).problems]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("www.example.org/plan", "write the full address: https://www.example.org/plan"),
        ("../other-case/", "not a full web address"),
        ("plan.pdf", "https://plan.pdf"),
    ],
)
def test_body_links_must_be_full_addresses(library, target, words):
    text = case_text(body_text=body().replace("Something", f"[plan]({target})", 1))
    found = problems_of(library, text)
    assert len(found) == 1 and words in found[0], found


def test_a_link_is_named_as_markdown_reads_it_and_a_page_file_is_not_taken_for_a_domain(library):
    """A link before a full stop or inside parentheses ends at its own closing parenthesis; a
    link to another case's file (``.md``) is a page of this site, not a web address to guess."""
    text = case_text(
        body_text=body().replace(
            "Something",
            "See [Malmö](malmo-områdesprogram.md). Also ([Ødegaard](no-such-case.md)), "
            "[Wiki](https://sv.wikipedia.org/wiki/Rosengård_(Malmö)) and [x](<../a b.html>).",
            1,
        )
    )
    found = problems_of(library, text)
    assert sorted(f.split(";")[0].split(": ", 1)[1] for f in found) == [
        "body: the link '../a b.html' is not a full web address",
        "body: the link 'malmo-områdesprogram.md' is not a full web address",
        "body: the link 'no-such-case.md' is not a full web address",
    ]
    assert all("links to pages of this site are not allowed" in f and "https://malmo" not in f for f in found)


@pytest.mark.parametrize("target", ["<javascript:alert(1)>", "<javascript:alert(1)", "javascript:alert((1))"])
def test_a_script_link_is_refused_however_it_is_bracketed(library, target):
    found = problems_of(library, case_text(body_text=body().replace("Something", f"[x]({target}).", 1)))
    assert any("the link target 'javascript:alert(1)' is not allowed" in f for f in found) or any(
        "the link target 'javascript:alert((1))' is not allowed" in f for f in found
    ), found


def test_full_links_and_anchors_are_fine(library):
    text = case_text(body_text=body().replace("Something", "[a](https://x.org) [b](#goals) [c](mailto:a@b.org)", 1))
    assert problems_of(library, text) == []


def test_a_link_title_parentheses_and_an_image_in_code_are_fine(library):
    titled = '[a](https://x.org/a "A title") [b](https://x.org/(b)) `![code](x.png)` Wow! [c](https://x.org)'
    assert problems_of(library, case_text(body_text=body().replace("Something", titled, 1))) == []


def test_a_misspelt_heading_is_one_problem(library):
    found = problems_of(library, case_text(body_text=body(["Background", "Goal", *SECTIONS[2:]])))
    assert len(found) == 1 and "did you mean 'Goals'" in found[0]


def test_comma_separated_list_gets_a_useful_fix(library):
    text = case_text(
        front=replace(
            "keywords:\n  - urban-renewal\n  - Participation\n  - segregation",
            "keywords: urban-renewal, Participation, segregation",
        )
    )
    assert any(
        "e.g. '- urban-renewal' and '- Participation' and '- segregation'" in p for p in problems_of(library, text)
    )


def test_language_name_gets_its_code(library):
    found = problems_of(library, case_text(front=replace("language: sv", "language: Norwegian")))
    assert found == ["23: sources[0].language: 'Norwegian' is a language name, but a code is expected; write nb"]


def test_nordic_labels_name_keywords(library):
    lib = load_library(
        library({"x.md": case_text(front=replace("  - segregation", "  - Stadsförnyelse\n  - segregation"))})
    )
    assert [str(p) for p in lib.problems] == [
        "cases/x.md:17: keywords[2]: 'Stadsförnyelse' means the same keyword ('urban-renewal') as 'urban-renewal' (line 15); keep only one of them"
    ]


def test_id_suggestions_transliterate():
    from casebook.cases import slugify

    assert slugify("Områdeløft Saupstad") == "omradeloft-saupstad"
    assert slugify("Værebro Park Æble") == "vaerebro-park-aeble"
