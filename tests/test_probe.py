"""The outside probe's defects (issue 11): each test here failed on the code the probe found.

Nothing lost (bad settings, unstorable text, bad lines, races), nothing run (pickles, YAML bombs),
nothing leaked (hashes of unstored text, formulas, other regions' afspraken).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from zorgstraf import agenda as agenda_mod
from zorgstraf.errors import ConfigError
from zorgstraf.samples import generate
from zorgstraf.settings import Settings, from_environment, parse_api_keys
from zorgstraf.storage import AdviesRecord, Store, input_hash, open_store
from zorgstraf_api.app import create_app

from .conftest import ROOT, melding, run_cli

KEYS = "lees-1:lezer,vz-limburg:voorzitter@limburg,vz-alle:voorzitter,beleid-1:beleid"
LEZER = {"Authorization": "Bearer lees-1"}
VZ_LIMBURG = {"Authorization": "Bearer vz-limburg"}
VZ_ALLE = {"Authorization": "Bearer vz-alle"}
EXE = str(Path(sys.executable).parent / "zorgstraf")


def client_for(url: str, **extra) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, api_keys=parse_api_keys(KEYS), **extra)))


def body(**fields) -> dict:
    data = {"melding_id": "P-1", "ontvangen_op": "2026-03-10T14:30:00+01:00", "incidentsoort": ["ex_partnerstalking"], "sash": "hoog"}
    data.update(fields)
    return data


def env_with(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZORGSTRAF_")}
    env.update({f"ZORGSTRAF_{k}": v for k, v in values.items()})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- 1. settings that destroy data --------------------------------------------------------------


@pytest.mark.parametrize(
    "name,value",
    [
        ("RETENTION_DAYS", "-1"),
        ("RETENTION_DAYS", "0"),
        ("RETENTION_DAYS", "veel"),
        ("RETENTION_INTERVAL_SECONDS", "0"),
        ("RETENTION_INTERVAL_SECONDS", "-3"),
        ("MAX_BODY_BYTES", "0"),
        ("MAX_BODY_BYTES", "-5"),
        ("INBOX_MAX_ROWS", "0"),
        ("SIGNIN_LIMIT", "dertig"),
        ("STORE_TOELICHTING", "misschien"),
        ("API_KEYS", "geheim:baas"),
    ],
)
def test_a_bad_setting_is_one_dutch_line_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(f"ZORGSTRAF_{name}", value)
    with pytest.raises(ConfigError) as caught:
        from_environment()
    message = str(caught.value)
    assert message.startswith(f"ZORGSTRAF_{name}:") and "\n" not in message
    if name == "API_KEYS":
        assert "geheim" not in message  # a key is never echoed


def test_serve_with_a_negative_retention_refuses_to_start_and_deletes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    store = open_store(url)
    store.save(melding(), _advies(), "test")
    result = subprocess.run(
        [EXE, "serve", "--port", str(free_port())],
        env=env_with(DATABASE_URL=url, RETENTION_DAYS="-1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "ZORGSTRAF_RETENTION_DAYS" in result.stderr and "Traceback" not in result.stderr
    assert store.count_advies() == 1
    purge = subprocess.run(
        [EXE, "retentie"], env=env_with(DATABASE_URL=url, RETENTION_DAYS="-5"), capture_output=True, text=True, timeout=60
    )
    assert purge.returncode == 2 and "ZORGSTRAF_RETENTION_DAYS" in purge.stderr
    assert store.count_advies() == 1
    with pytest.raises(ValueError):
        store.purge(-1)


def _advies():
    from zorgstraf.triage import Triage

    return Triage().evaluate([melding()])[0]


def test_retentie_says_how_many_and_asks_for_ja_above_ten_percent(tmp_path):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    store = open_store(url)
    advies = _advies()
    for n in range(10):
        store.save(melding(melding_id=f"R-{n}"), advies, "test")
    with store.sessions.begin() as s:  # five were given 400 days ago
        for record in s.query(AdviesRecord).filter(AdviesRecord.id <= 5):
            record.aangemaakt_op = datetime.now(timezone.utc) - timedelta(days=400)
    env = env_with(DATABASE_URL=url)
    refused = subprocess.run([EXE, "retentie", "--dagen", "365"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "5 van 10" in refused.stderr and "--ja" in refused.stderr
    assert store.count_advies() == 10
    done = subprocess.run([EXE, "retentie", "--dagen", "365", "--ja"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "5 advies(en)" in done.stdout and store.count_advies() == 5


# --- 2. NUL bytes and other unstorable text ----------------------------------------------------


def test_unstorable_text_is_a_422_naming_the_field_on_every_database(database_url):
    with client_for(database_url) as c:
        for fields, field in [
            ({"melding_id": "a\u0000b"}, "melding_id"),
            ({"toelichting": "x\u0000y"}, "toelichting"),
            ({"melding_id": "a\tb"}, "melding_id"),
        ]:
            r = c.post("/v1/triage", json=body(**fields), headers=LEZER)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, r.text
        raw = json.dumps(body()).replace('"P-1"', '"P-\\ud800"')  # a lone surrogate: not UTF-8
        r = c.post("/v1/triage", content=raw, headers={**LEZER, "content-type": "application/json"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "melding_id"
        assert c.post("/v1/triage", json=body(), headers=LEZER).status_code == 200
        r = c.post("/v1/agenda/P-1/afspraken", json={"afspraken": [{"wie": "politie", "wat": "bellen\u0000"}]}, headers=VZ_ALLE)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "wat"
        assert c.get("/v1/advies/a%00b", headers=LEZER).status_code == 422


def test_a_batch_item_that_fails_is_reported_in_its_own_result_and_never_stops_the_others(database_url):
    with client_for(database_url) as c:
        batch = [body(melding_id="B-1"), body(melding_id="B-\u0000"), body(melding_id="B-3")]
        r = c.post("/v1/triage/batch", json=batch, headers=LEZER)
        assert r.status_code == 200
        assert [x["status"] for x in r.json()] == ["ok", "afgewezen", "ok"]
        assert c.get("/v1/advies/B-3", headers=LEZER).status_code == 200
        state = c.app.state.zorgstraf
        real_save = state.store.save

        def flaky(m, *args, **kwargs):
            if m.melding_id == "C-2":
                raise RuntimeError("schijf vol")
            return real_save(m, *args, **kwargs)

        state.store.save = flaky
        r = c.post("/v1/triage/batch", json=[body(melding_id=f"C-{n}") for n in (1, 2, 3)], headers=LEZER)
        assert r.status_code == 200 and [x["status"] for x in r.json()] == ["ok", "fout", "ok"]
        assert "opnieuw" in r.json()[1]["fouten"][0]["reden"]
        assert c.get("/v1/advies/C-3", headers=LEZER).status_code == 200


# --- 4. a bad line never sinks a batch ---------------------------------------------------------


def test_bad_lines_are_named_and_skipped_and_the_rest_is_triaged_and_stored(tmp_path):
    lines = [json.dumps(m).encode() for m in generate(1000, seed=5)]
    lines[9] = b"[" * 1000 + b"]" * 1000
    lines[19] = b'{"melding_id": "L", "eerdere_vt_meldingen": ' + b"9" * 4400 + b"}"
    lines[799] = lines[799].replace(b'"melding_id"', b'"melding_id\xff"')
    path = tmp_path / "meldingen.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    url = f"sqlite:///{tmp_path / 'z.db'}"
    result = subprocess.run(
        [EXE, "triage", str(path), "--opslaan", "--format", "jsonl"],
        env=env_with(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 997
    for line in (10, 20, 800):
        assert f"meldingen.jsonl:{line}:" in result.stderr
    assert Store(url).count_advies() == 997

    import io

    from zorgstraf.samples import to_csv

    buffer = io.StringIO()
    to_csv(generate(30, seed=6), buffer)
    rows = buffer.getvalue().encode().split(b"\n")
    rows[3] = rows[3].replace(b"S", b'"S' + b"x" * 140_000 + b'"', 1)
    rows[7] = rows[7].replace(b"S", b"S\x81", 1)  # no character in UTF-8 nor in Windows-1252
    csv_path = tmp_path / "meldingen.csv"
    csv_path.write_bytes(b"\n".join(rows))
    result = subprocess.run([EXE, "triage", str(csv_path), "--format", "jsonl"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 28
    assert "meldingen.csv:4:" in result.stderr and "meldingen.csv:8: kolom 'melding_id'" in result.stderr


# --- 5. rule files ------------------------------------------------------------------------------


def test_yaml_alias_bombs_are_refused_with_file_and_line(tmp_path):
    loop = tmp_path / "lus.yaml"
    loop.write_text("a: &a [*a]\n")
    lines = ["a0: &a0 [x,x,x,x,x,x,x,x,x]"] + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = tmp_path / "bom.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    for path, line in [(loop, 1), (bomb, 6)]:
        result = subprocess.run([EXE, "rules", "show", "--regio", str(path)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 2 and result.stderr.startswith(f"{path}:{line}: ") and "Traceback" not in result.stderr


# --- 6. the key before the body ----------------------------------------------------------------


def test_a_request_without_a_valid_key_is_refused_before_its_body_is_read(tmp_path):
    import asyncio

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'z.db'}", api_keys=parse_api_keys(KEYS)))
    with TestClient(app):  # lifespan ran: state is there
        for headers in ([], [(b"authorization", b"Bearer fout")]):
            received, sent = [], []

            async def receive():
                received.append(1)
                return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

            async def send(message):
                sent.append(message)

            scope = {
                "type": "http",
                "method": "POST",
                "path": "/v1/triage",
                "raw_path": b"/v1/triage",
                "query_string": b"",
                "headers": [(b"content-type", b"application/json"), *headers],
                "app": app,
                "client": ("10.0.0.9", 1234),
                "server": ("test", 80),
                "scheme": "http",
                "root_path": "",
                "http_version": "1.1",
            }
            asyncio.run(app(scope, receive, send))
            assert sent[0]["status"] == 401 and received == []


# --- 7. operations ------------------------------------------------------------------------------


def test_first_runs_on_a_new_sqlite_file_do_not_race_on_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'nieuw.db'}"
    sample = str(ROOT / "data" / "samples" / "meldingen.jsonl")
    runs = [
        subprocess.Popen(
            [EXE, "triage", sample, "--opslaan", "--format", "jsonl"],
            env=env_with(DATABASE_URL=url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    errors = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
    assert [rc for rc, _ in errors] == [0] * 6, errors


def test_with_the_database_down_health_and_routes_answer_503_in_dutch(database_url):
    from sqlalchemy import create_engine

    with client_for(database_url) as c:
        c.app.state.zorgstraf.store.engine = create_engine("postgresql+psycopg://x@127.0.0.1:1/weg", connect_args={"connect_timeout": 2})
        from sqlalchemy.orm import sessionmaker

        c.app.state.zorgstraf.store.sessions = sessionmaker(c.app.state.zorgstraf.store.engine)
        health = c.get("/health")
        assert health.status_code == 503 and "database" in health.json()["detail"] and health.json()["status"] == "storing"
        r = c.post("/v1/triage", json=body(), headers=LEZER)
        assert r.status_code == 503 and "probeer het later opnieuw" in r.json()["detail"]
        assert c.get("/v1/advies/P-1", headers=LEZER).status_code == 503


def test_serve_without_a_database_exits_2_with_one_line():
    result = subprocess.run(
        [EXE, "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_with(DATABASE_URL="postgresql://x@127.0.0.1:1/weg", API_KEYS="k:lezer"),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("fout:")] == [result.stderr.splitlines()[-1]]


def test_the_served_api_prints_its_access_and_retention_lines_and_ignores_forwarded_for(tmp_path):
    port = free_port()
    env = env_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'z.db'}",
        API_KEYS="goede-sleutel:beleid",
        RETENTION_DAYS="30",
        RETENTION_INTERVAL_SECONDS="0.2",
        SIGNIN_LIMIT="2 per hour",
    )
    server = subprocess.Popen([EXE, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        # Wrong keys, each claiming another address: counted against the real one, so the right key is refused too.
        for n in range(2):
            assert (
                httpx.get(base + "/v1/regels", headers={"Authorization": f"Bearer fout-{n}", "X-Forwarded-For": f"10.0.0.{n}"}).status_code
                == 401
            )
        right = httpx.get(base + "/v1/regels", headers={"Authorization": "Bearer goede-sleutel", "X-Forwarded-For": "10.0.0.99"})
        assert right.status_code == 429
        time.sleep(0.5)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "zorgstraf.api: GET /health 200" in err and "retentie: 0 adviezen ouder dan 30 dagen verwijderd" in err
    assert "goede-sleutel" not in err and "fout-0" not in err


# --- 8. privacy ---------------------------------------------------------------------------------


def test_the_input_hash_cannot_confirm_a_guessed_toelichting(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'z.db'}")
    secret = melding(toelichting="buurman Jansen sloeg haar")
    store.save(secret, _advies(), "test")
    stored = store.latest("T1")
    assert stored is not None and stored.input_hash != input_hash(secret)  # the right guess is not confirmed
    assert stored.input_hash == input_hash(secret.model_copy(update={"toelichting": ""}))  # the hash of what is stored


def test_csv_output_neutralises_formula_prefixes(tmp_path):
    path = tmp_path / "m.jsonl"
    rows = [body(melding_id=i) for i in ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "gewoon")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_cli("triage", str(path), "--format", "csv")
    cells = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert cells[0].startswith("\"'=HYPERLINK") and cells[1:] == ["'+1", "'-1", "'@SUM(A1)", "gewoon"]


def test_markdown_output_escapes_pipes_and_html():
    item = agenda_mod.OpenAfspraak(id=1, melding_id="M|1", wie="politie", wat="<img src=x onerror=alert(1)> | kolom", uiterlijk=None)
    result = agenda_mod.Agenda(
        regio="limburg", week="2026-W12", datum=None, stappen=[], items=[], open_afspraken_overig=[item], bron="test"
    )
    text = agenda_mod.to_markdown(result)
    assert "<img" not in text and "&lt;img" in text and "\\| kolom" in text and "M\\|1" in text


def test_a_regional_chair_sees_and_changes_only_its_own_regions(database_url):
    with client_for(database_url) as c:
        for mid, regio in (("L-1", "limburg"), ("O-1", "oost_brabant")):
            assert c.post("/v1/triage", json=body(melding_id=mid, regio=regio), headers=LEZER).status_code == 200
        assert c.get("/v1/agenda?regio=limburg&week=2026-W12", headers=VZ_LIMBURG).status_code == 200
        assert c.get("/v1/agenda?regio=oost_brabant&week=2026-W12", headers=VZ_LIMBURG).status_code == 404
        afspraak = {"afspraken": [{"wie": "politie", "wat": "huisbezoek"}]}
        assert c.post("/v1/agenda/L-1/afspraken", json=afspraak, headers=VZ_LIMBURG).status_code == 201
        assert c.post("/v1/agenda/O-1/afspraken", json=afspraak, headers=VZ_LIMBURG).status_code == 404
        other = c.post("/v1/agenda/O-1/afspraken", json=afspraak, headers=VZ_ALLE).json()[0]["id"]
        assert c.post(f"/v1/afspraken/{other}/gedaan", headers=VZ_LIMBURG).status_code == 404
        assert c.post(f"/v1/afspraken/{other}/gedaan", headers=VZ_ALLE).status_code == 200


def test_afspraken_per_melding_are_bounded(database_url):
    with client_for(database_url, max_afspraken_per_melding=3) as c:
        c.post("/v1/triage", json=body(), headers=LEZER)
        items = {"afspraken": [{"wie": "politie", "wat": f"taak {n}"} for n in range(3)]}
        assert c.post("/v1/agenda/P-1/afspraken", json=items, headers=VZ_ALLE).status_code == 201
        refused = c.post("/v1/agenda/P-1/afspraken", json={"afspraken": [{"wie": "vt", "wat": "nog een"}]}, headers=VZ_ALLE)
        assert refused.status_code == 409 and "hoogstens 3" in refused.json()["detail"]


# --- 9. OpenAPI ---------------------------------------------------------------------------------


def test_openapi_declares_the_bearer_scheme_and_every_refusal_and_docs_work_offline(tmp_path):
    with client_for(f"sqlite:///{tmp_path / 'z.db'}") as c:
        spec = c.get("/openapi.json").json()
        schemes = spec["components"]["securitySchemes"]
        assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
        for path, operations in spec["paths"].items():
            for method, op in operations.items():
                codes = set(op["responses"])
                assert {"413", "503"} <= codes, (method, path)
                if path != "/health":
                    assert {"400", "401", "403", "429"} <= codes and op.get("security"), (method, path)
        docs = c.get("/docs").text
        assert "cdn." not in docs and "https://" not in docs
        scripts = [part.split('"')[0] for part in docs.split('src="')[1:]] + [part.split('"')[0] for part in docs.split('href="')[1:]]
        assert scripts and all(c.get(url).status_code == 200 for url in scripts if url.startswith("/"))
