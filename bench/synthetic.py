"""Synthetic but valid Casebook libraries for the benchmark, and the plain-Material floor.

Deterministic: the same N and seed always write the same files. To try it:

    python bench/synthetic.py 100 /tmp/lib && PYTHONPATH=/tmp/lib/hooks python -m casebook check /tmp/lib
"""

from __future__ import annotations

import random
import shutil
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ("mkdocs.yml", "docs", "overrides", "hooks", "CONTRIBUTING.md", "taxonomy")
sys.path.insert(0, str(ROOT / "hooks"))
from casebook.body import SECTIONS  # noqa: E402  (the eight sections every case has)

NAV = ("Home", "Cases", "Keywords", "Countries", "Explore", "Data", "Contribute")
PLACES = {  # country -> municipality -> neighbourhoods
    "SE": {
        "Malmö": ["Seved", "Lindängen", "Rosengård"],
        "Botkyrka": ["Alby", "Fittja", "Hallunda"],
        "Göteborg": ["Hammarkullen", "Hjällbo"],
        "Södertälje": ["Ronna", "Hovsjö"],
    },
    "DK": {"Gladsaxe": ["Værebro Park"], "Odense": ["Vollsmose"], "Aarhus": ["Gellerup", "Bispehaven"]},
    "NO": {"Oslo": ["Tøyen", "Furuset", "Romsås"], "Bergen": ["Loddefjord"], "Drammen": ["Fjell"]},
    "FI": {"Helsinki": ["Kontula", "Meri-Rastila"], "Espoo": ["Suvela"], "Vantaa": ["Hakunila"]},
    "DE": {"Berlin": ["Marzahn", "Neukölln"], "Hamburg": ["Wilhelmsburg"], "Leipzig": ["Grünau"]},
    "NL": {"Rotterdam": ["Feijenoord", "Delfshaven"], "Amsterdam": ["Bijlmermeer"], "Utrecht": ["Kanaleneiland"]},
}
LANG = {"SE": "sv", "DK": "da", "NO": "nb", "FI": "fi", "DE": "de", "NL": "nl"}
NAMES = ["Grannskap", "Nabolag", "Fællesskab", "Together", "Bydel", "Future", "Trygg"]
KINDS = ["programme", "initiative", "network", "project", "satsning", "indsats", "løft"]
WORDS = """the the the of of and and to in in a a for with by residents tenants neighbourhood housing
municipality school schools youth young people families children parents work jobs employment
training safety trust participation meetings dialogue renovation buildings courtyards streets
library association volunteers staff coordinator partnership funding budget evaluation report
survey results lessons change local area district city plan strategy housing-company landlord
welfare services health care integration language course mentors sports culture festival
garden energy mobility transport security police social cohesion inclusion network project
team office centre year years months new old first second more fewer together between across
bostadsområde grannskap kommun boende förening samverkan trygghet fritidsgård hyresgäster
boligområde beboere fællesskab kommune helhedsplan bydel boligselskab frivillige lejere
nabolag områdesatsing lokalsamfunn leietakere ungdom skole jobb bydelshus""".split()


def sentence(rng: random.Random, lo: int = 7, hi: int = 18) -> str:
    """One pseudo-sentence of lo..hi words, sometimes with a year, a number or emphasis."""
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"in {rng.randint(1995, 2024)}")
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 95)} per cent")
    if rng.random() < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    if len(words) > 9 and rng.random() < 0.4:
        words[len(words) // 2] += ","
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, words: int) -> str:
    """Sentences up to about ``words`` words, one paragraph wrapped at 76 characters."""
    out, count = [], 0
    while count < words:
        out.append(sentence(rng))
        count += len(out[-1].split())
    return wrap(" ".join(out))


def wrap(text: str, indent: str = "") -> str:
    """``text`` in lines of at most 76 characters (never split at a hyphen)."""
    return textwrap.fill(text, 76, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def case_file(rng: random.Random, number: int, keyword_ids: list[str]) -> str:
    """A complete, valid case file: all front matter fields and the eight sections (~600 words)."""
    country = rng.choice(list(PLACES))
    munis = rng.sample(list(PLACES[country]), rng.randint(1, min(2, len(PLACES[country]))))
    hoods = [h for m in munis for h in PLACES[country][m] if rng.random() < 0.6]
    cid = f"case-{number:05d}"
    title = f"{rng.choice(hoods or munis)} {rng.choice(NAMES)} {rng.choice(KINDS)} {number}"
    start = rng.randint(1995, 2022)
    end = "ongoing" if rng.random() < 0.2 else min(2025, start + rng.randint(0, 8))
    summary = sentence(rng, 8, 14)
    while len(summary) < 200:
        summary += " " + sentence(rng, 6, 12)
    summary = summary[:390].rsplit(" ", 1)[0].rstrip(",") + "."
    front = [f"title: {title}"]
    if rng.random() < 0.5:
        front.append(f"title_en: {title.split()[0]} {rng.choice(['Programme', 'Initiative', 'Project'])}")
    front += [
        "summary: >-",
        wrap(summary, "  "),
        f"country: {country}",
        "municipalities:",
        *(f"  - {m}" for m in munis),
    ]
    if hoods:
        front += ["neighbourhoods:", *(f"  - {h}" for h in hoods)]
    front += ["period:", f"  start: {start}", f"  end: {end}"]
    if rng.random() < 0.8:
        orgs = [
            f"{munis[0]} municipality",
            f"{rng.choice(hoods or munis)} housing company",
            "Residents association",
            "National housing board",
        ]
        front += ["organisations:", *(f"  - {o}" for o in orgs[: rng.randint(1, 4)])]
    front += ["keywords:", *(f"  - {k}" for k in rng.sample(keyword_ids, rng.randint(5, 15))), "sources:"]
    for s in range(rng.randint(1, 3)):
        front += [
            f"  - title: {rng.choice(['Final report', 'Evaluation', 'Annual review'])} of {title}",
            f"    publisher: {munis[0]} municipality",
            f"    year: {min(2025, start + rng.randint(1, 6))}",
        ]
        if rng.random() < 0.7:
            front.append(f"    url: https://example.org/reports/{cid}-{s + 1}.pdf")
        front.append(f"    language: {rng.choice([LANG[country], 'en'])}")
    total = rng.randint(470, 590)  # sections end on a whole sentence: ~600 words
    weights = [rng.uniform(0.6, 1.6) for _ in range(len(SECTIONS) + 1)]
    budget = [max(15, int(total * w / sum(weights))) for w in weights]
    body = [paragraph(rng, budget[0])]
    for name, words in zip(SECTIONS, budget[1:], strict=True):
        body.append(f"## {name}")
        if name == "What was done" and rng.random() < 0.5:
            body += [
                paragraph(rng, words // 2),
                f"### {sentence(rng, 2, 4)[:-1]}",
                "\n".join(f"- {sentence(rng, 3, 8)}" for _ in range(rng.randint(2, 4))),
            ]
        else:
            body.append(paragraph(rng, words))
    return "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(body) + "\n"


def make_library(folder: Path, n: int, seed: int) -> Path:
    """A library in ``folder``: the repository's generator files and ``n`` synthetic cases."""
    folder.mkdir(parents=True)
    for name in GENERATOR:
        src, dst = ROOT / name, folder / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    ids = [k["id"] for k in yaml.safe_load((ROOT / "taxonomy/keywords.yml").read_text("utf-8"))["keywords"]]
    rng = random.Random(seed)
    (folder / "cases").mkdir()
    for i in range(1, n + 1):
        (folder / "cases" / f"case-{i:05d}.md").write_text(case_file(rng, i, ids), "utf-8")
    return folder


def make_floor(folder: Path, library: Path) -> Path:
    """The floor: plain Material, default search, the same case files, one-line nav pages, no hooks."""
    docs = folder / "docs"
    (docs / "cases").mkdir(parents=True)
    for case in (library / "cases").glob("*.md"):
        shutil.copy2(case, docs / "cases" / case.name)
    pages = ["index.md"] + [f"{name.lower()}/index.md" for name in NAV[1:]]
    for name, page in zip(NAV, pages, strict=True):
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        (docs / page).write_text(f"# {name}\n\nThe {name.lower()} page.\n", "utf-8")
    nav = "\n".join(f"  - {name}: {page}" for name, page in zip(NAV, pages, strict=True))
    (folder / "mkdocs.yml").write_text(
        "site_name: Floor\ntheme:\n  name: material\nplugins:\n  - search\n"
        f"nav:\n{nav}\nvalidation:\n  nav:\n    omitted_files: ignore\n    not_found: ignore\n"
        "  links:\n    not_found: ignore\n",
        "utf-8",
    )
    return folder


if __name__ == "__main__":
    make_library(Path(sys.argv[2]), int(sys.argv[1]), int(sys.argv[3]) if len(sys.argv) > 3 else 42)
