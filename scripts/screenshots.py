"""Screenshots of every dashboard page into docs/screenshots (run: .venv/bin/python scripts/screenshots.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def top(page) -> None:
    """Streamlit scrolls inside its main container, not the window."""
    time.sleep(2)
    page.locator('[data-testid="stMain"]').evaluate("el => el.scrollTo(0, 0)")
    time.sleep(0.5)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = 18599
    env = dict(os.environ, ZORGSTRAF_API_KEYS="shot-key:lezer+voorzitter+beleid",
               ZORGSTRAF_DATABASE_URL=f"sqlite:///{Path(tempfile.mkdtemp()) / 'shots.db'}")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "zorgstraf"), "dashboard", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}")
            page.get_by_label("Sleutel").fill("shot-key")
            page.get_by_role("button", name="Aanmelden").click()
            page.get_by_text("Triage van één melding").wait_for(timeout=60_000)
            for label in ("Acuut gevaar", "Woont bij slachtoffer", "Verwurging", "Risicoscore tonen (tweede mening)"):
                page.get_by_text(label, exact=True).click()
            page.get_by_role("button", name="Advies").click()
            page.get_by_text("Advies voor M-001").wait_for(timeout=60_000)
            page.set_viewport_size({"width": 1440, "height": 2300})
            top(page)
            page.screenshot(path=str(OUT / "1-triage.png"))
            page.set_viewport_size({"width": 1440, "height": 1100})
            for n, (name, ready) in enumerate([("Inbox", "meldingen"), ("Actie-overleg", "Werkwijze"), ("Regels", "Regels: landelijk")], start=2):
                page.get_by_text(name, exact=True).first.click()
                page.get_by_text(ready).first.wait_for(timeout=60_000)
                top(page)
                page.screenshot(path=str(OUT / f"{n}-{name.lower()}.png"))
            page.get_by_text("Beleid", exact=True).first.click()
            page.get_by_role("button", name="Vergelijk").click()
            page.get_by_text("Gewijzigde meldingen").wait_for(timeout=120_000)
            page.set_viewport_size({"width": 1440, "height": 2000})
            top(page)
            page.screenshot(path=str(OUT / "5-beleid.png"))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
