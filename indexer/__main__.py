"""Command line: python -m indexer build --corpus DIR --index DIR [--force] [--quiet]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indexer.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m indexer", description="Build the career-search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="read a corpus folder and write a new index build")
    b.add_argument("--corpus", type=Path, default=settings.corpus_dir, help="folder of career documents")
    b.add_argument("--index", type=Path, default=settings.index_dir, help="index folder (builds/ + CURRENT)")
    b.add_argument("--quiet", action="store_true", help="no progress bars: one summary line (for cron)")
    b.add_argument("--force", action="store_true", help="build even if the live build is up to date")
    args = parser.parse_args(argv)

    from indexer.build import build_index
    from indexer.corpus import CorpusError
    from indexer.embedder import ModelError
    from indexer.store import BuildError

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
    texts = result.embedded + result.cached
    reused = f" ({result.reused_files} files unchanged, not parsed again)" if result.reused_files else ""
    print(
        f"built {m.build_id} in {m.seconds:.1f} s: {m.documents} documents{reused}, {m.passages} passages, "
        f"{texts} texts ({result.embedded} embedded, {result.cached} from the cache) -> {result.path}"
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


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head -1`: the reader has all it wanted
        sys.stderr.close()
        sys.exit(0)
