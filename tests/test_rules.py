"""The national rules: every example written beside a rule, as a test a policy officer can read."""

from __future__ import annotations

import pytest

from zorgstraf.engine import Engine
from zorgstraf.ruleset import load_ruleset
from zorgstraf.ruletest import check, run_examples, unmet
from zorgstraf.samples import generate
from zorgstraf.schema import Melding, Score

from .conftest import RULES

_NATIONAL = load_ruleset(RULES)
_ENGINE = Engine(_NATIONAL)
EXAMPLES = [(rule, ex) for rule in _NATIONAL.rules for ex in rule.examples]


@pytest.mark.parametrize("rule,example", EXAMPLES, ids=[f"{r.id}: {e.name}" for r, e in EXAMPLES])
def test_rule_example(rule, example):
    engine = Engine(_NATIONAL.with_parameters(example.parameters)) if example.parameters else _ENGINE
    score = Score(punten=0, band=example.score_band, bijdragen={}) if example.score_band else None
    ((_, fired),) = engine.fired_rules([example.melding], bands=[example.score_band])
    (advies,) = engine.evaluate([example.melding], [score])
    assert (rule.id in {r.id for r in fired}) == example.fires, f"{rule.id} fired={not example.fires} ({example.where})"
    assert unmet(advies, example.expect) == [], example.where


def test_every_rule_in_the_domain_table_is_encoded():
    ids = {r.id for r in _NATIONAL.rules}
    table = {
        "ACUUT",
        "ZSM_HG",
        "ZSM_ACUUT_ZONDER_LABEL",
        "KINDEREN",
        "RVDK",
        "KINDEREN_ONBEKEND",
        "STRAFBARE_KM",
        "SASH_HOOG",
        "AO_PARTNERS",
        "SASH_MIDDEN",
        "SASH_ONBEKEND",
        "HERHALING",
        "THV",
        "THV_ONBEKEND",
        "LOKAAL",
        "ERNSTIG_GEVAAR",
    }
    assert table <= ids
    # Table rows split into several rules keep the table id as prefix.
    for prefix in ("ZVH_", "THV_NVT_", "ROUTE_", "FASE_"):
        assert any(i.startswith(prefix) for i in ids), prefix


def test_every_rule_has_an_example_that_fires_and_one_that_does_not():
    for rule in _NATIONAL.rules:
        assert {ex.fires for ex in rule.examples} == {True, False}, rule.id


def test_rules_check_finds_no_conflicts_in_the_national_rules():
    probe = [Melding.model_validate(m) for m in generate(2000, seed=7)]
    assert check(_NATIONAL, probe) == []


def test_run_examples_reports_all_passing():
    report = run_examples(_NATIONAL, _ENGINE)
    assert report.failed == 0 and report.passed == len(EXAMPLES)


def test_rules_apply_by_their_validity_dates(tmp_path):
    (tmp_path / "r.yaml").write_text("""
regelset:
  naam: dated
  versie: "1"
  beslissingen: {urgentie: {beleid: maximum, standaard: laag}, route: {beleid: eerste, standaard: zorg},
                 fase: {beleid: eerste, standaard: directe_veiligheid}, thv: {beleid: eerste, standaard: onvoldoende_informatie}}
parameters:
  drempel:
    beschrijving: test
    bron: test
    waarden: {2020-01-01: 5, 2026-03-01: 2}
regels:
  - {id: NIEUW, titel: n, reden: n, bron: t, geldig_van: 2026-03-01, als: {hg_label: true}, dan: {urgentie: hoog}}
  - {id: OUD, titel: o, reden: o, bron: t, geldig_tot: 2026-02-28, als: {hg_label: true}, dan: {urgentie: midden}}
  - {id: DREMPEL, titel: d, reden: d, bron: t, als: {verdachte.eerdere_incidenten_12m: {">=": {parameter: drempel}}}, dan: {partners: [om]}}
""")
    eng = Engine(load_ruleset(tmp_path))

    def advies(day, **kw):
        return eng.evaluate(
            [Melding.model_validate({"melding_id": "d", "ontvangen_op": f"{day}T12:00:00+01:00", "incidentsoort": ["partnergeweld"], **kw})]
        )[0]

    assert advies("2026-02-28", hg_label=True).urgentie == "midden"
    assert advies("2026-03-01", hg_label=True).urgentie == "hoog"
    three = {"verdachte": {"eerdere_incidenten_12m": 3}}
    assert "om" not in advies("2026-02-01", **three).partners
    assert "om" in advies("2026-03-02", **three).partners
