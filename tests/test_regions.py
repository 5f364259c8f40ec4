"""Regional overlays: each region loads, has its own hash and passes its own tests."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from zorgstraf import schema
from zorgstraf.engine import Engine
from zorgstraf.errors import RuleFileErrors
from zorgstraf.overview import diff, show
from zorgstraf.ruleset import load_ruleset
from zorgstraf.ruletest import run_examples
from zorgstraf.termijnen import add_working_days, next_weekday, ovj_deadline

from .conftest import RULES, jsonl, melding, run_cli

REGIONS = [r.value for r in schema.Regio]


def test_every_region_has_an_overlay_file():
    assert sorted(p.stem for p in (RULES / "regions").glob("*.yaml")) == sorted(REGIONS)


@pytest.mark.parametrize("regio", REGIONS)
def test_region_loads_and_passes_its_own_tests(regio):
    ruleset = load_ruleset(RULES, regio)
    assert ruleset.regio == regio and ruleset.region_examples
    report = run_examples(ruleset)
    assert report.failed == 0, report.failures


def test_every_region_has_its_own_hash(national):
    hashes = {load_ruleset(RULES, r).digest for r in REGIONS} | {national.digest}
    assert len(hashes) == len(REGIONS) + 1


def test_every_change_carries_a_reason_and_a_source():
    for regio in REGIONS:
        for change in load_ruleset(RULES, regio).changes:
            assert change.reason.strip() and change.source.strip(), (regio, change.target)


def _overlay(tmp_path, body: str):
    path = tmp_path / "variant.yaml"
    path.write_text("overlay: {regio: limburg, versie: test}\n" + body)
    return path


def test_overriding_a_rule_id_that_does_not_exist_names_file_and_line(tmp_path):
    path = _overlay(tmp_path, "wijzigingen:\n  - schakel_uit: HERHALNG\n    waarom: x\n    bron: y\n")
    with pytest.raises(RuleFileErrors) as exc:
        load_ruleset(RULES, str(path))
    message = str(exc.value.errors[0])
    assert "variant.yaml:3:" in message and "HERHALING" in message


def test_a_change_without_a_source_is_refused(tmp_path):
    path = _overlay(tmp_path, "wijzigingen:\n  - schakel_uit: HERHALING\n    waarom: x\n")
    with pytest.raises(RuleFileErrors) as exc:
        load_ruleset(RULES, str(path))
    assert "bron" in str(exc.value.errors[0])


def test_unknown_parameter_in_an_overlay_is_refused(tmp_path):
    path = _overlay(tmp_path, "wijzigingen:\n  - parameter: vt_zsm_dagn\n    waarden: {2020-01-01: [ma]}\n    waarom: x\n    bron: y\n")
    with pytest.raises(RuleFileErrors) as exc:
        load_ruleset(RULES, str(path))
    assert "vt_zsm_dagen" in str(exc.value.errors[0])


def test_an_edited_overlay_file_can_add_and_disable_rules(tmp_path):
    path = _overlay(
        tmp_path,
        """wijzigingen:
  - voeg_toe:
      id: SASH_LAAG_KINDEREN
      titel: SASH laag met kinderen - Actie-overleg
      reden: Ook SASH laag met kinderen in huis bespreken.
      bron: beleidsvariant
      als: {sash: laag, kinderen.aantal_minderjarig: {">=": 1}}
      dan: {afstemming: [actie_overleg], actie_overleg: {prioriteit: 3}}
    waarom: Wat als het Actie-overleg ook SASH laag met kinderen neemt?
    bron: beleidsvariant
  - schakel_uit: HERHALING
    waarom: test
    bron: test
""",
    )
    ruleset = load_ruleset(RULES, str(path))
    ids = {r.id for r in ruleset.rules}
    assert "SASH_LAAG_KINDEREN" in ids and "HERHALING" not in ids
    (advies,) = Engine(ruleset).evaluate([melding(incidentsoort=["ex_partnerstalking"], sash="laag", kinderen={"aantal_minderjarig": 1})])
    assert advies.actie_overleg.agenderen and advies.regio == "limburg"


def test_saturday_night_in_a_weekday_region_gets_vt_by_phone_in_the_uitleg():
    engine = Engine(load_ruleset(RULES, "haaglanden_hollands_midden"))
    (advies,) = engine.evaluate([melding(ontvangen_op="2026-03-14T23:30:00+01:00", hg_label=True, verdachte={"aangehouden": True})])
    phone = [u for u in advies.uitleg if u.regel == "ZSM_VT_TELEFONISCH"]
    assert phone and "telefonisch" in phone[0].reden and "za" in phone[0].reden
    assert "vt_telefonisch_zsm" in advies.indicatoren


def test_melding_regio_picks_the_variant_and_the_override_wins():
    line = json.dumps(
        {
            "melding_id": "R1",
            "ontvangen_op": "2026-03-12T14:00:00+01:00",
            "regio": "limburg",
            "incidentsoort": ["partnergeweld"],
            "verdachte": {"aangehouden": True},
        }
    )
    own = jsonl(run_cli("triage", "-", "--format", "jsonl", stdin=line).stdout)[0]
    assert own["regio"] == "limburg" and "vt_telefonisch_zsm" in own["indicatoren"]
    forced = jsonl(run_cli("triage", "-", "--format", "jsonl", "--regio", "landelijk", stdin=line).stdout)[0]
    assert forced["regio"] == "landelijk" and "vt_aanwezig_zsm" in forced["indicatoren"]


def test_rules_show_and_diff(national):
    limburg = load_ruleset(RULES, "limburg")
    assert "ZSM_VT_AANWEZIG" in show(limburg) and limburg.digest in show(limburg)
    text = diff(national, limburg)
    assert "vt_zsm_dagen" in text and "waarom" in text and "bron" in text
    result = run_cli("rules", "show", "--regio", "oost_nederland", "--diff")
    assert result.returncode == 0 and "Geen wijzigingen" in result.stdout


AMS = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    "start,expected",
    [
        ("2026-03-10T10:00", "2026-03-10T19:00"),  # daytime: plus nine hours
        ("2026-03-10T20:00", "2026-03-11T14:00"),  # four hours, then night not counted, five more from 09:00
        ("2026-03-11T02:30", "2026-03-11T18:00"),  # arrested at night: the clock starts at 09:00
    ],
)
def test_ovj_deadline_skips_midnight_to_nine(start, expected):
    assert ovj_deadline(datetime.fromisoformat(start).replace(tzinfo=AMS)) == datetime.fromisoformat(expected).replace(tzinfo=AMS)


def test_five_working_days_skip_the_weekend_and_next_ao_is_after_receipt():
    assert add_working_days(date(2026, 3, 13), 5) == date(2026, 3, 20)  # Friday -> next Friday
    assert next_weekday(date(2026, 3, 10), "di") == date(2026, 3, 17)  # Tuesday -> next Tuesday
    assert next_weekday(date(2026, 3, 9), "di") == date(2026, 3, 10)


def test_termijnen_in_the_advies(engine):
    (acute,) = engine.evaluate([melding(acuut_gevaar=True, sash="hoog", verdachte={"aangehouden": True})])
    assert acute.termijnen.vt_veiligheidsbeoordeling_uiterlijk == "2026-03-10"  # acute: at once
    assert acute.termijnen.ovj_beslissing_uiterlijk == "2026-03-10T23:30:00+01:00"
    assert acute.termijnen.volgend_actie_overleg == "2026-03-17"
    (quiet,) = engine.evaluate([melding(verdachte={"woont_met_slachtoffer": False})])
    assert quiet.termijnen.ovj_beslissing_uiterlijk is None and quiet.termijnen.volgend_actie_overleg is None


def test_a_rule_can_be_read_back_exactly_as_written_in_its_file():
    from zorgstraf.overview import rule_text
    from zorgstraf.ruleset import load_ruleset

    rules = {r.id: r for r in load_ruleset(RULES, "midden_nederland").rules}
    national = rule_text(rules["ACUUT"])
    assert national.startswith("- id: ACUUT\n") and "een_van:" in national and "ERNSTIG_GEVAAR" not in national
    regional = rule_text(rules["STRAFBARE_KM"])
    assert regional.startswith("id: STRAFBARE_KM\n") and "duo-MDO" in regional and "Acuut gevaar in Gooi" not in regional
