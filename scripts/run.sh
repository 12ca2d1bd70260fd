#!/usr/bin/env bash
# Sets everything up, brings the index of corpus/ up to date (a no-op when nothing changed), and serves
# http://$HOST:$PORT (127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
INDEX="${CAREER_SEARCH_INDEX_DIR:-index}"
if ! .venv/bin/career-search build --corpus "${CAREER_SEARCH_CORPUS_DIR:-corpus}" --index "$INDEX"; then
  [ -s "$INDEX/CURRENT" ] || exit 1
  echo "run: the build failed (see above); serving the index built before"
fi
echo "run: serving on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
exec .venv/bin/career-search serve --index "$INDEX" --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
