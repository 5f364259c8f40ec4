"""One test per durable-rules sharp edge that the backend absorbs (see durable_backend.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import durable_rules_engine
import pytest

from zorgstraf import durable_backend as db
from zorgstraf.engine import Engine
from zorgstraf.ruleset import load_ruleset

from .conftest import melding

HEADER = """
regelset:
  naam: {name}
  versie: "1"
  beslissingen:
    urgentie: {{beleid: maximum, standaard: laag}}
    route: {{beleid: eerste, standaard: zorg}}
    fase: {{beleid: eerste, standaard: directe_veiligheid}}
    thv: {{beleid: eerste, standaard: onvoldoende_informatie}}
regels:
"""
MINI = (
    HEADER.format(name="mini")
    + """
  - id: A
    titel: a
    reden: a
    bron: test
    als: {hg_label: true}
    dan: {partners: [politie]}
  - id: B
    titel: b
    reden: b
    bron: test
    als: {hg_label: true}
    dan: {partners: [om]}
  - id: C
    titel: c
    reden: c
    bron: test
    als:
      een_van: [{hg_label: true}, {acuut_gevaar: true}]
    dan: {urgentie: hoog}
"""
)


@pytest.fixture()
def mini(tmp_path):
    (tmp_path / "r.yaml").write_text(MINI)
    return load_ruleset(tmp_path)


def test_every_matching_rule_fires_not_just_one(mini):
    # durable-rules consumes an event by one rule only; we assert facts, so A and B both fire.
    ((_, fired),) = Engine(mini).fired_rules([melding(hg_label=True)])
    assert [r.id for r in fired] == ["A", "B", "C"]


def test_nothing_matching_is_an_empty_result_not_an_exception(mini):
    ((_, fired),) = Engine(mini).fired_rules([melding()])
    assert fired == []


def test_a_batch_mixing_matched_and_unmatched_facts_keeps_the_matches(mini):
    # The Python Host would raise MessageNotHandledException and drop the whole batch.
    results = Engine(mini).fired_rules([melding(), melding(hg_label=True), melding()])
    assert [[r.id for r in fired] for _, fired in results] == [[], ["A", "B", "C"], []]


def test_identical_meldingen_in_one_batch_both_get_an_advies(engine):
    same = melding(hg_label=True, verdachte={"aangehouden": True})
    first, second = engine.evaluate([same, same])
    assert first == second and first.afstemming


def test_more_batches_than_the_1024_session_limit(mini):
    # Fresh session ids per batch would exhaust the C engine's 1,024 live sessions.
    eng = Engine(mini)
    for _ in range(1100):
        ((_, fired),) = eng.fired_rules([melding(acuut_gevaar=True)])
        assert [r.id for r in fired] == ["C"]


def test_same_rules_compile_to_the_same_registered_name_and_changed_rules_to_a_new_one(mini, tmp_path):
    first, again = Engine(mini), Engine(mini)
    names = [s.name for s in first.backend._strata]
    assert names == [s.name for s in again.backend._strata]
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "r.yaml").write_text(
        MINI.replace("{hg_label: true}\n    dan: {partners: [om]}", "{acuut_gevaar: true}\n    dan: {partners: [om]}")
    )
    other = Engine(load_ruleset(changed))
    assert [s.name for s in other.backend._strata] != names
    # Registering the same name twice is what durable-rules forbids; we never do it.
    assert all(n in db._HANDLES for n in names)


def test_explanation_order_follows_the_rule_files_not_the_firing_order(engine):
    (advies,) = engine.evaluate([melding(acuut_gevaar=True, sash="hoog", verdachte={"aangehouden": True})])
    order = {r.id: i for i, r in enumerate(engine.ruleset.rules)}
    ids = [u.regel for u in advies.uitleg]
    assert ids == sorted(ids, key=order.__getitem__)


def test_concurrent_threads_get_the_same_results_as_one_thread(engine):
    batch = [melding(melding_id=f"M{i}", hg_label=i % 2 == 0, verdachte={"aangehouden": i % 3 == 0}) for i in range(200)]
    expected = [a.model_dump_json() for a in engine.evaluate(batch)]
    outcomes, errors = [], []

    def work():
        try:
            outcomes.append([a.model_dump_json() for a in engine.evaluate(batch)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(outcomes) == 6 and all(o == expected for o in outcomes)


def test_compiled_rules_never_use_nex_which_hung_the_engine(national):
    backend = Engine(national).backend
    text = json.dumps([s.definition for s in backend._strata])
    assert "$nex" not in text and "$ex" not in text


def test_an_or_with_two_true_branches_fires_the_rule_once(mini):
    eng = Engine(mini)
    (advies,) = eng.evaluate([melding(hg_label=True, acuut_gevaar=True)])
    assert [u.regel for u in advies.uitleg].count("C") == 1


def test_a_rule_matching_more_facts_than_the_cap_loses_none(mini):
    batch = [melding(melding_id=f"M{i}", acuut_gevaar=True) for i in range(2500)]
    results = Engine(mini).fired_rules(batch)
    assert all([r.id for r in fired] == ["C"] for _, fired in results)


def test_unknown_values_match_neither_a_test_nor_its_opposite_wrongly(engine, reference):
    # No suspect: `verdachte.woont_met_slachtoffer == false` must not hold (an encoded 0 once matched).
    m = melding(sash="hoog")
    assert engine.evaluate([m]) == reference.evaluate([m])
    assert engine.evaluate([m])[0].thv.beoordeling == "onvoldoende_informatie"


def test_raw_engine_reports_unhandled_batches_with_code_1():
    handle = durable_rules_engine.create_ruleset("zs_edge_probe", json.dumps({"r": {"all": [{"m": {"a": 1}}], "cap": 10}}))
    code, _ = durable_rules_engine.assert_facts(handle, json.dumps([{"_n": 1, "a": 0}]))
    durable_rules_engine.retract_facts(handle, json.dumps([{"_n": 1, "a": 0}]))
    assert code == 1


# Two different facts (met in a compare of 50,000 meldingen) that durable-rules hashes alike.
_A = {"_n": 328456, "_a": 1, "k13": 0, "k18": 0, "k19": 5, "k12": 0, "k2": 1, "k3": 0, "k4": 0, "k5": 0, "k6": 0, "k7": 0, "k8": 0,
      "k9": 0, "k10": 0, "k40": 0, "k41": 0, "k42": 0, "k43": 0, "k20": 0, "k16": "", "k85": "", "k39": 1, "k37": 0, "k38": 0,
      "k14": -1, "k15": 0, "k21": 0, "k22": -1, "k27": -1, "k30": -1, "k31": 0, "k29": "", "k35": -1, "k33": -1, "k24": -1,
      "k34": -1, "k32": -1, "k28": -1, "k26": "", "k25": -1, "k36": -1, "k17": 0}  # fmt: skip
_B = {"_n": 328770, "_a": 1, "k13": 0, "k18": 0, "k19": 0, "k12": 0, "k2": 0, "k3": 0, "k4": 0, "k5": 0, "k6": 0, "k7": 0, "k8": 0,
      "k9": 0, "k10": 1, "k40": 0, "k41": 0, "k42": 0, "k43": 0, "k20": 1, "k16": "", "k85": "", "k39": 0, "k37": 0, "k38": 0,
      "k14": -1, "k15": 0, "k21": 1, "k22": 0, "k27": 1, "k30": 3, "k31": 1, "k29": "licht", "k35": 0, "k33": 0, "k24": 0,
      "k34": 0, "k32": 0, "k28": 0, "k26": "geen", "k25": 1, "k36": 0, "k17": 0}  # fmt: skip


_PROBE = """
import json, sys
import durable_rules_engine as c
a, b = json.loads(sys.argv[1])
handle = c.create_ruleset("probe", json.dumps({"r0": {"all": [{"m": {"_a": 1}}], "cap": 100}}))
print(c.assert_facts(handle, json.dumps([a, b]))[0], flush=True)
"""


def test_two_different_facts_that_durable_rules_hashes_alike_are_both_matched():
    # Without an id, durable-rules knows the pair by one content hash and refuses the second as
    # "already observed" (code 2), leaving its heap corrupt: shown in a process of its own.
    probe = subprocess.run([sys.executable, "-c", _PROBE, json.dumps([_A, _B])], capture_output=True, text=True, timeout=120)
    assert probe.stdout.split()[:1] == ["2"]
    # Each fact the backend asserts carries its own id: the same two facts, among others, all match.
    handle = durable_rules_engine.create_ruleset("zs_edge_collision", json.dumps({"r0": {"all": [{"m": {"_a": 1}}], "cap": 100}}))
    facts = [{**_A, "k19": 7}, {**_A, "k19": 8}, _A, _B, {**_B, "k19": 9}]
    rows = [json.dumps({**fact, "id": i}, separators=(",", ":")) for i, fact in enumerate(facts)]
    matched = sorted(n for action, ids in db.DurableBackend._run(handle, rows) for n in ids if action == "r0")
    assert matched == [0, 1, 2, 3, 4]


UNKNOWN_RULES = HEADER.format(name="onbekend") + "".join(
    f"""
  - id: {rid}
    titel: {rid}
    reden: {rid}
    bron: test
    als: {cond}
    dan: {{partners: [politie]}}
"""
    for rid, cond in [
        ("SASH_NIET_HOOG", "{sash: {'!=': hoog}}"),
        ("SASH_NIET_IN", "{sash: {niet_in: [hoog, midden]}}"),
        ("SASH_NIET", "{niet: {sash: hoog}}"),
        ("WOONT_NIET_WAAR", "{verdachte.woont_met_slachtoffer: {'!=': true}}"),
        ("SCHAAL_NIET_0", "{veiligheidsschaal: {'!=': 0}}"),
        ("INCIDENTEN_NIET_IN", "{verdachte.eerdere_incidenten_12m: {niet_in: [0, 1]}}"),
        ("INCIDENTEN_NIET_3", "{niet: {verdachte.eerdere_incidenten_12m: {'!=': 3}}}"),
    ]
)


@pytest.mark.parametrize("backend", ["durable", "referentie"])
def test_not_equal_and_niet_in_are_false_on_an_unknown_value_and_niet_is_plain_negation(tmp_path, backend):
    (tmp_path / "r.yaml").write_text(UNKNOWN_RULES)
    engine = Engine(load_ruleset(tmp_path), backend=backend)
    unknown = melding()  # sash, veiligheidsschaal and the whole verdachte unknown
    known = melding(sash="laag", veiligheidsschaal=4, verdachte={"woont_met_slachtoffer": False, "eerdere_incidenten_12m": 2})
    (_, on_unknown), (_, on_known) = engine.fired_rules([unknown, known])
    assert {r.id for r in on_unknown} == {"SASH_NIET", "INCIDENTEN_NIET_3"}  # only plain negation holds on unknown
    assert {r.id for r in on_known} == {
        "SASH_NIET_HOOG",
        "SASH_NIET_IN",
        "SASH_NIET",
        "WOONT_NIET_WAAR",
        "SCHAAL_NIET_0",
        "INCIDENTEN_NIET_IN",
    }  # 2 incidents: "niet (2 != 3)" is false
