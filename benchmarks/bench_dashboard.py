"""Inbox responsiveness: how long the dashboard's script takes per interaction with N stored advies.

Stores N synthetic advies through the real CLI (`zorgstraf triage --opslaan`, SQLite in a temp dir),
then drives the Inbox page with Streamlit's AppTest and times each rerun: the first load (reads
and builds the table), then warm interactions (filter, search, clear). Streamlit sends the same
table to the browser, so this is the server side of what a reader waits for; it asserts nothing.
With --browser it also starts the dashboard and times what a reader sees in headless Chromium
(Debian's /usr/bin/chromium via Playwright): the table appearing, and a filter click until the
filtered count is on screen.
Usage: python benchmarks/bench_dashboard.py [--n 5000] [--repeat 5] [--browser]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp())
    os.environ["ZORGSTRAF_DATABASE_URL"] = f"sqlite:///{tmp / 'inbox.db'}"
    os.environ["ZORGSTRAF_API_KEYS"] = "bench-lezer:lezer"

    from streamlit.testing.v1 import AppTest

    from zorgstraf.samples import generate

    # Received today, Dutch time: all inside the inbox's default view (stored advies of today).
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    start = datetime.combine(today, datetime.min.time()).isoformat()
    data = tmp / "meldingen.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in generate(args.n, start=start, span_days=1, prefix="B")))
    exe = Path(sys.executable).parent / "zorgstraf"
    t = time.perf_counter()
    subprocess.run([str(exe), "triage", str(data), "--opslaan", "--format", "jsonl", "-o", os.devnull], check=True)
    print(f"stored:       {args.n} advies via `zorgstraf triage --opslaan` in {time.perf_counter() - t:.1f} s")

    at = AppTest.from_file(str(ROOT / "zorgstraf_dashboard" / "app.py"), default_timeout=300)
    at.run()
    at.text_input[0].input("bench-lezer")
    at.button[0].click()
    at.run()
    at.sidebar.radio[0].set_value("Inbox")
    at.run()

    def timed(action) -> float:
        action()
        t = time.perf_counter()
        at.run()
        if at.exception:
            raise SystemExit(f"dashboard error: {at.exception}")
        return time.perf_counter() - t

    at.radio(key="inbox_bron").set_value("opgeslagen adviezen")
    at.run()
    first = timed(lambda: at.date_input(key="inbox_vanaf").set_value(date.today() - timedelta(days=3)))
    rows = len(at.dataframe[0].value)
    steps = {
        "filter urgentie": lambda: at.multiselect[0].set_value(["acuut", "hoog"]),
        "filter kinderen": lambda: at.selectbox[1].set_value("met kinderen"),
        "clear filters": lambda: (at.multiselect[0].set_value([]), at.selectbox[1].set_value("alle")),
        "search id": lambda: at.text_input[0].input("B00042"),
        "clear search": lambda: at.text_input[0].input(""),
    }
    print(f"first load:   {1000 * first:.0f} ms for {rows} rows (read from SQLite, validate, sort, build table)")
    for name, action in steps.items():
        times = [timed(action) for _ in range(args.repeat)]
        print(f"{name + ':':13} median {1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms")
    if args.browser:
        in_browser(args.n, args.repeat)


def in_browser(n: int, repeat: int) -> None:
    from zorgstraf.browser import chromium_page, dashboard_server, sign_in

    with dashboard_server(dict(os.environ)) as url, chromium_page(1440, 1000) as page:
        sign_in(page, url, "bench-lezer")
        t = time.perf_counter()
        page.get_by_text("Inbox", exact=True).first.click()  # opens on today's stored advies
        page.get_by_text(f"van {n} meldingen").first.wait_for(timeout=60_000)
        page.get_by_text("Uitleg bij").first.wait_for(timeout=60_000)
        print(f"browser, first load of {n} stored rows with explanation: {1000 * (time.perf_counter() - t):.0f} ms")
        search = page.get_by_label("Melding-id bevat")
        times = []
        for i in range(repeat):
            wanted = f"B{i + 1:06d}"
            t = time.perf_counter()
            search.fill(wanted)
            search.press("Enter")
            page.get_by_text(f"Uitleg bij {wanted}").wait_for(timeout=60_000)
            times.append(time.perf_counter() - t)
        print(
            f"browser, search an id until its explanation shows: median {1000 * statistics.median(times):.0f} ms, "
            f"max {1000 * max(times):.0f} ms"
        )


if __name__ == "__main__":
    main()
