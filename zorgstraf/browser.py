"""Driving the dashboard in headless Chromium: one harness for the browser test, the dashboard
benchmark and the screenshots. Needs the dev extra (Playwright) and Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """`zorgstraf dashboard` in its own process group with `env`; yields its URL once it listens."""
    port = port or free_port()
    exe = Path(sys.executable).parent / "zorgstraf"
    proc = subprocess.Popen(
        [str(exe), "dashboard", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@contextmanager
def chromium_page(width: int = 1440, height: int = 1000):
    """A fresh page in headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def sign_in(page, url: str, key: str) -> None:
    page.goto(url)
    page.get_by_label("Sleutel").fill(key)
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_text("Triage van één melding").wait_for(timeout=60_000)
