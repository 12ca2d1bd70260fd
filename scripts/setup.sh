#!/usr/bin/env bash
# Creates .venv if missing and installs the project (torch==2.13.0 first: the CPU build). Usage: setup.sh [test]
# Once installed it costs nothing: a stamp named after pyproject.toml's hash says the install is current.
# Installs are done by uv (pinned, into .venv, cached in ~/.cache/uv), several times faster than pip with the same
# pins; pip does them instead when uv cannot be had or fails (offline), or with CAREER_SEARCH_INSTALLER=pip.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
UV_VERSION="0.13.10"
stamp=".venv/.installed-$(sha256sum < pyproject.toml | cut -c1-16)-${1:-run}"
[ -f "$stamp" ] && [ -x .venv/bin/python ] && exit 0
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
UV=(.venv/bin/uv pip install --quiet --python .venv/bin/python)
use_uv=""
if [ "${CAREER_SEARCH_INSTALLER:-uv}" = "uv" ]; then
  if [ "$(.venv/bin/uv --version 2>/dev/null)" = "uv $UV_VERSION" ] || "${PIP[@]}" install "uv==$UV_VERSION"; then
    use_uv=1
  else
    echo "setup: uv cannot be installed; installing with pip"
  fi
fi
# Any other torch spec pulls a multi-GB CUDA build; this exact version is the CPU build on this machine. uv does not
# look where pip finds it, so pip picks the file (pip download: a copy of the local wheel) and uv installs that very
# file; later installs see the pin satisfied and leave torch alone.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  wheels="$(mktemp -d)"
  trap 'rm -rf "$wheels"' EXIT
  if [ -n "$use_uv" ] && "${PIP[@]}" download --no-deps -d "$wheels" "torch==2.13.0" \
      && "${UV[@]}" "$wheels"/torch-*.whl; then
    :
  else
    "${PIP[@]}" install "torch==2.13.0"
  fi
fi
target="."
[ "${1:-}" = "test" ] && target=".[test]"
echo "setup: installing career-search${1:+ with $1 extras}"
installed=""
if [ -n "$use_uv" ]; then
  # --compile-bytecode: the .pyc files pip writes too; else every first import of torch & co. pays for them later
  "${UV[@]}" --compile-bytecode -e "$target" && installed="uv" || echo "setup: uv failed; installing with pip"
fi
[ -n "$installed" ] || "${PIP[@]}" install -e "$target"
touch "$stamp"
