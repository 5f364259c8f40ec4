from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from zorgstraf.engine import Engine
from zorgstraf.ruleset import load_ruleset
from zorgstraf.schema import Melding

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RULES = ROOT / "rules"


def _postgres_database(base_url: str) -> str:
    import psycopg

    name = f"zs_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("ZORGSTRAF_TEST_POSTGRES_URL") else [])


def fresh_database(kind: str, folder: Path) -> str:
    """The URL of a fresh, empty database of `kind` ("sqlite" in `folder`, or "postgresql")."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'zorgstraf.db'}"
    return _postgres_database(os.environ["ZORGSTRAF_TEST_POSTGRES_URL"]).replace("postgresql://", "postgresql+psycopg://")


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A fresh, empty database: SQLite, and PostgreSQL when ZORGSTRAF_TEST_POSTGRES_URL is set (CI)."""
    return fresh_database(request.param, tmp_path)


@pytest.fixture(scope="session")
def national():
    return load_ruleset(RULES)


@pytest.fixture(scope="session")
def engine(national):
    return Engine(national)


@pytest.fixture(scope="session")
def reference(national):
    return Engine(national, backend="referentie")


def melding(**fields) -> Melding:
    data = {"melding_id": "T1", "ontvangen_op": "2026-03-10T14:30:00+01:00", "incidentsoort": ["partnergeweld"]}
    data.update(fields)
    return Melding.model_validate(data)


def run_cli(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "zorgstraf"
    return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@contextmanager
def browser_dashboard(folder: Path, keys: str):
    """A running dashboard for a browser test (Debian's Chromium; a skip here, a failure in CI),
    on a fresh SQLite database in `folder`. Yields (url, database url)."""
    from zorgstraf.browser import CHROMIUM, dashboard_server

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("no /usr/bin/chromium here")
    database = f"sqlite:///{folder / 'd.db'}"
    with dashboard_server(dict(os.environ, ZORGSTRAF_API_KEYS=keys, ZORGSTRAF_DATABASE_URL=database)) as url:
        yield url, database
