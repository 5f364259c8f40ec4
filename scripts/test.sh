#!/usr/bin/env bash
# All checks: rule files, the tests beside the rules, and the pytest suite (incl. the contract cases).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The API tests also run against a real PostgreSQL server when one can be started here.
if url=$(bash scripts/postgres.sh); then
  export ZORGSTRAF_TEST_POSTGRES_URL="$url"
elif [ -n "${CI:-}" ]; then
  echo "test: PostgreSQL kon niet starten; in CI is dat een fout" >&2; exit 1
else
  echo "test: PostgreSQL niet beschikbaar; de API-tests draaien alleen op SQLite" >&2
fi
# The dashboard's browser test drives Debian's Chromium (Playwright cannot download browsers here).
# The agenda PDF is looked at as PNG pages (pdftoppm, poppler-utils).
if { [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null; } && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
fi
.venv/bin/zorgstraf rules check
.venv/bin/zorgstraf rules test
.venv/bin/ruff check zorgstraf zorgstraf_api zorgstraf_dashboard tests benchmarks scripts
.venv/bin/ruff format --check zorgstraf zorgstraf_api zorgstraf_dashboard tests benchmarks scripts
.venv/bin/mypy zorgstraf zorgstraf_api
bash scripts/wheel_check.sh
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "test: pytest collected no tests; that is a broken suite, not a pass" >&2
  exit 1
fi
exit "$rc"
