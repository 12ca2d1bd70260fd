#!/usr/bin/env bash
# Creates .venv if missing and installs the project (torch==2.13.0 first: the CPU build). Usage: setup.sh [test]
# Once installed it costs nothing: a stamp named after pyproject.toml's hash says the install is current.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
stamp=".venv/.installed-$(sha256sum < pyproject.toml | cut -c1-16)-${1:-run}"
[ -f "$stamp" ] && [ -x .venv/bin/python ] && exit 0
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
# Any other torch spec pulls a multi-GB CUDA build; this exact version is the CPU build on this machine.
.venv/bin/python -c "import torch" 2>/dev/null || "${PIP[@]}" install "torch==2.13.0"
echo "setup: installing career-search${1:+ with $1 extras}"
if [ "${1:-}" = "test" ]; then
  "${PIP[@]}" install -e ".[test]"
else
  "${PIP[@]}" install -e .
fi
touch "$stamp"
