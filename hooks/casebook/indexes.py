"""Indexes over the library, each built once per build in O(N).

- keyword → cases and country → cases (inverted indexes),
- related cases by shared keywords, weighted by rarity,
- when each case was first added, from git history.

Nothing here compares every pair of cases: related cases are scored from
the inverted index, with a bounded number of candidates per case.
"""

from __future__ import annotations

import heapq
import math
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .cases import Case
from .collation import Collation

RELATED = 5
"""How many related cases a case page shows."""

CANDIDATES = 200
"""The most candidates scored per case. Candidates come from the case's
rarest keywords first, so the ranking is exact unless its keywords are shared
by more than this many cases together; then the rarest matches still win."""


@dataclass
class Indexes:
    """The inverted indexes of a library."""

    by_keyword: dict
    """Keyword id → case ids sorted by title (every taxonomy keyword is a key)."""
    by_country: dict
    """Country code → case ids sorted by title (only countries with cases)."""
    weights: dict
    """Keyword id → weight for relatedness: ln(1 + N / cases with it)."""
    keyword_bits: dict
    """Keyword id → a bit of its own (for fast intersections)."""
    keyword_masks: dict
    """Case id → the OR of its keywords' bits."""
    title_rank: dict
    """Case id → its position in title order (for deterministic ties)."""


def build_indexes(cases: dict, keyword_ids, collation: Collation) -> Indexes:
    """Build the inverted indexes for ``cases`` (id → Case); lists of cases are in title order."""
    ordered = sorted(cases.values(), key=collation.title_key)
    by_keyword: dict = {kid: [] for kid in sorted(keyword_ids)}
    by_country: dict = defaultdict(list)
    for case in ordered:
        by_country[case.country].append(case.id)
        for kid in case.keywords:
            by_keyword.setdefault(kid, []).append(case.id)
    n = max(len(cases), 1)
    weights = {kid: math.log(1 + n / len(ids)) for kid, ids in by_keyword.items() if ids}
    keyword_bits = {kid: 1 << i for i, kid in enumerate(by_keyword)}
    keyword_masks = {cid: sum(keyword_bits[k] for k in set(case.keywords)) for cid, case in cases.items()}
    title_rank = {case.id: i for i, case in enumerate(ordered)}
    return Indexes(by_keyword, dict(sorted(by_country.items())), weights, keyword_bits, keyword_masks, title_rank)


@dataclass(frozen=True)
class Related:
    """Another case related to a case, and why."""

    id: str
    score: float
    shared: tuple
    """The keyword ids both cases carry, rarest first."""


def related_cases(case: Case, cases: dict, indexes: Indexes, limit: int = RELATED) -> list[Related]:
    """Up to ``limit`` other cases ranked by the weight of shared keywords.

    Ties: more shared keywords first, then by title, then id. Candidates are
    gathered from the case's rarest keywords first, at most :data:`CANDIDATES`.
    """
    weights = indexes.weights
    mine = sorted(case.keywords, key=lambda k: (-weights.get(k, 0.0), k))
    need = CANDIDATES + 1  # the case itself is gathered too, then dropped
    candidates: dict = {}
    for kid in mine:
        postings = indexes.by_keyword.get(kid, ())
        if not candidates:
            candidates = dict.fromkeys(postings[:need])
        else:
            for other in postings:
                if other not in candidates:
                    candidates[other] = None
                    if len(candidates) >= need:
                        break
        if len(candidates) >= need:
            break
    candidates.pop(case.id, None)
    if len(candidates) > CANDIDATES:
        candidates.popitem()  # the last gathered: the case itself was not among them
    # Cases share few distinct keyword combinations: score each combination once.
    bits = indexes.keyword_bits
    pairs = [(bits[k], k) for k in mine]
    own = sum(bit for bit, _ in pairs)
    masks, rank = indexes.keyword_masks, indexes.title_rank
    seen: dict = {}
    scored = []
    for other in candidates:
        common = masks[other] & own
        entry = seen.get(common)
        if entry is None:  # list comprehensions: this loop runs ~200 times per case
            shared = tuple([k for bit, k in pairs if bit & common])
            entry = seen[common] = (-round(sum([weights[k] for k in shared]), 9), -len(shared), shared)
        scored.append((entry[0], entry[1], rank[other], other, entry[2]))
    best = heapq.nsmallest(limit, scored)  # (score, shared count, title order) decide; ids are unique
    return [Related(other, -score, shared) for score, _, _, other, shared in best]


@dataclass
class History:
    """When each case file was first added and last changed, from git (empty without git)."""

    added: dict
    """Case file path → Unix time of the oldest commit that touches it."""
    changed: dict
    """Case file path → Unix time of the newest commit that touches it."""
    head: int | None
    """Unix time of the build's commit (or ``SOURCE_DATE_EPOCH``), for dataset dates."""
    shallow: bool = False
    """The clone's history is cut off (``git clone --depth``): ``added`` and ``changed`` are left
    empty rather than filled with the cut-off commit's date."""


def git_history(root: Path, folder: str = "cases", epoch: str | None = None) -> History:
    """Read the case files' history with one ``git log`` call (O(history), not per case).

    ``epoch``: the ``SOURCE_DATE_EPOCH`` the user gave (Unix seconds as text; reproducible-builds.org),
    which is then ``History.head``; else ``head`` is the time of the last commit. Without git, or
    in a shallow clone (``History.shallow``), no file has dates: the callers fall back to the
    documented order (start year, then title) and cite without a year."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=120).stdout

    epoch = (epoch or "").strip()
    head = int(epoch) if epoch.isdigit() else None
    try:
        if head is None:
            head = int(git("log", "-1", "--format=%ct").strip() or 0) or None
        if git("rev-parse", "--is-shallow-repository").strip() == "true":
            # Netlify, Cloudflare Pages, Render and actions/checkout (without fetch-depth: 0)
            # clone with depth 1: every file would seem added by the last commit.
            return History({}, {}, head, shallow=True)
        out = git("log", "--relative", "--no-renames", "--format=@%ct", "--name-only", "--", folder)
    except (OSError, ValueError, subprocess.SubprocessError):
        return History({}, {}, head)
    added: dict = {}
    changed: dict = {}
    stamp = 0
    for line in out.splitlines():
        if line.startswith("@"):
            stamp = int(line[1:])
        elif line.strip():
            path = line.strip()
            changed.setdefault(path, stamp)  # newest first: the first seen is the last change
            added[path] = stamp  # ... and the last seen the first addition
    return History(added, changed, head)
