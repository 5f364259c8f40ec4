#!/usr/bin/env bash
# The package installs anywhere: build the wheel, install it (core only, the pinned versions) into an
# empty venv outside the checkout, and use it there: check the rules, triage the shipped sample with
# the score, read the shipped query list; an app that is not installed says which extra to add.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.venv/bin/python -m build --wheel --outdir "$tmp/dist" . >/dev/null 2>&1
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q -c "$PWD/requirements-ci.txt" "$tmp"/dist/*.whl 2>&1 | grep -v "^WARNING: Location" || true
cd "$tmp"
z="$tmp/venv/bin/zorgstraf"
shipped=$("$tmp/venv/bin/python" -c "import zorgstraf, pathlib; print(pathlib.Path(zorgstraf.__file__).parent / 'voorbeelden')")
"$z" rules check >/dev/null
n=$("$z" triage "$shipped/meldingen.jsonl" --score --format jsonl | wc -l)
[ "$n" -eq 500 ] || { echo "wheel: $n adviezen in plaats van 500" >&2; exit 1; }
q=$("$z" triage "$shipped/querylijst_politie.xlsx" --kolommen bvh_querylijst --format jsonl | wc -l)
[ "$q" -eq 40 ] || { echo "wheel: querylijst gaf $q adviezen in plaats van 40" >&2; exit 1; }
set +e
out=$("$z" serve 2>&1); rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "zorgstraf\[api\]" <<<"$out" || { echo "wheel: serve zonder API-extra: $out" >&2; exit 1; }
echo "wheel: buiten de checkout geïnstalleerd; regels gecontroleerd, 500 meldingen met score en de querylijst getrieerd"
