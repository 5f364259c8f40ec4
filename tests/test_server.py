"""The real server process: two workers over one PostgreSQL, and a kill in the middle of a batch."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from zorgstraf.samples import generate
from zorgstraf.schema import Advies
from zorgstraf.storage import AdviesRecord, Store

HEADERS = {"Authorization": "Bearer srv-key"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(url: str, workers: int = 1, keys: str = "srv-key:lezer"):
    port = free_port()
    env = dict(os.environ, ZORGSTRAF_API_KEYS=keys, ZORGSTRAF_DATABASE_URL=url)
    exe = Path(sys.executable).parent / "zorgstraf"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("server did not start")


def stop(proc, sig=signal.SIGTERM):
    os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


@pytest.mark.skipif(not os.environ.get("ZORGSTRAF_TEST_POSTGRES_URL"), reason="needs ZORGSTRAF_TEST_POSTGRES_URL")
def test_two_workers_share_one_postgresql():
    from .conftest import _postgres_database

    url = _postgres_database(os.environ["ZORGSTRAF_TEST_POSTGRES_URL"])
    proc, base = start(url, workers=2)
    try:
        meldingen = generate(200, seed=3, prefix="W")
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as client:

            def post(m):
                return client.post("/v1/triage", json=m).status_code

            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(8) as pool:
                codes = list(pool.map(post, meldingen))
        assert codes.count(200) == 200
    finally:
        stop(proc)
    store = Store(url.replace("postgresql://", "postgresql+psycopg://"))
    with store.sessions() as s:
        assert s.query(AdviesRecord).count() == 200


def test_killed_mid_batch_keeps_every_committed_advies(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    proc, base = start(url)
    batch = generate(3000, seed=9, prefix="K")

    def send():
        try:
            httpx.post(f"{base}/v1/triage/batch", json=batch, headers=HEADERS, timeout=60)
        except httpx.HTTPError:
            pass  # the server dies under it: that is the point

    sender = threading.Thread(target=send)
    sender.start()
    store = Store(url)
    deadline = time.time() + 30
    while time.time() < deadline:  # kill once some, but not all, advies are committed
        with store.sessions() as s:
            if s.query(AdviesRecord).count() >= 50:
                break
        time.sleep(0.05)
    stop(proc, signal.SIGKILL)
    sender.join(timeout=60)
    with store.sessions() as s:
        rows = s.query(AdviesRecord).all()
    assert 50 <= len(rows) < 3000
    for row in rows:  # every committed advies is whole and readable
        assert Advies.model_validate_json(row.advies_json).melding_id == row.melding_id
    proc, base = start(url)  # restarts cleanly on the same database
    try:
        assert httpx.get(f"{base}/v1/advies/{rows[0].melding_id}", headers=HEADERS).status_code == 200
    finally:
        stop(proc)
