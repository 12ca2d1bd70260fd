#!/usr/bin/env bash
# Sets everything up, builds the index of corpus/ if there is none, and serves http://$HOST:$PORT (127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
INDEX="${CAREER_SEARCH_INDEX_DIR:-index}"
if [ ! -s "$INDEX/CURRENT" ]; then
  echo "run: no index in $INDEX yet, building it from corpus/ (about a minute)"
  .venv/bin/python -m indexer build --corpus "${CAREER_SEARCH_CORPUS_DIR:-corpus}" --index "$INDEX"
fi
echo "run: serving on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
exec .venv/bin/python -m service serve --index "$INDEX" --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
