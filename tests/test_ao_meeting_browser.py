"""The Actie-overleg chair runs the meeting in a real browser (headless Chromium): pick the week from
a list, walk the cases, record an agreement as it is made and see it under the case at once, close
the meeting, export the A4 PDF and look at its first page. Screenshots are written for a person."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

from zorgstraf import agenda, schema, usecases
from zorgstraf.browser import chromium_page, sign_in
from zorgstraf.storage import open_store
from zorgstraf.triage import Triage

from .conftest import browser_dashboard
from .test_reader_morning_browser import SHOTS, shot


def test_the_chair_walks_the_cases_records_an_agreement_closes_and_prints(tmp_path):
    with browser_dashboard(tmp_path, "vz-sleutel:lezer+voorzitter") as (address, database):
        store = open_store(database)
        # two weeks ago: a meeting closes on or after its own day, so the chair closes a meeting that took place
        now = (datetime.now(schema.AMSTERDAM) - timedelta(days=14)).replace(microsecond=0)
        meldingen = [
            schema.Melding.model_validate(
                {
                    "melding_id": f"AO-{n}",
                    "ontvangen_op": now.isoformat(),
                    "regio": "noord_holland",
                    "incidentsoort": ["ex_partnerstalking"],
                    "sash": sash,
                    "verdachte": {"woont_met_slachtoffer": False, "doodsbedreiging": n == 1},
                    "casus_sleutels": [f"persoon-ao-test-{n}"],
                }
            )
            for n, sash in ((1, "hoog"), (2, "midden"), (3, "midden"))
        ]
        results = usecases.triage_and_record(Triage(), meldingen, store, "test")
        due = results[0][1].termijnen.volgend_actie_overleg if results[0][1] else None
        assert due
        week = agenda.week_of(datetime.fromisoformat(due).date())

        with chromium_page(1440, 1000) as page:
            sign_in(page, address, "vz-sleutel")
            page.get_by_text("Actie-overleg", exact=True).click()
            page.get_by_test_id("stSelectbox").filter(has_text="Regio").click()
            page.get_by_role("option", name="Noord-Holland", exact=True).click()
            page.get_by_test_id("stSelectbox").filter(has_text="Week").click()
            page.get_by_role("option", name=agenda.week_label(week)).click()
            page.get_by_text("1. AO-1 — hoog, SASH hoog").wait_for(timeout=60_000)
            body = page.inner_text("body")
            assert "Waarom op de agenda" in body and "casus C" in body and "Openbaar Ministerie" in body  # labels, not codes
            shot(page, tmp_path, "ao-1-agenda")

            page.get_by_label("Wat").fill("Huisbezoek met gedragswetenschapper")
            page.get_by_role("button", name="Vastleggen").click()
            page.get_by_text("Huisbezoek met gedragswetenschapper").wait_for(timeout=60_000)  # seen under the case at once
            shot(page, tmp_path, "ao-2-afspraak-vastgelegd")

            page.get_by_text("2. AO-2 — midden", exact=True).click()
            page.get_by_text("### 2.").or_(page.get_by_role("heading", name="2. AO-2")).first.wait_for(timeout=60_000)
            page.get_by_role("button", name="Overleg sluiten").click()
            page.get_by_text("Overleg gesloten op").wait_for(timeout=60_000)
            shot(page, tmp_path, "ao-3-gesloten")

            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Vergaderstuk (PDF, A4)").click()
            pdf = tmp_path / "agenda.pdf"
            download.value.save_as(str(pdf))

        assert pdf.read_bytes().startswith(b"%PDF")
        made = store.agenda_afspraken("noord_holland", *agenda.week_bounds(week))
        assert [a.wat for a in made] == ["Huisbezoek met gedragswetenschapper"]
        meeting = store.meeting("noord_holland", made[0].overleg_datum)
        assert meeting is not None and meeting.gesloten_op is not None
        assert {z.melding_id for _, z in store.casus_meetings(results[1][1].casus and int(results[1][1].casus.casus_id[1:]) or 0)} == {
            "AO-2"
        }
        if shutil.which("pdftoppm"):  # look at the first page (CI installs poppler-utils)
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "vergaderstuk")], check=True)
            for folder in filter(None, (SHOTS,)):
                shutil.copy(next(tmp_path.glob("vergaderstuk*.png")), folder / "ao-4-vergaderstuk.png")
