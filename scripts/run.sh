#!/usr/bin/env bash
# Sets everything up, brings the index of corpus/ up to date (a no-op when nothing changed), and serves
# http://$HOST:$PORT (127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
INDEX="${CAREER_SEARCH_INDEX_DIR:-index}"
# Vectors are kept by model and exact text, so one cache per user serves every checkout: a fresh clone's first build
# embeds only what no clone on this machine embedded before (CAREER_SEARCH_EMBED_CACHE chooses another file).
cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
export CAREER_SEARCH_EMBED_CACHE="${CAREER_SEARCH_EMBED_CACHE:-$cache_home/career-search/embeddings.sqlite}"
mkdir -p "$(dirname "$CAREER_SEARCH_EMBED_CACHE")"
if ! .venv/bin/career-search build --corpus "${CAREER_SEARCH_CORPUS_DIR:-corpus}" --index "$INDEX"; then
  [ -s "$INDEX/CURRENT" ] || exit 1
  echo "run: the build failed (see above); serving the index built before"
fi
echo "run: serving on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
exec .venv/bin/career-search serve --index "$INDEX" --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
