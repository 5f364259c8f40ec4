"""An advies read in seconds: the samenvatting, Dutch labels for every code, per rule the facts that
made it fire, sources as seed documents, and the professional's decision on record beside it."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from zorgstraf import schema
from zorgstraf.labels import catalogue, label, reader_source
from zorgstraf.settings import Settings, parse_api_keys
from zorgstraf.triage import Triage, default_rules_dir
from zorgstraf.variants import Catalogue
from zorgstraf_api.app import create_app

from .conftest import melding, run_cli


@pytest.mark.parametrize(
    "kind, enum",
    [
        ("urgentie", schema.Urgentie),
        ("route", schema.Route),
        ("afstemming", schema.Afstemming),
        ("partners", schema.Partner),
        ("interventies", schema.Interventie),
        ("thv", schema.ThvBeoordeling),
        ("fase", schema.Fase),
        ("indicatoren", schema.Indicator),
        ("regio", schema.Regio),
        ("bron", schema.Bron),
        ("incidentsoort", schema.Incidentsoort),
    ],
)
def test_every_code_has_one_dutch_label(kind, enum):
    assert {e.value for e in enum} <= set(catalogue().waarden[kind])
    assert label("partners", "rvdk") == "Raad voor de Kinderbescherming" and label("afstemming", "vt_op_zsm") == "VT op ZSM"


def test_the_samenvatting_says_urgency_moment_and_first_deadline_in_dutch_time():
    acute = Triage(regio="limburg").evaluate([melding(acuut_gevaar=True, ontvangen_op="2026-11-25T10:00:00Z")])[0]
    assert acute.samenvatting.startswith("Acuut: Samen op in Acuut met VT ")
    arrested = Triage().evaluate([melding(hg_label=True, verdachte={"aangehouden": True}, ontvangen_op="2026-11-25T04:58:00Z")])[0]
    assert arrested.samenvatting.endswith("OvJ beslist vóór 18:00")  # 05:58 Dutch time: 09:00 + 9 hours


def test_the_samenvatting_says_when_the_score_raised_the_urgency():
    risky = melding(
        incidentsoort=["overig"],
        veiligheidsschaal=3,
        verdachte={
            "aangehouden": True,
            "minderjarig": True,
            "woont_met_slachtoffer": True,
            "wapen": "dreiging",
            "eerdere_incidenten_12m": 3,
            "psychische_problematiek": True,
            "zorgmijdend": True,
        },
    )
    (plain,) = Triage().evaluate([risky])
    (scored,) = Triage(score=True).evaluate([risky])
    assert (plain.urgentie, scored.urgentie) == ("laag", "midden")
    assert scored.samenvatting.endswith("urgentie verhoogd door de risicoscore (tweede mening)")
    assert "risicoscore" not in plain.samenvatting


def test_a_rule_shows_only_the_facts_that_made_it_fire():
    (advies,) = Triage().evaluate([melding(verdachte={"woont_met_slachtoffer": False, "letsel": "licht"})])
    contact = next(u for u in advies.uitleg if u.regel == "THV_CONTACTVERBOD")
    assert "Letsel: licht." in contact.waarom and "Verdachte woont bij het slachtoffer: nee." in contact.waarom
    assert not any(w.startswith(("Verwurging", "Doodsbedreiging", "Wapen")) for w in contact.waarom)  # looked at, not decisive
    assert set(contact.feiten) > {"verdachte.verwurging"}  # the full facts stay in the audit record


def test_sources_name_the_seed_documents_never_developer_files():
    catalogue = Catalogue.of(default_rules_dir())
    for variant in catalogue.all():
        for rule in catalogue.ruleset(variant).rules:
            shown = reader_source(rule.source)
            assert "DOMAIN.md" not in shown and "shared/" not in shown and "Seed 00" not in shown, (rule.id, shown)


def test_reasons_use_labels_not_codes():
    (advies,) = Triage().evaluate([melding(incidentsoort=["ex_partnerstalking"], sash="hoog", verdachte={"wapen": "dreiging"})])
    text = " ".join(u.reden for u in advies.uitleg)
    assert "ex_partnerstalking" not in text and "dreiging," not in text


KEYS = "lees:lezer"


@pytest.fixture
def client(database_url):
    with TestClient(create_app(Settings(database_url=database_url, api_keys=parse_api_keys(KEYS)))) as c:
        yield c


def test_a_besluit_is_stored_beside_the_advies_and_never_changes_it(client):
    auth = {"Authorization": "Bearer lees"}
    given = client.post("/v1/triage", json=json.loads(melding(melding_id="B-1").model_dump_json()), headers=auth).json()
    refused = client.post("/v1/advies/B-1/besluit", json={"volgt_advies": False, "wat": "hoger"}, headers=auth)
    assert refused.status_code == 422 and "waarom" in json.dumps(refused.json())
    first = client.post("/v1/advies/B-1/besluit", json={"volgt_advies": True, "wat": "zorgmelding gedaan"}, headers=auth)
    second = client.post(
        "/v1/advies/B-1/besluit",
        headers=auth,
        json={"volgt_advies": False, "urgentie": "hoog", "wat": "op het Actie-overleg", "waarom": "nieuwe dreiging"},
    )
    assert first.status_code == second.status_code == 201
    assert second.json()["advies_urgentie"] == given["urgentie"] and second.json()["urgentie"] == "hoog"
    assert [b["wat"] for b in client.get("/v1/advies/B-1/besluiten", headers=auth).json()] == ["op het Actie-overleg", "zorgmelding gedaan"]
    assert client.get("/v1/advies/B-1", headers=auth).json() == given  # the advies as it was given
    assert client.post("/v1/advies/ONBEKEND/besluit", json={"volgt_advies": True, "wat": "x"}, headers=auth).status_code == 404


def test_the_inbox_export_has_dutch_headers_labels_reasons_and_the_decision(tmp_path):
    from openpyxl import load_workbook

    from zorgstraf import inbox

    m = melding(melding_id="=SOM(A1)", acuut_gevaar=True)
    (advies,) = Triage().evaluate([m])
    entries = inbox.from_triage([(m, advies)])
    decided = schema.Besluit(
        id=1,
        melding_id=m.melding_id,
        volgt_advies=False,
        urgentie="hoog",
        wat="anders",
        waarom="omdat",
        advies_urgentie="acuut",
        regelset_hash="x",
        key_id="k",
        genomen_op="2026-11-25T10:00:00+01:00",
    )
    path = tmp_path / "inbox.xlsx"
    path.write_bytes(inbox.to_xlsx(entries, {m.melding_id: [decided]}))
    sheet = load_workbook(path).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header[:5] == ["Melding", "Ontvangen", "Regio", "Urgentie", "Advies in één regel"]
    assert row[0] == "'=SOM(A1)"  # a formula stays text
    assert row[3] == "acuut" and row[4] == advies.samenvatting and "Acuut gevaar" in row[9]
    assert row[10] == "wijkt af (urgentie acuut → hoog): anders" and row[11] == "omdat"
    assert sheet["B2"].number_format == "dd-mm-yyyy hh:mm"


def test_cli_besluit_records_and_names_a_missing_advies(tmp_path, monkeypatch):
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    stored = run_cli("triage", "-", "--opslaan", "--format", "jsonl", stdin=melding(melding_id="C-1").model_dump_json() + "\n")
    assert stored.returncode == 0
    ok = run_cli("besluit", "C-1", "--volgt", "--wat", "zorgmelding gedaan")
    assert ok.returncode == 0 and "volgt het advies" in ok.stdout
    missing = run_cli("besluit", "C-2", "--volgt", "--wat", "x")
    assert missing.returncode == 2 and "geen opgeslagen advies voor melding C-2" in missing.stderr
    why = run_cli("besluit", "C-1", "--wijkt-af", "--wat", "x")
    assert why.returncode == 2 and "waarom" in why.stderr
