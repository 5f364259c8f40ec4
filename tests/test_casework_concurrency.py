"""Casework you can trust (CONTRACT.md, Additions 2026-12-06): requests at the same time give what
the same requests one after another give. Two Stores over one database stand for two API workers
(each its own pool and, on SQLite, its own in-process writer lock), several threads each."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorgstraf import casus, casusview, schema, usecases
from zorgstraf.errors import Closed, Conflict, NotFound, TooEarly, TooMany
from zorgstraf.settings import ApiKey, parse_api_keys
from zorgstraf.storage import AdviesRecord, Afspraak, AfspraakHistorie, CasusSleutel, open_store
from zorgstraf.triage import Triage

from .conftest import DATABASES, fresh_database

CHAIR = ApiKey(key="voorzitter-landelijk", roles=frozenset({"voorzitter"}))


def keyed(melding_id: str, keys: list[str], when: str = "2026-11-10T10:15:00+01:00", **fields) -> schema.Melding:
    data = {"melding_id": melding_id, "ontvangen_op": when, "incidentsoort": ["partnergeweld"], "casus_sleutels": keys}
    data.update(fields)
    return schema.Melding.model_validate(data)


def workers(url: str, n: int = 2):
    return [(open_store(url), Triage()) for _ in range(n)]


def at_once(calls, threads: int = 8):
    """Run the calls together, released by one barrier; their results (or exceptions) in order."""
    barrier = threading.Barrier(min(threads, len(calls)))

    def run(call):
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            return call()
        except Exception as exc:  # the caller counts them
            return exc

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, calls))


def live_casussen(store) -> set[int]:
    with store.sessions() as session:
        numbers = {c for (c,) in session.query(CasusSleutel.casus).all()}
        rows = {c for (c,) in session.query(AdviesRecord.casus).filter(AdviesRecord.casus.is_not(None)).all()}
    return {store.current_casus(n) for n in numbers} | rows


def test_forty_meldingen_of_one_chain_sent_at_once_end_in_one_casus_and_a_later_one_sees_all(database_url):
    pool = workers(database_url)
    chain = [keyed(f"KET-{i:02d}", [f"ketting-sleutel-{i:03d}", f"ketting-sleutel-{i + 1:03d}"]) for i in range(40)]
    calls = [lambda m=m, w=pool[i % 2]: usecases.triage_and_record(w[1], [m], w[0], "lezer") for i, m in enumerate(chain)]
    results = at_once(calls)
    assert all(not isinstance(r, Exception) and r[0].failure is None for r in results), results
    store = pool[0][0]
    assert len(live_casussen(store)) == 1  # every row and every key on the one live casus
    ((_, later, failure, _),) = usecases.triage_and_record(
        Triage(), [keyed("KET-LATER", ["ketting-sleutel-020"], when="2026-11-12T10:15:00+01:00")], store, "lezer"
    )
    assert failure is None and later is not None and later.casus is not None
    assert later.casus.meldingen == 41


def test_a_withdrawn_agreement_is_never_changed_or_done_afterwards_whatever_arrives_with_it(database_url):
    pool = workers(database_url)
    store = pool[0][0]
    usecases.triage_and_record(Triage(), [keyed("AFS-1", ["afspraak-sleutel-1"])], store, "lezer")
    rounds = 8
    made = store.add_afspraken(
        "AFS-1", "landelijk", date(2026, 11, 10), [{"wie": "politie", "wat": f"ronde {n}"} for n in range(rounds)], "vz"
    )
    for a in made:
        s1, s2, s3 = pool[0][0], pool[1][0], pool[1][0]
        outcomes = at_once(
            [
                lambda a=a, s=s1: usecases.set_afspraak_status(s, a.id, "ingetrokken", CHAIR, "niet meer nodig"),
                lambda a=a, s=s2: usecases.set_afspraak_status(s, a.id, "gedaan", CHAIR),
                lambda a=a, s=s3: usecases.change_afspraak(s, a.id, {"wat": "anders"}, CHAIR, "bijgesteld"),
            ],
            threads=3,
        )
        assert all(isinstance(o, Afspraak) or isinstance(o, Closed) for o in outcomes), outcomes
        with store.sessions() as session:
            final = session.get(Afspraak, a.id)
            steps = [h.actie for h in session.query(AfspraakHistorie).filter_by(afspraak_id=a.id).order_by(AfspraakHistorie.id)]
        # exactly one of withdraw / done took effect, and nothing came after it
        assert steps[0] == "gemaakt" and steps[-1] == final.status
        assert sum(s in ("gedaan", "ingetrokken") for s in steps) == 1
        assert (isinstance(outcomes[0], Afspraak)) == (final.status == "ingetrokken")


def test_the_agreement_limit_holds_when_chairs_add_at_the_same_time(database_url):
    pool = workers(database_url)
    store = pool[0][0]
    usecases.triage_and_record(Triage(), [keyed("LIM-1", [], when="2026-11-10T10:15:00+01:00")], store, "lezer")
    for _ in range(3):
        usecases.record_afspraken(store, "LIM-1", [{"wie": "politie", "wat": "x"}] * 50, CHAIR, limit=200)
    outcomes = at_once(
        [
            lambda s=pool[i % 2][0]: usecases.record_afspraken(s, "LIM-1", [{"wie": "vt", "wat": "y"}] * 50, CHAIR, limit=200)
            for i in range(4)
        ],
        threads=4,
    )
    assert sum(isinstance(o, list) for o in outcomes) == 1 and sum(isinstance(o, TooMany) for o in outcomes) == 3
    assert store.count_afspraken("LIM-1") == 200


def test_closing_one_meeting_twice_at_once_gives_the_same_meeting(database_url):
    pool = workers(database_url)
    outcomes = at_once([lambda s=pool[i % 2][0]: s.close_meeting("limburg", date(2026, 11, 10), [], "vz") for i in range(6)], threads=6)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1


def test_a_melding_sent_again_is_stored_once_and_other_content_under_its_id_is_refused(database_url):
    store = open_store(database_url)
    runner = Triage()
    first = keyed("EEN-1", ["een-record-sleutel"])
    ((_, given, failure, bestaand),) = usecases.triage_and_record(runner, [first], store, "lezer")
    assert failure is None and not bestaand
    outcomes = at_once([lambda: usecases.triage_and_record(runner, [first], store, "lezer")] * 4, threads=4)
    assert all(r[0].bestaand and r[0].advies == given for r in outcomes)
    other = first.model_copy(update={"incidentsoort": [schema.Incidentsoort("kindermishandeling")]})
    ((_, none, refused, _),) = usecases.triage_and_record(runner, [other], store, "lezer")
    assert none is None and isinstance(refused, Conflict) and "nieuw melding_id" in str(refused)
    with store.sessions() as session:
        assert session.query(AdviesRecord).filter_by(melding_id="EEN-1").count() == 1
    assert casus.number(given.casus.casus_id) == store.latest("EEN-1").casus  # the link is never lost


def test_a_scoped_key_sees_only_its_regions_and_every_casus_read_is_audited(database_url):
    store = open_store(database_url)
    ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [keyed("OB-1", ["scope-sleutel-1"], regio="oost_brabant")], store, "lezer")
    limburg, national = parse_api_keys("sl-limburg:lezer@limburg+voorzitter@limburg,sl-alles:lezer")
    with pytest.raises(casusview.CasusNotFound):
        casusview.view(store, advies.casus.casus_id, key=limburg)
    seen = casusview.view(store, advies.casus.casus_id, key=national)
    assert seen.meldingen == 1
    reads = store.casus_reads(casus.number(advies.casus.casus_id))
    assert [(r.key_id, r.via) for r in reads] == [(national.key_id, "api")]  # who and how; never what
    with pytest.raises(NotFound):
        usecases.record_afspraken(store, "OB-1", [{"wie": "politie", "wat": "x"}], limburg, limit=10)


def test_closing_before_the_meeting_day_is_refused_and_the_casus_is_not_discussed(database_url):
    store = open_store(database_url)
    runner = Triage()
    m = keyed("VROEG-1", ["vroeg-sleutel-1"], when="2026-12-01T10:15:00+01:00", regio="limburg", sash="midden")
    ((_, advies, _, _),) = usecases.triage_and_record(runner, [m], store, "lezer")
    due = advies.termijnen.volgend_actie_overleg
    if not due:
        pytest.skip("deze melding komt niet op een Actie-overleg")
    from zorgstraf import agenda

    day = date.fromisoformat(due[:10])
    week = agenda.week_of(day)
    ruleset = runner.engine_for("limburg").ruleset
    with pytest.raises(TooEarly):
        usecases.close_meeting(store, "limburg", week, ruleset, CHAIR, on=day.replace(day=day.day - 1) if day.day > 1 else date(2000, 1, 1))
    assert store.meeting("limburg", day) is None
    meeting, _ = usecases.close_meeting(store, "limburg", week, ruleset, CHAIR, on=day)
    assert meeting.gesloten_op is not None


@pytest.mark.parametrize("kind", DATABASES[:1])
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(chains=st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=3), min_size=2, max_size=10))
def test_any_interleaving_ends_in_the_same_casus_partition_as_one_by_one(tmp_path_factory, kind, chains):
    meldingen = [keyed(f"P-{i}", [f"partitie-sleutel-{k:02d}" for k in keys]) for i, keys in enumerate(chains)]

    def partition(url: str, together: bool) -> set[frozenset[str]]:
        pool = workers(url)
        if together:
            at_once([lambda m=m, w=pool[i % 2]: usecases.triage_and_record(w[1], [m], w[0], "t") for i, m in enumerate(meldingen)])
        else:
            for m in meldingen:
                usecases.triage_and_record(pool[0][1], [m], pool[0][0], "t")
        store = pool[0][0]
        groups: dict[int, set[str]] = {}
        for m in meldingen:
            record = store.latest(m.melding_id)
            groups.setdefault(store.current_casus(record.casus), set()).add(m.melding_id)
        return {frozenset(g) for g in groups.values()}

    one_by_one = partition(fresh_database(kind, tmp_path_factory.mktemp("seq")), together=False)
    assert partition(fresh_database(kind, tmp_path_factory.mktemp("conc")), together=True) == one_by_one


def test_through_the_api_one_record_scope_and_the_meeting_calendar(database_url):
    from fastapi.testclient import TestClient

    from zorgstraf.settings import Settings
    from zorgstraf_api.app import create_app

    keys = "L:lezer,LL:lezer@limburg+voorzitter@limburg,V:voorzitter"
    with TestClient(create_app(Settings(database_url=database_url, api_keys=parse_api_keys(keys)))) as client:
        lezer, limburg, chair = ({"Authorization": f"Bearer {k}"} for k in ("L", "LL", "V"))
        body = {
            "melding_id": "API-OB-1",
            "ontvangen_op": "2026-11-30T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "casus_sleutels": ["persoon-api-ob-01"],
            "sash": "hoog",
            "regio": "oost_brabant",
        }
        first = client.post("/v1/triage", json=body, headers=lezer)
        again = client.post("/v1/triage", json=body, headers=lezer)
        assert first.status_code == again.status_code == 200 and again.json() == first.json()
        changed = client.post("/v1/triage", json={**body, "sash": "laag"}, headers=lezer)
        assert changed.status_code == 409 and "nieuw melding_id" in changed.json()["detail"]
        casus_id = first.json()["casus"]["casus_id"]
        # the Limburg key: the Oost-Brabant advies, casus and agenda are not there for it, like an unknown id
        assert client.get(f"/v1/casus/{casus_id}", headers=limburg).status_code == 404
        assert client.get("/v1/advies/API-OB-1", headers=limburg).status_code == 404
        assert client.get("/v1/advies/API-OB-1", headers=lezer).status_code == 200
        assert client.post("/v1/triage", json={**body, "melding_id": "API-OB-2"}, headers=limburg).status_code == 403
        week = first.json()["termijnen"]["volgend_actie_overleg"]
        from zorgstraf import agenda

        week = agenda.week_of(date.fromisoformat(week[:10]))
        assert client.get(f"/v1/agenda?regio=oost_brabant&week={week}", headers=limburg).status_code == 404
        made = client.post("/v1/agenda/API-OB-1/afspraken", json={"afspraken": [{"wie": "om", "wat": "Overleg OvJ"}]}, headers=limburg)
        assert made.status_code == 404
        (a,) = client.post("/v1/agenda/API-OB-1/afspraken", json={"afspraken": [{"wie": "om", "wat": "Overleg OvJ"}]}, headers=chair).json()
        assert client.post(f"/v1/afspraken/{a['id']}/gedaan", headers=chair).json()["status"] == "gedaan"
        assert client.post(f"/v1/afspraken/{a['id']}/gedaan", headers=chair).status_code == 409  # done is final
        assert client.post(f"/v1/afspraken/{a['id']}/intrekken", json={"reden": "x"}, headers=chair).status_code == 409
        reopened = client.post(f"/v1/afspraken/{a['id']}/heropenen", json={"reden": "toch nog niet klaar"}, headers=chair)
        assert reopened.status_code == 200 and reopened.json()["status"] == "open"
        view = client.get(f"/v1/casus/{casus_id}", headers=lezer).json()
        assert [s["actie"] for s in view["afspraken"][0]["historie"]] == ["gemaakt", "gedaan", "heropend"]
        # the meeting of a later day cannot be closed today
        future = client.post("/v1/agenda/sluiten?regio=oost_brabant&week=2099-W10", headers=chair)
        assert future.status_code == 400 and "nog niet geweest" in future.json()["detail"]


def test_a_rerun_of_triage_opslaan_stores_only_what_is_missing_and_says_how_many_were_there(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    data = tmp_path / "m.jsonl"
    data.write_text(
        "".join(
            json.dumps({"melding_id": f"RR-{i}", "ontvangen_op": "2026-11-30T10:00:00+01:00", "incidentsoort": ["partnergeweld"]}) + "\n"
            for i in range(5)
        )
    )
    url = f"sqlite:///{tmp_path / 'z.db'}"
    env = {**os.environ, "ZORGSTRAF_DATABASE_URL": url}
    exe = str(Path(sys.executable).parent / "zorgstraf")
    first = subprocess.run([exe, "triage", str(data), "--opslaan", "--format", "jsonl"], capture_output=True, text=True, env=env)
    data.write_text(
        data.read_text()
        + json.dumps({"melding_id": "RR-5", "ontvangen_op": "2026-11-30T11:00:00+01:00", "incidentsoort": ["partnergeweld"]})
        + "\n"
    )
    second = subprocess.run([exe, "triage", str(data), "--opslaan", "--format", "jsonl"], capture_output=True, text=True, env=env)
    assert first.returncode == second.returncode == 0, second.stderr
    assert "5 melding(en) waren al opgeslagen" in second.stderr
    assert second.stdout.splitlines()[:5] == first.stdout.splitlines()
    store = open_store(url)
    assert store.count_advies() == 6


def test_the_police_list_forms_casussen_from_its_key_columns_and_never_keeps_the_numbers(tmp_path):
    """A column list names key columns (bvh_querylijst: person and address numbers); they are
    pseudonymised with the secret on the way in, link the meldingen into one casus, and the number
    itself is in neither the store nor the output. Without the secret the list is refused in one line."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    lijst = tmp_path / "querylijst.csv"
    lijst.write_text(
        "Registratienummer;Datum/tijd melding;Eenheid;Maatschappelijke klasse;Persoonsnummer verdachte;Persoonsnummer slachtoffer\n"
        "PL-1;01-12-2026 10:00;Limburg;Huiselijk geweld partner;314159265;271828\n"
        "PL-2;02-12-2026 10:00;Limburg;Huiselijk geweld partner;161803;314159265\n"
        "PL-3;03-12-2026 10:00;Limburg;Huiselijk geweld partner;141421;\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'z.db'}"
    exe = str(Path(sys.executable).parent / "zorgstraf")
    args = [exe, "triage", str(lijst), "--kolommen", "bvh_querylijst", "--opslaan", "--format", "jsonl"]
    env = {k: v for k, v in os.environ.items() if k != "ZORGSTRAF_CASUS_SLEUTEL_GEHEIM"} | {"ZORGSTRAF_DATABASE_URL": url}
    refused = subprocess.run(args, capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "ZORGSTRAF_CASUS_SLEUTEL_GEHEIM" in refused.stderr
    assert "Persoonsnummer verdachte" in refused.stderr and "Traceback" not in refused.stderr

    env["ZORGSTRAF_CASUS_SLEUTEL_GEHEIM"] = "een-geheim-van-de-regio-van-32-tekens!"
    stored = subprocess.run(args, capture_output=True, text=True, env=env)
    assert stored.returncode == 0, stored.stderr
    casus_of = {a["melding_id"]: (a["casus"] or {}).get("casus_id") for a in map(json.loads, stored.stdout.splitlines())}
    assert casus_of["PL-1"] == casus_of["PL-2"] is not None  # the victim of PL-2 is the suspect of PL-1
    assert casus_of["PL-3"] != casus_of["PL-1"]
    database = (tmp_path / "z.db").read_bytes()
    for number in ("314159265", "271828", "161803"):
        assert number.encode() not in database and number not in stored.stdout + stored.stderr

    # a second secret gives other keys: the list no longer links to what the first secret stored
    other = {
        **env,
        "ZORGSTRAF_CASUS_SLEUTEL_GEHEIM": "een-ander-geheim-van-minstens-32-tekens",
        "ZORGSTRAF_DATABASE_URL": f"sqlite:///{tmp_path / 'y.db'}",
    }
    again = subprocess.run(args, capture_output=True, text=True, env=other)
    assert again.returncode == 0
    store = open_store(url)
    with store.sessions() as session:
        first_keys = {k for (k,) in session.query(CasusSleutel.sleutel).all()}
    store_other = open_store(other["ZORGSTRAF_DATABASE_URL"])
    with store_other.sessions() as session:
        assert not first_keys & {k for (k,) in session.query(CasusSleutel.sleutel).all()}


def test_storing_an_uploaded_list_again_keeps_every_casus_link(database_url, monkeypatch):
    """The dashboard's 'Adviezen bewaren' on a list whose meldingen are already stored (by the CLI,
    or a colleague) answers their stored advies, linked to their casus, never a copy without it."""
    from zorgstraf.io import read_meldingen
    from zorgstraf.spreadsheet import load_kolommen

    monkeypatch.setenv("ZORGSTRAF_CASUS_SLEUTEL_GEHEIM", "x" * 32)
    text = (
        "Registratienummer;Datum/tijd melding;Eenheid;Maatschappelijke klasse;Persoonsnummer verdachte;Adresnummer pleegplaats\n"
        "UP-1;01-12-2026 10:00;Oost-Brabant;Huiselijk geweld partner;5551;A-77\n"
        "UP-2;02-12-2026 10:00;Oost-Brabant;Huiselijk geweld partner;5552;A-77\n"
    ).encode()

    def upload():
        return [m for _, m in read_meldingen("lijst.csv", load_kolommen("bvh_querylijst"), data=text, name="lijst.csv")]

    store = open_store(database_url)
    first = usecases.triage_and_record(Triage(), upload(), store, "lezer")
    again = usecases.triage_and_record(Triage(), upload(), store, "lezer")
    assert [r.advies.casus.casus_id for r in first] == [r.advies.casus.casus_id for r in again]
    assert first[0].advies.casus.casus_id == first[1].advies.casus.casus_id  # one address, one casus
    assert all(r.bestaand for r in again) and store.count_advies() == 2
    with store.sessions() as session:
        assert session.query(AdviesRecord).filter(AdviesRecord.casus.is_(None)).count() == 0
