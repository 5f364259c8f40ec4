"""The ZVH reader's morning in a real browser (headless Chromium): upload the police query list as
Excel, read the first advies, keep the advies, record a decision that departs from it, export the
inbox to Excel. Screenshots of each step are written for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zorgstraf import inbox
from zorgstraf.browser import chromium_page, sign_in
from zorgstraf.io import read_meldingen
from zorgstraf.spreadsheet import load_kolommen
from zorgstraf.storage import Store
from zorgstraf.triage import Triage

from .conftest import ROOT, browser_dashboard

QUERYLIJST = ROOT / "data" / "samples" / "querylijst_politie.xlsx"
SHOTS = Path(os.environ.get("ZORGSTRAF_SCREENSHOTS", "")) if os.environ.get("ZORGSTRAF_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    with browser_dashboard(tmp_path_factory.mktemp("ochtend"), "lezer-sleutel:lezer") as running:
        yield running


def shot(page, tmp_path: Path, name: str, height: int = 2600) -> None:
    """Streamlit scrolls inside its own container, so a tall viewport shows the whole page."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(1500)  # the grid paints on a canvas after a resize
    for folder in filter(None, (tmp_path, SHOTS)):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size(size)


def test_upload_the_query_list_read_the_first_advies_record_a_decision_and_export(dashboard, tmp_path):
    address, database = dashboard
    pairs = list(Triage().stream(read_meldingen(str(QUERYLIJST), load_kolommen("bvh_querylijst")), lambda e: pytest.fail(str(e))))
    first = inbox.from_triage(pairs)[0]
    with chromium_page(1440, 1000) as page:
        sign_in(page, address, "lezer-sleutel")
        page.get_by_text("Inbox", exact=True).click()
        page.get_by_text("querylijst of bestand", exact=True).click()
        page.locator("input[type=file]").set_input_files(str(QUERYLIJST))
        page.get_by_text("40 van 40 meldingen").wait_for(timeout=60_000)
        page.get_by_text(f"Uitleg bij {first.melding_id}").wait_for(timeout=60_000)
        page.get_by_text("Bron:").last.wait_for(timeout=60_000)  # the explanation renders last
        body = page.inner_text("body")
        assert first.samenvatting in body  # the one line, first
        assert "Afgewezen" not in body and "Waarom:" in body and "Bron:" in body
        page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the grid paints on a canvas after it is attached
        shot(page, tmp_path, "ochtend-1-querylijst-geladen")

        page.get_by_role("button", name="Adviezen bewaren (auditspoor)").click()
        page.get_by_text("40 adviezen bewaard in het auditspoor.").wait_for(timeout=60_000)
        page.get_by_text("Uw besluit", exact=True).wait_for(timeout=60_000)
        page.get_by_text("wijkt af van het advies", exact=True).click()
        page.get_by_label("Wat is er besloten").fill("Vandaag op het Actie-overleg")
        page.get_by_label("Waarom (verplicht bij afwijken)").fill("Buren melden nieuwe bedreigingen")
        page.get_by_role("button", name="Besluit vastleggen").click()
        page.get_by_text("wijkt af: Vandaag op het Actie-overleg").wait_for(timeout=60_000)
        page.get_by_text("Uw besluit", exact=True).scroll_into_view_if_needed()
        shot(page, tmp_path, "ochtend-2-besluit-vastgelegd", height=1000)

        decided = Store(database).besluiten([first.melding_id])[first.melding_id]
        assert len(decided) == 1 and not decided[0].volgt_advies and decided[0].waarom == "Buren melden nieuwe bedreigingen"
        assert Store(database).count_advies() == 40  # the advies itself stays as given

        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Exporteren naar Excel").click()
        path = tmp_path / "inbox.xlsx"
        download.value.save_as(str(path))
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(inbox.EXPORT_HEADERS) and len(rows) == 41
    assert rows[1][0] == first.melding_id and rows[1][4] == first.samenvatting and rows[1][9]
    assert sheet["B2"].number_format == "dd-mm-yyyy hh:mm"
