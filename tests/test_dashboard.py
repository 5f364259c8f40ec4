"""The dashboard: every page through Streamlit's AppTest, signed in with the API's keys and roles."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from zorgstraf.settings import get_settings

from .conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")
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


def test_a_role_only_sees_its_pages():
    assert list(signed_in("lees-1").sidebar.radio[0].options) == ["Triage", "Inbox"]
    assert list(signed_in("voorz-2").sidebar.radio[0].options) == ["Actie-overleg"]
    assert list(signed_in("beleid-3").sidebar.radio[0].options) == ["Beleid", "Regels"]


def test_triage_page_explains_the_advies():
    at = signed_in("lees-1")
    at.checkbox[0].check()  # acuut gevaar
    next(b for b in at.button if b.label == "Advies").click()
    at.run()
    body = text(at)
    assert "Advies voor M-001" in body and "acuut" in body and "ACUUT" in body and "helpende vragen" in body


def test_inbox_lists_meldingen_most_urgent_first_and_explains_one():
    at = goto(signed_in("lees-1"), "Inbox")
    frame = at.dataframe[0].value
    assert len(frame) == 500 and frame["urgentie"].iloc[0] == "acuut"
    at.multiselect[1].set_value(["laag"])
    at.run()
    assert set(at.dataframe[0].value["urgentie"]) == {"laag"}
    assert "regels vuurden" in text(at)


def test_actie_overleg_page_builds_the_agenda():
    at = goto(signed_in("voorz-2"), "Actie-overleg")
    at.radio[0].set_value("voorbeeldbestand")
    at.text_input[0].input("2026-W10")
    at.run()
    assert not at.exception
    assert "# Actie-overleg noord nederland — week 2026-W10 (2026-03-03)" in text(at)
    assert "Helpende vragen" in text(at) or "zaken, op volgorde" in text(at)


def test_beleid_page_compares_variants():
    at = goto(signed_in("beleid-3"), "Beleid")
    next(b for b in at.button if b.label == "Vergelijk").click()
    at.run()
    assert not at.exception
    assert "Gewijzigde meldingen" in text(at) and len(at.dataframe[0].value) > 0


def test_regels_page_shows_a_region_diff():
    at = goto(signed_in("beleid-3"), "Regels")
    at.selectbox[0].set_value("limburg")
    at.run()
    assert "vt_zsm_dagen" in text(at) and len(at.dataframe[0].value) > 30
