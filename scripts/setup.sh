#!/usr/bin/env bash
# Creates .venv and installs zorgstraf with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
# durable-rules ships as source only and compiles C on install.
if ! command -v gcc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc python3-dev >/dev/null
  else
    echo "setup: gcc ontbreekt (nodig voor durable-rules); installeer gcc en python3-dev" >&2; exit 2
  fi
fi
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# requirements-ci.txt pins every version CI was green with (the lock file); pyproject.toml keeps lower bounds.
stamp=.venv/.installed-$(cat pyproject.toml requirements-ci.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -c requirements-ci.txt -e '.[dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
