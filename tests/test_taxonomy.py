"""The real vocabulary is complete, and every taxonomy error is reported with file and line."""

from __future__ import annotations

import re

import pytest

from casebook import load_library
from casebook.taxonomy import LANGUAGES, load_taxonomy
from conftest import ROOT, case_text

SMALL = """\
groups:
  - id: places
    label: Places
  - id: people
    label: People
keywords:
  - id: housing
    label: Housing
    group: places
    description: Homes and how they are provided.
    labels: {sv: Bostäder, da: Boliger, nb: Boliger}
  - id: renewal
    label: Renewal
    group: places
    description: Improving an area.
    aliases: [Regeneration]
    broader: housing
    labels: {sv: Förnyelse, da: Fornyelse, nb: Fornyelse}
  - id: youth
    label: Youth
    group: people
    description: Young people.
    labels: {sv: Unga, da: Unge, nb: Unge}
"""


def problems_for(tmp_path, text):
    (tmp_path / "taxonomy").mkdir(exist_ok=True)
    (tmp_path / "taxonomy" / "keywords.yml").write_text(text, "utf-8")
    taxonomy, problems = load_taxonomy(tmp_path)
    return taxonomy, [str(p) for p in problems]


def test_small_taxonomy_loads(tmp_path):
    taxonomy, problems = problems_for(tmp_path, SMALL)
    assert problems == []
    assert list(taxonomy.keywords) == ["housing", "renewal", "youth"]
    assert taxonomy.resolve("regeneration") == "renewal"
    assert taxonomy.resolve("  RENEWAL ") == "renewal"
    assert taxonomy.narrower() == {"housing": ["renewal"]}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - id: youth\n",
            "  - id: housing\n",
            "taxonomy/keywords.yml:19: keywords[2].id: the keyword id 'housing' is used twice (first on line 7)",
        ),
        (
            "    label: Youth\n",
            "    label: housing\n",
            "taxonomy/keywords.yml:20: keywords[2].label: the label 'housing' is already used by 'housing'",
        ),
        (
            "[Regeneration]",
            "[Youth]",
            "taxonomy/keywords.yml:16: keywords[1].aliases[0]: the alias 'Youth' already names the keyword 'youth'",
        ),
        (
            "[Regeneration]",
            "[Renewal]",
            "taxonomy/keywords.yml:16: keywords[1].aliases[0]: the alias 'Renewal' repeats the keyword's own label",
        ),
        (
            "    group: people\n",
            "    group: peeple\n",
            "taxonomy/keywords.yml:21: keywords[2].group: unknown group 'peeple'; did you mean 'people'?",
        ),
        (
            "    broader: housing\n",
            "    broader: housng\n",
            "taxonomy/keywords.yml:17: keywords[1].broader: unknown keyword 'housng'; did you mean 'housing'?",
        ),
        (
            "    broader: housing\n",
            "    broader: renewal\n",
            "taxonomy/keywords.yml:17: keywords[1].broader: a keyword cannot be broader than itself",
        ),
        (
            "{sv: Unga, da: Unge, nb: Unge}",
            "{sv: Unga, da: Unge}",
            "taxonomy/keywords.yml:23: keywords[2].labels.nb: is required but missing",
        ),
        (
            "  - id: places\n",
            "  - id: people\n",
            "taxonomy/keywords.yml:4: groups[1].id: the group id 'people' is used twice",
        ),
        (
            "    description: Young people.\n",
            "",
            "taxonomy/keywords.yml:19: keywords[2].description: is required but missing",
        ),
        (
            "  - id: youth\n",
            "  - id: Youth Work\n",
            "taxonomy/keywords.yml:19: keywords[2].id: the text 'Youth Work' is not in the expected form; use lower-case letters",
        ),
        (
            "keywords:\n",
            "keywords:\n  - colour: red\n",
            "taxonomy/keywords.yml:7: keywords[0].colour: unknown field 'colour'",
        ),
        (
            "groups:\n",
            "groups:\ngroups:\n",
            "taxonomy/keywords.yml:2: groups: the field 'groups' appears twice (first on line 1)",
        ),
        (
            "    description: Young people.\n",
            "    description: young people\n",
            "taxonomy/keywords.yml:22: keywords[2].description: the text 'young people' is not in the expected form; "
            "write one plain sentence on one line, starting with a capital letter and ending with a period",
        ),
        (
            "{sv: Unga, da: Unge, nb: Unge}",
            "{sv: Bostäder, da: Unge, nb: Unge}",
            "taxonomy/keywords.yml:23: keywords[2].labels.sv: the sv label 'Bostäder' already names the keyword "
            "'housing' (line 7)",
        ),
        (
            "    label: Youth\n",
            "    label: Fornyelse\n",
            "taxonomy/keywords.yml:18: keywords[1].labels.da: the da label 'Fornyelse' already names the keyword "
            "'youth' (line 19)",
        ),
        (
            "[Regeneration]",
            "[UNGA]",
            "taxonomy/keywords.yml:23: keywords[2].labels.sv: the sv label 'Unga' already names the keyword "
            "'renewal' (line 12)",
        ),
    ],
)
def test_taxonomy_errors(tmp_path, old, new, expected):
    assert old in SMALL
    _, problems = problems_for(tmp_path, SMALL.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


def test_broader_cycle_is_reported_once(tmp_path):
    text = SMALL.replace(
        "    description: Homes and how they are provided.\n",
        "    description: Homes and how they are provided.\n    broader: renewal\n",
    )
    _, problems = problems_for(tmp_path, text)
    assert problems == [
        "taxonomy/keywords.yml:7: broader: broader terms form a cycle: housing → renewal → housing; "
        "remove broader: from one of them"
    ]


def test_broken_taxonomy_fails_check_and_build(library):
    from conftest import build, check

    root = library({"ok.md": case_text()}, taxonomy=SMALL.replace("group: people", "group: nobody"))
    proc = check(root)
    assert proc.returncode == 1
    assert "taxonomy/keywords.yml:21: keywords[2].group: unknown group 'nobody'" in proc.stderr
    built = build(root)
    assert built.returncode != 0 and "unknown group 'nobody'" in built.output and "Traceback" not in built.output


def small_case(*keywords: str) -> str:
    """A valid case whose keywords are ``keywords``, terms of :data:`SMALL`."""
    listed = "".join(f"  - {k}\n" for k in keywords)
    return case_text().replace("  - urban-renewal\n  - Participation\n  - segregation\n", listed, 1)


def test_a_label_shared_by_two_keywords_in_one_language_stops_check_and_build(library):
    """A case may name a keyword by its Swedish, Danish or Norwegian label: one that two keywords
    share was left out of the terms (the case was told its keyword is unknown), and one that is
    another keyword's English label or alias quietly named that keyword instead."""
    from conftest import build, check

    taxonomy = SMALL.replace("{sv: Unga, da: Unge, nb: Unge}", "{sv: Unga, da: Boliger, nb: Unge}")
    root = library({"ok.md": small_case("Boliger", "Youth", "renewal")}, taxonomy=taxonomy)
    proc = check(root)
    assert proc.returncode == 1
    reported = [line for line in proc.stderr.splitlines() if ".yml:" in line or ".md:" in line]
    assert len(reported) == 1, proc.stderr  # the label, not the case
    assert reported[0].startswith(
        "taxonomy/keywords.yml:23: keywords[2].labels.da: the da label 'Boliger' already names the keyword "
        "'housing' (line 7)"
    )
    built = build(root)
    assert built.returncode != 0 and "already names the keyword 'housing'" in built.output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    label: Youth\n",
            "    label: Youth\n    label: Young people\n",
            ["taxonomy/keywords.yml:21: keywords[2].label: the field 'label' appears twice (first on line 20)"],
        ),
        (
            "    labels: {sv: Unga, da: Unge, nb: Unge}\n",
            "    labels:\n      sv: Unga\n      da: Unge\n\tnb: Unge\n",
            ["taxonomy/keywords.yml:26: keywords[2].labels.nb: a tab character is used for indentation"],
        ),
        (
            "    label: Youth\n",
            "    label: Youth: young people\n",
            [
                "taxonomy/keywords.yml:1: keywords: the cases' keywords cannot be checked until this file can be read",
                "taxonomy/keywords.yml:20: yaml: a value contains ': '",
            ],
        ),
    ],
)
def test_a_taxonomy_problem_is_reported_alone_not_as_every_keyword_of_every_case(library, old, new, expected):
    """A repeated field or a tab leaves the rest of the file readable: it is read and used. A file
    that cannot be read at all says so once, instead of calling every keyword of every case unknown."""
    from conftest import check

    assert old in SMALL
    cases = {"a.md": small_case("Youth", "housing", "renewal"), "b.md": small_case("Regeneration", "Bostäder", "Unge")}
    root = library(cases, taxonomy=SMALL.replace(old, new, 1))
    proc = check(root)
    reported = [line for line in proc.stderr.splitlines() if ".yml:" in line or ".md:" in line]
    assert proc.returncode == 1
    assert len(reported) == len(expected) and all(
        line.startswith(start) for line, start in zip(reported, expected, strict=True)
    ), proc.stderr


def test_missing_taxonomy_file(tmp_path):
    _, problems = load_taxonomy(tmp_path)
    assert problems[0].path == "taxonomy/keywords.yml" and "does not exist" in problems[0].message


# The real vocabulary --------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    taxonomy, problems = load_taxonomy(ROOT)
    assert not problems, "\n".join(map(str, problems))
    return taxonomy


def wilco_terms() -> list[str]:
    """The WILCO vocabulary (85 terms), kept in tests/data from the Miljardprogrammet source."""
    terms = (ROOT / "tests" / "data" / "wilco-terms.txt").read_text("utf-8").splitlines()
    source = ROOT.parent / "shared" / "sources" / "miljardprogrammet.en.txt"
    if source.exists():  # beside the repository in CI: the kept copy must match the source
        line = next(x for x in source.read_text("utf-8").splitlines() if x.startswith("Keywords: "))
        assert line.removeprefix("Keywords: ").split(" | ") == terms
    return terms


def test_every_wilco_term_is_usable(real):
    terms = wilco_terms()
    assert len(terms) == 85
    missing = [t for t in terms if real.resolve(t) is None]
    assert missing == []


def test_additions_for_the_four_programmes(real):
    for kid in (
        "area-based-programmes",
        "safety",
        "energy-renovation",
        "public-procurement",
        "intercultural-dialogue",
        "evaluation",
    ):
        assert kid in real.keywords


def test_real_taxonomy_shape(real):
    assert 6 <= len(real.groups) <= 10
    for group in real.groups:
        assert sum(k.group == group for k in real.keywords.values()) >= 4, group
    for kw in real.keywords.values():
        assert all(kw.labels[lang] for lang in LANGUAGES), kw.id
        assert re.fullmatch(r"[^.]+\.", kw.description), f"{kw.id}: one sentence ending with a period"


def test_real_library_has_no_problems():
    library = load_library(ROOT)
    assert library.problems == []
    assert set(library.cases) == {
        "miljardprogrammet",
        "malmo-area-programme",
        "boligliv-i-balance",
        "together-botkyrka",
    }
