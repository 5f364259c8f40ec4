"""Replay (issue 16): every stored advies can be recomputed from its audit record with the exact rule
set and score model it was given with, also after the rules changed."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from zorgstraf import schema, usecases
from zorgstraf.cli import main
from zorgstraf.replay import ReplayError, replay
from zorgstraf.settings import get_settings
from zorgstraf.storage import open_store
from zorgstraf.triage import Triage
from zorgstraf.variants import default_rules_dir


def melding(melding_id: str, **extra) -> schema.Melding:
    data = {
        "melding_id": melding_id,
        "ontvangen_op": "2026-03-02T10:00:00+01:00",
        "incidentsoort": ["ex_partnerstalking"],
        "sash": "midden",
    }
    return schema.Melding.model_validate({**data, **extra})


def test_replay_reproduces_an_advies_after_a_rule_change_and_new_triage_uses_the_new_rules(tmp_path):
    rules = tmp_path / "oud" / "regels"
    shutil.copytree(default_rules_dir(), rules)
    store = open_store(f"sqlite:///{tmp_path}/r.db")
    old_runner = Triage(rules_dir=rules, score=True)
    ((_, before, _, _),) = usecases.triage_and_record(old_runner, [melding("R-1", regio="limburg")], store, "t")
    ((_, in_casus, _, _),) = usecases.triage_and_record(old_runner, [melding("R-2", casus_sleutels=["persoon-replay-1"])], store, "t")
    assert before is not None and before.urgentie == schema.Urgentie.midden and in_casus is not None

    # The policy team raises SASH midden to hoog in the national rules (a new version of the files).
    rules = tmp_path / "nieuw" / "regels"
    shutil.copytree(tmp_path / "oud" / "regels", rules)
    path = rules / "40_actie_overleg.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "      sash: midden\n      parameter.ao_themas: {bevat: stalking}\n    dan:\n      urgentie: midden",
            "      sash: midden\n      parameter.ao_themas: {bevat: stalking}\n    dan:\n      urgentie: hoog",
        ),
        encoding="utf-8",
    )
    ((_, after, _, _),) = usecases.triage_and_record(Triage(rules_dir=rules), [melding("R-3", regio="limburg")], store, "t")
    assert after is not None and after.urgentie == schema.Urgentie.hoog and after.regelset.hash != before.regelset.hash

    for melding_id in ("R-1", "R-2", "R-3"):
        result = replay(store, melding_id)
        assert result.gelijk, (melding_id, result.verschillen)
    assert replay(store, "R-1").opnieuw["urgentie"] == "midden"  # the old rules, from the archive

    # A tampered stored advies is found out, field by field.
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            'UPDATE advies SET advies_json = replace(advies_json, \'"urgentie":"midden"\', \'"urgentie":"laag"\') WHERE melding_id = \'R-1\''
        )
    tampered = replay(store, "R-1")
    assert not tampered.gelijk and "urgentie" in tampered.verschillen
    with pytest.raises(ReplayError):
        replay(store, "BESTAAT-NIET")


def test_replay_on_the_command_line(tmp_path, monkeypatch):
    database = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("ZORGSTRAF_DATABASE_URL", database)
    get_settings.cache_clear()  # settings are read once per process; this test has its own database
    usecases.triage_and_record(Triage(), [melding("CLI-1")], open_store(database), "t")
    ok = CliRunner().invoke(main, ["replay", "CLI-1"])
    assert ok.exit_code == 0 and "byte voor byte gelijk" in ok.output
    missing = CliRunner().invoke(main, ["replay", "NIET-1"])
    assert missing.exit_code == 2 and "geen opgeslagen advies" in missing.output
