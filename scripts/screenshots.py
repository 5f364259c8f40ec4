"""Screenshots of every dashboard page into docs/screenshots (run: .venv/bin/python scripts/screenshots.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zorgstraf.browser import chromium_page, dashboard_server, sign_in

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def top(page) -> None:
    """Streamlit scrolls inside its main container, not the window."""
    time.sleep(2)
    page.locator('[data-testid="stMain"]').evaluate("el => el.scrollTo(0, 0)")
    time.sleep(0.5)


def fill_store(env: dict) -> str:
    """Synthetic meldingen of the last ten days, stored as the API would; one open agreement.
    Returns the week with the most Actie-overleg cases for noord_nederland (the page's first region)."""
    from collections import Counter
    from datetime import datetime, timedelta

    from zorgstraf.agenda import week_of
    from zorgstraf.samples import generate
    from zorgstraf.storage import AdviesRecord, Store

    start = (datetime.now() - timedelta(days=10)).replace(microsecond=0).isoformat()
    data = Path(tempfile.mkdtemp()) / "meldingen.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in generate(1500, seed=5, start=start, span_days=10, prefix="D")))
    subprocess.run(
        [str(Path(sys.executable).parent / "zorgstraf"), "triage", str(data), "--opslaan", "--format", "jsonl", "-o", os.devnull],
        env=env,
        check=True,
    )
    store = Store(env["ZORGSTRAF_DATABASE_URL"])
    with store.sessions() as session:
        rows = session.query(AdviesRecord).filter(AdviesRecord.regio == "noord_nederland", AdviesRecord.agenderen.is_(True)).all()
    weeks = Counter(week_of(r.volgend_actie_overleg) for r in rows if r.volgend_actie_overleg)
    week = weeks.most_common(1)[0][0]
    case = next(r for r in rows if r.volgend_actie_overleg and week_of(r.volgend_actie_overleg) == week)
    meeting = case.volgend_actie_overleg
    store.add_afspraken(
        case.melding_id,
        "noord_nederland",
        meeting - timedelta(days=7),
        [{"wie": "veilig_thuis", "wat": "veiligheidsplan met het gezin opstellen", "uiterlijk": meeting - timedelta(days=1)}],
        "screenshots",
    )
    return week


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = 18599
    env = dict(
        os.environ,
        ZORGSTRAF_API_KEYS="shot-key:lezer+voorzitter+beleid",
        ZORGSTRAF_DATABASE_URL=f"sqlite:///{Path(tempfile.mkdtemp()) / 'shots.db'}",
    )
    week = fill_store(env)
    with dashboard_server(env, port) as url, chromium_page(1440, 1000) as page:
        sign_in(page, url, "shot-key")
        for label in ("Acuut gevaar", "Verwurging", "Risicoscore tonen (tweede mening)"):
            page.get_by_text(label, exact=True).click()
        page.get_by_label("Woont bij slachtoffer").click()  # a select: onbekend / ja / nee
        page.get_by_role("option", name="ja", exact=True).click()
        page.get_by_role("button", name="Advies").click()
        page.get_by_text("Advies voor M-001").wait_for(timeout=60_000)
        page.set_viewport_size({"width": 1440, "height": 2300})
        top(page)
        page.screenshot(path=str(OUT / "1-triage.png"))
        page.set_viewport_size({"width": 1440, "height": 1100})
        page.get_by_text("Inbox", exact=True).first.click()
        page.get_by_text("opgeslagen adviezen", exact=True).click()
        page.get_by_text("Uitleg bij").first.wait_for(timeout=60_000)
        top(page)
        page.screenshot(path=str(OUT / "2-inbox.png"))
        page.get_by_text("Actie-overleg", exact=True).first.click()
        page.get_by_text("Werkwijze").first.wait_for(timeout=60_000)
        page.get_by_label("Week (JJJJ-Www)").fill(week)
        page.get_by_label("Week (JJJJ-Www)").press("Enter")
        page.get_by_text(f"week {week}").first.wait_for(timeout=60_000)
        page.set_viewport_size({"width": 1440, "height": 1800})
        top(page)
        page.screenshot(path=str(OUT / "3-actie-overleg.png"))
        page.set_viewport_size({"width": 1440, "height": 1100})
        page.get_by_text("Regels", exact=True).first.click()
        page.get_by_text("Regels: landelijk").first.wait_for(timeout=60_000)
        page.locator('[data-testid="stSelectbox"]').first.click()
        page.keyboard.type("midden_nederland")
        page.keyboard.press("Enter")
        page.get_by_text("regel vervangen: STRAFBARE_KM").first.wait_for(timeout=60_000)
        page.set_viewport_size({"width": 1440, "height": 1900})
        top(page)
        page.screenshot(path=str(OUT / "4-regels.png"))
        page.set_viewport_size({"width": 1440, "height": 1100})
        page.get_by_text("Beleid", exact=True).first.click()
        page.get_by_role("button", name="Vergelijk").click()
        page.get_by_text("Gewijzigde meldingen").wait_for(timeout=120_000)
        page.set_viewport_size({"width": 1440, "height": 2000})
        top(page)
        page.screenshot(path=str(OUT / "5-beleid.png"))
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
