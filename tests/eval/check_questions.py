"""Check the evaluation question files: valid JSON, unique ids, answers found verbatim in their document's body."""
import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def body_text(path):
    """Plain lower-cased body of a corpus file: no front matter, no headings, no emphasis, collapsed whitespace."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    text = re.sub(r"\*\*|\*|`", "", "\n".join(lines))
    return " ".join(text.split()).lower()


def load(path, errors):
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            errors.append(f"{path.name}:{n}: invalid JSON ({e})")
    return rows


def check_in_scope(path, corpus, texts, minimum, errors, warnings):
    rows = load(path, errors)
    for r in rows:
        missing = {"id", "query", "doc", "answer", "type", "split"} - r.keys()
        if missing:
            errors.append(f"{r.get('id')}: missing fields {sorted(missing)}")
            continue
        if r["doc"] not in texts:
            errors.append(f"{r['id']}: unknown doc {r['doc']}")
            continue
        answer = " ".join(r["answer"].split()).lower()
        if "**" in r["answer"] or not 2 <= len(answer.split()) <= 8:
            warnings.append(f"{r['id']}: answer should be 2-8 words without '**': {r['answer']!r}")
        if answer not in texts[r["doc"]]:
            errors.append(f"{r['id']}: answer not in {r['doc']}: {r['answer']!r}")
        others = [d for d, t in texts.items() if d != r["doc"] and answer in t]
        if others:
            warnings.append(f"{r['id']}: answer also found in {others}")
    docs = Counter(r.get("doc") for r in rows)
    print(f"{path.name}: {len(rows)} questions, {len(docs)}/{len(texts)} documents, "
          f"types {dict(Counter(r.get('type') for r in rows).most_common())}")
    if len(rows) < minimum:
        errors.append(f"{path.name}: {len(rows)} questions, fewer than {minimum}")
    return rows


def check_out_of_scope(path, minimum, errors):
    rows = load(path, errors)
    for r in rows:
        if not {"id", "query", "kind"} <= r.keys():
            errors.append(f"{r.get('id')}: needs id, query and kind")
    print(f"{path.name}: {len(rows)} questions, kinds {dict(Counter(r.get('kind') for r in rows).most_common())}")
    if len(rows) < minimum:
        errors.append(f"{path.name}: {len(rows)} questions, fewer than {minimum}")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--fresh", type=Path, default=ROOT / "tests/eval/questions_fresh.jsonl")
    ap.add_argument("--out-of-scope", type=Path, default=ROOT / "tests/eval/out_of_scope.jsonl")
    ap.add_argument("--min-fresh", type=int, default=130)
    ap.add_argument("--min-out-of-scope", type=int, default=110)
    ap.add_argument("-v", "--verbose", action="store_true", help="print warnings too")
    args = ap.parse_args()

    texts = {p.stem: body_text(p) for p in sorted(args.corpus.glob("*.md")) if p.name != "README.md"}
    errors, warnings = [], []
    rows = check_in_scope(args.fresh, args.corpus, texts, args.min_fresh, errors, warnings)
    rows += check_out_of_scope(args.out_of_scope, args.min_out_of_scope, errors)
    ids = Counter(r.get("id") for r in rows)
    errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    queries = Counter(" ".join(str(r.get("query", "")).lower().split()) for r in rows)
    errors += [f"duplicate query {q!r}" for q, n in queries.items() if n > 1]
    for w in warnings if args.verbose else []:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
