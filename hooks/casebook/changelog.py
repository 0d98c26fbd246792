"""The library's version and its changelog, from git: what a citation names and what a reader
subscribes to.

- :func:`read_repository` asks git (a few calls, one ``git log`` over the history of
  ``cases/``: O(history)) for the build's commit, its release tag, whether the case files or the
  taxonomy have uncommitted changes, and every commit that added, changed or removed a case.
- :func:`dataset_version` turns that into the version every export and citation carries.
- :func:`changes_view` and :func:`atom_feed` publish the changelog as a page (``/changes/``) and
  an Atom 1.0 feed (``changes.xml``).

Plain Python: no MkDocs import. Everything is deterministic: the same commit gives the same
version, page and feed in any folder, at any time, in any time zone (dates are the commits', in
UTC); nothing reads the clock. Without git, or in a shallow clone (``git clone --depth``), no
date is invented: the changelog is "not available" and the feed has no entries.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape
from pathlib import Path

CHANGES_PAGE = "changes/"
"""The changelog page's address, relative to the site root."""

FEED = "changes.xml"
"""The Atom feed's path, relative to the site root."""

FEED_ENTRIES = 50
"""The most recent changes the feed carries (feed readers keep what they have already seen)."""

PAGE_ENTRIES = 500
"""The most recent changes the page lists; older ones are in the repository's history."""

NAMES_PER_GROUP = 30
"""The most cases an entry names under "Added", "Updated or corrected" or "Removed"; the rest
are counted ("and 120 more"), so one commit that adds thousands of cases stays readable."""

DATA_FOLDERS = ("cases", "taxonomy")
"""What the data set is made from: an uncommitted change here changes the version."""

_CASE_FILE = re.compile(r"^cases/([^/.][^/]*)\.md$")
_STATUS = {"A": "added", "M": "changed", "T": "changed", "D": "removed"}
ATOM = "http://www.w3.org/2005/Atom"

GROUPS = (("added", "Added"), ("changed", "Updated or corrected"), ("removed", "Removed"))
"""The kinds of change, in the order an entry lists them, with the words readers see."""


@dataclass(frozen=True)
class Change:
    """One commit that touched case files: which cases it added, changed and removed."""

    commit: str
    """The full commit hash."""
    time: int
    """The commit's committer time (Unix seconds, as ``git log %ct``)."""
    subject: str
    """The first line of the commit message (text from the repository: escape it)."""
    added: tuple = ()
    """Case ids (file names without ``.md``) whose file the commit created."""
    changed: tuple = ()
    """Case ids whose file the commit modified: corrections and updates."""
    removed: tuple = ()
    """Case ids whose file the commit deleted."""


@dataclass(frozen=True)
class Repository:
    """What git says about the build (all ``None``/empty without git)."""

    commit: str | None = None
    """HEAD's full hash."""
    time: int | None = None
    """HEAD's committer time (Unix seconds)."""
    tag: str | None = None
    """A tag pointing at HEAD (``git describe --tags --exact-match``), if any."""
    modified: bool = False
    """``cases/`` or ``taxonomy/`` differ from HEAD (uncommitted or untracked files)."""
    changes: tuple | None = None
    """Every :class:`Change`, newest first; ``None`` when the history is not known (no git, or a
    shallow clone, whose history is cut off)."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-c", "core.quotePath=false", *args],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        timeout=120,
    )


def read_repository(root: Path, shallow: bool = False) -> Repository:
    """Ask git about the library at ``root``: HEAD, its tag, uncommitted data changes and (unless
    ``shallow``, as :attr:`casebook.indexes.History.shallow` says) the case history.

    Four git calls whatever the library's size; the history is one ``git log --name-status``
    over ``cases/`` (O(history)). Without git, outside a repository or before the first commit,
    returns an empty :class:`Repository`; never raises for git's sake."""
    try:
        head = _git(root, "log", "-1", "--format=%H %ct")
        if head.returncode != 0 or not head.stdout.strip():
            return Repository()
        commit, stamp = head.stdout.split()
        tag = _git(root, "describe", "--tags", "--exact-match", "HEAD")
        status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *DATA_FOLDERS)
        changes = None if shallow else _read_changes(root)
    except (OSError, ValueError, subprocess.SubprocessError):
        return Repository()
    return Repository(
        commit=commit,
        time=int(stamp),
        tag=(tag.stdout.strip() or None) if tag.returncode == 0 else None,
        modified=status.returncode != 0 or bool(status.stdout.strip()),
        changes=changes,
    )


def _read_changes(root: Path) -> tuple | None:
    """Every commit touching ``cases/*.md``, newest first, from one ``git log``."""
    out = _git(root, "log", "--relative", "--no-renames", "--format=%x1e%H %ct %s", "--name-status", "--", "cases")
    if out.returncode != 0:
        return None
    changes = []
    for record in out.stdout.split("\x1e")[1:]:
        header, _, files = record.partition("\n")
        commit, stamp, subject = [*header.split(" ", 2), ""][:3]
        found: dict = {"added": [], "changed": [], "removed": []}
        for line in files.splitlines():
            status, _, path = line.partition("\t")
            match = _CASE_FILE.match(path.strip())
            if match and status[:1] in _STATUS:
                found[_STATUS[status[:1]]].append(match.group(1))
        if any(found.values()):
            changes.append(Change(commit, int(stamp), subject.strip(), *(tuple(sorted(v)) for v in found.values())))
    return tuple(changes)


def data_digest(library) -> str:
    """A SHA-256 (hex) of the data: every case's id, front matter and text, in id order, and the
    taxonomy (as ``keywords.json`` writes it). Independent of the folder, the site address and
    the clock; any change to a case or a keyword changes it."""
    from .exports import keywords_json  # here: exports is the heavier module

    digest = hashlib.sha256()
    for cid in sorted(library.cases):
        case = library.cases[cid]
        digest.update(json.dumps([cid, case.record(), case.body], ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
    digest.update(keywords_json(library, "", {}).encode())
    return digest.hexdigest()


def dataset_version(repository: Repository | None, library, preview: bool = False) -> str:
    """The version of the data set a build publishes, the same in every export and citation.

    - HEAD has a release tag and the data is committed: the tag (``v1.2``).
    - Else a commit: the commit's UTC date in calendar-versioning form and its short hash,
      ``2026.11.25+3f2c1ab`` (dots, not ISO hyphens: CSL processors read a hyphen between
      numbers as a range and print "Versions"); with uncommitted changes to ``cases/`` or
      ``taxonomy/``, ``.modified.`` and the first 12 hex digits of :func:`data_digest` follow.
    - Without git: ``content.`` and those 12 hex digits.

    So two builds share a version only if they publish the same data: a commit hash names the
    committed files, and the digest the files as they are. ``preview`` (``mkdocs serve``, whose
    site is never published) writes ``preview`` instead of the digest: with it, every edit
    would change every page (each shows the version) and serve would re-render them all."""
    if repository is None or repository.commit is None:
        return "content." + ("preview" if preview else data_digest(library)[:12])
    if repository.tag and not repository.modified:
        return repository.tag
    day = datetime.datetime.fromtimestamp(repository.time, datetime.UTC).strftime("%Y.%m.%d")
    version = f"{day}+{repository.commit[:7]}"
    if not repository.modified:
        return version
    return version + ".modified." + ("preview" if preview else data_digest(library)[:12])


def _iso(stamp: int) -> str:
    """A Unix time as RFC 3339 in UTC (``2026-11-25T10:00:00Z``), as Atom wants it."""
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _case_refs(ids: tuple, cases: dict) -> dict:
    """Cases as the page names them: ``{"cases": [{"id", "title", "url"}], "more": n}``; a case
    that no longer exists has its id as title and no url."""
    shown = [
        {"id": cid, "title": cases[cid].title, "url": cases[cid].url}
        if cid in cases
        else {"id": cid, "title": cid, "url": None}
        for cid in ids[:NAMES_PER_GROUP]
    ]
    return {"cases": shown, "more": max(0, len(ids) - NAMES_PER_GROUP)}


def changes_view(repository: Repository | None, cases: dict, repo_url: str = "", limit: int = PAGE_ENTRIES) -> dict:
    """The changelog for templates: ``{"available", "entries", "older"}``.

    ``available`` is False without history (no git, shallow clone): then ``entries`` is empty.
    ``entries`` are the newest ``limit`` changes, each ``{"anchor", "commit", "commit_url",
    "date", "time", "subject", "title", "url", "groups": [{"kind", "label", "cases", "more"}]}``
    (``date`` an ISO date and ``time`` RFC 3339, both UTC; ``commit_url`` on the repository host
    when ``repo_url`` is set; ``url`` the one case it concerns, when it concerns one that
    exists, else ``None``). ``older`` counts the changes left out. ``cases`` is the library's
    id → :class:`casebook.cases.Case`."""
    changes = repository.changes if repository is not None else None
    if changes is None:
        return {"available": False, "entries": [], "older": 0}
    entries = []
    for change in changes[:limit]:
        groups = [
            {"kind": kind, "label": label, **_case_refs(getattr(change, kind), cases)}
            for kind, label in GROUPS
            if getattr(change, kind)
        ]
        ids = change.added + change.changed + change.removed
        entries.append(
            {
                "anchor": "change-" + change.commit[:12],
                "commit": change.commit[:7],
                "commit_url": f"{repo_url.rstrip('/')}/commit/{change.commit}" if repo_url else None,
                "date": _iso(change.time)[:10],
                "time": _iso(change.time),
                "subject": change.subject,
                "title": _entry_title(change, cases),
                "url": cases[ids[0]].url if len(ids) == 1 and ids[0] in cases else None,
                "groups": groups,
            }
        )
    return {"available": True, "entries": entries, "older": max(0, len(changes) - limit)}


def _entry_title(change: Change, cases: dict) -> str:
    """'Added: Områdesprogrammet i Malmö' for up to three cases, else counts: 'Added 12 cases;
    updated or corrected 3 cases'."""
    total = len(change.added) + len(change.changed) + len(change.removed)
    parts = []
    for kind, label in GROUPS:
        ids = getattr(change, kind)
        if not ids:
            continue
        label = label if not parts else label.lower()
        if total <= 3:
            parts.append(f"{label}: " + ", ".join(cases[c].title if c in cases else c for c in ids))
        else:
            parts.append(f"{label} {len(ids):,} case{'s' if len(ids) != 1 else ''}")
    return "; ".join(parts)


def atom_feed(view: dict, site_url: str, title: str, publisher: str, updated: int | None) -> str:
    """``changes.xml``: the newest :data:`FEED_ENTRIES` entries of :func:`changes_view` as an
    Atom 1.0 feed (RFC 4287): ``feed`` with ``id``, ``title``, ``updated``, ``author``, links to
    itself and to the page, and per change an ``entry`` with ``id`` (the page's address and the
    change's anchor: permanent, unique), ``title``, ``updated`` (the commit's time), a ``link``
    (the case, or the change on the page) and an HTML ``content`` naming the cases.

    Addresses are absolute when ``site_url`` is set; ids then too (else ``urn:casebook:``
    ids). ``updated`` of the feed is the newest entry's time, else ``updated`` (the build's
    commit time), else the Unix epoch: an empty feed (no history) still has to be valid, and
    the clock would make builds differ. Text from cases and commits is escaped by ElementTree."""
    page = _absolute(site_url, CHANGES_PAGE)
    base_id = page if site_url else "urn:casebook:changes/"
    feed = ET.Element("feed", {"xmlns": ATOM, "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    entries = view["entries"][:FEED_ENTRIES]
    newest = entries[0]["time"] if entries else _iso(updated or 0)
    _sub(feed, "id", base_id)
    _sub(feed, "title", f"{title}: changes to the cases")
    _sub(feed, "subtitle", "Cases added, updated or corrected, and removed, newest first.")
    _sub(feed, "updated", newest)
    _sub(_sub(feed, "author"), "name", publisher)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site_url, FEED))
    _sub(feed, "link", rel="alternate", type="text/html", href=page)
    for item in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{base_id}#{item['anchor']}")
        _sub(entry, "title", item["title"])
        _sub(entry, "updated", item["time"])
        target = _absolute(site_url, item["url"]) if item["url"] else f"{page}#{item['anchor']}"
        _sub(entry, "link", rel="alternate", type="text/html", href=target)
        _sub(entry, "content", _entry_html(item, site_url), type="html")
    ET.indent(feed)
    xml = ET.tostring(feed, encoding="unicode")  # plain names in the Atom namespace given as xmlns
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n"


def _sub(parent, name: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, name, attrs)
    if text is not None:
        element.text = text
    return element


def _absolute(site_url: str, path: str) -> str:
    return (site_url.rstrip("/") + "/" + path) if site_url else "/" + path


def _case_link(case: dict, site_url: str) -> str:
    """A case named in an entry's HTML: a link to its page, or its id if it no longer exists."""
    if not case["url"]:
        return escape(case["title"])
    return f'<a href="{escape(_absolute(site_url, case["url"]))}">{escape(case["title"])}</a>'


def _entry_html(item: dict, site_url: str) -> str:
    """An entry's content: one paragraph per kind of change, the cases linked, and the commit
    message; every value HTML-escaped (ElementTree then escapes the HTML as XML text)."""
    from html import escape

    parts = []
    for group in item["groups"]:
        names = [_case_link(c, site_url) for c in group["cases"]]
        more = f" and {group['more']:,} more" if group["more"] else ""
        parts.append(f"<p>{escape(group['label'])}: {', '.join(names)}{more}.</p>")
    if item["subject"]:
        parts.append(f"<p>Commit {escape(item['commit'])}: {escape(item['subject'])}</p>")
    return "".join(parts)


__all__ = [
    "CHANGES_PAGE",
    "FEED",
    "Change",
    "Repository",
    "atom_feed",
    "changes_view",
    "data_digest",
    "dataset_version",
    "read_repository",
]
