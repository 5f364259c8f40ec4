"""The HTTP API on SQLite and (when ZORGSTRAF_TEST_POSTGRES_URL is set) on PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from zorgstraf.settings import Settings, parse_api_keys
from zorgstraf.storage import AdviesRecord, Store
from zorgstraf_api.app import create_app

KEYS = "lees-123:lezer,voorzitter-456:voorzitter,beleid-789:beleid,alles-000:lezer+voorzitter+beleid"
LEZER = {"Authorization": "Bearer lees-123"}
VOORZITTER = {"Authorization": "Bearer voorzitter-456"}
BELEID = {"Authorization": "Bearer beleid-789"}
ALLES = {"Authorization": "Bearer alles-000"}


def make_client(url: str, **extra) -> TestClient:
    settings = Settings(database_url=url, api_keys=parse_api_keys(KEYS), **extra)
    return TestClient(create_app(settings))


@pytest.fixture
def client(database_url):
    with make_client(database_url) as c:
        yield c


def melding(**fields):
    data = {"melding_id": "API-1", "ontvangen_op": "2026-03-10T14:30:00+01:00", "incidentsoort": ["ex_partnerstalking"], "sash": "hoog"}
    data.update(fields)
    return data


def test_health_needs_no_key(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok" and len(body["regelset"]["hash"]) == 64


def test_no_key_is_401_and_a_key_without_the_role_is_403(client):
    assert client.post("/v1/triage", json=melding()).status_code == 401
    assert client.post("/v1/triage", json=melding(), headers={"Authorization": "Bearer fout"}).status_code == 401
    assert client.post("/v1/triage", json=melding(), headers=VOORZITTER).status_code == 403
    assert client.get("/v1/regels", headers=LEZER).status_code == 403
    assert client.get("/v1/agenda?regio=limburg&week=2026-W12", headers=BELEID).status_code == 403


def test_triage_stores_the_advies_as_given_with_its_audit_trail(client, database_url):
    given = client.post("/v1/triage", json=melding(toelichting="geheim"), headers=LEZER)
    assert given.status_code == 200 and given.json()["actie_overleg"]["agenderen"]
    stored = client.get("/v1/advies/API-1", headers=LEZER)
    assert stored.status_code == 200 and stored.json() == given.json()
    store = Store(database_url)
    with store.sessions() as s:
        record = s.query(AdviesRecord).one()
    assert record.regelset_hash == given.json()["regelset"]["hash"] and len(record.input_hash) == 64
    assert record.key_id and "lees-123" not in record.key_id
    assert "geheim" not in record.melding_json  # toelichting is not stored unless configured
    assert client.get("/v1/advies/ONBEKEND", headers=LEZER).status_code == 404


def test_toelichting_is_stored_only_when_configured(database_url):
    with make_client(database_url, store_toelichting=True) as c:
        c.post("/v1/triage", json=melding(toelichting="bewaren"), headers=LEZER)
    with Store(database_url).sessions() as s:
        assert "bewaren" in s.query(AdviesRecord).one().melding_json


def test_too_many_wrong_keys_from_one_address_are_refused_with_429_even_the_right_key(database_url):
    with make_client(database_url, signin_limit="3 per hour") as c:
        for n in range(3):
            assert c.get("/v1/regels", headers={"Authorization": f"Bearer fout-{n}"}).status_code == 401
        refused = c.get("/v1/regels", headers=BELEID)
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
        assert "te veel onjuiste sleutels" in refused.json()["detail"]
        assert c.get("/health").status_code == 200  # no key, nothing to refuse


def test_contract_errors_are_422_naming_the_field(client):
    bad = client.post("/v1/triage", json=melding(kinderen={"aantal_minderjarig": False}), headers=LEZER)
    assert bad.status_code == 422 and "aantal_minderjarig" in json.dumps(bad.json())
    typo = client.post("/v1/triage", json=melding(verdachte={"wapn": "geen"}), headers=LEZER)
    assert typo.status_code == 422 and "wapn" in json.dumps(typo.json())
    assert typo.json()["detail"][0]["msg"] == "onbekend veld (typfout?); bedoelde je 'wapen'?"
    assert "input" not in typo.json()["detail"][0]  # the request is never echoed back
    broken = client.post("/v1/triage", content=b"{not json", headers={**LEZER, "content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["msg"].startswith("ongeldige JSON")


def test_a_batch_keeps_the_good_meldingen_and_names_the_bad_one(client):
    body = [melding(melding_id="B1"), melding(melding_id="B2", sash="hooog"), "geen object", melding(melding_id="B4", sash=None)]
    results = client.post("/v1/triage/batch", json=body, headers=LEZER).json()
    assert [r["status"] for r in results] == ["ok", "afgewezen", "afgewezen", "ok"]
    assert results[1]["melding_id"] == "B2" and results[1]["fouten"][0]["veld"] == "sash"
    assert client.get("/v1/advies/B4", headers=LEZER).status_code == 200


def test_regio_query_overrides_the_melding(client):
    advies = client.post("/v1/triage?regio=limburg", json=melding(regio="noord_holland"), headers=LEZER).json()
    assert advies["regio"] == "limburg"
    unknown = client.post("/v1/triage?regio=atlantis", json=melding(), headers=LEZER)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "regio"]  # a region name, never a path
    assert client.post("/v1/triage?regio=./voorstel.yaml", json=melding(), headers=LEZER).status_code == 422


def test_score_is_filled_on_request(client):
    advies = client.post("/v1/triage?score=true", json=melding(), headers=LEZER).json()
    assert advies["score"]["punten"] == sum(advies["score"]["bijdragen"].values())


def test_agenda_orders_cases_and_carries_open_agreements_to_the_next_week(client):
    # Received on Wednesday 11 March 2026: limburg's Actie-overleg (Tuesday) is on 17 March, week 12.
    for mid, sash, t in (
        ("A-MIDDEN", "midden", "2026-03-11T09:00:00+01:00"),
        ("A-HOOG-LAAT", "hoog", "2026-03-11T12:00:00+01:00"),
        ("A-HOOG-VROEG", "hoog", "2026-03-11T08:00:00+01:00"),
    ):
        client.post("/v1/triage", json=melding(melding_id=mid, sash=sash, ontvangen_op=t, regio="limburg"), headers=LEZER)
    agenda = client.get("/v1/agenda?regio=limburg&week=2026-W12", headers=VOORZITTER).json()
    assert agenda["datum"] == "2026-03-17"
    assert [i["melding_id"] for i in agenda["items"]] == ["A-HOOG-VROEG", "A-HOOG-LAAT", "A-MIDDEN"]
    assert agenda["items"][0]["helpende_vragen"] and "politie" in agenda["items"][0]["partners"]
    made = client.post(
        "/v1/agenda/A-HOOG-VROEG/afspraken",
        json={"afspraken": [{"wie": "politie", "wat": "stopgesprek", "uiterlijk": "2026-03-20"}]},
        headers=VOORZITTER,
    )
    assert made.status_code == 201
    later = client.get("/v1/agenda?regio=limburg&week=2026-W13", headers=VOORZITTER).json()
    assert later["open_afspraken_overig"][0]["wat"] == "stopgesprek"
    client.post(f"/v1/afspraken/{made.json()[0]['id']}/gedaan", headers=VOORZITTER)
    assert client.get("/v1/agenda?regio=limburg&week=2026-W13", headers=VOORZITTER).json()["open_afspraken_overig"] == []
    md = client.get("/v1/agenda?regio=limburg&week=2026-W12&format=md", headers=VOORZITTER)
    html = client.get("/v1/agenda?regio=limburg&week=2026-W12&format=html", headers=VOORZITTER)
    assert md.text.startswith("# Actie-overleg Limburg") and "<h1>" in html.text and "A-HOOG-VROEG" in html.text
    assert client.get("/v1/agenda?regio=limburg&week=12", headers=VOORZITTER).status_code == 422


def test_compare_and_rule_sets_for_policy_teams(client):
    meldingen = [
        melding(
            melding_id=f"C{i}",
            incidentsoort=["partnergeweld"],
            sash=None,
            ontvangen_op="2026-03-12T14:00:00+01:00",
            verdachte={"aangehouden": True},
        )
        for i in range(3)
    ]
    report = client.post("/v1/compare", json={"meldingen": meldingen, "varianten": ["limburg"]}, headers=BELEID).json()
    assert report["basis"] == "landelijk" and len(report["gewijzigd"]) == 3
    sets = client.get("/v1/regels", headers=BELEID).json()
    assert {s["variant"] for s in sets} >= {"landelijk", "limburg"} and all(len(s["hash"]) == 64 for s in sets)
    one = client.get("/v1/regels/limburg", headers=BELEID).json()
    assert "vt_zsm_dagen" in one["verschil_md"]
    assert client.get("/v1/regels/atlantis", headers=BELEID).status_code == 404


def test_too_large_requests_are_refused(database_url):
    with make_client(database_url, max_body_bytes=500) as c:
        assert c.post("/v1/triage", content=b"x" * 1000, headers={**LEZER, "content-type": "application/json"}).status_code == 413


def test_keys_and_bodies_never_reach_the_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="zorgstraf.api"):
        client.post("/v1/triage", json=melding(toelichting="vertrouwelijk-XYZ"), headers=LEZER)
    text = caplog.text
    assert "/v1/triage" in text and "lees-123" not in text and "vertrouwelijk-XYZ" not in text


def test_retention_deletes_old_advies(database_url):
    from datetime import datetime, timedelta, timezone

    with make_client(database_url) as c:
        c.post("/v1/triage", json=melding(), headers=LEZER)
    store = Store(database_url)
    with store.sessions.begin() as s:
        s.query(AdviesRecord).update({AdviesRecord.aangemaakt_op: datetime.now(timezone.utc) - timedelta(days=40)})
    assert store.purge(30) == 1 and store.latest("API-1") is None


def test_the_running_service_applies_retention_on_its_schedule(database_url):
    import time
    from datetime import datetime, timedelta, timezone

    # confirmed: one of two advies is half the store, which the guard would otherwise refuse
    with make_client(database_url, retention_days=30, retention_interval_seconds=0.2, retention_confirm=True) as c:
        assert c.post("/v1/triage", json=melding(), headers=LEZER).status_code == 200
        assert c.post("/v1/triage", json=melding(melding_id="API-VERS"), headers=LEZER).status_code == 200
        store = Store(database_url)
        with store.sessions.begin() as s:  # API-1 was advised 40 days ago
            s.query(AdviesRecord).filter(AdviesRecord.melding_id == "API-1").update(
                {AdviesRecord.aangemaakt_op: datetime.now(timezone.utc) - timedelta(days=40)}
            )
        deadline = time.monotonic() + 10
        while store.latest("API-1") is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.latest("API-1") is None  # deleted while the service kept running
        assert c.get("/v1/advies/API-VERS", headers=LEZER).status_code == 200


def test_a_chunked_body_over_the_limit_is_refused_too(database_url):
    def chunks():
        for _ in range(10):
            yield b" " * 100  # no Content-Length: the limit is counted as the body arrives

    with make_client(database_url, max_body_bytes=500) as c:
        r = c.post("/v1/triage", content=chunks(), headers={**LEZER, "content-type": "application/json"})
        assert r.status_code == 413 and "te groot" in r.json()["detail"]


def test_each_request_is_logged_with_its_key_id(client, caplog):
    from zorgstraf.settings import parse_api_keys

    with caplog.at_level(logging.INFO, logger="zorgstraf.api"):
        client.post("/v1/triage", json=melding(), headers=LEZER)
    key_id = parse_api_keys(KEYS)[0].key_id
    assert f"POST /v1/triage 200 key={key_id}" in caplog.text


def test_settings_read_from_the_environment_name_a_bad_value(monkeypatch):
    from zorgstraf.errors import ConfigError
    from zorgstraf.settings import from_environment

    monkeypatch.setenv("ZORGSTRAF_RETENTION_INTERVAL_SECONDS", "0.5")
    monkeypatch.setenv("ZORGSTRAF_INBOX_MAX_ROWS", "500")
    settings = from_environment()
    assert (settings.retention_interval_seconds, settings.inbox_max_rows) == (0.5, 500)
    monkeypatch.setenv("ZORGSTRAF_RETENTION_INTERVAL_SECONDS", "elk uur")
    with pytest.raises(ConfigError, match="ZORGSTRAF_RETENTION_INTERVAL_SECONDS: verwacht een getal"):
        from_environment()
    monkeypatch.delenv("ZORGSTRAF_RETENTION_INTERVAL_SECONDS")
    monkeypatch.setenv("ZORGSTRAF_SIGNIN_LIMIT", "heel veel")
    with pytest.raises(ConfigError, match="ZORGSTRAF_SIGNIN_LIMIT: verwacht bijvoorbeeld '30 per minute'"):
        from_environment()


def test_openapi_documents_every_refusal_a_client_can_get(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path != "/health":
                assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
    assert "404" in paths["/v1/afspraken/{afspraak_id}/gedaan"]["post"]["responses"]
    assert paths["/v1/triage"]["post"]["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Weigering"
    }
