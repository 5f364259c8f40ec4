"""A real browser (Debian's headless Chromium, driven by Playwright) fills the triage form."""

from __future__ import annotations

import pytest

from zorgstraf.browser import chromium_page, sign_in

from .conftest import browser_dashboard


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    with browser_dashboard(tmp_path_factory.mktemp("dash"), "browser-key:lezer+voorzitter+beleid") as (url, _):
        yield url


def test_fill_the_triage_form_and_find_the_advies(dashboard, tmp_path):
    with chromium_page(1400, 1000) as page:
        sign_in(page, dashboard, "browser-key")
        page.get_by_text("Acuut gevaar", exact=True).click()
        page.get_by_role("button", name="Advies").click()
        page.get_by_text("Advies voor M-001").wait_for(timeout=60_000)
        page.get_by_text("regel ACUUT", exact=False).first.wait_for(timeout=60_000)  # the explanation renders last
        body = page.inner_text("body")
        assert "Acuut: Samen op in Acuut" in body  # the samenvatting first
        assert "Acuut gevaar: ja." in body and "Urgentie" in body
        page.screenshot(path=str(tmp_path / "triage.png"), full_page=True)


def test_clicking_a_row_in_the_inbox_opens_its_explanation(dashboard):
    from zorgstraf import inbox
    from zorgstraf.io import read_meldingen
    from zorgstraf.triage import Triage

    from .conftest import ROOT

    pairs = Triage().stream(read_meldingen(str(ROOT / "data" / "samples" / "meldingen.jsonl")), lambda e: None)
    first, _, third = (e.melding_id for e in inbox.from_triage(pairs)[:3])
    with chromium_page(1400, 1000) as page:
        sign_in(page, dashboard, "browser-key")
        page.get_by_text("Inbox", exact=True).click()
        page.get_by_text("querylijst of bestand", exact=True).click()
        page.get_by_text(f"Uitleg bij {first}").wait_for(timeout=60_000)  # the most urgent, before any click
        grid = page.get_by_test_id("stDataFrame").bounding_box()
        header = row = 35  # Streamlit's default row height; the selection box sits in the first 36 pixels
        page.mouse.click(grid["x"] + 18, grid["y"] + header + 2 * row + row / 2)
        page.get_by_text(f"Uitleg bij {third}").wait_for(timeout=30_000)
