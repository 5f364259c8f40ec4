"""The casus view in a real browser (headless Chromium): a VT worker holding the regie sees the
veiligheidsplan, the ratings over time, the phase and what asks for action, and records a rating."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from zorgstraf import schema, usecases, veiligheid
from zorgstraf.browser import chromium_page, sign_in
from zorgstraf.storage import open_store
from zorgstraf.triage import Triage

from .conftest import browser_dashboard
from .test_reader_morning_browser import shot


def test_the_vt_worker_sees_the_plan_the_ratings_and_the_signals(tmp_path):
    with browser_dashboard(tmp_path, "vt-sleutel:lezer") as (address, database):
        store = open_store(database)
        today = usecases.today()
        first = (datetime.now(schema.AMSTERDAM) - timedelta(days=20)).replace(microsecond=0)
        melding = schema.Melding.model_validate(
            {
                "melding_id": "PLAN-1",
                "ontvangen_op": first.isoformat(),
                "regio": "oost_brabant",
                "incidentsoort": ["partnergeweld"],
                "kinderen": {"aantal_minderjarig": 2, "getuige": True},
                "casus_sleutels": ["persoon-plan-test-1"],
            }
        )
        ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [melding], store, "test")
        assert advies is not None and advies.casus is not None
        casus_id = advies.casus.casus_id
        plan = veiligheid.PlanIn(
            onveilige_situaties=["Ruzie escaleert als hij drinkt; de kinderen zien het"],
            voorwaarden=[{"tekst": "Geen alcohol in huis"}, {"tekst": "Bij spanning gaat hij naar zijn broer"}],
            regie="veilig_thuis",
            toetsmomenten=[today - timedelta(days=3)],
            gevolgen_bij_schending="Melding bij de politie; het OM kan vervolgen",
        )
        veiligheid.put_plan(store, casus_id, plan, None, today)
        for days, score in ((18, 3), (10, 4)):
            veiligheid.add_beoordeling(
                store,
                casus_id,
                veiligheid.BeoordelingIn(datum=today - timedelta(days=days), schaal=score, door="veilig_thuis"),
                None,
                today,
            )

        with chromium_page(1440, 2400) as page:
            sign_in(page, address, "vt-sleutel")
            page.get_by_text("Casus", exact=True).click()
            page.get_by_label("Casusnummer (staat in het advies, bv. C000012)").fill(casus_id)
            page.get_by_label("Casusnummer (staat in het advies, bv. C000012)").press("Enter")
            page.get_by_text("Veiligheidsplan (versie 1)").wait_for(timeout=60_000)
            body = page.inner_text("body")
            assert "toetsmoment verstreken" in body and "Geen alcohol in huis" in body and "Veilig Thuis" in body
            assert "directe veiligheid" in body
            shot(page, tmp_path, "casus-1-veiligheidsplan")

            page.get_by_text("Beoordeling of gebeurtenis vastleggen").click()
            page.get_by_label("Veiligheidsschaal (0-7)").fill("6")
            page.get_by_role("button", name="Beoordeling vastleggen").click()
            page.get_by_text("risicogestuurde zorg").first.wait_for(timeout=60_000)  # a 6 after the incident
            shot(page, tmp_path, "casus-2-beoordeling")

        ratings = [b.schaal for b in store.beoordelingen(int(casus_id[1:]))]
        assert ratings == [3, 4, 6] and date.today() is not None
