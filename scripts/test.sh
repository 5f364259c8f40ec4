#!/usr/bin/env bash
# All checks: rule files, the tests beside the rules, and the pytest suite (incl. the contract cases).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/zorgstraf rules check
.venv/bin/zorgstraf rules test
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "test: pytest collected no tests; that is a broken suite, not a pass" >&2
  exit 1
fi
exit "$rc"
