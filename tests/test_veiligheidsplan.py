"""The veiligheidsplan per casus (issue 26; seed 004): the phase rules and every signal, by the
examples beside them in rules/beleid/veiligheid.yaml (fires / does not fire), and a year of one
casus through the API."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from zorgstraf import schema, veiligheid
from zorgstraf.triage import Triage

POLICY = veiligheid.policy()
RULESET = Triage().engine_for(None).ruleset


@pytest.mark.parametrize("example", POLICY.voorbeelden, ids=lambda e: e.naam)
def test_each_example_beside_the_signals(example):
    staat = veiligheid.CasusStaat(
        incidenten=example.incidenten,
        beoordelingen=[veiligheid.Beoordeling(door="veilig_thuis", **b) for b in example.beoordelingen],
        gebeurtenissen=example.gebeurtenissen,
        plan=veiligheid.PlanIn(toetsmomenten=example.toetsmomenten),
    )
    assert veiligheid.fase(staat, example.peildatum, RULESET) == example.fase
    assert [s.code for s in veiligheid.signalen(staat, example.peildatum, RULESET)] == example.signalen


def test_every_signal_has_an_example_that_fires_it_and_one_that_does_not():
    fired = {code for e in POLICY.voorbeelden for code in e.signalen}
    assert fired == set(veiligheid.SIGNALEN)
    assert {e.fase for e in POLICY.voorbeelden} == {"directe_veiligheid", "risicogestuurd", "herstelgericht"}


def test_a_region_may_change_the_reasonable_term():
    staat = veiligheid.CasusStaat(
        incidenten=[date(2026, 1, 20)], beoordelingen=[veiligheid.Beoordeling(datum=date(2026, 2, 1), schaal=3, door="politie")]
    )
    assert [s.code for s in veiligheid.signalen(staat, date(2026, 3, 1), RULESET)] == []  # 40 days: within 8 weeks
    shorter = RULESET.with_parameters({"stabiele_veiligheid_termijn_dagen": 28})
    (signal,) = veiligheid.signalen(staat, date(2026, 3, 1), shorter)
    assert signal.code == "geen_stabiele_veiligheid" and signal.sinds == date(2026, 2, 17) and "MDA++" in signal.reden


def test_a_year_of_one_casus_through_the_api(database_url):
    """March: partner violence with children, THV; the VT worker holds the regie and makes the plan;
    ratings rise to a 6, a condition is broken, back to directe veiligheid; then two 7s a month
    apart and half a year without incident: herstelgericht. Another region's key sees nothing."""
    from fastapi.testclient import TestClient

    from zorgstraf.settings import Settings, parse_api_keys
    from zorgstraf_api.app import create_app

    keys = "vt-nh:lezer@noord_holland,vz-nh:voorzitter@noord_holland,lim:lezer@limburg+voorzitter@limburg,bel:beleid"
    with TestClient(create_app(Settings(database_url=database_url, api_keys=parse_api_keys(keys)))) as c:
        vt, vz, lim = ({"Authorization": f"Bearer {k}"} for k in ("vt-nh", "vz-nh", "lim"))
        melding = {
            "melding_id": "JAAR-1",
            "ontvangen_op": "2025-03-03T21:00:00+01:00",
            "regio": "noord_holland",
            "incidentsoort": ["partnergeweld"],
            "verdachte": {"woont_met_slachtoffer": True, "letsel": "licht"},
            "kinderen": {"aantal_minderjarig": 2, "getuige": True},
            "casus_sleutels": ["jaar-persoon-0001"],
        }
        casus_id = c.post("/v1/triage", json=melding, headers=vt).json()["casus"]["casus_id"]
        url = f"/v1/casus/{casus_id}"

        assert c.post(f"{url}/gebeurtenissen", json={"soort": "thv_opgelegd", "datum": "2025-03-04"}, headers=vt).status_code == 201
        day9 = c.get(url, params={"peildatum": "2025-03-12"}, headers=vt).json()
        assert day9["fase"] == "directe_veiligheid" and [s["code"] for s in day9["signalen"]] == ["thv_loopt_af"]
        assert day9["veiligheidsplan"] is None

        plan = {
            "onveilige_situaties": ["Ruzie escaleert als hij drinkt, de kinderen zien het"],
            "voorwaarden": [
                {"tekst": "Geen alcohol in huis"},
                {"tekst": "Bij spanning gaat hij naar zijn broer"},
                {"tekst": "Kinderen worden niet betrokken"},
            ],
            "regie": "veilig_thuis",
            "toetsmomenten": ["2025-04-01", "2025-05-01"],
            "gevolgen_bij_schending": "Melding bij de politie; het OM kan vervolgen",
        }
        put = c.put(f"{url}/veiligheidsplan", json=plan, headers=vt)
        assert put.status_code == 200 and [v["id"] for v in put.json()["voorwaarden"]] == ["V1", "V2", "V3"]
        c.post(f"{url}/beoordelingen", json={"datum": "2025-03-20", "schaal": 4, "door": "veilig_thuis"}, headers=vt)
        april = c.get(url, params={"peildatum": "2025-04-05"}, headers=vt).json()
        assert [s["code"] for s in april["signalen"]] == ["toetsmoment_verstreken"]  # 1 April passed without a rating

        c.post(f"{url}/beoordelingen", json={"datum": "2025-04-08", "schaal": 6, "door": "veilig_thuis"}, headers=vt)
        assert c.get(url, params={"peildatum": "2025-04-10"}, headers=vt).json()["fase"] == "risicogestuurd"
        # May: he drank again; the chair marks the condition broken in a new version of the plan
        plan["voorwaarden"] = [dict(v, id=f"V{i}") for i, v in enumerate(plan["voorwaarden"], 1)]
        plan["voorwaarden"][0]["status"] = "geschonden"
        assert c.put(f"{url}/veiligheidsplan", json=plan, headers=vz).json()["versie"] == 2
        c.post(f"{url}/gebeurtenissen", json={"soort": "voorwaarde_geschonden", "datum": "2025-05-10"}, headers=vz)
        may = c.get(url, params={"peildatum": "2025-05-12"}, headers=vt).json()
        assert may["fase"] == "directe_veiligheid" and "voorwaarde_geschonden" in [s["code"] for s in may["signalen"]]

        plan["voorwaarden"][0]["status"] = "open"
        c.put(f"{url}/veiligheidsplan", json=plan, headers=vt)
        for day, score in (("2025-06-01", 6), ("2025-10-20", 7), ("2025-11-24", 7)):
            assert (
                c.post(f"{url}/beoordelingen", json={"datum": day, "schaal": score, "door": "veilig_thuis"}, headers=vt).status_code == 201
            )
        assert c.get(url, params={"peildatum": "2025-11-25"}, headers=vt).json()["fase"] == "herstelgericht"
        final = c.get(url, params={"peildatum": "2025-11-25"}, headers=vt).json()
        assert final["veiligheidsplan"]["versie"] == 3 and len(final["beoordelingen"]) == 5 and final["signalen"] == []

        # bad input: one line naming the field, nothing stored
        for body in ({"datum": "2025-06-01", "schaal": 8, "door": "veilig_thuis"}, {"datum": "2025-06-01", "schaal": 5, "door": "buurman"}):
            answer = c.post(f"{url}/beoordelingen", json=body, headers=vt)
            assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] in ("schaal", "door")
        future = c.post(f"{url}/beoordelingen", json={"datum": "2199-01-01", "schaal": 5, "door": "politie"}, headers=vt)
        assert future.status_code == 422 and "na vandaag" in future.json()["detail"]
        assert len(c.get(url, headers=vt).json()["beoordelingen"]) == 5
        # scope: Limburg's keys find no such casus
        assert c.get(url, headers=lim).status_code == 404
        assert c.put(f"{url}/veiligheidsplan", json=plan, headers=lim).status_code == 404
        assert c.post(f"{url}/beoordelingen", json={"datum": "2025-06-01", "schaal": 5, "door": "politie"}, headers=lim).status_code == 404
        assert c.put(f"{url}/veiligheidsplan", json=plan, headers={"Authorization": "Bearer bel"}).status_code == 403


def test_the_agenda_shows_each_case_s_plan_phase_rating_regie_and_signals(database_url):
    from zorgstraf import agenda, usecases
    from zorgstraf.agenda_pdf import to_pdf
    from zorgstraf.storage import open_store

    store = open_store(database_url)
    melding = schema.Melding.model_validate(
        {
            "melding_id": "AGP-1",
            "ontvangen_op": "2026-03-02T10:00:00+01:00",
            "regio": "noord_holland",
            "incidentsoort": ["ex_partnerstalking"],
            "sash": "hoog",
            "verdachte": {"woont_met_slachtoffer": False},
            "casus_sleutels": ["agenda-plan-0001"],
        }
    )
    ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [melding], store, "t")
    assert advies is not None and advies.casus is not None and advies.termijnen.volgend_actie_overleg
    casus_id = advies.casus.casus_id
    plan = veiligheid.PlanIn(
        voorwaarden=[{"tekst": "Geen contact met haar"}, {"tekst": "Meldplicht", "status": "gerealiseerd"}], regie="politie"
    )
    veiligheid.put_plan(store, casus_id, plan, None, date(2026, 12, 7))
    veiligheid.add_beoordeling(
        store, casus_id, veiligheid.BeoordelingIn(datum=date(2026, 3, 2), schaal=3, door="politie"), None, date(2026, 12, 7)
    )
    veiligheid.add_gebeurtenis(
        store, casus_id, veiligheid.GebeurtenisIn(soort="verdachte_heengezonden", datum=date(2026, 3, 3)), None, date(2026, 12, 7)
    )
    week = agenda.week_of(date.fromisoformat(advies.termijnen.volgend_actie_overleg))
    result = agenda.build_from_store(store, "noord_holland", week, RULESET)
    (item,) = result.items
    assert item.veiligheid[:3] == ["fase van de casus: directe veiligheid", "laatste beoordeling: 3 op ma 2-3", "regie: politie"]
    assert "voorwaarde V1 (open): Geen contact met haar" in item.veiligheid and not any("Meldplicht" in line for line in item.veiligheid)
    assert any(line.startswith("SIGNAAL verdachte heengezonden") for line in item.veiligheid)
    assert "**Veiligheidsplan:** fase van de casus" in agenda.to_markdown(result)
    assert to_pdf(result).startswith(b"%PDF")


def test_a_new_melding_names_the_phase_its_casus_was_in_and_replays(database_url):
    from zorgstraf import usecases
    from zorgstraf.replay import replay
    from zorgstraf.storage import open_store

    store = open_store(database_url)

    def melding(melding_id: str, when: str) -> schema.Melding:
        return schema.Melding.model_validate(
            {
                "melding_id": melding_id,
                "ontvangen_op": when,
                "regio": "limburg",
                "incidentsoort": ["partnergeweld"],
                "casus_sleutels": ["fase-persoon-1"],
            }
        )

    ((_, first, _, _),) = usecases.triage_and_record(Triage(), [melding("F-1", "2026-01-05T10:00:00+01:00")], store, "t")
    assert first is not None and first.casus is not None and first.casus.fase_casus is None  # never rated
    for day, score in ((date(2026, 1, 20), 6), (date(2026, 6, 1), 7), (date(2026, 7, 6), 7)):
        veiligheid.add_beoordeling(
            store, first.casus.casus_id, veiligheid.BeoordelingIn(datum=day, schaal=score, door="veilig_thuis"), None, date(2026, 12, 7)
        )
    ((_, relapse, _, _),) = usecases.triage_and_record(Triage(), [melding("F-2", "2026-08-10T22:00:00+02:00")], store, "t")
    assert relapse is not None and relapse.casus is not None and relapse.casus.fase_casus == "herstelgericht"
    why = next(u for u in relapse.uitleg if u.regel == "CASUS_FASE")
    assert "valt terug naar directe veiligheid" in why.reden and why.feiten["casus.laatste_beoordeling"] == 7
    assert replay(store, "F-2").gelijk


def test_handover_to_the_local_field_keeps_the_plan_and_adds_a_toetsmoment(database_url):
    from zorgstraf import usecases
    from zorgstraf.storage import open_store

    store = open_store(database_url)
    m = schema.Melding.model_validate(
        {
            "melding_id": "OV-1",
            "ontvangen_op": "2026-11-02T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "casus_sleutels": ["overdracht-0001"],
        }
    )
    ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [m], store, "t")
    assert advies is not None and advies.casus is not None
    today = date(2026, 12, 7)
    veiligheid.put_plan(
        store, advies.casus.casus_id, veiligheid.PlanIn(voorwaarden=[{"tekst": "Geen alcohol"}], regie="veilig_thuis"), None, today
    )
    plan = veiligheid.handover(store, advies.casus.casus_id, schema.Partner.lokaal_veld, date(2027, 1, 18), None, today)
    assert plan.versie == 2 and plan.regie == schema.Partner.lokaal_veld and plan.toetsmomenten == [date(2027, 1, 18)]
    assert [v.tekst for v in plan.voorwaarden] == ["Geen alcohol"] and plan.voorwaarden[0].id == "V1"
    with pytest.raises(veiligheid.DayRefused):
        veiligheid.handover(store, advies.casus.casus_id, schema.Partner.lokaal_veld, date(2026, 12, 1), None, today)


def test_the_inbox_marks_a_casus_that_asks_for_action(database_url):
    from zorgstraf import inbox, usecases
    from zorgstraf.storage import open_store

    store = open_store(database_url)
    meldingen = [
        schema.Melding.model_validate(
            {
                "melding_id": f"IN-{n}",
                "ontvangen_op": "2026-12-01T10:00:00+01:00",
                "incidentsoort": ["partnergeweld"],
                "casus_sleutels": [f"inbox-persoon-{n}"],
            }
        )
        for n in (1, 2)
    ]
    results = usecases.triage_and_record(Triage(), meldingen, store, "t")
    first = results[0].advies
    assert first is not None and first.casus is not None
    veiligheid.add_gebeurtenis(
        store,
        first.casus.casus_id,
        veiligheid.GebeurtenisIn(soort="verdachte_heengezonden", datum=date(2026, 12, 2)),
        None,
        date(2026, 12, 7),
    )
    records = store.received_since(datetime(2026, 11, 1, tzinfo=schema.AMSTERDAM), limit=100).records
    signals = veiligheid.signals_for(store, {r.casus for r in records if r.casus}, date(2026, 12, 7))
    marked = {e.melding_id: e.signalen for e in inbox.from_records(records, signals)}
    assert marked == {"IN-1": "verdachte heengezonden", "IN-2": ""}


def test_the_werkset_counts_casussen_per_phase_days_to_a_six_and_open_signals(database_url):
    from zorgstraf import usecases, werkset
    from zorgstraf.storage import open_store

    store = open_store(database_url)
    meldingen = [
        schema.Melding.model_validate(
            {
                "melding_id": f"WS-{n}",
                "ontvangen_op": "2026-03-02T10:00:00+01:00",
                "regio": "limburg",
                "incidentsoort": ["partnergeweld"],
                "casus_sleutels": [f"werkset-persoon-{n}"],
            }
        )
        for n in (1, 2, 3)
    ]
    results = usecases.triage_and_record(Triage(), meldingen, store, "t")
    ids = [r.advies.casus.casus_id for r in results if r.advies and r.advies.casus]
    today = date(2026, 12, 7)
    veiligheid.add_beoordeling(store, ids[0], veiligheid.BeoordelingIn(datum=date(2026, 3, 12), schaal=6, door="veilig_thuis"), None, today)
    veiligheid.add_gebeurtenis(store, ids[1], veiligheid.GebeurtenisIn(soort="verdachte_heengezonden", datum=date(2026, 3, 3)), None, today)
    report = werkset.report(store, "limburg", date(2026, 3, 1), date(2026, 3, 31), today=today)
    figures = {f.id: f.waarde for f in report.figuren}
    assert figures["casussen_risicogestuurd"] == 1 and figures["casussen_directe_veiligheid"] == 2
    assert figures["dagen_tot_een_6"] == 10
    # on 31 March: WS-2's suspect was sent home and not re-rated; 29 days is still within the 8-week term for a 6
    assert figures["signalen_open"] == 1
