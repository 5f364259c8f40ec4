"""The command line as users meet it: formats, bad input, exit codes, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from .conftest import ROOT, SHARED, jsonl, run_cli

GOOD = {"melding_id": "G1", "ontvangen_op": "2026-03-10T14:30:00+01:00", "incidentsoort": ["ex_partnerstalking"], "sash": "hoog"}


def test_triage_jsonl_gives_one_advies_per_line():
    result = run_cli("triage", str(ROOT / "data/samples/meldingen.jsonl"), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    advies = jsonl(result.stdout)
    assert len(advies) == 500 and all(a["uitleg"] for a in advies)


def test_triage_reads_csv_with_dotted_columns():
    result = run_cli("triage", str(ROOT / "data/samples/meldingen.csv"), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert len(jsonl(result.stdout)) == 200


def test_triage_reads_a_json_list_and_a_single_object(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([GOOD, {**GOOD, "melding_id": "G2"}]))
    (tmp_path / "one.json").write_text(json.dumps(GOOD))
    assert len(jsonl(run_cli("triage", str(tmp_path / "list.json"), "--format", "jsonl").stdout)) == 2
    assert len(jsonl(run_cli("triage", str(tmp_path / "one.json"), "--format", "jsonl").stdout)) == 1


def test_stdin_dash_is_jsonl():
    result = run_cli("triage", "-", "--format", "jsonl", stdin=json.dumps(GOOD) + "\n")
    assert result.returncode == 0 and jsonl(result.stdout)[0]["urgentie"] == "hoog"


def test_json_output_is_a_list_and_csv_output_has_a_header(tmp_path):
    out = json.loads(run_cli("triage", "-", "--format", "json", stdin=json.dumps(GOOD)).stdout)
    assert isinstance(out, list) and out[0]["melding_id"] == "G1"
    rows = list(csv.DictReader(io.StringIO(run_cli("triage", "-", "--format", "csv", stdin=json.dumps(GOOD)).stdout)))
    assert rows[0]["afstemming"] == "actie_overleg" and rows[0]["urgentie"] == "hoog"
    target = tmp_path / "out.jsonl"
    assert run_cli("triage", "-", "--format", "jsonl", "--output", str(target), stdin=json.dumps(GOOD)).returncode == 0
    assert jsonl(target.read_text())[0]["melding_id"] == "G1"


def test_table_is_sorted_most_urgent_first():
    lines = [
        json.dumps({**GOOD, "melding_id": "LAAG", "incidentsoort": ["partnergeweld"], "sash": None}),
        json.dumps({**GOOD, "melding_id": "ACUUT", "acuut_gevaar": True}),
    ]
    out = run_cli("triage", "-", "--format", "table", stdin="\n".join(lines)).stdout
    assert out.index("ACUUT") < out.index("LAAG") and "2 meldingen" in out


def test_a_bad_melding_is_named_and_skipped_and_the_rest_is_processed():
    lines = [
        json.dumps(GOOD),
        json.dumps({**GOOD, "melding_id": "B1", "verdachte": {"wapn": "geen"}}),
        "{not json",
        json.dumps({**GOOD, "melding_id": "B3", "kinderen": {"aantal_minderjarig": False}}),
        json.dumps({**GOOD, "melding_id": "G2"}),
    ]
    result = run_cli("triage", "-", "--format", "jsonl", stdin="\n".join(lines))
    assert result.returncode == 1
    assert [a["melding_id"] for a in jsonl(result.stdout)] == ["G1", "G2"]
    errors = result.stderr.splitlines()
    assert any("stdin:2" in e and "verdachte.wapn" in e for e in errors)
    assert any("stdin:3" in e and "JSON" in e for e in errors)
    assert any("stdin:4" in e and "kinderen.aantal_minderjarig" in e for e in errors)
    assert "Traceback" not in result.stderr


def test_csv_errors_name_line_and_field(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "melding_id,ontvangen_op,incidentsoort,verdachte.aangehouden\nC1,2026-03-10T10:00:00+01:00,partnergeweld,misschien\nC2,2026-03-10T10:00:00+01:00,partnergeweld,ja\n"
    )
    result = run_cli("triage", str(path), "--format", "jsonl")
    assert result.returncode == 1 and "in.csv:2" in result.stderr and "verdachte.aangehouden" in result.stderr
    assert [a["melding_id"] for a in jsonl(result.stdout)] == ["C2"]


@pytest.mark.parametrize(
    "args,needle",
    [
        (["triage", "missing.jsonl"], "bestaat niet"),
        (["triage", "data/samples/meldingen.jsonl", "--regio", "atlantis"], "onbekende regio"),
        (["triage", "pyproject.toml"], "bestandstype"),
        (["triage", "-", "--rules", "/nonexistent"], "bestaat niet"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, needle):
    result = run_cli(*args, stdin="")
    assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr


def test_regio_override_is_accepted_and_named_in_the_advies():
    result = run_cli("triage", "-", "--format", "jsonl", "--regio", "limburg", stdin=json.dumps(GOOD))
    assert result.returncode == 0
    assert jsonl(result.stdout)[0]["regio"] in ("limburg", "landelijk")


def test_schema_export_is_json_schema():
    melding = json.loads(run_cli("schema", "melding").stdout)
    assert melding["additionalProperties"] is False and "melding_id" in melding["required"]
    assert "uitleg" in json.loads(run_cli("schema", "advies").stdout)["properties"]


def test_public_contract_cases_pass_through_the_real_command_line():
    tool, cases = SHARED / "tools/check_cases.py", SHARED / "examples/cases.jsonl"
    if not tool.exists():
        if os.environ.get("CI"):
            pytest.fail("shared/ is missing beside the checkout")
        pytest.skip("shared/ not beside this checkout")
    import subprocess
    import sys

    exe = os.path.join(os.path.dirname(sys.executable), "zorgstraf")
    result = subprocess.run(
        [sys.executable, str(tool), str(cases), "--zorgstraf", exe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "acceptance: 13/13 cases pass"


def test_opslaan_stores_every_good_advies_and_never_the_toelichting(tmp_path, monkeypatch):
    from zorgstraf.storage import Store

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", url)
    lines = json.dumps({**GOOD, "toelichting": "geheim"}) + "\n" + "{kapot\n" + json.dumps({**GOOD, "melding_id": "G2"}) + "\n"
    result = run_cli("triage", "-", "--format", "jsonl", "--opslaan", stdin=lines)
    assert result.returncode == 1 and "stdin:2:" in result.stderr  # the bad line is named, the rest stored
    store = Store(url)
    first, second = store.latest("G1"), store.latest("G2")
    assert first.key_id == "cli" and json.loads(first.advies_json) == jsonl(result.stdout)[0]
    assert second is not None and "geheim" not in first.melding_json


def test_opslaan_with_an_unusable_database_is_one_line(monkeypatch):
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", "sqlite:////nonexistent-dir/x.db")
    result = run_cli("triage", "-", "--format", "jsonl", "--opslaan", stdin=json.dumps(GOOD) + "\n")
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "fout: database (sqlite) niet bruikbaar: unable to open database file"
    ]


def test_retentie_deletes_only_advies_older_than_the_period(tmp_path, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from zorgstraf.storage import AdviesRecord, Store

    url = f"sqlite:///{tmp_path / 'ret.db'}"
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", url)
    lines = json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "melding_id": "G2"}) + "\n"
    assert run_cli("triage", "-", "--format", "jsonl", "--opslaan", stdin=lines).returncode == 0
    store = Store(url)
    with store.sessions.begin() as s:
        s.query(AdviesRecord).filter(AdviesRecord.melding_id == "G1").update(
            {AdviesRecord.aangemaakt_op: datetime.now(timezone.utc) - timedelta(days=100)}
        )
    result = run_cli("retentie", "--dagen", "90", "--ja")  # half the store: needs --ja
    assert result.returncode == 0 and result.stdout.strip() == "1 advies(en) ouder dan 90 dagen verwijderd"
    assert store.latest("G1") is None and store.latest("G2") is not None
    monkeypatch.delenv("ZORGSTRAF_RETENTION_DAYS", raising=False)
    missing = run_cli("retentie")
    assert missing.returncode == 2 and "ZORGSTRAF_RETENTION_DAYS" in missing.stderr


@pytest.mark.parametrize(
    "change, field, reason",
    [
        ({"kinderen": {"aantal_minderjarig": False}}, "kinderen.aantal_minderjarig", "verwacht een geheel getal, geen false"),
        ({"ontvangen_op": "gisteren"}, "ontvangen_op", "verwacht datum en tijd volgens ISO 8601"),
        ({"incidentsoort": ["partnergewelt"]}, "incidentsoort.0", "onbekende waarde 'partnergewelt'; bedoelde je 'partnergeweld'?"),
        ({"sash": "zeer"}, "sash", "onbekende waarde 'zeer'; kies uit laag, midden, hoog"),
        ({"verdachte": {"wapn": "geen"}}, "verdachte.wapn", "onbekend veld (typfout?); bedoelde je 'wapen'?"),
        ({"veiligheidsschaal": 9}, "veiligheidsschaal", "mag hoogstens 7 zijn"),
    ],
)
def test_a_rejected_melding_is_explained_in_dutch(change, field, reason):
    result = run_cli("triage", "-", "--format", "jsonl", stdin=json.dumps({**GOOD, **change}) + "\n")
    assert result.returncode == 1
    assert f"stdin:1: veld '{field}': {reason}" in result.stderr


def test_the_table_names_the_rule_set_or_says_the_batch_was_mixed():
    mixed = run_cli("triage", str(ROOT / "data/samples/meldingen.jsonl"), "--format", "table")
    assert "11 regelsets (elke melding volgens de variant van haar regio)" in mixed.stdout
    one = run_cli("triage", str(ROOT / "data/samples/meldingen.jsonl"), "--format", "table", "--regio", "limburg")
    assert "| regelset limburg 2026.11+2026.11 (" in one.stdout
