"""The library's contract (contract.yml): its own sections and fields drive the checker, the
template and the field reference; a contract that contradicts itself is reported, every
problem with its line, before any case is read; the default contract is this library's."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from casebook.contract import default_contract, load_contract
from casebook.docs import CONTRIBUTING, refresh
from casebook.scaffold import scaffold_text
from conftest import ROOT, build, case_text, check, env

EXAMPLE = ROOT / "examples" / "urban-practices"

OWN_FIELDS = """\
sections:
  - name: Problem
    guidance: What was wrong.
  - name: Approach
    guidance: What was done.
    not_reported: false
  - name: Results
fields:
  - name: city_size
    kind: one-of
    label: City size
    required: true
    facet: true
    values:
      - {value: small, label: Small}
      - {value: large, label: Large}
  - name: budget
    kind: integer
    label: Budget
    unit: EUR
    maximum: 5000000
  - name: evaluated
    kind: boolean
    label: Evaluated
  - name: target
    kind: several-of
    label: Target groups
    values: [{value: young}, {value: old}]
"""

BODY = "## Problem\n\nA problem.\n\n## Approach\n\nAn approach.\n\n## Results\n\nNot reported in the sources.\n"


def own_case(extra: str = "city_size: small\n", body: str = BODY) -> str:
    """A valid case of the OWN_FIELDS contract, with ``extra`` front-matter lines."""
    text = case_text(body_text=body)
    return text.replace("country: SE\n", f"country: SE\n{extra}", 1)


def with_contract(library, contract: str, cases: dict) -> Path:
    root = library(cases)
    (root / "contract.yml").write_text(textwrap.dedent(contract), "utf-8")
    return root


def problems(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if re.match(r"^\S+:\d+: ", line)]


def test_default_contract_is_the_eight_sections():
    contract = default_contract()
    assert contract.section_names == (
        "Background",
        "Goals",
        "What was done",
        "Results",
        "Success factors",
        "Challenges",
        "Lessons for others",
        "Continuation",
    )
    assert contract.fields == ()
    assert contract.not_reported == "Not reported in the sources."
    assert all(s.guidance and s.not_reported for s in contract.sections)
    assert load_contract(ROOT) == (contract, [])  # this library declares none: the default


def test_a_contract_that_contradicts_itself_is_reported_whole(library):
    contract = """\
        sections:
          - name: Problem
          - name: Results
          - name: results
        fields:
          - name: size
            kind: one-of
            label: Size
          - name: notes
            kind: long-text
            label: Notes
            facet: true
          - name: budget
            kind: integer
            label: Budget
            values: [{value: a}]
          - name: budget
            kind: year
            label: Budget year
            unit: EUR
          - name: summary
            kind: text
            label: Summary
          - name: kind_of
            kind: booleen
            label: Kind
            colour: red
          - name: City size
            kind: text
            label: City size
          - name: span
            kind: integer
            label: Span
            minimum: 10
            maximum: 5
          - name: pick
            kind: several-of
            label: Pick
            values: [{value: a}, {value: b}, {value: a}]
        """
    root = with_contract(library, contract, {"x.md": case_text()})
    proc = check(root)
    assert proc.returncode == 1
    found = problems(proc)
    expected = [
        ("contract.yml:4: sections[2].name", "declared twice (first on line 3)"),
        ("contract.yml:7: fields[0].kind", "a one-of field needs values"),
        ("contract.yml:12: fields[1].facet", "cannot filter on a long-text field"),
        ("contract.yml:16: fields[2].values", "values apply only to one-of and several-of"),
        ("contract.yml:17: fields[3].name", "'budget' is declared twice (first on line 13)"),
        ("contract.yml:20: fields[3].unit", "unit applies only to integer fields"),
        ("contract.yml:21: fields[4].name", "'summary' is a built-in field"),
        ("contract.yml:25: fields[5].kind", "did you mean 'boolean'?"),
        ("contract.yml:27: fields[5].colour", "unknown field 'colour'"),
        ("contract.yml:28: fields[6].name", "lower-case letters, digits and underscores"),
        ("contract.yml:35: fields[7].maximum", "the minimum 10 is above the maximum 5"),
        ("contract.yml:39: fields[8].values[2]", "the value 'a' is listed twice"),
    ]
    for where, what in expected:
        assert any(line.startswith(where) and what in line for line in found), (where, what, found)
    assert len(found) == len(expected), found
    assert not any("x.md" in line for line in found)  # no case is read against a broken contract
    built = build(root)  # the build says the same, before any case is read, without a traceback
    assert built.returncode != 0
    assert "Traceback" not in built.output
    for where, what in expected:
        assert where in built.output and what in built.output


def test_options_and_contract_problems_come_together(library):
    root = with_contract(library, "sections:\n  - name: A\n  - name: a\n", {"x.md": case_text()})
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("branch: main", "branhc: main"), "utf-8")
    built = build(root)
    assert built.returncode != 0 and "Traceback" not in built.output
    assert "extra.casebook.branhc: is no option" in built.output
    assert "contract.yml:3: sections[1].name" in built.output
    assert "2 problems in 2 files. Fix them and build again." in built.output


def test_a_contract_file_named_but_missing(library):
    root = library({"x.md": case_text()})
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8").replace("  casebook:\n", "  casebook:\n    contract: outline.yml\n", 1)
    config.write_text(text, "utf-8")
    line = text.split("\n").index("    contract: outline.yml") + 1
    for output in (build(root).output, check(root).stderr):  # where the editor can correct it
        assert f"mkdocs.yml:{line}: extra.casebook.contract: the contract file outline.yml does not exist" in output


@pytest.mark.parametrize(
    "text, line, what",
    [
        ("sections: [{name: A}, {name: B}\nfields: []\n", 1, "a bracket [ or { is opened here and never closed"),
        ("sections:\n\t- name: A\n", 2, "tab"),
        ("- a\n- b\n", 1, "the contract is a list, not a group of fields"),
        ("fields:\n  - name: x\n    kind: text\n", 2, "fields[0]: label: is required but missing"),
        ("sections: []\n", 1, "needs at least 1 entry"),
    ],
)
def test_unreadable_contracts(library, text, line, what):
    root = library({"x.md": case_text()})
    (root / "contract.yml").write_text(text, "utf-8")
    proc = check(root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert any(p.startswith(f"contract.yml:{line}: ") and what.split(": ", 1)[-1] in p for p in problems(proc)), (
        proc.stderr
    )


def test_own_fields_are_checked_with_file_line_and_fix(library):
    bad = own_case('city_size: smal\nbudget: "250 000"\nevaluated: yes\ntarget: [young, young, kids]\n')
    huge = own_case("city_size: large\nbudget: 9000000\n")
    root = with_contract(library, OWN_FIELDS, {"bad.md": bad, "huge.md": huge, "none.md": own_case("")})
    found = problems(check(root))
    assert "cases/bad.md:7: city_size: the text 'smal' is not one of the values allowed: small, large; " in "\n".join(
        found
    )
    assert any(p.startswith("cases/bad.md:7: city_size:") and "did you mean 'small'?" in p for p in found)
    assert (
        "cases/bad.md:8: budget: the text '250 000' has spaces in it; write the number without spaces or quotes: 250000"
        in found
    )
    assert any(p.startswith("cases/bad.md:9: evaluated: must be true or false") for p in found)
    assert any(p.startswith("cases/bad.md:10: target: lists the same value twice") for p in found)
    assert any(p.startswith("cases/bad.md:10: target[2]: the text 'kids' is not one of") for p in found)
    assert any(p.startswith("cases/huge.md:8: budget: the number 9000000 is above the largest") for p in found)
    assert any(
        p.startswith("cases/none.md:2: city_size: is required but missing; write one of: small, large") for p in found
    )
    assert len(found) == 7, found


def test_changing_the_contract_lists_every_case_that_must_change(library):
    root = library({"a.md": case_text("A"), "b.md": case_text("B")})
    assert check(root).returncode == 0
    contract = "fields:\n  - name: city_size\n    kind: one-of\n    label: City size\n    required: true\n"
    contract += "    values: [{value: small}]\n"
    (root / "contract.yml").write_text(contract, "utf-8")  # a required field is added
    found = problems(check(root))
    assert found == [
        "cases/a.md:2: city_size: is required but missing; write one of: small",
        "cases/b.md:2: city_size: is required but missing; write one of: small",
    ]
    renamed = (ROOT / "hooks/casebook/data/contract.yml").read_text("utf-8").replace("Lessons for others", "Lessons")
    (root / "contract.yml").write_text(renamed, "utf-8")  # a section is renamed
    found = problems(check(root))
    assert [p.split(": ", 1)[0] for p in found] == ["cases/a.md:52", "cases/a.md:56", "cases/b.md:52", "cases/b.md:56"]
    assert "unknown section '## Lessons for others'" in found[0] and "'## Lessons' is missing" in found[1]


def test_a_section_that_must_report_something(library):
    silent = BODY.replace("An approach.", "*Not reported in the sources.*")
    root = with_contract(library, OWN_FIELDS, {"x.md": own_case(body=silent)})
    found = problems(check(root))
    assert len(found) == 1 and "the section 'Approach' only says 'Not reported in the sources.'" in found[0]
    assert found[0].startswith("cases/x.md:")


def test_the_new_case_template_follows_the_contract(library):
    root = with_contract(library, OWN_FIELDS, {})
    proc = subprocess.run(
        [sys.executable, "-m", "casebook", "new", "draft", "--root", str(root)],
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    text = (root / "cases" / "draft.md").read_text("utf-8")
    assert re.findall(r"^## (.+)$", text, re.M) == ["Problem", "Approach", "Results"]
    assert "city_size: TODO" in text and "evaluated: TODO" in text and "target:\n  - TODO" in text
    assert "If the sources say nothing" not in text.split("## Approach")[1].split("## Results")[0]
    found = problems(check(root))
    assert any(p.startswith("cases/draft.md:") and p.split(": ")[1] == "city_size" for p in found)
    assert all("Traceback" not in p for p in found)


def test_the_field_reference_follows_the_contract():
    contract, found = load_contract(EXAMPLE, "contract.yml")
    assert found == []
    text = (EXAMPLE / CONTRIBUTING).read_text("utf-8")
    assert refresh(text, contract) == text, (
        "run: PYTHONPATH=hooks python -m casebook docs --root examples/urban-practices"
    )
    assert "| `city_size` | yes | one of `small`, `medium`, `large` |" in text
    assert "| `budget` | no | whole number |" in text and "in EUR" in text
    assert "| `evaluated` | yes | true or false |" in text
    assert "1. **Problem**:" in text and "5. **Contacts**:" in text
    assert "must report something" in text.split("**Approach**")[1].split("\n")[0]
    assert "**Background**" not in text
    own = scaffold_text(contract)
    assert "city_size: TODO" in own and "## Transferability" in own


def test_the_example_library_builds_with_its_own_outline(tmp_path):
    copy = tmp_path / "repo"
    for name in ("hooks", "overrides"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(EXAMPLE, copy / "examples" / "urban-practices", ignore=shutil.ignore_patterns(".cache", "site"))
    folder = copy / "examples" / "urban-practices"
    assert check(folder).returncode == 0
    built = build(folder)
    assert built.returncode == 0, built.output
    page = (built.site / "cases" / "riverside-kitchen" / "index.html").read_text("utf-8")
    headings = re.findall(r'<h2 id="[^"]+">([^<]+)', page)
    assert headings[:5] == ["Problem", "Approach", "Results", "Transferability", "Contacts"]
    assert "Background" not in headings


def test_make_check_reports_options_and_contract_together(library):
    root = with_contract(library, "sections:\n  - name: A\n  - name: a\n", {"x.md": case_text()})
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("search_shard_size: 1000", "search_shard_size: lots"), "utf-8")
    shutil.copy2(ROOT / "Makefile", root / "Makefile")
    venv = f"VENV={sys.prefix}"  # the test's own environment, whose dependencies are installed
    proc = subprocess.run(
        ["make", "-s", "-o", f"{sys.prefix}/.build-deps", "check", venv],
        cwd=root,
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "mkdocs.yml:" in proc.stderr and "extra.casebook.search_shard_size: expected a whole number" in proc.stderr
    assert "contract.yml:3: sections[1].name" in proc.stderr


def test_a_field_may_not_take_a_name_the_explorer_or_the_exports_use(library):
    contract = "fields:\n"
    for name, kind in [
        ("q", "text"),
        ("country_x", "text"),
        ("budget", "integer"),
        ("budget_from", "text"),
        ("url", "url"),
    ]:
        contract += f"  - name: {name}\n    kind: {kind}\n    label: {name.title()}\n"
    root = with_contract(library, contract, {"x.md": case_text()})
    found = problems(check(root))
    assert [p.split(": ")[0] + ": " + p.split(": ")[2].split(";")[0] for p in found] == [
        "contract.yml:2: 'q' is a filter of the explorer's address",
        "contract.yml:11: 'budget_from' is how the explorer's address names a bound of 'budget'",
        "contract.yml:14: 'url' is a column the exports use",
    ]
