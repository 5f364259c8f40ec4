"""The Werkset Indicatoren from a generated multi-year store (issue 16): every listed figure is
computed, with its definition and Werkset heading; bad input is one Dutch line and exit 2."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from zorgstraf import werkset
from zorgstraf.cli import main
from zorgstraf.samples import generate_history
from zorgstraf.settings import get_settings
from zorgstraf.storage import open_store

from .conftest import DATABASES, fresh_database

REGIONS = ["noord_holland", "limburg"]


@pytest.fixture(scope="module", params=DATABASES)
def history(request, tmp_path_factory):
    """A generated two-year store on SQLite, and on PostgreSQL too when CI provides one."""
    database = fresh_database(request.param, tmp_path_factory.mktemp("werkset"))
    store = open_store(database)
    counts = generate_history(store, casussen=260, years=2, regions=REGIONS)
    return database, store, counts


def test_every_listed_indicator_is_computed_from_a_multi_year_store(history):
    _, store, counts = history
    assert counts["meldingen"] > 400 and counts["overleggen"] > 20 and counts["afspraken"] > 20 and counts["besluiten"] > 5
    r = werkset.report(store, "noord_holland", date(2024, 1, 1), date(2024, 12, 31), today=date(2026, 11, 25))
    values = {f.id: f.waarde for f in r.figuren}
    for figure in (
        "meldingen_samen_op_in_acuut",
        "meldingen_actie_overleg",
        "crisismeldingen",
        "ao_frequentie",
        "ao_zaken_per_overleg",
        "afspraken_gemaakt",
        "afspraken_nagekomen",
        "vt_zsm_kantoortijd",
        "vt_zsm_buiten_kantoortijd",
        "casussen",
        "besluiten_afwijkend",
    ):
        assert values[figure], figure  # present and not zero in a two-year store
    for figure in ("afspraken_te_laat", "afspraken_ingetrokken", "strafbare_km_consultaties", "opschaling_zvh"):
        assert figure in values
    assert values["afspraken_nagekomen"] <= values["afspraken_gemaakt"]  # type: ignore[operator]
    assert values["meldingen"] >= values["meldingen_lokaal_veld"]  # type: ignore[operator]
    assert sum(r.per_week["actie_overleg"].values()) == values["meldingen_actie_overleg"]
    assert r.herhaling["besproken"]["casussen"] and r.herhaling["niet_besproken"]["casussen"]
    assert values["herhaling_3m_besproken"] is not None and values["herhaling_12m_niet_besproken"] is not None
    assert all(f.definitie and f.werkset for f in r.figuren)
    assert "geen causale schatting" in next(f for f in r.figuren if f.id == "herhaling_6m_besproken").definitie.lower()
    assert r.afwijkingen and all(reason for reason, _ in r.afwijkingen)
    assert values["snelheid_veiligheidsbeoordeling"] is None  # said plainly: not in zorgstraf
    md = werkset.to_markdown(r)
    assert "3. Actie-overleg" in md and "%" in md and "," in md  # Dutch number formats
    csv_text = werkset.to_csv(r)
    assert csv_text.count("\n") == len(r.figuren) + 1
    assert json.loads(werkset.to_json(r))["regio"] == "noord_holland"


def test_the_html_report_with_charts_is_looked_at_in_chromium(history, tmp_path):
    from zorgstraf.browser import CHROMIUM, chromium_page

    _, store, _ = history
    page_html = werkset.to_html(werkset.report(store, "limburg", date(2024, 1, 1), date(2025, 12, 31)))
    assert page_html.count("<svg") == 3 and "<script" not in page_html  # charts by matplotlib, no CDN
    path = tmp_path / "werkset.html"
    path.write_text(page_html, encoding="utf-8")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("no Chromium here")
    with chromium_page(1200, 900) as page:
        page.goto(path.as_uri())
        assert page.locator("svg").count() == 3
        assert page.locator("svg").first.bounding_box()["width"] > 400
        text = page.inner_text("body")
        assert "Werkset Indicatoren — Limburg" in text and "Lagere kans op herhaling" in text
        shots = os.environ.get("ZORGSTRAF_SCREENSHOTS")
        for folder in filter(None, [tmp_path, Path(shots) if shots else None]):
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "werkset-limburg.png"), full_page=True)


def test_bad_input_and_an_empty_period(history, monkeypatch):
    database, _, _ = history
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", database)
    get_settings.cache_clear()  # settings are read once per process; this test has its own database
    run = CliRunner()
    inverted = run.invoke(main, ["indicators", "--regio", "limburg", "--van", "2025-01-01", "--tot", "2024-01-01"])
    assert inverted.exit_code == 2 and "periode omgekeerd" in inverted.output
    unknown = run.invoke(main, ["indicators", "--regio", "limbrug", "--van", "2024-01-01", "--tot", "2024-12-31"])
    assert unknown.exit_code == 2 and "limburg" in unknown.output  # did you mean
    empty = run.invoke(
        main, ["indicators", "--regio", "zeeland_west_brabant", "--van", "01-01-2024", "--tot", "31-12-2024", "--format", "json"]
    )
    assert empty.exit_code == 0 and json.loads(empty.stdout)["leeg"] is True
    compared = run.invoke(main, ["indicators", "--regio", "alle", "--van", "2024-01-01", "--tot", "2024-12-31"])
    assert compared.exit_code == 0 and "Regelset" in compared.output and "Limburg" in compared.output


def test_advies_stored_before_the_casus_migration_are_counted_after_it(tmp_path):
    """A store from the previous version (revision 0003) is upgraded: its advies get the indicator
    columns from their stored JSON, and its done agreements stay done."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from zorgstraf import schema
    from zorgstraf.storage import migrate
    from zorgstraf.triage import Triage

    url = f"sqlite:///{tmp_path}/oud.db"
    config = Config()
    config.set_main_option("script_location", str(Path(werkset.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0003")
    melding = schema.Melding.model_validate(
        {
            "melding_id": "OUD-1",
            "ontvangen_op": "2026-03-03T10:00:00+01:00",
            "regio": "limburg",
            "incidentsoort": ["ex_partnerstalking"],
            "sash": "hoog",
        }
    )
    (advies,) = Triage().evaluate([melding])
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO advies (melding_id, regio, regelset_naam, regelset_hash, input_hash, key_id, aangemaakt_op, ontvangen_op, "
                "urgentie, agenderen, advies_json, melding_json) VALUES ('OUD-1', 'limburg', 'x', :h, 'i', 'k', :t, :t, 'hoog', 1, :a, :m)"
            ),
            {"h": advies.regelset.hash, "t": "2026-03-03 09:00:00.000000", "a": advies.model_dump_json(), "m": melding.model_dump_json()},
        )
        conn.execute(
            sa.text(
                "INSERT INTO afspraak (melding_id, regio, wie, wat, overleg_datum, gedaan, aangemaakt_op, key_id) "
                "VALUES ('OUD-1', 'limburg', 'om', 'iets', '2026-03-05', 1, '2026-03-05 10:00:00', 'k')"
            )
        )
    engine.dispose()
    migrate(url)
    store = open_store(url)
    r = werkset.report(store, "limburg", date(2026, 1, 1), date(2026, 12, 31))
    values = {f.id: f.waarde for f in r.figuren}
    assert values["meldingen"] == 1 and values["meldingen_actie_overleg"] == 1 and values["afspraken_nagekomen"] == 1
