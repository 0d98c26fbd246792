"""extra.casebook in mkdocs.yml is typed (hooks/casebook_options.py): every problem in it is
reported at once, with its line and what to write, before any case is read; never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from casebook_options import declared, defaults, option_lines, read_options

from conftest import ROOT, build, case_text, env, make_library

CONFIG = (ROOT / "mkdocs.yml").read_text("utf-8")


def _config(tmp_path: Path, options: str) -> Path:
    """A mkdocs.yml whose extra.casebook block is ``options`` (indented by the caller)."""
    start = CONFIG.index("  casebook:\n")
    end = CONFIG.index("\n\n", start)
    path = tmp_path / "mkdocs.yml"
    path.write_text(CONFIG[:start] + "  casebook:\n" + options.rstrip("\n") + CONFIG[end:], "utf-8")
    return path


def test_the_defaults_are_those_the_site_documents():
    assert defaults() == {
        "branch": "main",
        "publisher": "Casebook contributors",
        "license": "CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "search_shard_size": 1000,
        "collation": None,
        "contract": None,
        "map_tiles": None,
        "map_attribution": None,
        "map_max_zoom": 18,
    }
    assert list(declared()) == list(defaults())


def test_the_repository_s_own_options_are_valid(tmp_path):
    options, problems = read_options({"publisher": "P", "search_shard_size": 7}, ROOT / "mkdocs.yml")
    assert problems == [] and options.publisher == "P" and options.search_shard_size == 7
    assert options.license == "CC BY 4.0" and options.collation is None
    assert read_options(None, None)[0].branch == "main"  # no extra.casebook at all: the defaults


def test_every_problem_is_reported_with_its_line_and_a_fix(tmp_path):
    path = _config(
        tmp_path,
        "    publsher: Someone\n"
        "    search_shard_size: lots\n"
        "    collation: xx-nowhere\n"
        "    license_url: ftp://example.org/licence\n"
        "    branch: 3\n",
    )
    lines = path.read_text("utf-8").splitlines()
    extra = {"publsher": "Someone", "search_shard_size": "lots", "collation": "xx-nowhere"}
    extra |= {"license_url": "ftp://example.org/licence", "branch": 3}
    options, problems = read_options(extra, path)
    assert options is None
    found = {p.field: p for p in problems}
    assert sorted(found) == [f"extra.casebook.{n}" for n in sorted(extra)]
    for name, problem in found.items():
        assert lines[problem.line - 1].strip().startswith(name.rsplit(".", 1)[1] + ":"), (name, problem.line)
        assert problem.path == "mkdocs.yml" and problem.fix
    assert "did you mean 'publisher'" in found["extra.casebook.publsher"].fix
    assert "whole number" in found["extra.casebook.search_shard_size"].message
    assert "'lots'" in found["extra.casebook.search_shard_size"].message
    assert "default (1000)" in found["extra.casebook.search_shard_size"].fix
    assert "https://" in found["extra.casebook.license_url"].message
    assert "a number (3)" in found["extra.casebook.branch"].message


@pytest.mark.parametrize(
    ("value", "words"),
    [(True, "yes/no"), (0, "a number (0)"), (-5, "a number (-5)"), (2.5, "a number (2.5)"), ([1], "a list")],
)
def test_a_count_is_a_whole_number_of_one_or_more(value, words):
    _, problems = read_options({"search_shard_size": value}, None)
    assert len(problems) == 1 and words in problems[0].message and problems[0].line == 1


def test_options_that_are_not_a_group_are_one_problem(tmp_path):
    _, problems = read_options(["publisher"], _config(tmp_path, "    - publisher\n"))
    assert [p.field for p in problems] == ["extra.casebook"] and "a list" in problems[0].message


def test_lines_are_found_despite_python_tags_and_env_variables(tmp_path):
    path = _config(tmp_path, "    publisher: !ENV [PUBLISHER, 'Someone']\n    branch: main\n")
    text = path.read_text("utf-8").replace("markdown_extensions:", "x: !!python/name:os.getcwd\nmarkdown_extensions:")
    path.write_text(text, "utf-8")
    lines = option_lines(path)
    numbered = text.splitlines()
    assert numbered[lines[("branch",)] - 1].strip() == "branch: main"
    assert numbered[lines[()] - 1].strip() == "casebook:"


def test_a_build_with_bad_options_stops_before_reading_any_case(tmp_path):
    folder = make_library(tmp_path / "lib", {"broken.md": case_text().replace("country: SE", "country: Sweden")})
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8")
    text = text.replace("    publisher:", "    publsher:").replace("search_shard_size: 1000", "search_shard_size: lots")
    config.write_text(text, "utf-8")
    built = build(folder)
    assert built.returncode != 0
    assert "Traceback" not in built.output
    assert "mkdocs.yml:18: extra.casebook.publsher" in built.output
    assert "did you mean 'publisher'" in built.output
    assert "mkdocs.yml:21: extra.casebook.search_shard_size: expected a whole number" in built.output
    assert "broken.md" not in built.output  # the cases wait for a valid configuration


@pytest.mark.parametrize(
    ("tiles", "words"),
    [
        ("http://tile.example.org/{z}/{x}/{y}.png", "https://"),
        ("https://tile.example.org/{z}/{x}.png", "no {y}"),
        ("https://tile.example.org/tiles.png", "no {z} or {x} or {y}"),
        ("https://tile.example.org/{z}/{x}/{y} .png", "https://"),
        (["https://tile.example.org/{z}/{x}/{y}.png"], "a list"),
    ],
)
def test_a_tile_layer_needs_a_secure_address_with_z_x_and_y(tiles, words):
    _, problems = read_options({"map_tiles": tiles, "map_attribution": "© Someone"}, None)
    assert [p.field for p in problems] == ["extra.casebook.map_tiles"], problems
    assert words in problems[0].message


def test_a_tile_layer_without_its_attribution_is_named_at_its_line(tmp_path):
    path = _config(tmp_path, "    publisher: P\n    map_tiles: https://tile.example.org/{z}/{x}/{y}.png\n")
    lines = path.read_text("utf-8").splitlines()
    _, problems = read_options({"publisher": "P", "map_tiles": "https://tile.example.org/{z}/{x}/{y}.png"}, path)
    assert [p.field for p in problems] == ["extra.casebook.map_tiles"]
    assert "attribution" in problems[0].message and "map_attribution" in problems[0].fix
    assert lines[problems[0].line - 1].strip().startswith("map_tiles:")
    options, problems = read_options(
        {"map_tiles": "https://tile.example.org/{s}/{z}/{x}/{y}.png", "map_attribution": " © Someone "}, None
    )
    assert problems == [] and options.map_attribution == "© Someone" and options.map_max_zoom == 18


def options_check(folder: Path) -> subprocess.CompletedProcess:
    """``python -m casebook_options`` on ``folder``, as ``make check`` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "casebook_options", str(folder)], capture_output=True, text=True, env=env()
    )


def test_an_option_written_twice_is_named_at_both_lines_in_the_check_and_the_build(tmp_path):
    """YAML keeps the last of two equal keys and drops the first without a word, however wrong
    it is: both the check and the build name it."""
    folder = make_library(tmp_path / "lib", {"ok.md": case_text()})
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8").replace("    search_shard_size: 1000", "    search_shard_size: lots", 1)
    config.write_text(text.replace("  casebook:\n", "  casebook:\n    publisher: Old\n    search_shard_size: 7\n", 1))
    lines = config.read_text("utf-8").split("\n")
    first, again = (i + 1 for i, line in enumerate(lines) if line.startswith("    search_shard_size:"))
    publisher = [i + 1 for i, line in enumerate(lines) if line.startswith("    publisher:")]
    expected = [
        f"mkdocs.yml:{publisher[0]}: extra.casebook.publisher: is written again on line {publisher[1]}",
        f"mkdocs.yml:{first}: extra.casebook.search_shard_size: is written again on line {again}",
        f"mkdocs.yml:{again}: extra.casebook.search_shard_size: expected a whole number",
    ]
    for output in (options_check(folder).stderr, build(folder).output):
        assert all(line in output for line in expected) and "Traceback" not in output, output


def test_a_mkdocs_yml_that_is_not_yaml_is_named_at_its_line_and_the_check_is_not_ok(tmp_path):
    from conftest import check

    folder = make_library(tmp_path / "lib", {"ok.md": case_text()})
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("    license: CC BY 4.0", "    license: CC BY: 4.0", 1), "utf-8")
    line = next(i + 1 for i, row in enumerate(text.split("\n")) if row.startswith("    license:"))
    options, cases = options_check(folder), check(folder)
    assert options.returncode == 1 and options.stderr.startswith(f"mkdocs.yml:{line}: yaml: a value contains ': '")
    assert 'put the whole value in double quotes, e.g. title: "Area lift: Saupstad"' in options.stderr
    assert cases.returncode == 1 and "OK:" not in cases.stdout and "mkdocs.yml cannot be read" in cases.stderr
