"""A link checker for a built site: every internal link and anchor must exist."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup


def page_url(site: Path, file: Path) -> str:
    """The URL path of a built HTML file, as a browser sees it ("/cases/x/")."""
    rel = file.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def target_file(site: Path, path: str) -> Path | None:
    """The file a URL path serves, or None."""
    candidate = site / unquote(path).lstrip("/")
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def broken_links(site: Path) -> list[str]:
    """Every internal ``<a href>`` in the site whose page or anchor does not exist."""
    ids: dict = {}
    soups = {}
    for file in sorted(site.rglob("*.html")):
        soups[file] = BeautifulSoup(file.read_text("utf-8"), "html.parser")
    for file, soup in soups.items():
        ids[file] = {el["id"] for el in soup.select("[id]")} | {el["name"] for el in soup.select("a[name]")}
    broken = []
    for file, soup in soups.items():
        base = page_url(site, file)
        for a in soup.select("a[href]"):
            href = a["href"]
            parts = urlsplit(urljoin("http://site" + base, href.strip()))
            if parts.scheme not in ("http", "https", "mailto"):
                broken.append(f"{base}: link {href!r} has the unsafe scheme '{parts.scheme}'")
                continue
            if parts.netloc != "site" or parts.scheme == "mailto":
                continue
            target = target_file(site, parts.path)
            if target is None:
                broken.append(f"{base}: link to {href!r} goes nowhere")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids.get(target, set()):
                broken.append(f"{base}: anchor {href!r} does not exist")
    return broken
