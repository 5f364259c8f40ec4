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


def _copy_rules(tmp_path, name: str):
    rules = tmp_path / name / "regels"
    shutil.copytree(default_rules_dir(), rules)
    return rules


def test_the_identity_covers_the_casus_policy_and_the_label_catalogue(tmp_path):
    """Issue 22 item 1: a changed label or casus policy is a different rule set (another hash)."""
    from zorgstraf.labels import CATALOGUE_FILE
    from zorgstraf.ruleset import load_ruleset

    rules = _copy_rules(tmp_path, "a")
    plain = load_ruleset(rules, "limburg").digest
    labels = tmp_path / "labels.yaml"
    labels.write_text(CATALOGUE_FILE.read_text(encoding="utf-8").replace("om: Openbaar Ministerie", "om: het OM"), encoding="utf-8")
    assert load_ruleset(rules, "limburg", labels).digest != plain
    policy = rules / "beleid" / "casus.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# een nieuwe versie\n", encoding="utf-8")
    assert load_ruleset(rules, "limburg").digest != plain
    assert {"regels/beleid/casus.yaml", "catalogus/labels.yaml"} <= set(load_ruleset(rules).texts)


def test_replay_uses_the_casus_policy_and_labels_an_advies_was_given_with(tmp_path):
    from zorgstraf import labels as labels_mod
    from zorgstraf.labels import CATALOGUE_FILE

    store = open_store(f"sqlite:///{tmp_path}/r.db")
    rules = _copy_rules(tmp_path, "oud")
    ((_, first, _, _),) = usecases.triage_and_record(
        Triage(rules_dir=rules), [melding("P-1", casus_sleutels=["persoon-beleid-1"])], store, "t"
    )
    # a later melding of the casus, given under another wording of the casus policy and another label
    rules = _copy_rules(tmp_path, "nieuw")
    policy = rules / "beleid" / "casus.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("  Veiligheid Voorop (seed 002)", "  (herzien) Veiligheid Voorop (seed 002)", 1),
        encoding="utf-8",
    )
    other = tmp_path / "labels.yaml"
    other.write_text(
        CATALOGUE_FILE.read_text(encoding="utf-8").replace(
            "    actie_overleg: Actie-overleg\n", "    actie_overleg: Actiegericht Overleg\n", 1
        ),
        encoding="utf-8",
    )
    with labels_mod.catalogue_from(other):
        ((_, second, _, _),) = usecases.triage_and_record(
            Triage(rules_dir=rules),
            [melding("P-2", ontvangen_op="2026-03-03T10:00:00+01:00", casus_sleutels=["persoon-beleid-1"])],
            store,
            "t",
        )
    assert first is not None and second is not None and second.regelset.hash != first.regelset.hash
    assert "(herzien)" in next(u.bron for u in second.uitleg if u.regel == "CASUS")
    assert second.samenvatting.startswith("Midden: Actiegericht Overleg")  # the other label is in its bytes
    for melding_id in ("P-1", "P-2"):  # each with its own policy and catalogue, from the archive
        result = replay(store, melding_id)
        assert result.gelijk, (melding_id, result.verschillen)


def test_replay_checks_the_input_hash_and_never_writes_outside_its_folder(tmp_path):
    import json

    store = open_store(f"sqlite:///{tmp_path}/r.db")
    ((_, advies, _, _),) = usecases.triage_and_record(Triage(), [melding("H-1"), melding("H-2")][:1], store, "t")
    usecases.triage_and_record(Triage(), [melding("H-2")], store, "t")
    with store.engine.begin() as conn:  # the melding changed behind the audit trail's back
        conn.exec_driver_sql(
            'UPDATE advies SET melding_json = replace(melding_json, \'"sash":"midden"\', \'"sash":"hoog"\') WHERE melding_id = \'H-1\''
        )
    with pytest.raises(ReplayError, match="invoerhash"):
        replay(store, "H-1")

    assert advies is not None
    files = json.loads(store.archived_ruleset(advies.regelset.hash))
    outside = tmp_path / "buiten.yaml"
    for name in ("../../buiten.yaml", str(outside), "regels/../../buiten.yaml"):
        tampered = dict(files, **{name: "regelset: {}\n"})
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE regelset_archief SET inhoud = ? WHERE hash = ?", (json.dumps(tampered), advies.regelset.hash))
        with pytest.raises(ReplayError, match="buiten de eigen map"):
            replay(store, "H-2")
        assert not outside.exists()
