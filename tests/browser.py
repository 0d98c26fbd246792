"""Serving a built site on loopback and driving Debian's Chromium with Playwright."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
"""The axe-core rules run: WCAG 2.0, 2.1 and 2.2, levels A and AA (2.2 brings target-size)."""


def axe(page, exclude: list | None = None) -> tuple[list[str], set]:
    """axe-core (axe-playwright-python) on ``page`` with :data:`AXE_TAGS`: the violations, each as
    ``"id (impact): help at [first 3 targets]"``, and the ids of every rule that ran. ``exclude``:
    CSS selectors of parts left out (e.g. ``[".md-tabs"]`` while Material fades them in)."""
    from axe_playwright_python.sync_playwright import Axe

    context = {"exclude": [[sel] for sel in exclude]} if exclude else None
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results = Axe().run(page, context=context, options=options) if context else Axe().run(page, options=options)
    response = results.response
    ran = {rule["id"] for kind in ("passes", "violations", "incomplete", "inapplicable") for rule in response[kind]}
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in response["violations"]
    ]
    return found, ran


def chromium_path() -> str:
    """The browser: $CHROMIUM_PATH, else Debian's Chromium (or Chrome); the tests fail, never skip, without one."""
    candidates = [
        os.environ.get("CHROMIUM_PATH", ""),
        shutil.which("chromium") or "",
        "/usr/bin/chromium",
        shutil.which("google-chrome") or "",
    ]
    found = next((c for c in candidates if c and Path(c).exists()), None)
    if not found:
        pytest.fail(
            "The browser tests need Chromium: run 'apt-get install chromium' (make test does it when run as root)."
        )
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    """The listen backlog. The default, 5, is less than the requests Pagefind sends at once (up to
    100): on a busy machine the kernel then drops connections, and the browser retries them
    seconds later or gives up ("Failed to load Pagefind metadata"), which made search tests flaky."""
    daemon_threads = True


@contextmanager
def serve(site: Path):
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


META = ".cb-search .md-search-result__meta"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen) -> None:
    """End a server started in its own session (``mkdocs serve``: MkDocs and any indexer it runs)
    as Ctrl-C would, so it removes its temporary site; kill it if it has not ended after 60 s,
    and raise ``subprocess.TimeoutExpired`` then."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise


def search_box(page, query: str, timeout: float = 15_000) -> list[str]:
    """Type ``query`` into the site's search box and return the paths of the results, once the
    box shows the answer for exactly this query (``data-cb-query``, set together with the count
    and the list); the box is emptied first, so an earlier answer for the same words never counts."""
    box = page.locator(".cb-search input")
    box.focus()
    for text in ("", query):
        box.fill(text)
        page.wait_for_function(
            "([sel, q]) => { const m = document.querySelector(sel), at = m && m.getAttribute('data-cb-query');"
            " return m && (at === q || (q === '' && at === null)); }",
            arg=[META, text.strip()],
            timeout=timeout,
        )
    return page.locator(".cb-search .md-search-result__link").evaluate_all("links => links.map(a => a.pathname)")
