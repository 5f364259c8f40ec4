"""The practice stories from the sources (data/samples/praktijkverhalen.jsonl) get the advies the
professionals in those stories reached."""

from __future__ import annotations

import json

import pytest

from zorgstraf.schema import Melding

from .conftest import ROOT

STORIES = {json.loads(l)["melding_id"]: json.loads(l) for l in (ROOT / "data/samples/praktijkverhalen.jsonl").read_text().splitlines()}


@pytest.fixture(scope="module")
def advies(engine):
    ms = [Melding.model_validate(s) for s in STORIES.values()]
    return {a.melding_id: a for a in engine.evaluate(ms)}


def test_oost_brabant_children_unknown_postpones_the_afdoening_and_asks_vt_at_zsm(advies):
    a = advies["VERHAAL-OB-JOLANDA"]
    assert "afdoening_uitstellen" in a.interventies and "zorgmelding_vt" in a.interventies
    assert "vt_op_zsm" in a.afstemming and "rvdk" in a.partners and a.urgentie in ("hoog", "acuut")


def test_oost_brabant_death_threat_after_arrest_means_custody_and_threat_analysis(advies):
    a = advies["VERHAAL-OB-AGNES"]
    assert {"voorlopige_hechtenis", "dreigingsanalyse", "reclasseringsadvies", "tijdelijk_huisverbod"} <= set(a.interventies)
    assert "vt_op_zsm" in a.afstemming and a.urgentie == "hoog" and a.route == "straf"


def test_noord_holland_stalking_with_sash_midden_goes_to_the_actie_overleg_with_rvdk(advies):
    a = advies["VERHAAL-NH-KRISTINA"]
    assert a.actie_overleg.agenderen and {"politie", "om", "veilig_thuis", "reclassering", "rvdk"} <= set(a.partners)
    assert a.thv.beoordeling == "niet_van_toepassing"


def test_amsterdam_lvb_case_is_care_first_with_vt_at_zsm(advies):
    a = advies["VERHAAL-AA-LVB"]
    assert a.route == "zorg" and "vt_op_zsm" in a.afstemming and "rvdk" in a.partners


def test_tilburg_sash_hoog_is_first_on_the_agenda(advies):
    a = advies["VERHAAL-ZWB-TILBURG"]
    assert a.actie_overleg.agenderen and a.actie_overleg.prioriteit == 1 and a.urgentie == "hoog"


def test_flevoland_suspected_criminal_child_abuse_consults_the_vertrouwensarts_and_ovj(advies):
    a = advies["VERHAAL-FL-KM"]
    assert "strafbare_kindermishandeling" in a.afstemming and "consultatie_vertrouwensarts_ovj" in a.interventies
    assert a.route == "tweesporen" and "raadsonderzoek" in a.interventies


def test_acute_danger_at_night_is_samen_op_in_acuut(advies):
    a = advies["VERHAAL-MN-ACUUT"]
    assert a.urgentie == "acuut" and "samen_op_in_acuut" in a.afstemming and a.thv.beoordeling == "overwegen"
