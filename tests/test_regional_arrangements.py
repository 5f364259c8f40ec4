"""Regional arrangements that act, and the additions from the seeds, read as a policy officer would:
each arrangement changes the advies where the sources say the region works differently."""

from __future__ import annotations

import json

from zorgstraf import agenda as agenda_mod
from zorgstraf import schema
from zorgstraf.compare import compare
from zorgstraf.triage import Triage, default_rules_dir

from .conftest import ROOT, melding

SAMPLES = str(ROOT / "data" / "samples" / "meldingen.jsonl")


def fired(advies) -> set[str]:
    return {u.regel for u in advies.uitleg}


def test_noord_nederland_sends_an_ao_case_to_the_actie_overleg_of_its_own_vt_region():
    case = melding(incidentsoort=["ex_partnerstalking"], sash="hoog")
    assert "AO_PER_VT_REGIO" in fired(Triage(regio="noord_nederland").evaluate([case])[0])
    assert "AO_PER_VT_REGIO" not in fired(Triage().evaluate([case])[0])
    report = compare(SAMPLES, ["noord_nederland"], workers=1)
    assert report.differences and all(d.rules_only_variant == ["AO_PER_VT_REGIO"] for d in report.differences)


def test_hollands_midden_hours_are_expressed_and_compared_against_haaglanden():
    friday_late = melding(ontvangen_op="2026-03-13T17:15:00+01:00", hg_label=True, verdachte={"aangehouden": True})
    (haaglanden,) = Triage(regio="haaglanden_hollands_midden").evaluate([friday_late])
    assert "vt_aanwezig_zsm" in haaglanden.indicatoren
    variant = str(default_rules_dir() / "varianten" / "hollands_midden.yaml")
    report = compare(SAMPLES, [variant], base="haaglanden_hollands_midden", workers=1)
    assert report.differences and all("indicatoren" in d.fields for d in report.differences)


def test_an_arrest_without_hg_label_with_children_as_witnesses_is_at_least_midden_with_vt_before_the_ovj():
    (advies,) = Triage().evaluate(
        [
            melding(
                incidentsoort=["overig"],
                ontvangen_op="2026-11-25T05:58:00+01:00",
                verdachte={"aangehouden": True},
                kinderen={"aantal_minderjarig": 2, "getuige": True},
            )
        ]
    )
    assert advies.urgentie == "midden" and "vt_op_zsm" in advies.afstemming and "slachtofferhulp" in advies.partners
    assert advies.termijnen.vt_veiligheidsbeoordeling_uiterlijk == advies.termijnen.ovj_beslissing_uiterlijk == "2026-11-25T18:00:00+01:00"


def test_schaal_0_without_the_acute_tick_is_a_thv_danger_indicator():
    (advies,) = Triage().evaluate([melding(veiligheidsschaal=0, verdachte={"woont_met_slachtoffer": True})])
    assert advies.urgentie == "acuut" and advies.thv.beoordeling == "overwegen"


def test_sexual_abuse_of_a_child_by_a_co_resident_adult_is_a_reason_for_a_huisverbod():
    (advies,) = Triage().evaluate(
        [
            melding(
                incidentsoort=["seksueel_geweld", "kindermishandeling"],
                kinderen={"aantal_minderjarig": 1, "slachtoffer": True},
                verdachte={"woont_met_slachtoffer": True},
            )
        ]
    )
    assert advies.thv.beoordeling == "overwegen"


def test_an_unfilled_living_situation_is_unknown_not_elsewhere():
    (advies,) = Triage().evaluate([melding(verdachte={"doodsbedreiging": True})])
    assert advies.thv.beoordeling == "onvoldoende_informatie"
    assert not any("woont niet" in r for r in advies.thv.redenen) and any("Onbekend of de verdachte" in r for r in advies.thv.redenen)


def test_each_addition_fires_where_the_domain_says():
    t = Triage()
    (shelter,) = t.evaluate([melding(slachtoffer={"in_opvang": True})])
    (pregnant,) = t.evaluate([melding(slachtoffer={"zwanger": True})])
    (fear,) = t.evaluate([melding(verdachte={"wapen": "dreiging"}, slachtoffer={"angst_ernstig": True})])
    (repeated,) = t.evaluate([melding(eerdere_vt_meldingen=3)])
    (mda,) = t.evaluate([melding(eerdere_vt_meldingen=4, verdachte={"lvb": True, "middelengebruik": True, "eerdere_incidenten_12m": 1})])
    (ban,) = t.evaluate([melding(hg_label=True, verdachte={"aangehouden": True, "wapen": "dreiging", "woont_met_slachtoffer": False})])
    assert "vrouwenopvang" in shelter.partners
    assert pregnant.urgentie == "midden" and "zorgmelding_vt" in pregnant.interventies
    assert fear.actie_overleg.agenderen and fear.urgentie in ("midden", "hoog")
    assert repeated.actie_overleg.agenderen
    assert "mda_plus_plus" in mda.interventies and "zorg_en_veiligheidshuis" in mda.afstemming
    assert "gedragsaanwijzing" in ban.interventies


def test_the_agenda_says_why_each_case_is_on_it_and_flags_one_at_zsm():
    triage = Triage(regio="limburg")
    cases = [
        melding(
            melding_id="AO-SASH", incidentsoort=["ex_partnerstalking"], sash="hoog", lopende_hulpverlening=True, eerdere_vt_meldingen=2
        ),
        melding(melding_id="AO-ZSM", incidentsoort=["ex_partnerstalking"], sash="midden", hg_label=True, verdachte={"aangehouden": True}),
    ]
    pairs = list(zip(cases, triage.evaluate(cases)))
    week = agenda_mod.week_of(schema.Melding.model_validate(json.loads(cases[0].model_dump_json())).ontvangen_op.date())
    result = agenda_mod.build("limburg", week, pairs, [], triage.engine_for("limburg").ruleset)
    by_id = {i.melding_id: i for i in result.items}
    assert any("SASH hoog" in w for w in by_id["AO-SASH"].waarom_op_agenda)
    assert "hulpverlening loopt" in by_id["AO-SASH"].feiten and "2 eerdere VT-melding(en)" in by_id["AO-SASH"].feiten
    assert by_id["AO-ZSM"].op_zsm and not by_id["AO-SASH"].op_zsm
    text = agenda_mod.to_markdown(result)
    assert "Waarom op de agenda" in text and "Ligt ook op ZSM" in text
