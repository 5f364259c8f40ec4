"""Bad input, round 2 (issue 24; the reliability probe of 2026-12-06, N6-N16): one clear Dutch line,
bounded cost, nothing lost, and a dangerous setting refuses to start."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from zorgstraf.settings import Settings, parse_api_keys
from zorgstraf_api.app import create_app

from .test_server import start, stop

ALL = {"Authorization": "Bearer alles-000"}
EDGES = [
    "/v1/indicatoren?regio=limburg&van=0001-01-01&tot=2026-01-01",
    "/v1/indicatoren?regio=limburg&van=2026-01-01&tot=9999-12-31",
    "/v1/agenda?regio=limburg&week=9999-W52",
    "/v1/agenda?regio=limburg&week=0000-W00",
    "/v1/agenda?regio=limburg&week=2026-W54",
]


def client(url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, api_keys=parse_api_keys("alles-000:lezer+voorzitter+beleid"))))


def test_dates_and_weeks_outside_the_calendar_are_a_422_that_names_the_parameter(database_url):
    with client(database_url) as c:
        for url in EDGES:
            answer = c.get(url, headers=ALL)
            assert answer.status_code == 422, (url, answer.text)
            (problem,) = answer.json()["detail"]
            assert problem["loc"][1] in ("van", "tot", "week") and ("1900-2199" in problem["msg"] or "JJJJ-Www" in problem["msg"])
        lone = b'{"varianten": ["\\ud800"], "meldingen": [{"melding_id": "X"}]}'
        answer = c.post("/v1/compare", headers={**ALL, "content-type": "application/json"}, content=lone)
        assert answer.status_code == 422 and "varianten" in answer.text


def test_an_unexpected_error_is_a_500_with_an_id_and_the_service_goes_on(database_url, monkeypatch, caplog):
    from zorgstraf import werkset

    def broken(*_args, **_kwargs):
        raise RuntimeError("geheime inhoud die niet in het antwoord mag")

    monkeypatch.setattr(werkset, "report", broken)
    with TestClient(
        create_app(Settings(database_url=database_url, api_keys=parse_api_keys("alles-000:lezer+voorzitter+beleid"))),
        raise_server_exceptions=False,
    ) as c:
        answer = c.get("/v1/indicatoren?regio=limburg&van=2026-01-01&tot=2026-02-01", headers=ALL)
        assert answer.status_code == 500
        request_id = answer.headers["x-request-id"]
        assert request_id in answer.json()["detail"] and "geheime" not in answer.text
        assert c.get("/health").status_code == 200
    assert any(request_id in r.getMessage() and "RuntimeError" in r.getMessage() for r in caplog.records)
    assert not any("geheime" in r.getMessage() for r in caplog.records)


def test_the_live_server_answers_every_edge_and_keeps_the_connection(tmp_path):
    proc, base = start(f"sqlite:///{tmp_path / 'z.db'}", keys="srv-key:lezer+voorzitter+beleid")
    try:
        with httpx.Client(base_url=base, headers={"Authorization": "Bearer srv-key"}, timeout=30) as http:
            for url in EDGES:
                assert http.get(url).status_code == 422  # was a 500 with a traceback, and the next request dropped
                assert http.get("/health").status_code == 200  # the same connection goes on
    finally:
        stop(proc)


def _aged_store(url: str, old: int, new: int):
    """A store with `old` advies stored 40 days ago and `new` stored today."""
    from zorgstraf import schema, usecases
    from zorgstraf.storage import open_store
    from zorgstraf.triage import Triage

    store = open_store(url)
    meldingen = [
        schema.Melding.model_validate(
            {"melding_id": f"RET-{i}", "ontvangen_op": "2026-10-20T10:00:00+02:00", "incidentsoort": ["partnergeweld"]}
        )
        for i in range(old + new)
    ]
    usecases.triage_and_record(Triage(), meldingen, store, "t")
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE advies SET aangemaakt_op = aangemaakt_op - INTERVAL '40 days' WHERE melding_id IN ({})".format(
                ",".join(f"'RET-{i}'" for i in range(old))
            )
            if url.startswith("postgresql")
            else "UPDATE advies SET aangemaakt_op = datetime(aangemaakt_op, '-40 days') WHERE melding_id IN ({})".format(
                ",".join(f"'RET-{i}'" for i in range(old))
            )
        )
    return store


def test_retention_that_would_delete_much_refuses_to_start_unless_confirmed(database_url, tmp_path, caplog):
    """N10: ZORGSTRAF_RETENTION_DAYS=30 deleted half the store within seconds of starting."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    store = _aged_store(database_url, old=5, new=5)
    env = {**os.environ, "ZORGSTRAF_DATABASE_URL": database_url, "ZORGSTRAF_RETENTION_DAYS": "30", "ZORGSTRAF_API_KEYS": "k:lezer"}
    exe = str(Path(sys.executable).parent / "zorgstraf")
    refused = subprocess.run([exe, "serve", "--port", "1"], capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "5 van 10" in refused.stderr and "ZORGSTRAF_RETENTION_CONFIRM=ja" in refused.stderr
    assert "Traceback" not in refused.stderr and store.count_advies() == 10 and store.deletions() == []

    settings = Settings(database_url=database_url, api_keys=parse_api_keys("k:lezer"), retention_days=30, retention_confirm=True)
    with TestClient(create_app(settings)):
        deadline = time.time() + 30
        while store.count_advies() != 5 and time.time() < deadline:
            time.sleep(0.2)
    assert store.count_advies() == 5
    ((run,),) = [[(d.aantal, d.bewaartermijn_dagen, d.via) for d in store.deletions()]]
    assert run == (5, 30, "api")


def test_the_cli_retention_asks_ja_above_the_share_and_records_each_run(database_url, monkeypatch):
    from click.testing import CliRunner

    from zorgstraf.cli import main
    from zorgstraf.settings import get_settings

    store = _aged_store(database_url, old=3, new=7)
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        asked = CliRunner().invoke(main, ["retentie", "--dagen", "30"])
        assert asked.exit_code == 2 and "--ja" in asked.output and store.count_advies() == 10
        done = CliRunner().invoke(main, ["retentie", "--dagen", "30", "--ja"])
        assert done.exit_code == 0 and "3 advies(en)" in done.output
    finally:
        get_settings.cache_clear()
    assert [(d.aantal, d.via) for d in store.deletions()] == [(3, "cli")]


def test_a_missing_rules_or_model_folder_is_one_line_at_start(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).parent / "zorgstraf")
    base = {**os.environ, "ZORGSTRAF_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}", "ZORGSTRAF_API_KEYS": "k:lezer"}
    for name in ("ZORGSTRAF_RULES_DIR", "ZORGSTRAF_MODEL_DIR"):
        result = subprocess.run(
            [exe, "serve", "--port", "1"], capture_output=True, text=True, env={**base, name: "/bestaat-niet"}, timeout=120
        )
        lines = [line for line in result.stderr.splitlines() if not line.startswith("let op:")]
        assert result.returncode == 2 and len(lines) == 1 and "/bestaat-niet" in lines[0], result.stderr


def test_ambiguity_is_refused_not_guessed(tmp_path):
    """N11, N12: a duplicated header took the last column (the advies came out under the wrong
    melding id, exit 0); a duplicated JSON key took the last value; a number was a moment."""
    from .conftest import run_cli

    csv = tmp_path / "dubbel.csv"
    csv.write_text("melding_id,ontvangen_op,incidentsoort,melding_id\nX1,2026-03-10T10:00:00+01:00,partnergeweld,X2\n")
    result = run_cli("triage", str(csv))
    assert result.returncode == 2 and result.stdout == ""
    assert "kolom 'melding_id' staat twee keer in de koprij (kolom 1 en 4)" in result.stderr

    mapped = tmp_path / "politie.csv"
    mapped.write_text(
        "Registratienummer;Datum/tijd melding;Maatschappelijke klasse;Registratienummer\nP1;10-03-2026 10:00;Kindermishandeling;P2\n"
    )
    result = run_cli("triage", str(mapped), "--kolommen", "bvh_querylijst")
    assert result.returncode == 2 and "staat twee keer in de koprij" in result.stderr

    lines = tmp_path / "m.jsonl"
    lines.write_text(
        '{"melding_id":"D1","melding_id":"D2","ontvangen_op":"2026-03-10T10:00:00+01:00","incidentsoort":["partnergeweld"]}\n'
        '{"melding_id":"D3","ontvangen_op":1767225600,"incidentsoort":["partnergeweld"]}\n'
        '{"melding_id":"D4","ontvangen_op":"2026-03-10","incidentsoort":["partnergeweld"]}\n'
        '{"melding_id":"D5","ontvangen_op":"2026-03-10T10:00:00+01:00","incidentsoort":["kindermishandeling"],'
        '"slachtoffer":{"angst_ernstig":true},"kinderen":{"slachtoffer":true}}\n'
    )
    result = run_cli("triage", str(lines), "--format", "jsonl")
    errors = result.stderr.splitlines()
    assert "m.jsonl:1: ongeldige JSON (het veld 'melding_id' staat twee keer" in errors[0]
    assert "m.jsonl:2: veld 'ontvangen_op': verwacht datum en tijd als tekst" in errors[1] and "geen getal" in errors[1]
    assert "m.jsonl:3: veld 'ontvangen_op': '2026-03-10' is een datum zonder tijd" in errors[2]
    assert [line[:17] for line in result.stdout.splitlines()] == ['{"melding_id":"D5']  # the same name in two objects is fine


def test_utf16_and_utf32_with_their_mark_are_read_and_without_it_named_with_the_fix(tmp_path):
    from .conftest import run_cli

    text = "melding_id;ontvangen_op;incidentsoort;toelichting\nU1;10-03-2026 10:00;partnergeweld;Ruzie in de keuken, één kind\n"
    for codec in ("utf-16", "utf-32", "utf-16-be"):
        path = tmp_path / f"{codec}.csv"
        data = text.encode(codec)
        path.write_bytes(data if codec != "utf-16-be" else b"\xfe\xff" + data)
        result = run_cli("triage", str(path), "--format", "jsonl")
        assert result.returncode == 0 and '"melding_id":"U1"' in result.stdout, (codec, result.stderr)
    bare = tmp_path / "kaal.csv"
    bare.write_bytes(text.encode("utf-16-le"))
    result = run_cli("triage", str(bare))
    assert result.returncode == 2 and "sla het op als CSV UTF-8" in result.stderr and "ÿþ" not in result.stderr


def test_control_characters_a_user_gave_are_never_sent_raw_to_the_terminal(tmp_path):
    """N16: control characters given to --regio were echoed raw (an escape sequence acts on the terminal)."""
    from .conftest import run_cli

    result = run_cli("agenda", "--regio", "x\x1b]0;titel\x07")
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "x\\x1b]0;titel\\x07" in result.stderr
    sheet = tmp_path / "kop.csv"
    sheet.write_text("melding_id,ontvangen_op,incident\x1b[2Jsoort\nA,2026-03-10T10:00:00+01:00,partnergeweld\n")
    result = run_cli("triage", str(sheet))
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr


def _xlsx_run(tmp_path, name: str, data: bytes, **env):
    import os
    import resource  # noqa: F401  (the child's peak memory is read below)
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / name
    path.write_bytes(data)
    exe = str(Path(sys.executable).parent / "zorgstraf")
    code = (
        "import resource, subprocess, sys\n"
        f"p = subprocess.run({[exe, 'triage', str(path), '--format', 'jsonl']!r}, capture_output=True, text=True)\n"
        "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(p.returncode)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, timeout=300)
    *lines, peak_kb = result.stderr.strip().splitlines()
    return result.returncode, result.stdout, lines, int(peak_kb) / 1024


def test_hostile_spreadsheets_are_refused_in_one_line_within_bounded_memory(tmp_path):
    """N6-N8: a 2 MB .xlsx with one huge cell took 4.1 GB for 30 s; 10 million empty rows gave no
    answer in 60 s; a broken sheet printed a traceback."""
    from .xlsx_bombs import HEAD, TAIL, cell, header_and_row, workbook

    huge = workbook(
        [HEAD, header_and_row(), '<row r="3"><c r="A3" t="inlineStr"><is><t>', *(["A" * 1_000_000] * 300), "</t></is></c></row>", TAIL]
    )
    code, out, lines, peak = _xlsx_run(tmp_path, "bom.xlsx", huge)
    assert code == 2 and out == "" and len(lines) == 1 and "ZORGSTRAF_XLSX_MAX_BYTES" in lines[0] and peak < 500, (lines, peak)

    empty = workbook([HEAD, header_and_row(), '<row r="10000002">', cell("A10000002", "X-2"), "</row>", TAIL])
    code, out, lines, peak = _xlsx_run(tmp_path, "leeg.xlsx", empty)
    assert code == 2 and "ZORGSTRAF_SHEET_MAX_ROWS" in lines[-1] and "blad 'Querylijst'" in lines[-1] and peak < 500

    broken = workbook([HEAD, header_and_row(), "<row r='3'><c r='A3' t='inlineStr'><is><t>kapot</is></row>"])
    code, out, lines, peak = _xlsx_run(tmp_path, "kapot.xlsx", broken)
    assert code == 2 and len(lines) == 1 and ("werkblad niet te lezen" in lines[0] or "geen leesbaar Excel" in lines[0])

    wide = workbook([HEAD, header_and_row(), '<row r="3">', cell("A3", "X-3"), cell("E3", "vijfde kolom"), "</row>", TAIL])
    code, out, lines, _ = _xlsx_run(tmp_path, "breed.xlsx", wide, ZORGSTRAF_SHEET_MAX_COLUMNS="2")
    assert code == 2 and "ZORGSTRAF_SHEET_MAX_COLUMNS" in lines[-1]

    long_cell = workbook([HEAD, header_and_row(), f'<row r="3">{cell("A3", "X-3")}{cell("B3", "L" * 40_000)}</row>', TAIL])
    code, out, lines, _ = _xlsx_run(tmp_path, "lang.xlsx", long_cell)
    assert '"melding_id":"X-1"' in out and any("langer dan 32767 tekens" in line for line in lines)


def test_the_largest_allowed_spreadsheet_is_read_within_500_mb(tmp_path):
    """Peak memory for an .xlsx at the limits: just under the uncompressed limit, one cell over its length."""
    from .xlsx_bombs import HEAD, TAIL, header_and_row, workbook

    limit = 100_000_000
    chunk = "B" * 1_000_000
    data = workbook([HEAD, header_and_row(), '<row r="3"><c r="A3" t="inlineStr"><is><t>', *([chunk] * 99), "</t></is></c></row>", TAIL])
    code, out, lines, peak = _xlsx_run(tmp_path, "groot.xlsx", data)
    assert '"melding_id":"X-1"' in out and any("langer dan" in line for line in lines), lines
    assert peak < 500, f"peak {peak:.0f} MB"
    assert limit  # the default of ZORGSTRAF_XLSX_MAX_BYTES the file stays under
