"""Hostile and broken input, property-based tests, script injection in a browser,
deterministic builds and the ProperDocs build."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from browser import CHROMIUM_ARGS, chromium_path, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect, sync_playwright

from casebook import load_library
from casebook.cases import load_case
from casebook.markdown_reading import MarkdownReading
from casebook.schema import is_valid, load_schema
from casebook.taxonomy import load_taxonomy
from conftest import FRONT, ROOT, SECTIONS, body, build, case_text, env, make_library, synthetic

GOOD = FRONT.format(title="Test programme")
REQUIRED = load_schema()["required"]


def problems(library, text: str, name: str = "x.md") -> list:
    return load_library(library({name: text})).problems


@pytest.mark.parametrize("field", REQUIRED)
def test_every_required_field_missing_in_turn(library, field):
    data = yaml.safe_load(GOOD)
    del data[field]
    text = case_text(front=yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    found = problems(library, text)
    assert [(p.field, p.message) for p in found] == [(field, "is required but missing")]


@pytest.mark.parametrize(
    "markup",
    [
        "<iframe src='https://evil.example'></iframe>",
        "<object data='x.swf'></object>",
        "<style>body{display:none}</style>",
        "<div onclick='alert(1)'>x</div>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<svg><script>alert(1)</script></svg>",
        "<!-- a comment -->",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x]( javascript:alert(1) )",
        "[x](&#106;avascript:alert(1))",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "{: onclick=alert(1) }",
    ],
)
def test_unsafe_markup_in_the_body_is_refused(library, markup):
    text = case_text(body_text=body().replace("Something the sources report.", markup, 1))
    found = problems(library, text)
    assert found and all(p.field == "body" and p.line == 30 for p in found), found


def test_code_may_show_markup(library):
    text = case_text(body_text=body().replace("Something the sources report.", "Write `<script>` as code.", 1))
    assert problems(library, text) == []


# Property-based: random front matter and bodies -------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5000, 5000),
    TEXT,
    st.sampled_from(["NO", "ongoing", "2010-05-01", "SE", "urban-renewal", "https://x.org", "en"]),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
FIELDS = list(load_schema()["properties"])


@st.composite
def front_matters(draw):
    """Mostly valid front matter with random fields replaced, dropped or added."""
    data = yaml.safe_load(GOOD)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        action = draw(st.sampled_from(["replace", "drop"]))
        if action == "drop":
            data.pop(field, None)
        else:
            data[field] = draw(VALUE)
    if draw(st.booleans()):
        data[draw(TEXT)] = draw(VALUE)
    return data


BODIES = st.one_of(
    st.just(body()),
    st.lists(st.sampled_from([*SECTIONS, "Goal", "Other"]), max_size=10).map(body),
    TEXT.map(lambda t: body().replace("Something the sources report.", t, 1)),
)

TAXONOMY, _ = load_taxonomy(ROOT)
READING = MarkdownReading.from_file(ROOT / "mkdocs.yml")
"""The site's Markdown, as the build reads headings ('#word' is a heading to Python-Markdown)."""
ACCEPTED: dict = {}


@settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=front_matters(), text=BODIES, raw=st.booleans(), junk=TEXT)
def test_loader_never_crashes_and_agrees_with_the_schema(tmp_path_factory, data, text, raw, junk):
    root = tmp_path_factory.getbasetemp() / "prop"
    (root / "cases").mkdir(parents=True, exist_ok=True)
    front = junk if raw else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = root / "cases" / "prop.md"
    path.write_text(f"---\n{front}\n---\n\n{text}", "utf-8")
    case, found = load_case(root, path, TAXONOMY, READING)  # must not raise
    assert (case is None) == bool(found)
    if not raw:  # the fast validator and jsonschema agree
        full = not list(jsonschema.Draft202012Validator(load_schema()).iter_errors(data))
        assert is_valid(data) == full
    if case is not None and len(ACCEPTED) < 60:
        ACCEPTED[f"prop-{len(ACCEPTED):03d}.md"] = path.read_text("utf-8")


def test_everything_the_loader_accepts_builds(tmp_path):
    assert len(ACCEPTED) >= 10, "the property test should run first and accept some cases"
    built = build(make_library(tmp_path / "lib", ACCEPTED))
    assert built.returncode == 0, built.output


# Injected script never runs ---------------------------------------------------------------

PAYLOAD = "<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>\"'><svg onload=window.__pwned=3>"


def hostile_cases() -> dict:
    front = (
        GOOD.replace("title: Test programme", f"title: '{PAYLOAD.replace(chr(39), chr(39) * 2)}'")
        .replace("  - Seved", "  - '</script><script>window.__pwned=4</script>'")
        .replace("  - A publisher", "  - A publisher")
        .replace("title: A report", "title: Another report")  # not plain.md's source, described otherwise
        .replace("publisher: A publisher", "publisher: '<b onmouseover=window.__pwned=5>p</b>'")
        .replace("url: https://example.org/report", "url: \"https://example.org/'onmouseover='window.__pwned=6\"")
    )
    front += "organisations:\n  - '{{ 7*7 }} {% raw %}'\n  - '=cmd|\"/c calc\"!A1'\n"
    return {"hostile.md": case_text(front=front), "plain.md": case_text("Plain")}


def test_no_injected_script_runs_in_chromium(tmp_path):
    built = build(make_library(tmp_path / "lib", hostile_cases()))
    assert built.returncode == 0, built.output
    pages = [
        "",
        "cases/",
        "cases/hostile/",
        "keywords/participation/",
        "countries/se/",
        "countries/",
        "explore/?q=img",
        "data/",
    ]
    with serve(built.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            if path.startswith("explore/"):  # the hostile case is in the list the script filled
                expect(page.locator("#cb-list a[href$='cases/hostile/']")).to_have_count(1)
            page.mouse.move(200, 300)
            for link in page.locator("a[href*='example.org']").all():
                link.hover()
            assert page.evaluate("window.__pwned") is None, path
        text = page.goto(url + "cases/hostile/") and page.locator("article.cb-case h1").inner_text()
        assert text == PAYLOAD
        assert "{{ 7*7 }}" in page.locator(".cb-meta__organisations").inner_text()
        browser.close()
    assert dialogs == []


def test_no_inline_event_handlers(tmp_path, real_site):
    for template in (ROOT / "overrides").rglob("*.html"):
        assert not re.search(r"\son[a-z]+\s*=", template.read_text("utf-8")), template
    built = build(make_library(tmp_path / "lib", hostile_cases()))
    from bs4 import BeautifulSoup

    for site in (built.site, real_site.site):
        for page in site.rglob("*.html"):
            soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
            handlers = [(el.name, a) for el in soup.find_all(True) for a in el.attrs if a.lower().startswith("on")]
            assert handlers == [], page
            assert not soup.select('a[href^="javascript:"], a[href^="data:"]'), page


# Determinism -------------------------------------------------------------------------------


def git_library(folder: Path) -> Path:
    root = make_library(folder, {"alpha.md": case_text("Alpha"), "beta.md": case_text("Beta")})
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "GIT_AUTHOR_DATE": "2024-03-01T10:00:00Z",
        "GIT_COMMITTER_DATE": "2024-03-01T10:00:00Z",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "library"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=git_env, capture_output=True)
    return root


def build_with(root: Path, tz: str) -> Path:
    environment = {**env(), "TZ": tz}
    environment.pop("SOURCE_DATE_EPOCH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "site"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "site"


def tree(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_builds_are_byte_identical_across_folders_times_and_time_zones(tmp_path):
    first = build_with(git_library(tmp_path / "one" / "lib"), "UTC")
    second = build_with(git_library(tmp_path / "two" / "elsewhere"), "Pacific/Kiritimati")
    a, b = tree(first), tree(second)
    # Pagefind writes its filter tables (and the metadata and entry files that name them by hash)
    # in an arbitrary order: a known upstream limitation (Pagefind issue #638). Everything else,
    # the index chunks and fragments included, must be byte-identical; the filters must mean the same.
    unstable = re.compile(r"^pagefind/(filter/.*\.pf_filter|pagefind\..*\.pf_meta|pagefind-entry\.json)$")
    stable = lambda files: {k: v for k, v in files.items() if not unstable.match(k)}  # noqa: E731
    assert sorted(stable(a)) == sorted(stable(b))
    different = [name for name in stable(a) if a[name] != b[name]]
    assert different == []
    assert len([k for k in a if unstable.match(k)]) == len([k for k in b if unstable.match(k)])
    assert same_filters(first, second)
    assert b"2024-03-01" in a["sitemap.xml"]  # dates come from the commit, not the clock
    for name, content in a.items():
        assert str(tmp_path).encode() not in content, name


@pytest.mark.parametrize("epoch", ["1700000000", "2024-03-01", " "])
def test_a_source_date_epoch_from_outside_dates_the_build_or_is_refused_plainly(tmp_path, epoch):
    """``SOURCE_DATE_EPOCH`` (reproducible-builds.org) set by the user dates what MkDocs writes
    instead of the commit; one that is not a number of seconds stops the build with a plain
    message (MkDocs' own reading of it ended in a ``ValueError`` traceback); an empty one is unset."""
    root = git_library(tmp_path / "lib")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "site"],
        cwd=root,
        env={**env(), "SOURCE_DATE_EPOCH": epoch},
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-3000:]
    if epoch == "2024-03-01":
        assert proc.returncode != 0
        assert "SOURCE_DATE_EPOCH is '2024-03-01', not a time" in output, output[-3000:]
        return
    assert proc.returncode == 0, output[-3000:]
    day = "2023-11-14" if epoch.strip() else "2024-03-01"  # the user's time, else the commit's
    assert f"<lastmod>{day}</lastmod>" in (root / "site" / "sitemap.xml").read_text("utf-8")


def same_filters(*sites: Path) -> bool:
    """Whether the sites' search indexes offer the same filters with the same counts (read in Chromium)."""
    seen = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for site in sites:
            with serve(site) as url:
                page = browser.new_page()
                page.goto(url)
                seen.append(
                    page.evaluate("""async () => {
                    const pf = await import(new URL('pagefind/pagefind.js', location.href).href);
                    return await pf.filters();
                }""")
                )
                page.close()
        browser.close()
    return all(s == seen[0] for s in seen) and bool(seen[0])


def test_dircmp_sanity(tmp_path):
    """The comparison above can fail: a changed case changes the output."""
    first = build_with(git_library(tmp_path / "one" / "lib"), "UTC")
    root = git_library(tmp_path / "two" / "lib")
    (root / "cases" / "beta.md").write_text(case_text("Beta changed"), "utf-8")
    second = build_with(root, "UTC")
    assert filecmp.dircmp(first / "cases" / "beta", second / "cases" / "beta").diff_files == ["index.html"]


# ProperDocs ---------------------------------------------------------------------------------


def test_properdocs_builds_the_site_strictly(tmp_path):
    exe = Path(sys.executable).parent / "properdocs"
    proc = subprocess.run(
        [str(exe), "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr
    for path in (
        "index.html",
        "cases/malmo-area-programme/index.html",
        "keywords/safety/index.html",
        "data/cases.csv",
        "pagefind/pagefind.js",
    ):
        assert (tmp_path / "site" / path).is_file(), path


def test_a_build_without_directory_urls_stops_saying_where_they_were_turned_off(tmp_path):
    folder = make_library(tmp_path / "lib", synthetic(2))
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--no-directory-urls", "--site-dir", "site"],
        cwd=folder,
        env=env(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in output
    assert "use_directory_urls: true in mkdocs.yml" in output and "--no-directory-urls" in output
