"""Cases over time (issue 15): the store remembers the casus.

The IJmond story (seed 002, "Actiegericht Overleg IJmond"): a first melding of partner violence with
a newborn, then threats and stalking while the victim is in a shelter, a SASH midden that brings
the case to the Actie-overleg, agreements on three tracks, new threats after the meeting that move
the case up to the Zorg- en Veiligheidshuis with the AO members and the open agreements, and at last
an arrest. Each melding comes in as the police would send it: nobody ticks "eerder besproken" or
counts earlier incidents by hand; the keys link the meldingen and the store supplies the rest.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient

from zorgstraf import agenda, casusview, schema, usecases
from zorgstraf.settings import ApiKey, Settings
from zorgstraf.storage import open_store
from zorgstraf.triage import Triage

ARIE = "pseudo-persoon-7f3a9c21"  # keyed hashes as the police system would send them (synthetic)
KRISTINA = "pseudo-persoon-c4e81b07"
ADRES_IJMUIDEN = "pseudo-adres-11aa22bb"
OPVANG_AMSTERDAM = "pseudo-adres-99ee0d4c"
CHAIR = ApiKey(key="voorzitter-noord-holland", roles=frozenset({"voorzitter"}))


def melding(melding_id: str, when: str, keys: list[str], **fields) -> schema.Melding:
    data = {
        "melding_id": melding_id,
        "ontvangen_op": when,
        "regio": "noord_holland",
        "incidentsoort": ["ex_partnerstalking"],
        "casus_sleutels": keys,
        "verdachte": {"woont_met_slachtoffer": False},
    }
    data.update(fields)
    return schema.Melding.model_validate(data)


@pytest.fixture
def store(database_url):
    """SQLite, and PostgreSQL too when ZORGSTRAF_TEST_POSTGRES_URL is set (CI)."""
    return open_store(database_url)


def triage(store, m: schema.Melding) -> schema.Advies:
    ((_, advies, failure, _),) = usecases.triage_and_record(Triage(), [m], store, "lezer-1")
    assert failure is None
    assert advies is not None
    return advies


def rules(advies: schema.Advies) -> list[str]:
    return [u.regel for u in advies.uitleg]


def test_the_ijmond_story_runs_through_the_store_without_hand_set_flags(store):
    # 1. March: she fled the house with her newborn; police on site, no injury. A first VT report.
    first = triage(
        store,
        melding(
            "IJM-2025-01",
            "2025-03-10T21:40:00+01:00",
            [ARIE, KRISTINA, ADRES_IJMUIDEN],
            incidentsoort=["partnergeweld"],
            verdachte={"woont_met_slachtoffer": True},
            kinderen={"aantal_minderjarig": 1, "getuige": True},
        ),
    )
    assert first.casus is not None and first.casus.meldingen == 1 and not first.casus.eerder_actie_overleg
    assert schema.Partner.veilig_thuis in first.partners and schema.Interventie.zorgmelding_vt in first.interventies
    assert schema.Afstemming.actie_overleg not in first.afstemming
    casus_id = first.casus.casus_id

    # 2. May: she reports threats; she is in a shelter in Amsterdam now. Only his key links it.
    second = triage(store, melding("IJM-2025-02", "2025-05-02T10:15:00+02:00", [ARIE, OPVANG_AMSTERDAM], slachtoffer={"in_opvang": True}))
    assert second.casus is not None and second.casus.casus_id == casus_id and second.casus.meldingen == 2
    stored_facts = second.uitleg[0]
    assert stored_facts.regel == "CASUS"
    assert stored_facts.feiten["opslag.verdachte.eerdere_incidenten_12m"] == 1
    assert stored_facts.feiten["melding.verdachte.eerdere_incidenten_12m"] == 0
    assert stored_facts.feiten["opslag.eerdere_vt_meldingen"] == 1
    assert "opslag weet meer" in stored_facts.reden
    assert schema.Interventie.risicotaxatie in second.interventies  # stalking without a SASH: fill it in

    # 3. June: more threats; the Amsterdam police did the SASH: midden (because she is in the shelter).
    third = triage(
        store, melding("IJM-2025-03", "2025-06-16T09:05:00+02:00", [ARIE, OPVANG_AMSTERDAM], sash="midden", slachtoffer={"in_opvang": True})
    )
    assert schema.Afstemming.actie_overleg in third.afstemming and third.actie_overleg.agenderen
    assert third.casus is not None and third.casus.meldingen == 3 and not third.casus.eerder_actie_overleg
    meeting_day = date.fromisoformat(third.termijnen.volgend_actie_overleg or "")

    # The Actie-overleg: the case is on the agenda of its week, with its history in three lines.
    ruleset = Triage().engine_for("noord_holland").ruleset
    week = agenda.week_of(meeting_day)
    item = next(i for i in agenda.build_from_store(store, "noord_holland", week, ruleset).items if i.melding_id == "IJM-2025-03")
    assert item.casus_id == casus_id and len(item.casus_historie) == 2
    # its facts are what the advies counted: the store's earlier reports and incidents, said so
    assert "1 eerdere VT-melding(en) (volgens de opslag)" in item.feiten, item.feiten  # the first went to VT
    assert "2 eerdere incidenten in 12 maanden (volgens de opslag)" in item.feiten
    assert "geen eerdere VT-meldingen" not in item.feiten
    # Three tracks agreed: safety for her, contact arrangement for the child, help for him.
    made = usecases.record_afspraken(
        store,
        "IJM-2025-03",
        [
            {"wie": "politie", "wat": "Veiligheidsplan met slachtoffer en opvang", "uiterlijk": date(2025, 7, 1)},
            {"wie": "rvdk", "wat": "Omgangsregeling met het kind onderzoeken", "uiterlijk": date(2025, 9, 1)},
            {"wie": "reclassering", "wat": "Hulp bij agressie voor verdachte aanbieden", "uiterlijk": date(2025, 8, 1)},
        ],
        CHAIR,
        limit=20,
    )
    # The agreements are on this week's agenda straight away (not only next week's).
    this_week = agenda.build_from_store(store, "noord_holland", week, ruleset)
    shown = next(i for i in this_week.items if i.melding_id == "IJM-2025-03").afspraken_open
    assert {a.id for a in shown} == {a.id for a in made}
    usecases.close_meeting(store, "noord_holland", week, ruleset, CHAIR)
    usecases.set_afspraak_status(store, made[0].id, "gedaan", CHAIR)  # the safety plan is made

    # 4. August: a stream of new threats to everyone who talks to him. Nobody says "discussed in AO".
    fourth = triage(store, melding("IJM-2025-04", "2025-08-20T16:30:00+02:00", [ARIE], slachtoffer={"in_opvang": True}))
    assert fourth.casus is not None and fourth.casus.eerder_actie_overleg and fourth.casus.open_afspraken == 2
    assert schema.Afstemming.zorg_en_veiligheidshuis in fourth.afstemming  # the AO plan did not work: up to the ZVH
    assert "ZVH_AO_PLAN_WERKT_NIET" in rules(fourth)
    carried = next(u for u in fourth.uitleg if u.regel == "CASUS_OPSCHALING")
    assert len(carried.feiten["open_afspraken"]) == 2  # type: ignore[arg-type]
    for partner in (schema.Partner.om, schema.Partner.reclassering, schema.Partner.politie):  # the AO members move along
        assert partner in fourth.partners
    assert fourth.uitleg[0].feiten["opslag.eerder_besproken_actie_overleg"] is True
    assert fourth.uitleg[0].feiten["melding.eerder_besproken_actie_overleg"] is False
    assert fourth.uitleg[0].feiten["opslag.verdachte.eerdere_incidenten_12m"] == 3

    # 5. Next February: he is arrested. The count of incidents (from the store) is a criminal indicator.
    fifth = triage(store, melding("IJM-2026-05", "2026-02-03T11:00:00+01:00", [ARIE], verdachte={"aangehouden": True}))
    assert schema.Afstemming.vt_op_zsm in fifth.afstemming
    assert fifth.route in (schema.Route.straf, schema.Route.tweesporen)
    assert fifth.casus is not None and fifth.casus.meldingen == 5

    # The casus view: everything, most recent first, with what changed.
    view = casusview.view(store, casus_id)
    assert view.meldingen == 5 and view.open_afspraken == 2
    assert [e.melding_id for e in view.tijdlijn if e.soort == "melding"] == [
        "IJM-2026-05",
        "IJM-2025-04",
        "IJM-2025-03",
        "IJM-2025-02",
        "IJM-2025-01",
    ]
    zvh = next(e for e in view.tijdlijn if e.melding_id == "IJM-2025-04" and e.soort == "melding")
    assert any("Zorg- en Veiligheidshuis" in c for c in zvh.veranderd)
    assert any(e.soort == "actie_overleg" for e in view.tijdlijn)
    assert [s.actie for s in next(a for a in view.afspraken if a.id == made[0].id).historie] == ["gemaakt", "gedaan"]


def test_a_melding_without_keys_is_triaged_exactly_as_before(store):
    m = melding("ZONDER-1", "2026-03-02T10:00:00+01:00", [], sash="hoog")
    ((_, stored, _, _),) = usecases.triage_and_record(Triage(), [m], store, "x")
    (plain,) = Triage().evaluate([m])
    assert stored is not None and stored.casus is None
    assert stored.model_dump_json() == plain.model_dump_json()


def test_a_new_shared_key_merges_two_casussen_and_says_so(store):
    a = triage(store, melding("M-A", "2026-01-05T10:00:00+01:00", ["persoon-aaaa-0001"]))
    b = triage(store, melding("M-B", "2026-01-06T10:00:00+01:00", ["persoon-bbbb-0002"]))
    assert a.casus and b.casus and a.casus.casus_id != b.casus.casus_id
    joined = triage(store, melding("M-C", "2026-01-07T10:00:00+01:00", ["persoon-aaaa-0001", "persoon-bbbb-0002"]))
    assert joined.casus is not None and joined.casus.samengevoegd == [b.casus.casus_id]
    merge = next(u for u in joined.uitleg if u.regel == "CASUS_SAMENGEVOEGD")
    assert b.casus.casus_id in merge.reden and a.casus.casus_id in merge.reden
    view = casusview.view(store, b.casus.casus_id)  # the old id still finds the casus it went into
    assert view.casus_id == a.casus.casus_id and view.meldingen == 3


def test_agreements_change_and_withdraw_with_their_history_and_overdue_ones_stand_out(store):
    advies = triage(store, melding("AF-1", "2026-03-02T10:00:00+01:00", ["persoon-afsp-0001"], sash="hoog"))
    week = agenda.week_of(date.fromisoformat(advies.termijnen.volgend_actie_overleg or ""))
    ruleset = Triage().engine_for("noord_holland").ruleset
    a, b = usecases.record_afspraken(
        store,
        "AF-1",
        [{"wie": "veilig_thuis", "wat": "Huisbezoek", "uiterlijk": date(2026, 3, 1)}, {"wie": "om", "wat": "Gedragsaanwijzing"}],
        CHAIR,
        limit=20,
    )
    usecases.change_afspraak(store, a.id, {"wat": "Huisbezoek met gedragswetenschapper"}, CHAIR, "VT vroeg erom")
    usecases.set_afspraak_status(store, b.id, "ingetrokken", CHAIR, "OvJ besliste al op ZSM")
    with pytest.raises(usecases.Closed):
        usecases.change_afspraak(store, b.id, {"wat": "toch"}, CHAIR)
    this_week = agenda.build_from_store(store, "noord_holland", week, ruleset)
    item = this_week.items[0]
    # this meeting's withdrawn agreement stays on its agenda, struck through, with its reason
    assert [(x.wat, x.status, x.reden) for x in item.afspraken_open] == [
        ("Huisbezoek met gedragswetenschapper", "open", ""),
        ("Gedragsaanwijzing", "ingetrokken", "OvJ besliste al op ZSM"),
    ]
    assert item.afspraken_open[0].te_laat and not item.afspraken_open[1].te_laat  # 1 March is before the meeting
    text = agenda.to_markdown(this_week)
    assert "TE LAAT" in text and "~~Openbaar Ministerie: Gedragsaanwijzing (ingetrokken" in text
    assert "~~ — reden van intrekken: OvJ besliste al op ZSM" in text
    assert "<del>Openbaar Ministerie: Gedragsaanwijzing" in agenda.to_html(this_week)
    # ... and stay on every later agenda until done
    later = agenda.week_of(date.fromisoformat(advies.termijnen.volgend_actie_overleg or "").replace(day=30))
    assert [x.id for x in agenda.build_from_store(store, "noord_holland", later, ruleset).open_afspraken_overig] == [a.id]
    view = casusview.view(store, advies.casus.casus_id if advies.casus else "")
    steps = {x.id: [(s.actie, s.door) for s in x.historie] for x in view.afspraken}
    assert steps[a.id] == [("gemaakt", CHAIR.key_id), ("gewijzigd", CHAIR.key_id)]
    assert steps[b.id] == [("gemaakt", CHAIR.key_id), ("ingetrokken", CHAIR.key_id)]
    changed = next(x for x in view.afspraken if x.id == a.id).historie[1].wijziging
    assert changed["voor"]["wat"] == "Huisbezoek" and changed["reden"] == "VT vroeg erom"


def test_keys_are_never_stored_logged_or_shown_whole(store, caplog):
    key = "geheime-sleutel-van-persoon-123456"
    with caplog.at_level(logging.DEBUG):
        advies = triage(store, melding("PRIV-1", "2026-03-02T10:00:00+01:00", [key]))
        triage(store, melding("PRIV-2", "2026-03-03T10:00:00+01:00", [key, "nog-een-sleutel-98765"]))
    assert key not in caplog.text
    assert key not in advies.model_dump_json()
    record = store.latest("PRIV-1")
    assert record is not None and key not in record.melding_json and key not in (record.context_json or "")
    with store.engine.connect() as conn:
        dump = "\n".join(str(row) for table in ("casus_sleutel", "advies") for row in conn.exec_driver_sql(f"SELECT * FROM {table}"))
    assert key not in dump


def test_the_api_refuses_a_key_of_the_wrong_shape_and_serves_the_casus(tmp_path, monkeypatch):
    from zorgstraf_api.app import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path}/api.db", api_keys="L:lezer,V:voorzitter")
    with TestClient(create_app(settings)) as client:
        lezer = {"Authorization": "Bearer L"}
        bad = {
            "melding_id": "K-1",
            "ontvangen_op": "2026-03-02T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "casus_sleutels": ["kort"],
        }
        refused = client.post("/v1/triage", json=bad, headers=lezer)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-2:] == ["casus_sleutels", 0]
        spaced = {**bad, "casus_sleutels": ["met spatie in de sleutel"]}
        assert "sleutel" in client.post("/v1/triage", json=spaced, headers=lezer).json()["detail"][0]["msg"]
        good = {**bad, "casus_sleutels": ["persoon-abcdef-01"], "sash": "hoog", "regio": "limburg"}
        advies = client.post("/v1/triage", json=good, headers=lezer).json()
        casus_id = advies["casus"]["casus_id"]
        view = client.get(f"/v1/casus/{casus_id}", headers=lezer)
        assert view.status_code == 200 and view.json()["meldingen"] == 1
        assert client.get("/v1/casus/C999999", headers=lezer).status_code == 404
        voorzitter = {"Authorization": "Bearer V"}
        (made,) = client.post(
            "/v1/agenda/K-1/afspraken", json={"afspraken": [{"wie": "om", "wat": "Overleg OvJ"}]}, headers=voorzitter
        ).json()
        changed = client.patch(f"/v1/afspraken/{made['id']}", json={"wat": "Overleg OvJ en VT", "reden": "VT erbij"}, headers=voorzitter)
        assert changed.status_code == 200 and changed.json()["wat"] == "Overleg OvJ en VT"
        withdrawn = client.post(f"/v1/afspraken/{made['id']}/intrekken", json={"reden": "niet meer nodig"}, headers=voorzitter)
        assert withdrawn.json()["status"] == "ingetrokken"
        assert client.patch(f"/v1/afspraken/{made['id']}", json={"wat": "x"}, headers=voorzitter).status_code == 409
        week = agenda.week_of(date.fromisoformat(advies["termijnen"]["volgend_actie_overleg"]))
        pdf = client.get(f"/v1/agenda?regio=limburg&week={week}&format=pdf", headers=voorzitter)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        closed = client.post(f"/v1/agenda/sluiten?regio=limburg&week={week}", headers=voorzitter)
        assert closed.status_code == 200 and closed.json()["zaken"] == 1


def test_a_twenty_case_agenda_prints_on_a_handful_of_a4_pages_marked_vertrouwelijk(tmp_path):
    import re
    import shutil
    import subprocess

    from zorgstraf.agenda_pdf import to_pdf

    runner = Triage()
    meldingen = [
        melding(
            f"PDF-{n:02d}",
            f"2026-11-{9 + n % 5:02d}T10:00:00+01:00",
            [],
            sash=("hoog", "midden")[n % 2],
            verdachte={"woont_met_slachtoffer": False, "doodsbedreiging": n % 3 == 0, "wapen": ("geen", "dreiging")[n % 2]},
            kinderen={"aantal_minderjarig": n % 3},
        )
        for n in range(20)
    ]
    cases = list(zip(meldingen, runner.evaluate(meldingen)))
    ruleset = runner.engine_for("noord_holland").ruleset
    result = agenda.build("noord_holland", "2026-W47", cases, [], ruleset)
    assert len(result.items) == 20
    data = to_pdf(result)
    path = tmp_path / "agenda.pdf"
    path.write_bytes(data)
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert 3 <= pages <= 7, pages
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed here (CI installs it)")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    per_page = text.split("\f")[:pages]
    assert all("VERTROUWELIJK" in p for p in per_page)  # every page
    assert "dinsdag 17 november 2026" in text and "Noord-Holland" in text  # Dutch dates and labels
    assert "ex_partnerstalking" not in text and "noord_holland" not in text  # no codes
    assert text.count("Helpende vragen per fase") == 1  # the questions once, not per case
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "pagina")], check=True)
    assert len(list(tmp_path.glob("pagina*.png"))) == pages


def test_the_command_line_stores_a_casus_and_shows_its_timeline(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from zorgstraf.cli import main
    from zorgstraf.settings import get_settings

    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    get_settings.cache_clear()  # settings are read once per process; this test has its own database
    path = tmp_path / "m.jsonl"
    rows = [melding(f"CLI-{n}", f"2026-0{n}-02T10:00:00+01:00", ["persoon-cli-000001"]).model_dump(mode="json") for n in (1, 2, 3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stored = CliRunner().invoke(main, ["triage", str(path), "--opslaan", "--format", "jsonl"])
    assert stored.exit_code == 0, stored.output
    advies = [json.loads(line) for line in stored.stdout.splitlines()]
    assert [a["casus"]["meldingen"] for a in advies] == [1, 2, 3]
    assert advies[2]["uitleg"][0]["feiten"]["opslag.verdachte.eerdere_incidenten_12m"] == 2
    timeline = CliRunner().invoke(main, ["casus", advies[0]["casus"]["casus_id"]])
    first_event = next(line for line in timeline.output.splitlines() if line.startswith("- ") and "melding" in line)
    assert timeline.exit_code == 0 and "3 melding(en)" in timeline.output and "CLI-3" in first_event
    assert "persoon-cli" not in timeline.output
    unknown = CliRunner().invoke(main, ["casus", "C999999"])
    assert unknown.exit_code == 1 and "geen casus" in unknown.output


def test_the_agenda_names_the_care_factors_and_the_children():
    """What the care side needs to choose its help is on the agenda (issue 23 item 5): lvb,
    psychiatry, addiction, care avoidance of the suspect; children as witness or victim."""
    m = schema.Melding.model_validate(
        {
            "melding_id": "ZORG-1",
            "ontvangen_op": "2026-12-01T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "lopende_hulpverlening": True,
            "verdachte": {"lvb": True, "psychische_problematiek": True, "middelengebruik": True},
            "kinderen": {"aantal_minderjarig": 2, "getuige": True},
            "slachtoffer": {"zwanger": True},
        }
    )
    facts = agenda.brief_facts(m)
    assert "verdachte: lvb, psychische problematiek, middelengebruik" in facts
    assert "kinderen: getuige" in facts and "2 minderjarige(n) in huis" in facts
    assert "slachtoffer zwanger" in facts and "hulpverlening loopt" in facts
    assert "geen eerdere VT-meldingen" in facts  # nothing from the store: the melding's own word


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 12, 7), "2026-W50"),  # Monday: this week's meeting is still to come
        (date(2026, 12, 8), "2026-W50"),  # the meeting day itself
        (date(2026, 12, 9), "2026-W51"),  # after the meeting: the next one
        (date(2026, 12, 12), "2026-W51"),  # Saturday: the coming meeting, not the week that ends
        (date(2026, 12, 13), "2026-W51"),  # Sunday
    ],
)
def test_the_default_week_is_the_coming_meeting(today, expected):
    ruleset = Triage().engine_for("noord_holland").ruleset
    assert agenda.meeting_weekday(ruleset, today) == "di", "this test assumes the national meeting day, Tuesday"
    assert agenda.default_week(ruleset, today) == expected
