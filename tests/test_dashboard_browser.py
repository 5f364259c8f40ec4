"""A real browser (Debian's headless Chromium, driven by Playwright) fills the triage form."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("no /usr/bin/chromium here")
    port = free_port()
    env = dict(os.environ, ZORGSTRAF_API_KEYS="browser-key:lezer+voorzitter+beleid",
               ZORGSTRAF_DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('dash') / 'd.db'}")
    exe = Path(sys.executable).parent / "zorgstraf"
    proc = subprocess.Popen([str(exe), "dashboard", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Sleutel").fill("browser-key")
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_text("Triage van één melding").wait_for(timeout=60_000)


def test_fill_the_triage_form_and_find_the_advies(dashboard, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sign_in(page, dashboard)
        page.get_by_text("Acuut gevaar", exact=True).click()
        page.get_by_role("button", name="Advies").click()
        page.get_by_text("Advies voor M-001").wait_for(timeout=60_000)
        page.get_by_text("ACUUT — Acuut gevaar").wait_for(timeout=60_000)  # the explanation renders last
        body = page.inner_text("body")
        assert "Samen op in Acuut" in body or "samen op in acuut" in body
        assert "ACUUT" in body and "Urgentie" in body
        page.screenshot(path=str(tmp_path / "triage.png"), full_page=True)
        browser.close()
