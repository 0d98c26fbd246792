"""The editor's path: scaffold, check, fill in, check, build; the guide and the GitHub files."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from casebook import load_library
from casebook.body import SECTIONS
from casebook.docs import CONTRIBUTING, field_rows, refresh
from casebook.schema import iter_fields
from conftest import ROOT, build, check, env


def new_case(root, case_id) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "casebook", "new", case_id, "--root", str(root)],
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )


FILLED = {
    "title: TODO": "title: Kvarterslyftet",
    "title_en: TODO": "title_en: The Block Lift",
    "summary: TODO": "summary: >-\n  A made-up neighbourhood programme used by the test suite to follow an editor\n  from the template to a published case.",
    "country: TODO": "country: NO",
    "municipalities:\n  - TODO": "municipalities:\n  - Bergen",
    "neighbourhoods:\n  - TODO": "neighbourhoods:\n  - Loddefjord",
    "start: TODO": "start: 2019",
    "end: TODO": "end: ongoing",
    "  - TODO\n  - TODO\n  - TODO": "  - Participation\n  - safety\n  - Urban renewal",
    "title: TODO\n": "title: Annual report\n",
    "publisher: TODO": "publisher: Bergen kommune",
    "year: TODO": "year: 2021",
    "url: TODO": "url: https://example.org/report",
    "language: TODO": "language: nb",
}


def fill(text: str) -> str:
    # Optional organisations: the editor deletes the entry.
    text = re.sub(r"(# [^\n]*\n)*organisations:\n  - TODO\n", "", text)
    # Optional locations (coordinates the gazetteer lacks): Bergen is in it, so the editor deletes the block.
    text = re.sub(r"(# [^\n]*\n)*locations:\n(  [^\n]*\n)+", "", text)
    for old, new in FILLED.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    text = re.sub(r"TODO: Optional lead[^\n]*\n", "", text)
    return re.sub(r"TODO: [^\n]*", "Something the annual report says.", text)


def test_scaffold_check_fill_check_build(library):
    root = library({})
    made = new_case(root, "kvarterslyftet")
    assert made.returncode == 0, made.stderr
    assert "cases/kvarterslyftet.md" in made.stdout
    text = (root / "cases" / "kvarterslyftet.md").read_text("utf-8")
    # Every field and every section is in the template.
    for name, _, _ in iter_fields():
        assert f"{name.split('.')[-1].removeprefix('[]')}:" in text, name
    assert [h for h in re.findall(r"^## (.+)$", text, re.M)] == list(SECTIONS)

    # The fresh scaffold fails, and says what is still to fill in.
    first = check(root)
    assert first.returncode == 1
    lines = first.stderr.strip().splitlines()
    assert lines[-1] == f"{len(lines) - 1} problems in 1 file."
    assert all("still to fill in" in line or "to-do text" in line for line in lines[:-1]), lines
    todo_lines = [i + 1 for i, line in enumerate(text.splitlines()) if "TODO" in line]
    assert [int(line.split(":")[1]) for line in lines[:-1]] == todo_lines
    assert any(line.startswith("cases/kvarterslyftet.md:") and ": country: still to fill in" in line for line in lines)
    assert "the section 'Results' still has the template's to-do text" in first.stderr

    # Filled in, it passes and is published in the indexes.
    (root / "cases" / "kvarterslyftet.md").write_text(fill(text), "utf-8")
    second = check(root)
    assert second.returncode == 0, second.stderr
    built = build(root)
    assert built.returncode == 0, built.output
    assert "kvarterslyftet" in [r["data-case-id"] for r in built.html("cases/").select("tr[data-case-id]")]
    keyword = built.html("keywords/participation/")
    assert "kvarterslyftet" in [li["data-case-id"] for li in keyword.select("li[data-case-id]")]
    country = built.html("countries/no/")
    assert [section.h3.get_text() for section in country.select("section.cb-place")] == ["Bergen"]


def test_scaffold_alone_never_builds(library):
    root = library({})
    assert new_case(root, "draft").returncode == 0
    built = build(root)
    assert built.returncode != 0
    assert "cases/draft.md:3: title: still to fill in" in built.output


@pytest.mark.parametrize(
    ("case_id", "words"),
    [
        ("Bad Id", "not a valid case id"),
        ("index", "not a valid case id"),
        ("a" * 300, "cannot be created (File name too long); choose a shorter id"),
    ],
)
def test_new_case_refuses_bad_ids(library, case_id, words):
    made = new_case(library({}), case_id)
    assert made.returncode == 2 and words in made.stderr and "Traceback" not in made.stderr, made.stderr


def test_new_case_refuses_to_overwrite(library):
    root = library({})
    assert new_case(root, "x").returncode == 0
    again = new_case(root, "x")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_make_new_case(tmp_path):
    """The documented command works from the repository's Makefile."""
    from conftest import make_library

    root = make_library(tmp_path / "lib", {})
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        (root / name).write_text((ROOT / name).read_text("utf-8"), "utf-8")
        os.utime(root / name, (0, 0))  # older than the installed venv: make installs nothing
    venv = f"VENV={ROOT / '.venv'}"
    proc = subprocess.run(
        ["make", "new-case", "ID=from-make", venv],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "cases" / "from-make.md").exists()
    missing = subprocess.run(["make", "new-case", venv], cwd=root, capture_output=True, text=True, check=False)
    assert missing.returncode != 0 and "make new-case ID=my-programme" in missing.stderr
    dashed = subprocess.run(["make", "new-case", "ID=-lead", venv], cwd=root, capture_output=True, text=True)
    assert dashed.returncode != 0 and "'-lead' is not a valid case id" in dashed.stderr, dashed.stderr


def test_github_annotations_are_automatic_in_actions(library):
    from conftest import case_text

    root = library({"a.md": case_text().replace("country: SE", "country: se")})
    proc = subprocess.run(
        [sys.executable, "-m", "casebook", "check", str(root)],
        capture_output=True,
        text=True,
        env={**env(), "GITHUB_ACTIONS": "true"},
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "::error file=cases/a.md,line=6,title=Casebook%3A country::country: 'se' must be written in capitals; write SE"
    ]
    assert "cases/a.md:6: country:" in proc.stderr


def test_contributing_guide_is_in_sync_with_the_schema():
    text = (ROOT / CONTRIBUTING).read_text("utf-8")
    assert refresh(text) == text, "run: make docs"
    for row in field_rows():
        assert f"| `{row['name']}` |" in text
    assert "make new-case ID=" in text and "make check" in text


def checklist(path) -> list[str]:
    text = (ROOT / path).read_text("utf-8")
    block = text.split("<!-- checklist:start -->")[1].split("<!-- checklist:end -->")[0]
    return [line for line in block.strip().splitlines() if line.startswith("- [ ]")]


def test_pull_request_template_has_the_review_checklist():
    assert checklist(".github/pull_request_template.md") == checklist(CONTRIBUTING)
    assert len(checklist(CONTRIBUTING)) >= 5


def test_contribute_page_and_case_links(real_site):
    page = real_site.html("contribute/")
    fields = [td.code.get_text() for td in page.select("table tbody tr td:first-child")]
    assert fields == [row["name"] for row in field_rows()]
    case = real_site.html("cases/malmo-area-programme/")
    edit = case.select_one(".cb-actions a[href*='/edit/']")["href"]
    assert edit == "https://github.com/casebook-org/casebook/edit/main/cases/malmo-area-programme.md"
    correct = case.select_one(".cb-actions a[href*='/issues/new']")["href"]
    assert "template=correction.yml" in correct and "case=malmo-area-programme" in correct
    assert "contribute/" in [
        a["href"].split("../")[-1] for a in real_site.html("keywords/gentrification/").select(".cb-empty a")
    ]


# GitHub files ----------------------------------------------------------------

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
FORMS = sorted(p for p in (ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")


def check_jsonschema(schema: str, files) -> subprocess.CompletedProcess:
    exe = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
    return subprocess.run(
        [exe, "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True, check=False
    )


def test_workflows_and_forms_are_valid_offline():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "pages.yml"}
    for schema, files in (
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.github-issue-forms", FORMS),
        ("vendor.github-issue-config", [ROOT / ".github/ISSUE_TEMPLATE/config.yml"]),
    ):
        proc = check_jsonschema(schema, files)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_validator_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n", "utf-8")
    assert check_jsonschema("vendor.github-workflows", [bad]).returncode != 0


def load(path):
    # PyYAML reads the key 'on' as True (YAML 1.1); normalise it back.
    data = yaml.safe_load(path.read_text("utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_rules(path):
    text = path.read_text("utf-8")
    data = load(path)
    assert "pull_request_target" not in text
    assert "secrets." not in text
    assert data["permissions"] == {"contents": "read"}
    assert "concurrency" in data
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{ref} has no version comment"
    for name, job in data["jobs"].items():
        for step in job.get("steps", []):
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False, name


def test_ci_runs_check_and_tests_with_pip_cache():
    data = load(ROOT / ".github/workflows/ci.yml")
    assert set(data["on"]) == {"pull_request", "push"}
    steps = data["jobs"]["check"]["steps"]
    runs = [s.get("run") for s in steps]
    assert "make check" in runs and "make test" in runs
    assert any(s.get("with", {}).get("cache") == "pip" for s in steps)


def test_pages_deploys_with_least_permissions():
    data = load(ROOT / ".github/workflows/pages.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert "permissions" not in data["jobs"]["build"]
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    uses = [s.get("uses", "").split("@")[0] for job in data["jobs"].values() for s in job["steps"]]
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    assert data["concurrency"]["group"] == "pages"


def test_real_library_passes_the_check():
    assert load_library(ROOT).problems == []
