#!/usr/bin/env bash
# Rebuilds the index as an admin would from cron: rebuild_index.sh [--force] [CORPUS_DIR] [INDEX_DIR]
# (corpus/ -> index/). Says "index is up to date" and exits at once when nothing changed; --force rebuilds anyway.
# A running service picks the new build up by itself. Exit code 0 on success, non-zero with a reason otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
force=()
if [ "${1:-}" = "--force" ]; then force=(--force); shift; fi
corpus="$(realpath -m "${1:-$root/corpus}")"
index="$(realpath -m "${2:-$root/index}")"
"$root/scripts/setup.sh" >&2
cd "$root"
exec .venv/bin/career-search build --corpus "$corpus" --index "$index" ${CRON:+--quiet} "${force[@]}"
