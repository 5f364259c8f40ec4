#!/usr/bin/env bash
# Proves a refactoring changed no behaviour: the advies for N generated meldingen under every variant
# (national and each region, with the score) from revision REV and from the working tree, byte for byte.
# Usage: bash scripts/same_outputs.sh REV [N]
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?revisie}; n=${2:-10000}
tmp=$(mktemp -d); trap 'git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add -q "$tmp/old" "$rev"
.venv/bin/zorgstraf samples -n "$n" --seed 99 -o "$tmp/m.jsonl"
status=0
for variant in landelijk $(ls zorgstraf/rules/regions | sed 's/\.yaml$//'); do
  .venv/bin/zorgstraf triage "$tmp/m.jsonl" --regio "$variant" --score --format jsonl > "$tmp/new.jsonl"
  # -P: the old tree only (python -c would otherwise put the working directory, the new tree, first)
  PYTHONPATH="$tmp/old" .venv/bin/python -P -c "from zorgstraf.cli import main; main()" triage "$tmp/m.jsonl" --regio "$variant" --score --format jsonl > "$tmp/old.jsonl"
  if cmp -s "$tmp/old.jsonl" "$tmp/new.jsonl"; then echo "gelijk:   $variant ($n adviezen)"; else echo "ANDERS:   $variant"; status=1; fi
done
exit $status
