"""The browser libraries the site serves from its own address: Leaflet and Leaflet.markercluster.

They come from their pinned XStatic packages on PyPI (``XStatic-Leaflet``,
``XStatic-Leaflet-MarkerCluster``; see requirements.txt), are copied into the built site under
:data:`FOLDER` by the build, and are never loaded from a CDN or kept in this repository. Only the
files the explorer's map uses are copied (no default marker images: its markers are its own;
no cluster stylesheet: it only animates, and the map runs without animation).
"""

from __future__ import annotations

from pathlib import Path

FOLDER = "assets/vendor/"
"""Where the files are in the built site."""

FILES = {
    "leaflet": ("leaflet.js", "leaflet.css"),
    "leaflet_markercluster": ("leaflet.markercluster.js",),
}
"""XStatic package (under ``xstatic.pkg``) → the files of its ``data`` folder the site serves."""

NOTICE = "NOTICE.txt"


def _package(name: str):
    """The XStatic module ``xstatic.pkg.<name>`` (raises ImportError when it is not installed)."""
    if name == "leaflet":
        from xstatic.pkg import leaflet as module
    else:
        from xstatic.pkg import leaflet_markercluster as module
    return module


def files() -> list[tuple[str, Path]]:
    """``[(site path, source file)]`` of every file to copy, e.g.
    ``("assets/vendor/leaflet/leaflet.js", Path(".../xstatic/pkg/leaflet/data/leaflet.js"))``.
    Raises ``ImportError`` when a package is missing and ``FileNotFoundError`` when one lacks a file."""
    out = []
    for name, wanted in FILES.items():
        base = Path(_package(name).BASE_DIR)
        for file in wanted:
            source = base / file
            if not source.is_file():
                raise FileNotFoundError(source)
            out.append((f"{FOLDER}{name}/{file}", source))
    return out


def notice() -> str:
    """``assets/vendor/NOTICE.txt``: each library's name, version, home page and licence, which
    their licences (BSD-2-Clause, MIT) ask to keep with copies (the minified files lack some)."""
    lines = ["Third-party libraries served with this site, copied from their XStatic packages on PyPI.", ""]
    for name in FILES:
        module = _package(name)
        lines += [
            f"{module.DISPLAY_NAME} {module.VERSION}",
            f"  {module.HOMEPAGE}",
            f"  Licence: {LICENCES[name]}",
            "",
        ]
    return "\n".join(lines)


LICENCES = {
    "leaflet": "BSD-2-Clause, (c) 2010-2022 Vladimir Agafonkin, (c) 2010-2011 CloudMade",
    "leaflet_markercluster": "MIT, (c) 2012-2017 Dave Leaver, smartrak",
}
"""The licences, from the projects' LICENSE files (Leaflet 1.9.3, Leaflet.markercluster 1.4.1)."""


def urls(root: str) -> dict:
    """The site addresses the explorer's page gives its map, relative to ``root`` (``"../"``):
    ``{"leaflet": …/leaflet.js, "cluster": …/leaflet.markercluster.js, "css": …/leaflet.css}``
    (markercluster's own stylesheet only animates, and the map runs without animation)."""
    return {
        "leaflet": f"{root}{FOLDER}leaflet/leaflet.js",
        "cluster": f"{root}{FOLDER}leaflet_markercluster/leaflet.markercluster.js",
        "css": f"{root}{FOLDER}leaflet/leaflet.css",
    }
