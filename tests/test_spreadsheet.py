"""The reader's own query list: semicolon CSV in Windows-1252 or UTF-8 with BOM, Excel .xlsx,
Dutch headers through a --kolommen file, Dutch dates. Errors name the user's file, line and column."""

from __future__ import annotations

import json
import subprocess

import pytest

from zorgstraf.errors import ConfigError, RuleFileError
from zorgstraf.io import read_meldingen
from zorgstraf.samples import generate, to_querylijst
from zorgstraf.schema import Melding
from zorgstraf.spreadsheet import dutch_datetime, load_kolommen
from zorgstraf.triage import Triage

from .conftest import ROOT, jsonl, run_cli

SAMPLES = ROOT / "data" / "samples"


def advies_for(path, **kwargs) -> list[dict]:
    pairs = Triage().stream(read_meldingen(str(path), **kwargs), lambda e: pytest.fail(str(e)))
    return [json.loads(a.model_dump_json()) for _, a in pairs]


def test_the_shipped_query_list_reads_as_csv_and_xlsx_and_gives_the_same_advies_as_the_meldingen_themselves():
    mapping = load_kolommen("bvh_querylijst")
    from_csv = advies_for(SAMPLES / "querylijst_politie.csv", kolommen=mapping)
    from_xlsx = advies_for(SAMPLES / "querylijst_politie.xlsx", kolommen=mapping)
    meldingen = [Melding.model_validate(m) for m in generate(40, seed=1125, prefix="PL")]
    # the export writes minutes, not seconds
    meldingen = [m.model_copy(update={"ontvangen_op": m.ontvangen_op.replace(second=0)}) for m in meldingen]
    direct = [json.loads(a.model_dump_json()) for a in Triage().evaluate(meldingen)]
    assert len(from_csv) == 40 and from_csv == from_xlsx == direct


def test_the_cli_reads_a_semicolon_cp1252_export_and_names_bad_rows_by_file_line_and_column(tmp_path):
    raw = (SAMPLES / "querylijst_politie.csv").read_bytes().split(b"\r\n")
    raw[3] = raw[3].replace(b";Politie;", b";Politei;", 1)
    raw[5] = raw[5].replace(b"-2026 ", b"-2026x", 1)
    path = tmp_path / "querylijst vandaag.csv"
    path.write_bytes(b"\r\n".join(raw))
    result = run_cli("triage", str(path), "--kolommen", "bvh_querylijst", "--format", "jsonl")
    assert result.returncode == 1 and len(jsonl(result.stdout)) == 38
    lines = result.stderr.splitlines()
    assert f"afgewezen: {path}:4: kolom 'Bron melding' (veld 'bron'): onbekende waarde 'Politei'; bedoelde je 'politie'?" in lines
    assert any(
        line.startswith(
            f"afgewezen: {path}:6: kolom 'Datum/tijd melding' (veld 'ontvangen_op'): verwacht datum en tijd, bijvoorbeeld 25-11-2026"
        )
        for line in lines
    )


def test_an_export_without_its_column_list_is_one_dutch_line():
    result = run_cli("triage", str(SAMPLES / "querylijst_politie.csv"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "kolom 'Registratienummer' is geen veld van een melding" in result.stderr and "--kolommen bvh_querylijst" in result.stderr


def test_a_comma_csv_with_bom_dutch_dates_and_dutch_yes_no(tmp_path):
    text = (
        "melding_id,ontvangen_op,incidentsoort,hg_label,verdachte.aangehouden\r\n"
        "A-1,9-2-2026 21:38,partnergeweld,WAAR,ja\r\n"
        'A-2,25-11-2026 05:58,"partnergeweld, kindermishandeling",ONWAAR,nee\r\n'
    )
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    meldingen = [m for _, m in read_meldingen(str(path))]
    assert [m.ontvangen_op.isoformat() for m in meldingen] == ["2026-02-09T21:38:00+01:00", "2026-11-25T05:58:00+01:00"]
    assert meldingen[0].hg_label and meldingen[0].verdachte.aangehouden and len(meldingen[1].incidentsoort) == 2


def test_a_semicolon_csv_in_utf8_with_excel_dates():
    rows = to_querylijst(generate(5, seed=3), load_kolommen("bvh_querylijst"))
    text = (
        ";".join(rows[0])
        + "\n"
        + "\n".join(
            ";".join("" if v is None else f"{v:%d-%m-%Y %H:%M}" if hasattr(v, "hour") else str(v) for v in r.values()) for r in rows
        )
    )
    items = list(read_meldingen("upload.csv", load_kolommen("bvh_querylijst"), data=text.encode(), name="mijn lijst.csv"))
    assert len(items) == 5 and all(not isinstance(m, Exception) for _, m in items)


def test_an_upload_read_from_memory_names_the_users_file():
    data = b"melding_id;ontvangen_op;incidentsoort\nX;gisteren;partnergeweld\n"
    ((line, err),) = read_meldingen("ignored.csv", data=data, name="Querylijst 25-11.csv")
    assert str(err).startswith("Querylijst 25-11.csv:2: veld 'ontvangen_op': verwacht datum en tijd")


def test_dutch_times_without_an_offset_are_amsterdam_time_on_both_sides_of_the_clock_change():
    assert dutch_datetime("24-10-2026 20:00") == "2026-10-24T20:00:00+02:00"
    assert dutch_datetime("25-10-2026 20:00") == "2026-10-25T20:00:00+01:00"
    assert dutch_datetime("2026-10-25T20:00:00Z") == "2026-10-25T20:00:00Z"  # an offset given is kept (converted later)


def test_a_column_list_with_an_unknown_field_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "kolommen.yaml"
    path.write_text("naam: test\nkolommen:\n  Registratienummer: melding_id\n  Wapen: verdachte.wapn\n")
    with pytest.raises(RuleFileError, match=r"kolommen.yaml:4: .*'verdachte.wapn'.*bedoelde je 'verdachte.wapen'"):
        load_kolommen(str(path))
    with pytest.raises(ConfigError, match="meegeleverd: bvh_querylijst"):
        load_kolommen("bestaat_niet")


def test_an_unmapped_column_in_an_export_is_named_not_dropped(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("Registratienummer;Datum/tijd melding;Maatschappelijke klasse;Extra kolom\nQ;1-1-2026 10:00;Overig;x\n")
    result = run_cli("triage", str(path), "--kolommen", "bvh_querylijst")
    assert result.returncode == 2 and "kolom 'Extra kolom' staat niet in de kolommenlijst" in result.stderr


def test_xlsx_that_is_not_excel_is_one_dutch_line(tmp_path):
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(b"geen excel")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/zorgstraf") if (ROOT / ".venv/bin/zorgstraf").exists() else "zorgstraf", "triage", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "geen leesbaar Excel-bestand" in result.stderr and "Traceback" not in result.stderr
