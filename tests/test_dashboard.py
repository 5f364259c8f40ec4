"""The dashboard: every page through Streamlit's AppTest, signed in with the API's keys and roles."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from zorgstraf.settings import get_settings

from .conftest import ROOT

APP = str(ROOT / "zorgstraf_dashboard" / "app.py")
KEYS = "lees-1:lezer,voorz-2:voorzitter,beleid-3:beleid,alles-4:lezer+voorzitter+beleid"


@pytest.fixture(autouse=True)
def keys(monkeypatch, tmp_path):
    monkeypatch.setenv("ZORGSTRAF_API_KEYS", KEYS)
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", f"sqlite:///{tmp_path / 'dash.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def signed_in(key: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input[0].input(key)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio[0].set_value(page)
    at.run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [h.value for h in at.header] + [s.value for s in at.subheader]
    parts += [e.label for e in at.expander] + [i.value for i in at.info] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def test_a_wrong_key_is_refused():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input[0].input("fout")
    at.button[0].click()
    at.run()
    assert at.error and "Onbekende sleutel" in at.error[0].value


def test_after_too_many_wrong_keys_even_the_right_key_waits(monkeypatch):
    monkeypatch.setenv("ZORGSTRAF_SIGNIN_LIMIT", "2 per hour")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for attempt in ("fout-1", "fout-2", "lees-1"):
        at.text_input[0].input(attempt)
        at.button[0].click()
        at.run()
    assert "Aanmelden geweigerd: te veel onjuiste sleutels vanaf dit adres" in at.error[0].value
    assert not any(r.label == "Pagina" for r in at.sidebar.radio)  # not signed in


def test_a_role_only_sees_its_pages():
    assert list(signed_in("lees-1").sidebar.radio[0].options) == ["Triage", "Inbox", "Casus"]
    assert list(signed_in("voorz-2").sidebar.radio[0].options) == ["Actie-overleg"]
    assert list(signed_in("beleid-3").sidebar.radio[0].options) == ["Beleid", "Indicatoren", "Regels"]


def test_indicatoren_page_shows_the_werkset_for_a_region_and_all_regions():
    at = goto(signed_in("beleid-3"), "Indicatoren")
    assert not at.exception, at.exception
    assert "Regio" in text(at) and "alle regio's" in text(at) or "Regelset" in text(at)
    at.selectbox[0].set_value("limburg")
    at.run()
    assert not at.exception, at.exception
    assert "Werkset Indicatoren" in text(at)


def test_triage_page_explains_the_advies():
    at = signed_in("lees-1")
    at.checkbox[0].check()  # acuut gevaar
    next(b for b in at.button if b.label == "Advies").click()
    at.run()
    body = text(at)
    assert "Advies voor M-001" in body and "acuut" in body and "ACUUT" in body and "helpende vragen" in body


def file_inbox_page() -> AppTest:
    at = goto(signed_in("lees-1"), "Inbox")
    at.radio(key="inbox_bron").set_value("querylijst of bestand")
    at.run()
    assert not at.exception, at.exception
    return at


def test_inbox_lists_meldingen_most_urgent_first_and_explains_one():
    at = file_inbox_page()
    frame = at.dataframe[0].value
    assert len(frame) == 500 and frame["urgentie"].iloc[0] == "acuut"
    assert frame["advies"].iloc[0] and frame["eerste termijn"].iloc[0]  # the one line and the first deadline
    at.multiselect[0].set_value(["laag"])
    at.run()
    assert set(at.dataframe[0].value["urgentie"]) == {"laag"}
    assert "Waarom:" in text(at) and "Bron:" in text(at)


def test_actie_overleg_page_builds_the_agenda():
    at = goto(signed_in("voorz-2"), "Actie-overleg")
    at.radio[0].set_value("voorbeeldbestand")
    at.run()
    at.selectbox(key="agenda_week").set_value("2026-W10")  # weeks with cases are in the list: picked, not typed
    at.run()
    assert not at.exception
    body = text(at)
    assert "Actie-overleg Noord-Nederland, week 10: 2-3 t/m 8-3-2026 — dinsdag 3 maart 2026" in body
    assert int(at.metric[0].value) > 0 and "Waarom op de agenda" in body and "Helpende vragen" in body


def test_beleid_what_if_one_parameter_shows_the_shift_on_a_year_of_the_region():
    at = goto(signed_in("beleid-3"), "Beleid")
    at.selectbox(key="watals_regio").set_value("limburg")
    at.run()
    at.selectbox(key="watals_parameter").set_value("herhaling_drempel")
    at.run()
    at.text_input(key="watals_waarde_limburg_herhaling_drempel").input("2")
    at.run(timeout=120)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Meldingen anders (van een jaar)"].replace(".", "")) > 0 and metrics["Berekend in"].endswith(" s")
    shifts = at.dataframe[0].value
    assert (shifts["verschil"] != 0).all() and any("Actie-overleg" in w for w in shifts["wat"])
    at.text_input(key="watals_waarde_limburg_herhaling_drempel").input("veel")
    at.run(timeout=60)
    assert any("Waarde niet bruikbaar" in w.value for w in at.warning)


def test_beleid_page_compares_variants():
    at = goto(signed_in("beleid-3"), "Beleid")
    next(b for b in at.button if b.label == "Vergelijk").click()
    at.run()
    assert not at.exception
    assert "Gewijzigde meldingen" in text(at) and len(at.dataframe[0].value) > 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Meldingen"] == "500" and int(metrics["Anders in midden_nederland"]) > 0
    changed = at.dataframe[0].value
    assert set(changed["variant"]) == {"limburg", "midden_nederland"}
    assert (changed["variant"] == "midden_nederland").sum() == int(metrics["Anders in midden_nederland"])


def test_regels_page_shows_a_region_diff():
    at = goto(signed_in("beleid-3"), "Regels")
    at.selectbox[0].set_value("limburg")
    at.run()
    assert "vt_zsm_dagen" in text(at) and len(at.dataframe[0].value) > 30


def fill_store(n: int, prefix: str = "I") -> None:
    """Store `n` synthetic advies received in the last day, as the API would have stored them."""
    from datetime import datetime

    from zorgstraf import schema
    from zorgstraf.samples import generate
    from zorgstraf.storage import Store, migrate
    from zorgstraf.triage import Triage

    url = get_settings().database_url
    migrate(url)
    start = (datetime.now() - timedelta(hours=30)).replace(microsecond=0).isoformat()
    meldingen = [schema.Melding.model_validate(d) for d in generate(n, start=start, span_days=1, prefix=prefix)]
    store = Store(url)
    for melding, advies in zip(meldingen, Triage().evaluate(meldingen)):
        store.save(melding, advies, "test")


def stored_inbox_page() -> AppTest:
    """A reader's Inbox on stored advies received in the last three days."""
    at = goto(signed_in("lees-1"), "Inbox")
    at.radio(key="inbox_bron").set_value("opgeslagen adviezen")
    at.run()
    at.date_input(key="inbox_vanaf").set_value(date.today() - timedelta(days=3))
    at.run()
    return at


def test_inbox_reads_5000_stored_advies_filters_and_finds_one():
    fill_store(5000)
    at = stored_inbox_page()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 5000 and frame["urgentie"].iloc[0] == "acuut"
    assert list(frame["urgentie"].map(["acuut", "hoog", "midden", "laag"].index)) == sorted(
        frame["urgentie"].map(["acuut", "hoog", "midden", "laag"].index)
    )
    at.selectbox[1].set_value("met kinderen")  # kinderen
    at.run()
    assert at.dataframe[0].value["kinderen"].all()
    at.selectbox[1].set_value("alle")
    at.text_input[0].input("I004321")
    at.run()
    assert list(at.dataframe[0].value["melding"]) == ["I004321"]
    assert "Uitleg bij I004321" in text(at) and "Waarom:" in text(at)


def test_an_inbox_cut_short_by_the_row_limit_tells_the_reader(monkeypatch):
    monkeypatch.setenv("ZORGSTRAF_INBOX_MAX_ROWS", "3")
    get_settings.cache_clear()
    fill_store(5)
    at = stored_inbox_page()
    assert len(at.dataframe[0].value) == 3
    assert any("Alleen de nieuwste 3 opgeslagen adviezen zijn gelezen" in w.value for w in at.warning)


def test_inbox_afstemming_filter_matches_whole_values():
    at = file_inbox_page()
    at.multiselect[1].set_value(["actie_overleg"])
    at.run()
    shown = at.dataframe[0].value["advies"]
    assert len(shown) and all("Actie-overleg" in a for a in shown)


def test_a_chair_sees_stored_cases_marks_an_agreement_done_and_records_a_new_one():
    from zorgstraf import agenda, schema
    from zorgstraf.samples import generate
    from zorgstraf.storage import Store, migrate
    from zorgstraf.triage import Triage

    url = get_settings().database_url
    migrate(url)
    store = Store(url)
    meldingen = [schema.Melding.model_validate(d) for d in generate(300, seed=11)]
    pairs = [(m, a) for m, a in zip(meldingen, Triage(regio="limburg").evaluate(meldingen)) if a.actie_overleg.agenderen]
    melding, advies = pairs[0]
    store.save(melding, advies, "test")
    meeting = date.fromisoformat(advies.termijnen.volgend_actie_overleg)
    (earlier,) = store.add_afspraken(
        melding.melding_id, "limburg", meeting - timedelta(days=7), [{"wie": "politie", "wat": "huisbezoek afleggen"}], "test"
    )

    at = goto(signed_in("voorz-2"), "Actie-overleg")
    at.selectbox[0].set_value("limburg")
    at.run()
    at.selectbox(key="agenda_week").set_value(agenda.week_of(meeting))
    at.run()
    assert not at.exception, at.exception
    body = text(at)
    assert f"{melding.melding_id} — {advies.urgentie.value}" in body and "huisbezoek afleggen" in body
    at.button(key=f"gedaan_{earlier.id}").click()
    at.run()
    assert store.open_afspraken("limburg", meeting + timedelta(days=1)) == []
    at.text_input[0].input("risicotaxatie laten doen")
    next(b for b in at.button if b.label == "Vastleggen").click()
    at.run()
    (new,) = store.open_afspraken("limburg", meeting + timedelta(days=1))
    assert (new.melding_id, new.wat, new.overleg_datum) == (melding.melding_id, "risicotaxatie laten doen", meeting)
    assert new.key_id == get_settings().api_keys[1].key_id  # the chair's key id, never the key


def test_regels_page_marks_a_replaced_rule_and_shows_it_as_written():
    at = goto(signed_in("beleid-3"), "Regels")
    at.selectbox[0].set_value("midden_nederland")
    at.run()
    frame = at.dataframe[0].value
    assert list(frame.loc[frame["herkomst"] != "landelijk", "id"]) == ["STRAFBARE_KM"]
    assert "STRAFBARE_KM — Vermoeden van strafbare kindermishandeling - duo-MDO met de vertrouwensarts" in text(at)
    assert at.code[0].value.startswith("id: STRAFBARE_KM") and "vertrouwensarts" in at.code[0].value


def test_a_triaged_form_is_stored_with_the_readers_key_id_and_a_bad_date_is_named():
    from zorgstraf.storage import Store

    at = signed_in("lees-1")
    at.checkbox[0].check()  # acuut gevaar
    next(b for b in at.button if b.label == "Advies").click()
    at.run()
    record = Store(get_settings().database_url).latest("M-001")
    assert record is not None and record.key_id == get_settings().api_keys[0].key_id and record.urgentie == "acuut"
    time.sleep(1.1)  # the clock ticks on between reruns; what the reader typed must survive that
    at.text_input[1].input("gisteren")  # ontvangen op
    next(b for b in at.button if b.label == "Advies").click()
    at.run()
    assert "veld 'ontvangen_op': verwacht datum en tijd, bijvoorbeeld 25-11-2026 14:30" in at.error[0].value
