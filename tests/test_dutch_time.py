"""Dutch time: every deadline is computed and shown in Europe/Amsterdam, whatever offset the input used."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from zorgstraf import schema
from zorgstraf.termijnen import add_working_days, is_working_day
from zorgstraf.triage import Triage

ARRESTED = {"melding_id": "X", "incidentsoort": ["partnergeweld"], "hg_label": True, "verdachte": {"aangehouden": True}}


def termijnen(ontvangen_op: str) -> schema.Termijnen:
    melding = schema.Melding.model_validate({**ARRESTED, "ontvangen_op": ontvangen_op})
    return Triage().evaluate([melding])[0].termijnen


def test_the_same_moment_gives_the_same_deadlines_whatever_offset_it_was_written_in():
    written = ["2026-11-25T05:58:00+01:00", "2026-11-25T04:58:00Z", "2026-11-25T04:58:00+00:00", "2026-11-25T07:58:00+03:00"]
    results = {termijnen(w).model_dump_json() for w in written}
    assert len(results) == 1
    assert termijnen(written[1]).ovj_beslissing_uiterlijk == "2026-11-25T18:00:00+01:00"  # 09:00 Dutch time + 9 hours


def test_a_change_to_winter_time_inside_the_nine_hour_window():
    # Saturday 24 October 2026 20:00 summer time; clocks go back on Sunday 03:00. Four hours count
    # until midnight, the night does not count, five more from 09:00: 14:00 winter time.
    assert termijnen("2026-10-24T20:00:00+02:00").ovj_beslissing_uiterlijk == "2026-10-25T14:00:00+01:00"
    assert termijnen("2026-10-24T18:00:00Z").ovj_beslissing_uiterlijk == "2026-10-25T14:00:00+01:00"
    # and to summer time: Saturday 28 March 2027 22:00 winter time -> Sunday 16:00 summer time
    assert termijnen("2027-03-27T22:00:00+01:00").ovj_beslissing_uiterlijk == "2027-03-28T16:00:00+02:00"


def test_working_days_skip_dutch_public_holidays():
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 4, 27)) and is_working_day(date(2026, 12, 24))
    assert add_working_days(date(2026, 12, 23), 5) == date(2026, 12, 31)  # over Kerst
    zorgmelding = schema.Melding.model_validate(
        {
            "melding_id": "K",
            "ontvangen_op": "2026-12-23T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "kinderen": {"aantal_minderjarig": 2},
        }
    )
    assert Triage().evaluate([zorgmelding])[0].termijnen.vt_veiligheidsbeoordeling_uiterlijk == "2026-12-31"
    # at ZSM VT's assessment must inform the OvJ: its deadline is the OvJ's, not five working days
    at_zsm = termijnen("2026-12-23T10:00:00+01:00")
    assert at_zsm.vt_veiligheidsbeoordeling_uiterlijk == at_zsm.ovj_beslissing_uiterlijk == "2026-12-23T19:00:00+01:00"
    assert add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)  # Hemelvaart


def test_rules_read_dutch_wall_clock_time():
    melding = schema.Melding.model_validate({**ARRESTED, "ontvangen_op": "2026-06-01T22:30:00Z"})
    assert melding.ontvangen_op.isoformat() == "2026-06-02T00:30:00+02:00"  # Tuesday, Dutch time


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a pseudo-terminal")
@pytest.mark.parametrize("shell", ["zorgstraf triage big.jsonl > uit.jsonl", "zorgstraf triage big.jsonl | cat > uit.jsonl"])
def test_redirected_output_on_a_terminal_is_complete_and_the_progress_stays_on_stderr(tmp_path, shell):
    exe = Path(shutil.which("zorgstraf") or (Path(__import__("sys").executable).parent / "zorgstraf"))
    subprocess.run([str(exe), "samples", "-n", "2500", "-o", str(tmp_path / "big.jsonl")], check=True)
    command = shell.replace("zorgstraf", str(exe))
    shown = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0
    lines = (tmp_path / "uit.jsonl").read_text().splitlines()
    assert len(lines) == 2500 and all(json.loads(line)["melding_id"] for line in lines)
    assert '"melding_id"' not in shown.stdout  # the terminal saw the progress bar, not the advies
    assert "voortgang" in shown.stdout
