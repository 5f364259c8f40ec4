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
            page.get_by_text("Uitnodigen:").first.wait_for(timeout=60_000)  # the whole case is drawn, not half a rerun
            page.wait_for_timeout(1000)
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
        made = [a for a, _ in store.agenda_afspraken("noord_holland", *agenda.week_bounds(week))]
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


def test_the_chair_changes_withdraws_and_reopens_an_agreement_and_each_step_is_in_its_history(tmp_path):
    """Issue 23 item 6: in the meeting the chair changes an agreement (with a reason), withdraws one
    with a reason and sees it struck through with that reason, and reopens it; every step is kept."""
    with browser_dashboard(tmp_path, "vz-sleutel:lezer+voorzitter") as (address, database):
        store = open_store(database)
        when = (datetime.now(schema.AMSTERDAM) - timedelta(days=14)).replace(microsecond=0)
        melding = schema.Melding.model_validate(
            {
                "melding_id": "WIJZ-1",
                "ontvangen_op": when.isoformat(),
                "regio": "noord_holland",
                "incidentsoort": ["ex_partnerstalking"],
                "sash": "hoog",
                "verdachte": {"woont_met_slachtoffer": False},
                "casus_sleutels": ["persoon-wijz-test-1"],
            }
        )
        ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [melding], store, "test")
        assert advies is not None and advies.termijnen.volgend_actie_overleg
        week = agenda.week_of(datetime.fromisoformat(advies.termijnen.volgend_actie_overleg).date())
        made = usecases.record_afspraken(
            store,
            "WIJZ-1",
            [{"wie": "veilig_thuis", "wat": "Huisbezoek"}, {"wie": "om", "wat": "Gedragsaanwijzing vorderen"}],
            parse_key("vz-sleutel:lezer+voorzitter"),
            limit=20,
        )

        with chromium_page(1440, 2400) as page:  # tall: Streamlit scrolls inside, popovers open below
            sign_in(page, address, "vz-sleutel")
            page.get_by_text("Actie-overleg", exact=True).click()
            page.get_by_test_id("stSelectbox").filter(has_text="Regio").click()
            page.get_by_role("option", name="Noord-Holland", exact=True).click()
            page.get_by_test_id("stSelectbox").filter(has_text="Week").click()
            page.get_by_role("option", name=agenda.week_label(week)).click()
            page.get_by_text("1. WIJZ-1 — hoog, SASH hoog").wait_for(timeout=60_000)

            # change the first: what, with a reason
            change = page.get_by_test_id("stExpander").filter(has_text="Wijzigen").first
            change.get_by_text("Wijzigen").click()
            change.get_by_label("Wat").fill("Huisbezoek samen met de wijkagent")
            change.get_by_label("Reden van de wijziging").fill("Verdachte dreigde bij het vorige bezoek")
            change.get_by_role("button", name="Wijziging vastleggen").click()
            page.get_by_text("Huisbezoek samen met de wijkagent").first.wait_for(timeout=60_000)

            # withdraw the second, with a reason: it stays, struck through, with the reason
            page.get_by_role("button", name="Intrekken").nth(1).click()
            popover = page.get_by_test_id("stPopoverBody")
            popover.get_by_label("Waarom intrekken?").fill("De OvJ besliste al op ZSM")
            popover.get_by_label("Waarom intrekken?").press("Enter")
            popover.get_by_role("button", name="Intrekken").click()
            page.get_by_text("reden van intrekken: De OvJ besliste al op ZSM").wait_for(timeout=60_000)
            assert page.locator("del, s").filter(has_text="Gedragsaanwijzing vorderen").count() >= 1  # struck through
            shot(page, tmp_path, "ao-5-ingetrokken-doorgestreept")

            # reopen it, with a reason
            why = page.get_by_label("Waarom weer open?")
            if not why.is_visible():  # Streamlit may keep the popover at this place open across the rerun
                page.get_by_role("button", name="Heropenen").first.click()
            popover = page.get_by_test_id("stPopoverBody").filter(has=why)
            popover.get_by_label("Waarom weer open?").fill("ZSM verwees terug naar het Actie-overleg")
            popover.get_by_label("Waarom weer open?").press("Enter")
            page.wait_for_timeout(1500)  # the reason reaches the server: the button is enabled
            if popover.get_by_role("button", name="Heropenen").is_disabled():
                popover.get_by_label("Waarom weer open?").fill("ZSM verwees terug naar het Actie-overleg")
                popover.get_by_label("Waarom weer open?").press("Tab")
            popover.get_by_role("button", name="Heropenen").click()
            page.get_by_text("reden van intrekken").wait_for(state="detached", timeout=60_000)
            shot(page, tmp_path, "ao-6-heropend")

        steps = {a.id: [s.actie for s in usecases_history(store, a.id)] for a in made}
        assert steps[made[0].id] == ["gemaakt", "gewijzigd"]
        assert steps[made[1].id] == ["gemaakt", "ingetrokken", "heropend"]
        first, second = (store.afspraak(a.id) for a in made)
        assert first.wat == "Huisbezoek samen met de wijkagent" and second.status == "open"


def parse_key(text: str):
    from zorgstraf.settings import parse_api_keys

    return parse_api_keys(text)[0]


def usecases_history(store, afspraak_id: int):
    from sqlalchemy import select

    from zorgstraf.storage import AfspraakHistorie

    with store.sessions() as session:
        return list(
            session.scalars(select(AfspraakHistorie).where(AfspraakHistorie.afspraak_id == afspraak_id).order_by(AfspraakHistorie.id))
        )
