"""Casebook build benchmark: our site against a plain MkDocs + Material floor.

For each N it generates N synthetic, valid cases (seeded, so every run writes
the same files), builds our site and a "floor" site (plain Material, default
search, the same case Markdown) alternately, and measures build time, peak
memory, site size, and what a visitor downloads to search and to explore.

    make bench                    # N = 100 1000 (BENCH_FULL=1 adds 10000)
    make bench N="100 1000 10000" # or BENCH_N="100" make bench
    BENCH_REPEAT=5 BENCH_KEEP=1 make bench

Writes the tables to stdout and to bench/results.md.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from synthetic import ROOT, make_floor, make_library

SEARCH_WORD = "tenants"  # in synthetic.WORDS, so it occurs in most cases
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM_ARGS  # noqa: E402  (the same browser flags as the tests)


def _children(pid: int) -> list[int]:
    """Child process ids of ``pid``, from /proc/<pid>/task/*/children (cheap: no scan of /proc)."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            kids += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    except OSError:
        pass
    return kids


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants right now (from /proc).

    Sampling must stay cheap: it runs beside the build, and a build that uses both cores
    (ours) would otherwise pay for it more than a build that uses one (the floor)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


def tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants right now (smaps_rollup): each
    memory page shared by n processes (a forked child and its parent) counts 1/n in each, so
    the sum is the memory the build really holds. Slower to read than RSS: sampled only in an
    untimed build."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


def run_measured(cmd: list[str], cwd: Path, env: dict, log: Path, sampler=tree_rss, every: float = 0.1) -> dict:
    """Run ``cmd``; wall time, wait4 ru_maxrss (largest process in the tree) and the peak of
    ``sampler`` over the process tree."""
    peak, done = [0], threading.Event()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not done.wait(every):
                peak[0] = max(peak[0], sampler(proc.pid))

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: stop Popen waiting again
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed in {cwd} (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    return {"s": seconds, "maxrss": usage.ru_maxrss * 1024, "tree": peak[0]}


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
            with serve(floor) as url:
                result["floor"] = measure_search(browser, url, case_path)
        finally:
            browser.close()
    return result


def bench_n(work: Path, n: int, repeat: int, seed: int) -> dict:
    """Generate, check, build both sites ``repeat`` times alternately, and measure them."""
    lib = make_library(work / f"lib-{n}", n, seed)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(lib / "hooks")}
    cmd = [sys.executable, "-m", "casebook", "check", str(lib)]
    check = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if check.returncode != 0:
        sys.exit(f"bench: generated cases do not pass the check:\n{check.stderr[-3000:]}")
    floor = make_floor(work / f"floor-{n}", lib)
    floor_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    sites = {"ours": work / f"site-ours-{n}", "floor": work / f"site-floor-{n}"}
    runs: dict[str, list[dict]] = {"ours": [], "floor": []}
    for r in range(repeat):
        for kind, folder, e in (("ours", lib, env), ("floor", floor, floor_env)):
            shutil.rmtree(sites[kind], ignore_errors=True)
            cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(sites[kind])]
            runs[kind].append(run_measured(cmd, folder, e, work / f"{kind}-{n}-{r}.log"))
            print(f"  N={n} {kind} run {r + 1}/{repeat}: {runs[kind][-1]['s']:.1f} s", file=sys.stderr, flush=True)
    pss = {}
    for kind, folder, e in (("ours", lib, env), ("floor", floor, floor_env)):  # memory only: not timed
        shutil.rmtree(sites[kind], ignore_errors=True)
        cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(sites[kind])]
        pss[kind] = run_measured(cmd, folder, e, work / f"{kind}-{n}-pss.log", sampler=tree_pss, every=0.2)["tree"]
    stats = {kind: site_stats(site) for kind, site in sites.items()}
    browser = browser_measures(sites["ours"], sites["floor"], "cases/case-00001/")
    return {"n": n, "runs": runs, "pss": pss, "stats": stats, "browser": browser}


def kb(value: float) -> str:
    """Bytes as KB or MB text."""
    return f"{value / 1e6:.1f} MB" if value >= 1e6 else f"{value / 1e3:.1f} KB"


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


def rounds(res: dict) -> list[float]:
    """Casebook/floor per round: the two builds of a round ran back to back, under the same load."""
    return [o["s"] / f["s"] for o, f in zip(res["runs"]["ours"], res["runs"]["floor"], strict=True)]


def fastest(res: dict) -> float:
    """The ratio of the fastest builds (the least disturbed by other work on the machine)."""
    return min(r["s"] for r in res["runs"]["ours"]) / min(r["s"] for r in res["runs"]["floor"])


def table(res: dict) -> str:
    """The Markdown table for one N."""
    med = {k: statistics.median(r["s"] for r in v) for k, v in res["runs"].items()}
    peak = {k: max(r["maxrss"] for r in v) for k, v in res["runs"].items()}
    tree = {k: max(r["tree"] for r in v) for k, v in res["runs"].items()}
    st, b, ex = res["stats"], res["browser"], res["browser"]["explorer"]
    rows = [
        ("build time, median (s)", f"{med['ours']:.2f}", f"{med['floor']:.2f}", f"{med['ours'] / med['floor']:.2f}×"),
        ("build time per case (ms)", *(f"{med[k] / res['n'] * 1000:.1f}" for k in ("ours", "floor")), ""),
        ("all runs (s)", *(", ".join(f"{r['s']:.2f}" for r in res["runs"][k]) for k in ("ours", "floor")), ""),
        (
            "ratio per round, median (each build / the other site's build in the same round)",
            ", ".join(f"{x:.2f}" for x in rounds(res)),
            "",
            f"{statistics.median(rounds(res)):.2f}×",
        ),
        (
            "fastest build (s)",
            *(f"{min(r['s'] for r in res['runs'][k]):.2f}" for k in ("ours", "floor")),
            f"{fastest(res):.2f}×",
        ),
        (
            "peak RSS, largest process (MB)",
            f"{peak['ours'] / 2**20:.0f}",
            f"{peak['floor'] / 2**20:.0f}",
            f"{peak['ours'] / peak['floor']:.2f}×",
        ),
        (
            "peak RSS, whole tree sampled (MB)",
            f"{tree['ours'] / 2**20:.0f}",
            f"{tree['floor'] / 2**20:.0f}",
            f"{tree['ours'] / max(tree['floor'], 1):.2f}×",
        ),
        (
            "peak PSS, whole tree sampled (MB): memory in use, shared pages divided",
            f"{res['pss']['ours'] / 2**20:.0f}",
            f"{res['pss']['floor'] / 2**20:.0f}",
            f"{res['pss']['ours'] / max(res['pss']['floor'], 1):.2f}×",
        ),
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
        ("open a case page: downloaded", pair_top(b["ours"]["page"]), pair_top(b["floor"]["page"]), ""),
        ("first search: downloaded", search_cell(b["ours"]), search_cell(b["floor"]), ""),
        ("open /explore/: downloaded, ready after", f"{pair_top(ex['open'])}; {ex['ready_ms']:.0f} ms", "n/a", ""),
        ("data/explorer.json", pair(ex["explorer.json"]), "n/a", ""),
        ("data/explorer-text.json (on first text query)", pair(ex["explorer-text.json"]), "n/a", ""),
        ("explorer: apply a keyword filter, median of 5 (ms)", f"{ex['filter_ms']:.2f}", "n/a", ""),
    ]
    lines = [
        f"### N = {res['n']}",
        "",
        "| measure | Casebook | floor (plain Material) | Casebook/floor |",
        "|---|---|---|---|",
    ]
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


def report(results: list[dict], repeat: int, seed: int, load_before: str) -> str:
    """The whole Markdown report: header, linearity summary, one table per N, method notes."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ns = ", ".join(str(r["n"]) for r in results)
    out = [
        f"# Casebook build benchmark\n\n{now}. Machine: {machine()}. Load average (1/5/15 min) before: "
        f"{load_before}, after: {loadavg()} (other work on the machine skews the times).\n"
        f"N = {ns} synthetic cases (seed {seed}), {repeat} builds of each site, run alternately.\n",
        "## Growth with N\n",
        "Marginal = extra ms per extra case since the previous N (the slope; constant if linear).\n",
        "| N | Casebook (s) | per case (ms) | marginal (ms) | floor (s) | per case (ms) | marginal (ms) | "
        "Casebook/floor | per round, median | fastest/fastest |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    prev = None
    for r in results:
        m = {k: statistics.median(x["s"] for x in v) for k, v in r["runs"].items()}
        slope = {k: f"{(m[k] - prev[1][k]) / (r['n'] - prev[0]) * 1000:.1f}" if prev else "" for k in m}
        out.append(
            f"| {r['n']} | {m['ours']:.2f} | {m['ours'] / r['n'] * 1000:.1f} | {slope['ours']} | "
            f"{m['floor']:.2f} | {m['floor'] / r['n'] * 1000:.1f} | {slope['floor']} | "
            f"{m['ours'] / m['floor']:.2f}× | {statistics.median(rounds(r)):.2f}× | {fastest(r):.2f}× |"
        )
        prev = (r["n"], m)
    out.append("")
    out += [table(r) for r in results]
    out.append(
        "## How it is measured\n\n"
        "- Build: `python -m mkdocs build --strict --site-dir <out>` as a subprocess, ours with "
        "`NO_MKDOCS_2_WARNING=1 PYTHONPATH=<lib>/hooks` (as `make build`), the floor (theme: material, default "
        "search plugin, same case files in docs/cases/, seven one-line nav pages, no hooks) without PYTHONPATH. "
        "Time is wall time from spawn to `os.wait4`.\n"
        "- Peak RSS, largest process: `ru_maxrss` from `os.wait4` on the build process; Linux folds in every "
        "waited-for descendant (e.g. a search indexer binary), so this is the largest single process of the tree, "
        "not their sum. Peak RSS, whole tree: the sum of RSS over the build process and all its descendants, "
        "sampled every 100 ms from /proc, walking only the build's process tree (can miss short spikes); "
        "a page shared by a forked child and its parent counts twice. Peak PSS, whole tree: the same sum of "
        "proportional set sizes (/proc/<pid>/smaps_rollup: a shared page counts half in each), in one more "
        "build of each site, untimed (reading it costs too much to sample beside a timed build).\n"
        "- Cores: our build uses a second core (Pagefind indexes beside MkDocs; loading, planning, and converting "
        "and rendering half of the case pages are done by forked copies), the floor one. Other work on a shared "
        "machine therefore slows ours more: the "
        "per-round ratio and the fastest builds show the difference under equal, and under the least, load.\n"
        "- Site size: sum of file sizes under the output folder (apparent size, no compression).\n"
        "- Downloads: Chromium (Playwright) against `http.server` on 127.0.0.1 (no HTTP compression), cold cache. "
        "Sums of response bodies; gz = each body gzipped at level 6. Open a case page = everything fetched until "
        f"load + 1 s. First search = click the header search, type '{SEARCH_WORD}', wait for a result (10 s max) "
        "+ 0.5 s; it counts everything fetched from the click, plus search assets (URLs with search, lunr or "
        "pagefind) prefetched while the page loaded. Explorer: everything fetched until `#cb-total` shows "
        "' of '. Pagefind's index and fragment files are gzipped by Pagefind itself, so gzip barely shrinks "
        "them further. Filter time is performance.now() around dispatching 'change' after ticking the first enabled "
        "keyword (the explorer renders synchronously; layout and paint are not included).\n"
    )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Run the benchmark for the N values given as arguments, BENCH_N, or the defaults."""
    spec = " ".join(argv) or os.environ.get("BENCH_N", "").replace(",", " ")
    ns = [int(x) for x in spec.split()] or [100, 1000] + ([10000] if os.environ.get("BENCH_FULL") == "1" else [])
    repeat, seed = int(os.environ.get("BENCH_REPEAT", "3")), int(os.environ.get("BENCH_SEED", "42"))
    keep, load_before = os.environ.get("BENCH_KEEP") == "1", loadavg()
    work = Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    try:
        results = []
        for n in ns:
            print(f"bench: N={n} in {work}", file=sys.stderr, flush=True)
            results.append(bench_n(work, n, repeat, seed))
        text = report(results, repeat, seed, load_before)
        print(text)
        (ROOT / "bench" / "results.md").write_text(text, "utf-8")
    finally:
        if keep:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
