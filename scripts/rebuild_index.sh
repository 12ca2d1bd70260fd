#!/usr/bin/env bash
# Rebuilds the index as an admin would from cron: rebuild_index.sh [CORPUS_DIR] [INDEX_DIR] (corpus/ -> index/).
# A running service picks the new build up by itself. Exit code 0 on success, non-zero with a reason otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$(realpath -m "${1:-$root/corpus}")"
index="$(realpath -m "${2:-$root/index}")"
"$root/scripts/setup.sh" >&2
cd "$root"
exec .venv/bin/python -m indexer build --corpus "$corpus" --index "$index" ${CRON:+--quiet}
