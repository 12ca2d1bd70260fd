"""The indexer's subcommands, `build` and `status`, and the parser every command line uses: errors in one line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from calendar import timegm
from pathlib import Path
from typing import NoReturn

from indexer.settings import Settings


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line (what is wrong, where the help is) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_build_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument("--corpus", type=Path, default=settings.corpus_dir, help="folder of career documents")
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="index folder (builds/ + CURRENT)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars: one summary line (for cron)")
    parser.add_argument("--force", action="store_true", help="build even if the live build is up to date")


def run_build(args: argparse.Namespace, settings: Settings) -> int:
    """Builds; exit status 0 (built or up to date), 1 (the build failed, the live index is unchanged), 130 (^C)."""
    from indexer.builds.build import build_index
    from indexer.errors import BuildError, CorpusError, ModelError

    try:
        # bars are for a person at a terminal; a log (cron, CI) gets the summary line alone
        progress = not args.quiet and sys.stderr.isatty()
        result = build_index(args.corpus, args.index, settings, progress=progress, force=args.force)
    except (CorpusError, BuildError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: build interrupted; the live index is unchanged", file=sys.stderr)
        return 130
    m = result.manifest
    if result.up_to_date:
        print(
            f"index is up to date (build {m.build_id}, {m.documents} documents, {m.passages} passages); "
            "--force rebuilds it anyway"
        )
        return 0
    texts = result.embedded + result.pooled + result.cached
    reused = f" ({result.reused_files} files unchanged, not parsed again)" if result.reused_files else ""
    pooled = f", {result.pooled} pooled from their passage's" if result.pooled else ""
    print(
        f"built {m.build_id} in {m.seconds:.1f} s: {m.documents} documents{reused}, {m.passages} passages, "
        f"{texts} texts ({result.embedded} embedded{pooled}, {result.cached} from the cache) -> {result.path}"
    )
    if result.cache_note:
        print(result.cache_note)
    if result.leftovers_removed:
        print(f"removed leftovers of interrupted builds: {', '.join(result.leftovers_removed)}")
    if result.skipped:
        print(f"skipped {len(result.skipped)} files:")
        for s in result.skipped:
            print(f"  {s.source}: {s.reason}")
    return 0


def add_status_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="index folder (builds/ + CURRENT)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """Prints the live build: its age, counts and the files it skipped; exit status 1 when there is none."""
    from indexer.builds.layout import BUILDS, MANIFEST_FILE, REPORT_FILE, Manifest, build_dir, current_build_id

    build_id = current_build_id(args.index)
    if build_id is None:
        print(f"error: no live build in {args.index} (career-search build --index {args.index} makes one)",
              file=sys.stderr)
        return 1
    folder = build_dir(args.index, build_id)
    try:
        manifest = Manifest.load(folder / MANIFEST_FILE)
    except (OSError, ValueError, TypeError) as exc:
        print(f"error: the live build {build_id} cannot be read: {exc}", file=sys.stderr)
        return 1
    try:
        skipped = json.loads((folder / REPORT_FILE).read_text()).get("skipped", [])
    except (OSError, ValueError):
        skipped = []
    kept = sorted(p.name for p in (args.index / BUILDS).iterdir() if p.is_dir() and not p.name.startswith("."))
    age = time.time() - timegm(time.strptime(manifest.created, "%Y-%m-%dT%H:%M:%SZ"))
    status = {
        "index": str(args.index),
        "build": build_id,
        "created": manifest.created,
        "age_seconds": round(age),
        "documents": manifest.documents,
        "passages": manifest.passages,
        "sentences": manifest.sentences,
        "model": manifest.model,
        "corpus": manifest.corpus,
        "build_seconds": manifest.seconds,
        "builds_kept": kept,
        "skipped": skipped,
    }
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
        return 0
    print(f"live build {build_id} in {args.index}, built {manifest.created} ({readable_age(age)} ago)")
    print(
        f"  {manifest.documents} documents, {manifest.passages} passages, {manifest.sentences} sentences; "
        f"model {manifest.model}; corpus {manifest.corpus}; built in {manifest.seconds:.1f} s"
    )
    print(f"  {len(kept)} builds kept: {', '.join(kept)}")
    if skipped:
        print(f"  skipped {len(skipped)} files:")
        for s in skipped:
            print(f"    {s.get('source')}: {s.get('reason')}")
    else:
        print("  skipped no files")
    return 0


def readable_age(seconds: float) -> str:
    """'40 s', '12 min', '3 h 5 min', '2 days 4 h'."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    days = s // 86400
    return f"{days} day{'s' if days > 1 else ''} {s % 86400 // 3600} h"
