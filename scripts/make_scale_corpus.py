"""Writes a synthetic career corpus of a given size from the ESCO occupations, for the scale benchmark.

Usage: python scripts/make_scale_corpus.py N OUT_DIR [--passages] [--seed 16] [--copies 10] [--esco CSV]

N is a number of documents, or with --passages the number of passages the indexer will cut from them (writing stops
at the first document that reaches it; about 11 passages a document). Each document is a Markdown career page with
the default corpus's front matter and its ten sections (Overview, Core Responsibilities, Requirements with Education,
Technical Skills and Certifications, Career Development, Market Demand, Salary Ranges by level and city, Industry
Trends, Essential Soft Skills, Best Practices, Common Challenges), of about the same passage lengths as corpus/.

The text is ESCO's, recombined: a career is an ESCO occupation (its preferred label as title, some of its other labels
as aliases, its ISCO major group as category, its description opening the Overview), and the other sections draw
sentences of occupations of the same ISCO group. Each career is written `--copies` times, as the page of the same role
by different business units (`unit-01/…`, `unit-02/…`), and each section of a career draws from a finite pool of
sentences that its copies share, in different choices and orders. Why: the build embeds every passage, and every
sentence prefixed by its title and section; with sentences repeating across the copies of a career, the embedding
cache embeds each distinct sentence once, so a 100,000-passage build costs about 100,000 passages plus a third as
many sentences instead of 600,000 sentences (hours on 2 cores), while every passage stays a distinct text.

Deterministic for (N, --passages, --seed, --copies, the CSV); no network. ESCO's text is read at run time and written
only to OUT_DIR, which must lie outside the project (ESCO is not to be copied into it). OUT_DIR/.make_scale_corpus.json
records the arguments: run again with the same ones, the corpus is left as it is."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.analysis.text import slugify, split_sentences  # noqa: E402
from indexer.ingest.passages import passages_of  # noqa: E402
from indexer.ingest.readers.markdown import read as read_markdown  # noqa: E402

DEFAULT_ESCO = ROOT.parent / "shared" / "esco" / "occupations_en.csv"
MARKER = ".make_scale_corpus.json"
FORMAT = 1  # bump when the output changes for the same arguments

ISCO_MAJOR = {
    "0": "Armed Forces",
    "1": "Management",
    "2": "Professional Services",
    "3": "Technical & Associate Professional",
    "4": "Administration & Clerical Support",
    "5": "Service & Sales",
    "6": "Agriculture, Forestry & Fishery",
    "7": "Skilled Trades & Crafts",
    "8": "Plant & Machine Operation",
    "9": "General Labour",
}
LEVELS = [("Junior", "0-2 years"), ("", "2-5 years"), ("Senior", "5-8 years"), ("Lead", "8-12 years")]
LEVEL_WORK = [
    "works under supervision on routine tasks and learns the unit's procedures",
    "works independently and takes responsibility for a defined area",
    "handles the complex cases, reviews the work of others and trains new colleagues",
    "plans the work of a team, sets standards and reports to management",
]
CITIES = [
    "New York, NY", "Chicago, IL", "Austin, TX", "Seattle, WA", "Boston, MA", "Atlanta, GA", "Denver, CO",
    "London, UK", "Berlin, Germany", "Paris, France", "Madrid, Spain", "Warsaw, Poland", "Dublin, Ireland",
]  # fmt: skip
CURRENCY = {"London, UK": "GBP ", "Berlin, Germany": "EUR ", "Paris, France": "EUR ", "Madrid, Spain": "EUR ",
            "Warsaw, Poland": "PLN ", "Dublin, Ireland": "EUR "}  # fmt: skip
SOFT_SKILLS = [
    "Clear written and spoken communication with colleagues and clients",
    "Attention to detail when the work has to be right the first time",
    "Reliability: turning up prepared and finishing what was started",
    "Working calmly under time pressure and changing priorities",
    "Teamwork across shifts, sites and departments",
    "Judgement about when to escalate a problem",
    "Patience when explaining procedures to new colleagues",
    "Willingness to learn new tools, rules and methods",
    "Discretion with confidential information",
    "Planning one's own work and keeping to deadlines",
]
CERTIFICATIONS = [
    "A recognised vocational qualification in the field",
    "Health and safety training, renewed every three years",
    "First aid certificate",
    "A professional body membership or chartered status",
    "Manufacturer or vendor training for the equipment used",
    "A licence where national law regulates the occupation",
]
EDUCATION = [
    "Most employers ask for a vocational qualification or an apprenticeship in the field.",
    "A bachelor's degree in a related subject is the usual entry route.",
    "Entry is possible with secondary education and on-the-job training.",
    "A master's degree is expected for research and senior specialist posts.",
]
# sentences of each section that one document draws from its career's pool
PICKS = {
    "overview": 3,
    "responsibilities": 7,
    "education": 2,
    "skills": 5,
    "progression": 2,
    "market": 3,
    "trends": 3,
    "practices": 4,
    "challenges": 3,
}
POOL_EXTRA = 3  # a section's pool holds its picks and this many more (half as many for long lists): copies share
# sentences, not whole passages


@dataclass
class Occupation:
    label: str
    title: str
    isco: str
    aliases: list[str]
    sentences: list[str]


def read_occupations(csv_path: Path) -> list[Occupation]:
    """ESCO's occupations that have a description, in file order."""
    out: list[Occupation] = []
    with open(csv_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            label, description = (row.get("preferredLabel") or "").strip(), (row.get("description") or "").strip()
            if not label or not description:
                continue
            title = " ".join(w[:1].upper() + w[1:] for w in label.split())
            alts = [a.strip() for a in (row.get("altLabels") or "").split("\n") if a.strip() and a.strip() != label]
            sentences = [s for s in split_sentences(" ".join(description.split())) if len(s.split()) >= 5]
            out.append(Occupation(label, title, (row.get("iscoGroup") or "0").strip(), alts, sentences))
    return out


class Careers:
    """Career pages of the occupations: each career's pools are drawn once, its copies choose from them."""

    def __init__(self, occupations: list[Occupation], seed: int) -> None:
        self.seed = seed
        self.occupations = occupations
        self.by_group: dict[str, list[str]] = {}
        for o in occupations:
            for digits in (1, 2, 3):
                self.by_group.setdefault(o.isco[:digits], []).extend(o.sentences)
        self.order = list(range(len(occupations)))
        random.Random(seed).shuffle(self.order)

    def career(self, n: int) -> Occupation:
        # past ESCO's ~2,900 occupations, a career comes again as a new title ("Lead …", "Assistant …")
        o = self.occupations[self.order[n % len(self.order)]]
        round_ = n // len(self.order)
        if round_:
            prefix = ["Lead", "Assistant", "Regional", "Trainee", "Chief"][(round_ - 1) % 5]
            o = Occupation(o.label, f"{prefix} {o.title}", o.isco, o.aliases, o.sentences)
        return o

    def pools(self, n: int, o: Occupation) -> dict[str, list[str]]:
        rng = random.Random(f"{self.seed}:pools:{n}")
        pools: dict[str, list[str]] = {}
        for section, picks in PICKS.items():
            size = picks + max(POOL_EXTRA, math.ceil(picks / 2))
            for digits in (3, 2, 1):  # the closest ISCO group with enough sentences
                group = self.by_group.get(o.isco[:digits], [])
                if len(group) >= size * 2:
                    break
            pools[section] = rng.sample(group, min(size, len(group)))
        return pools

    def documents(self, n: int, copies: int) -> list[str]:
        """The career's pages of its business units; no two choose the same sentences for a section, in one order."""
        o = self.career(n)
        pools = self.pools(n, o)
        used: dict[str, set[tuple[str, ...]]] = {}
        return [self.document(n, o, copy, pools, used) for copy in range(copies)]

    def document(
        self, n: int, o: Occupation, copy: int, pools: dict[str, list[str]], used: dict[str, set[tuple[str, ...]]]
    ) -> str:
        fixed = random.Random(f"{self.seed}:career:{n}")  # what every copy of the career shares
        rng = random.Random(f"{self.seed}:doc:{n}:{copy}")

        def distinct(section: str, draw: Callable[[], list[str]]) -> list[str]:
            seen = used.setdefault(section, set())
            for _ in range(50):  # a small pool may run out of new choices: then a repeat it is
                chosen = draw()
                if tuple(chosen) not in seen:
                    break
            seen.add(tuple(chosen))
            return chosen

        def pick(section: str) -> list[str]:
            pool = pools[section]
            return distinct(section, lambda: rng.sample(pool, min(PICKS[section], len(pool))))

        aliases = fixed.sample(o.aliases, min(5, len(o.aliases)))
        base = fixed.randrange(28, 70) * 1000
        levels = [(f"{name} {o.title}".strip(), years, base * (1.25**i)) for i, (name, years) in enumerate(LEVELS)]
        cities = fixed.sample(CITIES, 8)
        city_pay = {c: (base * fixed.uniform(0.8, 1.2), base * fixed.uniform(2.0, 2.8)) for c in cities}
        certs = fixed.sample(CERTIFICATIONS, 3) if fixed.random() < 0.66 else []
        soft = fixed.sample(SOFT_SKILLS, 7)

        lines = ["---", f"title: {json.dumps(o.title)}"]
        if aliases:
            lines.append(f"aliases: {json.dumps(aliases, ensure_ascii=False)}")
        lines += [f"category: {json.dumps(ISCO_MAJOR.get(o.isco[:1], 'Other'))}", "---", f"# {o.title}", ""]
        lines += ["## Overview", " ".join(o.sentences), "", " ".join(pick("overview")), ""]
        lines += ["## Core Responsibilities", "The daily work includes:", ""]
        lines += [f"- {s}" for s in pick("responsibilities")] + [""]
        lines += ["## Requirements", "### Education", " ".join([fixed.choice(EDUCATION), *pick("education")]), ""]
        lines += ["### Technical Skills"] + [f"- {s}" for s in pick("skills")] + [""]
        if certs:
            lines += ["### Certifications"] + [f"- {c}" for c in certs] + [""]
        lines += ["## Career Development", "### Levels and Progression"]
        kept = [lv for i, lv in enumerate(zip(levels, LEVEL_WORK, strict=True)) if i == 0 or rng.random() < 0.85]
        lines += [f"- **{name} ({years}):** {work}" for (name, years, _), work in kept] + [""]
        lines += [" ".join(pick("progression")), ""]
        lines += ["## Market Demand", " ".join(pick("market")), ""]
        lines += ["## Salary Ranges", "### By Level"]
        for name, years, pay in levels:
            lines.append(f"- {name} ({years}): ${round(pay, -3):,.0f}-${round(pay * 1.3, -3):,.0f}")
        lines.append("")
        lines += ["### By City"]
        for city in distinct("cities", lambda: sorted(rng.sample(cities, 5), key=cities.index)):
            low, high = city_pay[city]
            cur = CURRENCY.get(city, "$")
            lines.append(f"- {city}: {cur}{round(low, -3):,.0f}-{round(high, -3):,.0f}")
        lines += ["", "## Industry Trends", " ".join(pick("trends")), ""]
        lines += ["## Essential Soft Skills"] + [f"- {s}" for s in distinct("soft", lambda: rng.sample(soft, 5))] + [""]
        lines += ["## Best Practices"] + [f"{i}. {s}" for i, s in enumerate(pick("practices"), 1)] + [""]
        lines += ["## Common Challenges", " ".join(pick("challenges")), ""]
        return "\n".join(lines)


def count_passages(text: str, rel: str) -> int:
    """Passages the indexer cuts from this document, with the default passage sizes."""
    return sum(len(passages_of(doc)) for doc in read_markdown(text.encode(), rel, frozenset()))


def write_corpus(n: int, out: Path, by_passages: bool, seed: int, copies: int, esco: Path) -> tuple[int, int]:
    """Writes the documents into out (made empty first); returns (documents, passages)."""
    careers = Careers(read_occupations(esco), seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    documents = passages = 0
    career = 0
    while (passages if by_passages else documents) < n:
        o = careers.career(career)
        for copy, text in enumerate(careers.documents(career, copies)):
            if (passages if by_passages else documents) >= n:
                break
            rel = f"unit-{copy + 1:02d}/{slugify(o.title)}.md"
            (out / rel).parent.mkdir(exist_ok=True)
            (out / rel).write_text(text, encoding="utf-8")
            documents += 1
            passages += count_passages(text, rel)
        career += 1
    return documents, passages


def esco_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="documents to write (passages with --passages)")
    parser.add_argument("out", type=Path, help="output folder, outside the project")
    parser.add_argument("--passages", action="store_true", help="N counts passages, not documents")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--copies", type=int, default=10, help="documents (business units) per career")
    parser.add_argument("--esco", type=Path, default=DEFAULT_ESCO, help=f"ESCO occupations CSV ({DEFAULT_ESCO})")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out == ROOT or ROOT in out.parents:
        print(f"error: {out} is inside the project; ESCO's text must not be copied into it", file=sys.stderr)
        return 2
    if not args.esco.is_file():
        print(f"error: no ESCO occupations file at {args.esco} (--esco CSV)", file=sys.stderr)
        return 2
    if args.n < 1 or args.copies < 1:
        print("error: N and --copies must be at least 1", file=sys.stderr)
        return 2
    wanted = {"format": FORMAT, "n": args.n, "passages": args.passages, "seed": args.seed, "copies": args.copies,
              "esco": esco_digest(args.esco)}  # fmt: skip
    marker = out / MARKER
    if out.exists() and any(out.iterdir()):
        try:
            made = json.loads(marker.read_text())
        except (OSError, ValueError):
            print(f"error: {out} is not empty and was not written by this script", file=sys.stderr)
            return 2
        if {k: made.get(k) for k in wanted} == wanted:
            print(f"{out}: up to date ({made['documents']} documents, {made['passages_written']} passages)")
            return 0
    documents, passages = write_corpus(args.n, out, args.passages, args.seed, args.copies, args.esco)
    marker.write_text(json.dumps({**wanted, "documents": documents, "passages_written": passages}) + "\n")
    print(f"{out}: wrote {documents} documents, {passages} passages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
