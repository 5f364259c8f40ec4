#!/usr/bin/env bash
# The main job on the embedded defaults: triage the committed sample meldingen, as a table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/zorgstraf triage "${1:-data/samples/meldingen.jsonl}" --format table "${@:2}"
