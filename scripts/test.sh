#!/usr/bin/env bash
# Sets everything up with the test dependencies (and Chromium for the page tests), then runs lint and the suite.
# Usage: test.sh [--quick] [pytest args]; --quick runs no slow test (servers, browsers, the whole corpus): the inner loop.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check indexer service scripts tests
.venv/bin/lint-imports --no-logo --no-cache  # the layer rules in pyproject.toml
if [ "${1:-}" = "--quick" ]; then
  shift
  set -- -m "not slow" "$@"
fi
exec .venv/bin/python -m pytest "$@"
