"""Casebook build benchmark: our site against a plain MkDocs + Material floor.

For each N it generates N synthetic, valid cases (seeded, so every run writes the same
files) and measures, against the floor (plain Material, default search, the same case
Markdown) built in the same run:

- cold builds (an empty build cache) on an idle machine and beside one CPU-bound process,
  each in rounds of our build and the floor's, back to back;
- warm builds (the same cache again, nothing changed) and builds after one case was edited,
  as ratios to the floor's cold build;
- ``mkdocs serve``: from saving an edited case to its served page showing the edit;
- peak memory, site size, and what a visitor downloads to search and to explore.

    make bench                    # N = 100 1000 (BENCH_FULL=1 adds 10000)
    make bench N="100 1000 10000" # or BENCH_N="100" make bench
    BENCH_REPEAT=5 BENCH_KEEP=1 make bench

Settings (environment): BENCH_REPEAT cold rounds per N (default 3; 2 from 10,000 cases),
BENCH_WARM warm builds and BENCH_EDITS one-case edits (3 each), BENCH_SERVE_EDITS edits
under ``mkdocs serve`` (5), BENCH_SEED (42), BENCH_KEEP=1 keeps the work folder,
BENCH_BROWSER=0 skips the Chromium measures, BENCH_OUT the report's path
(default bench/results.md). Writes the tables to stdout and to the report.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from synthetic import ROOT, make_floor, make_library

SEARCH_WORD = "tenants"  # in synthetic.WORDS, so it occurs in most cases
LOAD = "while True: pass"  # the other CPU-bound process of the busy rounds
POLL = 0.05  # seconds between two requests for the served page
GB = 1.5 * 2**30  # the memory target, in bytes
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM_ARGS, free_port, stop_server  # noqa: E402  (the same helpers as the tests)


def _children(pid: int) -> list[int]:
    """Child process ids of ``pid``, from /proc/<pid>/task/*/children (cheap: no scan of /proc)."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            kids += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    except OSError:
        pass
    return kids


PF_FORKNOEXEC = 0x40
"""A process's flag (/proc/<pid>/stat, field 9; include/linux/sched.h) while it has forked and
not yet exec'd."""


def _not_exec_yet(pid: int, root: int) -> bool:
    """Whether ``pid`` (not ``root``) is a child between fork and exec: it shares its parent's
    memory (vfork: the whole address space), and counting it would count the parent twice.
    Every spawn (a worker, Pagefind) passes through this for some milliseconds; a 0.1 s
    sampler caught one at 10,000 cases and reported the main process's 0.9 GB twice."""
    if pid == root:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return bool(int(stat.rsplit(")", 1)[1].split()[6]) & PF_FORKNOEXEC)
    except (OSError, IndexError, ValueError):
        return True  # gone: nothing to count


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants right now (from /proc), a child
    between fork and exec aside (:func:`_not_exec_yet`).

    Sampling must stay cheap: it runs beside the build, and a build that uses both cores
    (ours: Pagefind indexes beside MkDocs) would otherwise pay for it more than the floor."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            if not _not_exec_yet(pid, root):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


def tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants right now (smaps_rollup): each
    memory page shared by n processes counts 1/n in each, so the sum is the memory the build
    really holds (a child between fork and exec aside: :func:`_not_exec_yet`). Slower to read
    than RSS: sampled only in an untimed build."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            if _not_exec_yet(pid, root):
                stack.extend(_children(pid))
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


@contextmanager
def sampling(pid: int, sampler=tree_rss, every: float = 0.1):
    """Sample ``sampler(pid)`` every ``every`` seconds in a thread; yields a one-item list that
    holds the peak so far (bytes)."""
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(every):
            peak[0] = max(peak[0], sampler(pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


def run_measured(cmd: list[str], cwd: Path, env: dict, log: Path, sampler=tree_rss, every: float = 0.1) -> dict:
    """Run ``cmd``; wall time (s), wait4 ru_maxrss (bytes, largest process in the tree) and the
    peak of ``sampler`` over the process tree (bytes). Exits the benchmark if ``cmd`` fails."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        with sampling(proc.pid, sampler, every) as peak:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: stop Popen waiting again
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed in {cwd} (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    return {"s": seconds, "maxrss": usage.ru_maxrss * 1024, "tree": peak[0]}


def build(folder: Path, env: dict, site: Path, log: Path, **sample) -> dict:
    """``mkdocs build --strict`` of the site in ``folder`` into ``site``, measured (see run_measured)."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return run_measured(cmd, folder, env, log, **sample)


@contextmanager
def cpu_load(busy: bool):
    """While the block runs, one other CPU-bound Python process spins (if ``busy``)."""
    if not busy:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", LOAD])
    try:
        time.sleep(0.2)  # running before the build starts
        yield
    finally:
        proc.kill()
        proc.wait()


def site_stats(site: Path) -> dict:
    """Total bytes and file count of a built site, and the median case page HTML size."""
    files = [p for p in site.rglob("*") if p.is_file()]
    cases = [p.stat().st_size for p in (site / "cases").glob("*/index.html")]
    return {
        "bytes": sum(p.stat().st_size for p in files),
        "files": len(files),
        "case_html": statistics.median(cases) if cases else 0,
    }


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the benchmark output clean
        pass


@contextmanager
def serve(site: Path):
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    # A listen backlog for Pagefind's many parallel requests (see tests/browser.py).
    server_class = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 1024})
    server = server_class(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def body_sizes(requests: list) -> tuple[int, int, str]:
    """Raw and gzip -6 bytes of the finished requests' response bodies, and the largest one."""
    raw = gz = 0
    top = (0, "")
    for request in requests:
        try:
            body = request.response().body()
            size, packed = len(body), len(gzip.compress(body, 6))
        except Exception:  # body unavailable: fall back to Chromium's count
            size = packed = request.sizes()["responseBodySize"]
        raw, gz = raw + size, gz + packed
        top = max(top, (size, request.url.split("?")[0].split("/", 3)[-1]))
    return raw, gz, f"largest {top[1]} {kb(top[0])}" if requests else "nothing"


def measure_search(browser, base: str, case_path: str) -> dict:
    """Open a case page, then search with the header search box; what was downloaded for it."""
    context = browser.new_context()
    page, seen, phase = context.new_page(), [], ["load"]
    context.on("requestfinished", lambda r: seen.append((phase[0], r)))
    page.goto(base + case_path, wait_until="load")
    page.wait_for_timeout(1000)  # let prefetches (Material's search index) finish
    load = [r for p, r in seen if p == "load"]
    out = {"page": body_sizes(load)}
    button, box = page.locator("label.md-header__button[for=__search]"), page.locator("input.md-search__input")
    if not button.count() or not box.count():
        context.close()
        return {**out, "na": "n/a (no search UI found)"}
    phase[0] = "search"
    start = time.perf_counter()
    try:  # phones: the header button opens the box; wide screens show the box itself
        if button.first.is_visible():
            button.first.click(timeout=5000)
        box.first.click(timeout=5000)
        box.first.press_sequentially(SEARCH_WORD, timeout=5000)
    except Exception as exc:
        context.close()
        return {**out, "na": f"n/a (search UI not usable: {type(exc).__name__})"}
    try:  # a loaded machine may need seconds to start Pagefind
        page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
        out["first_result_ms"] = (time.perf_counter() - start) * 1000
    except Exception:
        out["first_result_ms"] = None
    page.wait_for_timeout(500)  # let fragments for the shown results arrive
    out["results"] = page.locator(".md-search-result__item").count()
    prefetched = [r for r in load if any(s in r.url for s in ("search", "lunr", "pagefind"))]
    out["search"] = body_sizes([r for p, r in seen if p == "search"] + prefetched)
    out["prefetched"] = body_sizes(prefetched)
    context.close()
    return out


FILTER_JS = """() => {
  const form = document.querySelector('#cb-explore form'), times = [];
  for (let i = 0; i < 5; i++) {
    const box = form.querySelector('input[name=keyword]:not(:disabled)');
    box.checked = true;
    const t0 = performance.now();
    form.dispatchEvent(new Event('change', {bubbles: true}));
    times.push(performance.now() - t0);
    box.checked = false;
    form.dispatchEvent(new Event('change', {bubbles: true}));
  }
  return times;
}"""


MAP_JS = """async () => {
  const form = document.querySelector('#cb-explore form'), map = document.getElementById('cb-map'), times = [];
  const frame = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const boxes = [...form.querySelectorAll('input[name=country]:not(:disabled)')];
  for (let i = 0; i < 6; i++) {
    const box = boxes[i % boxes.length];
    box.checked = !box.checked;
    const t0 = performance.now();
    form.dispatchEvent(new Event('change', {bubbles: true}));
    await frame();  // the markers drawn and painted
    if (map.dataset.for !== location.search) throw new Error('the map did not follow the filter');
    times.push(performance.now() - t0);
    box.checked = !box.checked;
    form.dispatchEvent(new Event('change', {bubbles: true}));
    await frame();
  }
  return {times: times, markers: map.querySelectorAll('.cb-marker').length};
}"""


def measure_map(browser, base: str, site: Path) -> dict:
    """The explorer's Map view: bytes downloaded to show it, data/map.json's size, and the time
    from a country filter change to the markers drawn and painted (two animation frames), median of 6."""
    context = browser.new_context()
    page, seen = context.new_page(), []
    context.on("requestfinished", lambda r: seen.append(r))
    page.goto(base + "explore/?view=map")
    page.wait_for_function(
        "() => { const m = document.getElementById('cb-map'); return m && m.dataset.for === location.search; }",
        timeout=120_000,
    )
    shown = body_sizes([r for r in seen if "/data/map.json" in r.url or "/assets/vendor/" in r.url])
    got = page.evaluate(MAP_JS)
    context.close()
    data = (site / "data" / "map.json").read_bytes()
    return {
        "shown": shown,
        "map.json": (len(data), len(gzip.compress(data, 6))),
        "update_ms": statistics.median(got["times"]),
        "markers": got["markers"],
    }


def measure_explorer(browser, base: str, site: Path) -> dict:
    """Open /explore/ until the count shows; bytes downloaded, data files, filter time (median of 5)."""
    context = browser.new_context()
    page, seen = context.new_page(), []
    context.on("requestfinished", lambda r: seen.append(r))
    start = time.perf_counter()
    page.goto(base + "explore/")
    page.wait_for_function(
        "() => (document.getElementById('cb-total') || {}).textContent?.includes(' of ')", timeout=120_000
    )
    ready_ms = (time.perf_counter() - start) * 1000
    opened = body_sizes(seen)  # before the filter runs, and while the bodies are still available
    times = page.evaluate(FILTER_JS)
    context.close()
    files = {}
    for name in ("explorer.json", "explorer-text.json"):
        data = (site / "data" / name).read_bytes() if (site / "data" / name).exists() else b""
        files[name] = (len(data), len(gzip.compress(data, 6)))
    return {"open": opened, "ready_ms": ready_ms, "filter_ms": statistics.median(times), **files}


def browser_measures(ours: Path, floor: Path, case_path: str) -> dict:
    """Search on both sites and the explorer on ours, in Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            with serve(ours) as url:
                result = {"ours": measure_search(browser, url, case_path)}
                result["explorer"] = measure_explorer(browser, url, ours)
                result["map"] = measure_map(browser, url, ours)
            with serve(floor) as url:
                result["floor"] = measure_search(browser, url, case_path)
        finally:
            browser.close()
    return result


def edit_case(path: Path, marker: str) -> None:
    """Change the first sentence of the case's body (after the front matter) to one that holds
    ``marker``, a word found nowhere else in the library; the case stays valid."""
    text = path.read_text("utf-8")
    body_at = text.index("\n---\n", 4) + len("\n---\n")
    body = text[body_at:]
    first = re.search(r"\S", body).start()
    end = re.search(r"\.(\s|$)", body[first:])
    end_at = first + (end.end(0) - len(end.group(1)) if end else 0)
    path.write_text(f"{text[:body_at]}{body[:first]}Edited for the benchmark {marker}.{body[end_at:]}", "utf-8")


def marker() -> str:
    """A word that occurs nowhere in a generated library."""
    return f"cbedit{uuid.uuid4().hex[:10]}"


def picked(n: int, count: int, offset: int) -> list[str]:
    """``count`` case ids spread over 1..``n``, a different set for each ``offset``."""
    return [f"case-{(offset + k * max(1, n // (count + 1))) % n + 1:05d}" for k in range(count)]


def fetch(url: str, timeout: float) -> str | None:
    """The page's text, or None while the server is not up or the page is missing.

    MkDocs' server holds a request while a rebuild runs, so one fetch may take that long."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(url: str, word: str, proc: subprocess.Popen, limit: float, log: Path) -> float:
    """Seconds until the page at ``url`` contains ``word`` (polled every POLL s), or exit the
    benchmark with the server's log when ``proc`` ended or ``limit`` seconds passed."""
    start = time.perf_counter()
    while True:
        page = fetch(url, timeout=limit)
        now = time.perf_counter() - start
        if page is not None and word in page:
            return now
        if proc.poll() is not None or now > limit:
            why = f"exited ({proc.returncode})" if proc.poll() is not None else f"did not show it within {limit:.0f} s"
            sys.exit(f"bench: mkdocs serve {why} waiting for '{word}' at {url}:\n{log.read_text()[-3000:]}")
        time.sleep(POLL)


def measure_serve(lib: Path, env: dict, work: Path, n: int, edits: int, limit: float) -> dict:
    """Start ``mkdocs serve`` as ``make serve`` does, wait for its first build, then save
    ``edits`` case edits one after the other, each once the previous one showed; seconds from
    each save until the served case page shows the edit, the first build's seconds, and the
    server's peak memory (whole tree RSS, bytes)."""
    port, log = free_port(), work / f"serve-{n}.log"
    tmp = work / f"serve-tmp-{n}"  # MkDocs serves from a temporary folder: keep it in the work folder
    tmp.mkdir()
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--strict", "--livereload", "--dev-addr", f"127.0.0.1:{port}"]
    ids = picked(n, edits, offset=n // 3)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=lib,
            env={**env, "PYTHONPATH": "hooks", "TMPDIR": str(tmp)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with sampling(proc.pid) as peak:
                base = f"http://127.0.0.1:{port}/cases/"
                first = wait_for(base + f"{ids[0]}/", "<html", proc, max(limit, 1800), log)
                time.sleep(1)  # the watcher's first snapshot of the files
                times, builds = [], []
                for cid in ids:
                    word, seen = marker(), len(built_in(log))
                    edit_case(lib / "cases" / f"{cid}.md", word)
                    times.append(wait_for(base + f"{cid}/", word, proc, limit, log))
                    builds.append(built_in(log)[seen:])
                    print(f"  N={n} serve edit {len(times)}/{edits}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
        finally:
            stop(proc)
    return {"first": first, "edits": times, "builds": builds, "tree": peak[0]}


def built_in(log: Path) -> list[float]:
    """The seconds of every build MkDocs' log reports so far ("Documentation built in 4.07 seconds")."""
    return [
        float(x) for x in re.findall(r"Documentation built in ([0-9.]+) seconds", log.read_text("utf-8", "replace"))
    ]


def stop(proc: subprocess.Popen) -> None:
    """End the server we started as Ctrl-C would (:func:`browser.stop_server`); a server that
    had to be killed is only reported by its log."""
    try:
        stop_server(proc)
    except subprocess.TimeoutExpired:
        pass


def envs(lib: Path) -> tuple[dict, dict]:
    """The environments of our build (as ``make build``; no cache setting inherited) and of the floor."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOOK_") and k != "PYTHONPATH"}
    base["NO_MKDOCS_2_WARNING"] = "1"
    return {**base, "PYTHONPATH": str(lib / "hooks")}, base


def prepare(work: Path, n: int, seed: int) -> tuple[Path, Path]:
    """Generate the library (checked: every case valid) and the floor; their folders."""
    lib = make_library(work / f"lib-{n}", n, seed)
    env, _ = envs(lib)
    cmd = [sys.executable, "-m", "casebook", "check", str(lib)]
    check = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if check.returncode != 0:
        sys.exit(f"bench: generated cases do not pass the check:\n{check.stderr[-3000:]}")
    return lib, make_floor(work / f"floor-{n}", lib)


def cold_rounds(work: Path, n: int, lib: Path, floor: Path, repeat: int) -> tuple[dict, dict, Path]:
    """``repeat`` rounds of cold builds, each: ours and the floor on an idle machine, then both
    beside one CPU-bound process. Every build of ours starts with an empty cache folder; the
    last one's cache (and site) is kept for the warm builds. The runs, the 1-minute load
    average as each round's idle and busy builds began, and that cache folder."""
    env, floor_env = envs(lib)
    runs = {kind: {"idle": [], "busy": []} for kind in ("ours", "floor")}
    loads = {"idle": [], "busy": []}
    sites = {"ours": work / f"site-ours-{n}", "floor": work / f"site-floor-{n}"}
    kept = None
    for r in range(repeat):
        for load in ("idle", "busy"):
            cache = work / f"cache-{n}-{load}-{r}"
            loads[load].append(os.getloadavg()[0])
            for kind, folder, e in (
                ("ours", lib, {**env, "CASEBOOK_CACHE_DIR": str(cache)}),
                ("floor", floor, floor_env),
            ):
                shutil.rmtree(sites[kind], ignore_errors=True)
                with cpu_load(load == "busy"):
                    runs[kind][load].append(build(folder, e, sites[kind], work / f"{kind}-{n}-{load}-{r}.log"))
                print(
                    f"  N={n} cold {load} {kind} {r + 1}/{repeat}: {runs[kind][load][-1]['s']:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
            if kept is not None:
                shutil.rmtree(kept, ignore_errors=True)
            kept = cache  # the caches of the other rounds are removed (10,000 cases: hundreds of MB each)
    return runs, loads, kept


def warm_builds(work: Path, n: int, lib: Path, cache: Path, warm: int, edits: int) -> dict:
    """With the cache of a cold build: ``warm`` builds with nothing changed, then ``edits``
    builds each after one more case's first sentence was changed (a different case each time)."""
    env = {**envs(lib)[0], "CASEBOOK_CACHE_DIR": str(cache)}
    site, out = work / f"site-ours-{n}", {"warm": [], "edit": []}
    for k in range(warm):  # the site folder stays, as between two `make build`s
        out["warm"].append(build(lib, env, site, work / f"ours-{n}-warm-{k}.log"))
        print(f"  N={n} warm {k + 1}/{warm}: {out['warm'][-1]['s']:.2f} s", file=sys.stderr, flush=True)
    for k, cid in enumerate(picked(n, edits, offset=1)):
        edit_case(lib / "cases" / f"{cid}.md", marker())
        out["edit"].append(build(lib, env, site, work / f"ours-{n}-edit-{k}.log"))
        print(f"  N={n} one case edited {k + 1}/{edits}: {out['edit'][-1]['s']:.2f} s", file=sys.stderr, flush=True)
    return out


def pss_builds(work: Path, n: int, lib: Path, floor: Path) -> dict:
    """One more cold build of each site, untimed, sampling proportional set sizes (bytes)."""
    env, floor_env = envs(lib)
    cache, pss = work / f"cache-{n}-pss", {}
    for kind, folder, e in (("ours", lib, {**env, "CASEBOOK_CACHE_DIR": str(cache)}), ("floor", floor, floor_env)):
        site = work / f"site-{kind}-{n}"
        shutil.rmtree(site, ignore_errors=True)
        pss[kind] = build(folder, e, site, work / f"{kind}-{n}-pss.log", sampler=tree_pss, every=0.2)["tree"]
    shutil.rmtree(cache, ignore_errors=True)
    return pss


def bench_n(work: Path, n: int, opts: dict) -> dict:
    """Everything measured for one N (see the module docstring), with each phase's seconds."""
    clock, phases = time.perf_counter(), {}

    def phase(name: str) -> None:
        nonlocal clock
        phases[name], clock = time.perf_counter() - clock, time.perf_counter()

    lib, floor = prepare(work, n, opts["seed"])
    phase("generate and check")
    runs, loads, cache = cold_rounds(work, n, lib, floor, opts["repeat"])
    phase("cold builds")
    res = {
        "n": n,
        "repeat": opts["repeat"],
        "runs": runs,
        "loads": loads,
        **warm_builds(work, n, lib, cache, opts["warm"], opts["edits"]),
    }
    phase("warm and edited builds")
    res["pss"] = pss_builds(work, n, lib, floor)
    phase("memory (PSS) builds")
    floor_s = statistics.median(r["s"] for r in runs["floor"]["idle"])
    res["serve"] = measure_serve(
        lib, {**envs(lib)[0], "CASEBOOK_CACHE_DIR": str(cache)}, work, n, opts["serve"], 60 + 3 * floor_s
    )
    shutil.rmtree(cache, ignore_errors=True)
    phase("mkdocs serve")
    sites = {"ours": work / f"site-ours-{n}", "floor": work / f"site-floor-{n}"}
    res["stats"] = {kind: site_stats(site) for kind, site in sites.items()}
    res["browser"] = browser_measures(sites["ours"], sites["floor"], "cases/case-00001/") if opts["browser"] else None
    phase("site size and browser")
    res["phases"] = phases
    return res


def kb(value: float) -> str:
    """Bytes as KB or MB text."""
    return f"{value / 1e6:.1f} MB" if value >= 1e6 else f"{value / 1e3:.1f} KB"


def mb(value: float) -> str:
    """Bytes as MiB, as the memory rows print them."""
    return f"{value / 2**20:.0f}"


def pair(sizes: tuple[int, int]) -> str:
    """Raw and gzipped size."""
    return f"{kb(sizes[0])} ({kb(sizes[1])} gz)"


def pair_top(sizes: tuple[int, int, str]) -> str:
    """Raw and gzipped size, and the largest response."""
    return f"{pair(sizes)}; {sizes[2]}"


def search_cell(s: dict) -> str:
    """The first-search download, or why there is none."""
    if "na" in s:
        return s["na"]
    when = f"{s['first_result_ms']:.0f} ms" if s["first_result_ms"] is not None else "none within 10 s"
    ahead = f" ({kb(s['prefetched'][0])} of it already at page load)" if s["prefetched"][0] else ""
    return f"{pair_top(s['search'])}{ahead}; {s['results']} results, first after {when}"


def secs(runs: list[dict]) -> list[float]:
    """The wall times (s) of builds."""
    return [r["s"] for r in runs]


def med(res: dict, kind: str, load: str = "idle") -> float:
    """Median cold build time (s) of ``kind`` (ours, floor) under ``load`` (idle, busy)."""
    return statistics.median(secs(res["runs"][kind][load]))


def rounds(res: dict, load: str = "idle") -> list[float]:
    """Casebook/floor per round: the two builds of a round ran back to back, under the same load."""
    return [o / f for o, f in zip(secs(res["runs"]["ours"][load]), secs(res["runs"]["floor"][load]), strict=True)]


def fastest(res: dict, load: str = "idle") -> float:
    """The ratio of the fastest builds (the least disturbed by other work on the machine)."""
    return min(secs(res["runs"]["ours"][load])) / min(secs(res["runs"]["floor"][load]))


def ours_builds(res: dict) -> list[dict]:
    """Every timed build of ours: cold idle and busy, warm, one case edited."""
    return res["runs"]["ours"]["idle"] + res["runs"]["ours"]["busy"] + res["warm"] + res["edit"]


def peak_tree(res: dict) -> int:
    """The largest whole-tree memory seen in any build of ours (bytes): sampled RSS or PSS."""
    return max([r["tree"] for r in ours_builds(res)] + [res["pss"]["ours"]])


def values(xs: list[float], digits: int = 2) -> str:
    """Numbers joined with commas."""
    return ", ".join(f"{x:.{digits}f}" for x in xs)


TARGETS = [  # (what, {N: limit}, value of a result, format of value and limit)
    (
        "cold build, empty cache, idle machine: Casebook/floor (medians)",
        {1000: 1.25, 10000: 1.25},
        lambda r: med(r, "ours") / med(r, "floor"),
        "{:.2f}×",
    ),
    (
        "cold build, empty cache, one other CPU-bound process: Casebook/floor (medians)",
        {1000: 1.25, 10000: 1.25},
        lambda r: med(r, "ours", "busy") / med(r, "floor", "busy"),
        "{:.2f}×",
    ),
    (
        "warm build, nothing changed: median / floor's cold idle median",
        {10000: 0.10},
        lambda r: statistics.median(secs(r["warm"])) / med(r, "floor"),
        "{:.3f}×",
    ),
    (
        "one case edited, then build: median / floor's cold idle median",
        {10000: 0.15},
        lambda r: statistics.median(secs(r["edit"])) / med(r, "floor"),
        "{:.3f}×",
    ),
    (
        "`mkdocs serve`: saved edit → served page shows it, median (s)",
        {1000: 1.0, 10000: 3.0},
        lambda r: statistics.median(r["serve"]["edits"]),
        "{:.2f} s",
    ),
    ("peak memory of a build, whole tree (largest of sampled RSS and PSS, MB)", {10000: GB}, peak_tree, "mem"),
]


def shown(value: float, fmt: str) -> str:
    """A target's value or limit as text."""
    return f"{mb(value)} MB" if fmt == "mem" else fmt.format(value)


def targets(results: list[dict]) -> str:
    """The issue 15 targets, each at each N it names: measured value and whether it was met."""
    by_n = {r["n"]: r for r in results}
    lines = ["| target | N | limit | measured | met |", "|---|---|---|---|---|"]
    for what, limits, value, fmt in TARGETS:
        for n, limit in limits.items():
            if n not in by_n:
                lines.append(f"| {what} | {n:,} | ≤ {shown(limit, fmt)} | not measured (N not run) | |")
                continue
            got = value(by_n[n])
            lines.append(
                f"| {what} | {n:,} | ≤ {shown(limit, fmt)} | {shown(got, fmt)} | {'yes' if got <= limit else 'NO'} |"
            )
    return "\n".join(lines) + "\n"


def build_rows(res: dict) -> list[tuple[str, ...]]:
    """Table rows of the build times: cold idle and busy, warm, one case edited, serve."""
    rows = []
    for load, label in (("idle", "idle machine"), ("busy", "one other CPU-bound process running")):
        o, f = med(res, "ours", load), med(res, "floor", load)
        rows += [
            (f"cold build, empty cache, {label}: median (s)", f"{o:.2f}", f"{f:.2f}", f"{o / f:.2f}×"),
            (f"cold build, {load}: all runs (s)", *(values(secs(res["runs"][k][load])) for k in ("ours", "floor")), ""),
            (
                f"cold build, {load}: Casebook/floor per round; median",
                values(rounds(res, load)),
                "",
                f"{statistics.median(rounds(res, load)):.2f}×",
            ),
            (f"cold build, {load}: load average (1 min) as each round began", values(res["loads"][load]), "", ""),
            (
                f"cold build, {load}: fastest (s)",
                *(f"{min(secs(res['runs'][k][load])):.2f}" for k in ("ours", "floor")),
                f"{fastest(res, load):.2f}×",
            ),
        ]
    floor = med(res, "floor")
    for key, label in (("warm", "warm build, nothing changed"), ("edit", "one case edited, then build")):
        times = secs(res[key])
        rows.append(
            (
                f"{label}: median (all runs) (s); / floor's cold idle median",
                f"{statistics.median(times):.2f} ({values(times)})",
                f"(cold, idle: {floor:.2f})",
                f"{statistics.median(times) / floor:.3f}×",
            )
        )
    s = res["serve"]
    rows += [
        ("`mkdocs serve`: start until a case page is served (first build) (s)", f"{s['first']:.1f}", "n/a", ""),
        (
            "`mkdocs serve`: saved edit → served page shows it, median (all edits) (s)",
            f"{statistics.median(s['edits']):.2f} ({values(s['edits'])})",
            "n/a",
            "",
        ),
        (
            "`mkdocs serve`: of which MkDocs rebuilt (its log: each rebuild's seconds per edit), median",
            f"{statistics.median(sum(b) for b in s['builds']):.2f} ({'; '.join(values(b) for b in s['builds'])})",
            "n/a",
            "",
        ),
        (
            "cold build time per case, idle (ms)",
            *(f"{med(res, k) / res['n'] * 1000:.1f}" for k in ("ours", "floor")),
            "",
        ),
    ]
    return rows


def memory_rows(res: dict) -> list[tuple[str, ...]]:
    """Table rows of peak memory (MiB): largest process, whole tree (RSS and PSS), serve."""
    peak = {k: max(r["maxrss"] for r in v["idle"] + v["busy"]) for k, v in res["runs"].items()}
    tree = {"ours": max(r["tree"] for r in ours_builds(res))}
    tree["floor"] = max(r["tree"] for v in res["runs"]["floor"].values() for r in v)
    pss = res["pss"]
    return [
        (
            "peak RSS, largest process, cold builds (MB)",
            mb(peak["ours"]),
            mb(peak["floor"]),
            f"{peak['ours'] / peak['floor']:.2f}×",
        ),
        (
            "peak RSS, whole tree sampled, every build (MB)",
            mb(tree["ours"]),
            mb(tree["floor"]),
            f"{tree['ours'] / max(tree['floor'], 1):.2f}×",
        ),
        (
            "peak PSS, whole tree sampled, a cold build (MB): memory in use, shared pages divided",
            mb(pss["ours"]),
            mb(pss["floor"]),
            f"{pss['ours'] / max(pss['floor'], 1):.2f}×",
        ),
        ("peak RSS of `mkdocs serve`, whole tree, first build and edits (MB)", mb(res["serve"]["tree"]), "n/a", ""),
    ]


def site_rows(res: dict) -> list[tuple[str, ...]]:
    """Table rows of the site's size, and of the downloads measured in Chromium."""
    st = res["stats"]
    rows = [
        (
            "site size (files)",
            f"{kb(st['ours']['bytes'])} ({st['ours']['files']})",
            f"{kb(st['floor']['bytes'])} ({st['floor']['files']})",
            f"{st['ours']['bytes'] / st['floor']['bytes']:.2f}×",
        ),
        (
            "case page HTML, median",
            kb(st["ours"]["case_html"]),
            kb(st["floor"]["case_html"]),
            f"{st['ours']['case_html'] / st['floor']['case_html']:.2f}×",
        ),
    ]
    b = res["browser"]
    if b is None:
        return [*rows, ("downloads and explorer (Chromium)", "not measured (BENCH_BROWSER=0)", "", "")]
    ex = b["explorer"]
    return [
        *rows,
        ("open a case page: downloaded", pair_top(b["ours"]["page"]), pair_top(b["floor"]["page"]), ""),
        ("first search: downloaded", search_cell(b["ours"]), search_cell(b["floor"]), ""),
        ("open /explore/: downloaded, ready after", f"{pair_top(ex['open'])}; {ex['ready_ms']:.0f} ms", "n/a", ""),
        ("data/explorer.json", pair(ex["explorer.json"]), "n/a", ""),
        ("data/explorer-text.json (on first text query)", pair(ex["explorer-text.json"]), "n/a", ""),
        ("explorer: apply a keyword filter, median of 5 (ms)", f"{ex['filter_ms']:.2f}", "n/a", ""),
        *map_rows(b.get("map")),
    ]


def map_rows(m: dict | None) -> list[tuple[str, ...]]:
    """Table rows of the explorer's Map view (targets: map data ≤ 200 KB gzipped, update ≤ 100 ms)."""
    if not m:
        return []
    return [
        ("data/map.json (target ≤ 200 KB gzipped)", pair(m["map.json"]), "n/a", ""),
        ("show the map: map data and Leaflet downloaded", pair_top(m["shown"]), "n/a", ""),
        (
            "map: change a filter to markers painted, median of 6 (ms; target ≤ 100)",
            f"{m['update_ms']:.1f} ({m['markers']} markers)",
            "n/a",
            "",
        ),
    ]


def table(res: dict) -> str:
    """The Markdown table for one N."""
    took = ", ".join(f"{name} {s:.0f} s" for name, s in res["phases"].items())
    lines = [
        f"### N = {res['n']:,}",
        "",
        f"Cold rounds: {res['repeat']}; warm builds: {len(res['warm'])}; one-case edits: {len(res['edit'])}; "
        f"edits under `mkdocs serve`: {len(res['serve']['edits'])}. Took: {took}.",
        "",
        "| measure | Casebook | floor (plain Material) | Casebook/floor |",
        "|---|---|---|---|",
    ]
    rows = build_rows(res) + memory_rows(res) + site_rows(res)
    return "\n".join(lines + [f"| {' | '.join(row)} |" for row in rows]) + "\n"


def machine() -> str:
    """nproc, memory, CPU model and Python version."""
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    return f"{os.cpu_count()} CPUs ({cpu}), {mem / 2**20:.1f} GiB RAM, Python {platform.python_version()}"


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def growth(results: list[dict]) -> list[str]:
    """The growth table: cold idle medians per N, per case and marginal."""
    out = [
        "## Growth with N\n",
        "Cold builds on the idle machine. Marginal = extra ms per extra case since the previous N "
        "(the slope; constant if linear).\n",
        "| N | Casebook (s) | per case (ms) | marginal (ms) | floor (s) | per case (ms) | marginal (ms) | "
        "Casebook/floor | per round, median | fastest/fastest |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    prev = None
    for r in results:
        m = {k: med(r, k) for k in ("ours", "floor")}
        slope = {k: f"{(m[k] - prev[1][k]) / (r['n'] - prev[0]) * 1000:.1f}" if prev else "" for k in m}
        out.append(
            f"| {r['n']} | {m['ours']:.2f} | {m['ours'] / r['n'] * 1000:.1f} | {slope['ours']} | "
            f"{m['floor']:.2f} | {m['floor'] / r['n'] * 1000:.1f} | {slope['floor']} | "
            f"{m['ours'] / m['floor']:.2f}× | {statistics.median(rounds(r)):.2f}× | {fastest(r):.2f}× |"
        )
        prev = (r["n"], m)
    return [*out, ""]


METHOD = """## How it is measured

- Build: `python -m mkdocs build --strict --site-dir <out>` as a subprocess, ours with \
`NO_MKDOCS_2_WARNING=1 PYTHONPATH=<lib>/hooks` (as `make build`), the floor (theme: material, default \
search plugin, same case files in docs/cases/, seven one-line nav pages, no hooks) without PYTHONPATH. \
Time is wall time from spawn to `os.wait4`. No `CASEBOOK_*` setting is inherited from the benchmark's \
environment; every build of ours has `CASEBOOK_CACHE_DIR` in the benchmark's work folder.
- Cold build: ours with an empty cache folder (so it includes writing the cache, as a first build does), \
after the previous site was deleted. A round is four builds back to back: ours and the floor on an idle \
machine, then ours and the floor each beside one other CPU-bound process (`python -c '{load}'`, started \
0.2 s before the build and killed after it). Ratios are ratios of the medians; per round, each build \
against the floor's build of the same round (the same load on a shared machine).
- Warm build: the cache of the last cold build of ours, again, nothing changed; the site folder stays as \
between two `make build`s (MkDocs cleans it). One case edited: the first sentence of one case's body \
replaced by one with a new word (a different case each time), then a build with the same cache. Both \
are divided by the floor's median cold build on the idle machine in the same run.
- `mkdocs serve`: `python -m mkdocs serve --strict --livereload --dev-addr 127.0.0.1:<free port>` in the \
library folder with `PYTHONPATH=hooks` (as `make serve`), the warm cache of the builds above. After the \
first page is served and 1 s more, each edit writes a new word into one case's first sentence (a \
different case each time) and the case page is requested every {poll:.0f} ms until it shows the word; \
the next edit follows once it did. The time runs from the saved file to the page. MkDocs 1.6's watcher \
polls the files every 0.5 s and waits 0.1 s for changes to stop before it rebuilds, and its server holds \
a request while a rebuild runs, so the times include up to about 0.6 s of waiting for the watcher. \
"Of which MkDocs rebuilt" lists the "Documentation built in" seconds MkDocs logs for the rebuilds each \
edit caused; the rest of an edit's time is the watcher's polling and quiet period, and serving the page.
- Peak RSS, largest process: `ru_maxrss` from `os.wait4` on the build process; Linux folds in every \
waited-for descendant (e.g. the search indexer), so this is the largest single process of the tree, not \
their sum. Peak RSS, whole tree: the sum of RSS over the build process and all its descendants, sampled \
every 100 ms from /proc, walking only the build's process tree (can miss short spikes), over every timed \
build of ours (cold, warm, edited) or of the floor. Peak PSS, whole tree: the same sum of proportional set \
sizes (/proc/<pid>/smaps_rollup: a page shared by n processes counts 1/n in each), in one more cold build \
of each site, untimed (reading it costs too much to sample beside a timed build). Both sums leave out a \
child between fork and exec (flag PF_FORKNOEXEC in /proc/<pid>/stat), which shares its parent's memory \
for the milliseconds of a spawn: counted, it doubled the main process. The memory target is \
checked against the larger of the two whole-tree peaks; 1.5 GB = 1,536 MB (MiB, as printed).
- Cores: our build runs MkDocs on one core and Pagefind's indexer beside it; the floor uses one core. \
Other work on a shared machine therefore slows ours more: the busy rounds, the per-round ratio and the \
fastest builds show the difference under more, equal and the least load.
- Site size: sum of file sizes under the output folder (apparent size, no compression), after the memory \
builds (cold).
- Downloads: Chromium (Playwright) against `http.server` on 127.0.0.1 (no HTTP compression), cold cache. \
Sums of response bodies; gz = each body gzipped at level 6. Open a case page = everything fetched until \
load + 1 s. First search = click the header search, type '{word}', wait for a result (10 s max) + 0.5 s; \
it counts everything fetched from the click, plus search assets (URLs with search, lunr or pagefind) \
prefetched while the page loaded. Explorer: everything fetched until `#cb-total` shows ' of '. \
Pagefind's index and fragment files are gzipped by Pagefind itself, so gzip barely shrinks them further. \
Filter time is performance.now() around dispatching 'change' after ticking the first enabled keyword \
(the explorer renders synchronously; layout and paint are not included).
"""


def report(results: list[dict], opts: dict, load_before: str, seconds: float) -> str:
    """The whole Markdown report: header, targets, growth, one table per N, method notes."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ns = ", ".join(f"{r['n']:,}" for r in results)
    repeats = ", ".join(f"{r['repeat']} at {r['n']:,}" for r in results)
    out = [
        f"# Casebook build benchmark\n\n{now}. Machine: {machine()}. Load average (1/5/15 min) before: "
        f"{load_before}, after: {loadavg()} (other work on the machine skews the times). "
        f"The benchmark took {seconds / 60:.1f} min.\n\n"
        f"N = {ns} synthetic cases (seed {opts['seed']}). Cold rounds (each: both sites idle, then both "
        f"busy): {repeats} (fewer at 10,000 cases to keep the run under about 25 minutes). "
        f"Warm builds {opts['warm']}, one-case edits {opts['edits']}, `mkdocs serve` edits {opts['serve']} per N.\n",
        "## Issue 15 targets\n",
        "Ratios are to the plain-Material floor's cold build in the same run.\n",
        targets(results),
        *growth(results),
        *(table(r) for r in results),
        METHOD.format(load=LOAD, poll=POLL * 1000, word=SEARCH_WORD),
    ]
    return "\n".join(out)


def options() -> dict:
    """The benchmark's settings from the environment (see the module docstring)."""
    get = os.environ.get
    return {
        "repeat": int(get("BENCH_REPEAT", "0")),  # 0: 3 rounds, 2 from 10,000 cases
        "warm": int(get("BENCH_WARM", "3")),
        "edits": int(get("BENCH_EDITS", "3")),
        "serve": int(get("BENCH_SERVE_EDITS", "5")),
        "seed": int(get("BENCH_SEED", "42")),
        "browser": get("BENCH_BROWSER", "1") != "0",
        "keep": get("BENCH_KEEP") == "1",
        "out": Path(get("BENCH_OUT") or ROOT / "bench" / "results.md"),
    }


def main(argv: list[str]) -> int:
    """Run the benchmark for the N values given as arguments, BENCH_N, or the defaults."""
    spec = " ".join(argv) or os.environ.get("BENCH_N", "").replace(",", " ")
    ns = [int(x) for x in spec.split()] or [100, 1000] + ([10000] if os.environ.get("BENCH_FULL") == "1" else [])
    opts, load_before, start = options(), loadavg(), time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    try:
        results = []
        for n in ns:
            print(f"bench: N={n} in {work}", file=sys.stderr, flush=True)
            repeat = opts["repeat"] or (2 if n >= 10000 else 3)
            results.append(bench_n(work, n, {**opts, "repeat": repeat}))
        text = report(results, opts, load_before, time.perf_counter() - start)
        print(text)
        opts["out"].write_text(text, "utf-8")
    finally:
        if opts["keep"]:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
