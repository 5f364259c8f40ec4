"""Broken rule files give `file:line: message` and exit code 2, never a traceback."""

from __future__ import annotations

import shutil

import pytest

from zorgstraf.errors import RuleFileErrors
from zorgstraf.ruleset import load_ruleset

from .conftest import RULES, run_cli

HEAD = """regelset:
  naam: t
  versie: "1"
  beslissingen: {urgentie: {beleid: maximum, standaard: laag}, route: {beleid: eerste, standaard: zorg},
                 fase: {beleid: eerste, standaard: directe_veiligheid}, thv: {beleid: eerste, standaard: onvoldoende_informatie}}
"""


def rules_with(tmp_path, body: str):
    (tmp_path / "a.yaml").write_text(HEAD + body)
    return tmp_path


def errors_of(path) -> list[str]:
    with pytest.raises(RuleFileErrors) as exc:
        load_ruleset(path)
    return [str(e) for e in exc.value.errors]


def test_unknown_field_names_file_line_and_suggests(tmp_path):
    path = rules_with(tmp_path, "regels:\n  - {id: X, titel: x, reden: x, bron: x, als: {verdachte.aangehoudn: true}, dan: {}}\n")
    (err,) = errors_of(path)
    assert "/a.yaml:7:" in err and "verdachte.aangehouden" in err


def test_unknown_enum_value_suggests_the_right_one(tmp_path):
    path = rules_with(tmp_path, "regels:\n  - id: X\n    titel: x\n    reden: x\n    bron: x\n    als:\n      sash: hooog\n    dan: {}\n")
    (err,) = errors_of(path)
    assert "/a.yaml:12:" in err and "'hoog'" in err


def test_toelichting_can_never_be_used_by_a_rule(tmp_path):
    path = rules_with(tmp_path, "regels:\n  - {id: X, titel: x, reden: x, bron: x, als: {toelichting: iets}, dan: {}}\n")
    assert "vrije tekst" in errors_of(path)[0]


def test_python_tags_are_refused(tmp_path):
    path = rules_with(tmp_path, "regels: !!python/object/apply:os.system ['echo hi']\n")
    assert "ongeldige YAML" in errors_of(path)[0]


def test_duplicate_keys_and_ids_are_errors(tmp_path):
    path = rules_with(
        tmp_path,
        "regels:\n  - {id: X, titel: x, reden: x, bron: x, als: {hg_label: true}, dan: {}}\n  - {id: X, titel: x, reden: x, bron: x, als: {hg_label: true}, dan: {}}\n",
    )
    assert "bestaat al" in errors_of(path)[0]
    path2 = rules_with(tmp_path, "regels:\n  - id: X\n    id: Y\n    titel: x\n")
    assert "twee keer" in errors_of(path2)[0]


def test_unknown_effect_key_is_named(tmp_path):
    path = rules_with(tmp_path, "regels:\n  - {id: X, titel: x, reden: x, bron: x, als: {hg_label: true}, dan: {partner: [om]}}\n")
    assert "onbekende sleutel 'partner'" in errors_of(path)[0]


def test_a_rule_reading_its_own_output_is_refused(tmp_path):
    path = rules_with(tmp_path, "regels:\n  - {id: X, titel: x, reden: x, bron: x, als: {partners: {bevat: om}}, dan: {partners: [om]}}\n")
    assert "leest en schrijft" in errors_of(path)[0]


def test_cycles_between_rules_are_refused(tmp_path):
    path = rules_with(
        tmp_path,
        "regels:\n"
        "  - {id: X, titel: x, reden: x, bron: x, als: {partners: {bevat: om}}, dan: {interventies: [aware]}}\n"
        "  - {id: Y, titel: y, reden: y, bron: y, als: {interventies: {bevat: aware}}, dan: {partners: [om]}}\n",
    )
    assert "kringredenering" in errors_of(path)[0]


def test_unresolved_conflict_without_hit_policy_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text(
        HEAD.replace("route: {beleid: eerste, standaard: zorg},", "") + "regels:\n"
        "  - {id: X, titel: x, reden: x, bron: x, als: {hg_label: true}, dan: {route: straf}, voorbeelden: [{naam: a, melding: {incidentsoort: [overig], hg_label: true}, vuurt: true}, {naam: b, melding: {incidentsoort: [overig]}, vuurt: false}]}\n"
        "  - {id: Y, titel: y, reden: y, bron: y, als: {acuut_gevaar: true}, dan: {route: zorg}, voorbeelden: [{naam: a, melding: {incidentsoort: [overig], acuut_gevaar: true}, vuurt: true}, {naam: b, melding: {incidentsoort: [overig]}, vuurt: false}]}\n"
    )
    result = run_cli("rules", "check", str(tmp_path))
    assert result.returncode == 2 and "onopgelost conflict" in result.stderr and "Traceback" not in result.stderr


def test_uniek_violation_is_found_on_sample_meldingen(tmp_path):
    (tmp_path / "a.yaml").write_text(
        HEAD.replace("route: {beleid: eerste", "route: {beleid: uniek") + "regels:\n"
        "  - {id: X, titel: x, reden: x, bron: x, als: {hg_label: true}, dan: {route: straf}, voorbeelden: [{naam: a, melding: {incidentsoort: [overig], hg_label: true}, vuurt: true}, {naam: b, melding: {incidentsoort: [overig]}, vuurt: false}]}\n"
        "  - {id: Y, titel: y, reden: y, bron: y, als: {hg_label: true}, dan: {route: zorg}, voorbeelden: [{naam: a, melding: {incidentsoort: [overig], hg_label: true}, vuurt: true}, {naam: b, melding: {incidentsoort: [overig]}, vuurt: false}]}\n"
    )
    result = run_cli("rules", "check", str(tmp_path))
    assert result.returncode == 2 and "'uniek'" in result.stderr


def test_rules_check_cli_prints_file_line_and_exits_2(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    target = tmp_path / "rules" / "40_actie_overleg.yaml"
    target.write_text(target.read_text().replace("      sash: hoog\n", "      sash: hooog\n", 1))
    result = run_cli("rules", "check", str(tmp_path / "rules"))
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[0]
    assert line.startswith("rules/40_actie_overleg.yaml:") and "hoog" in line and "Traceback" not in result.stderr


def test_rules_test_cli_exits_1_on_a_failing_example(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    target = tmp_path / "rules" / "10_acuut.yaml"
    target.write_text(target.read_text().replace("verwacht: {urgentie: acuut}", "verwacht: {urgentie: laag}", 1))
    result = run_cli("rules", "test", str(tmp_path / "rules"), "--regio", "landelijk")
    assert result.returncode == 1 and "FAIL [landelijk] rules/10_acuut.yaml:" in result.stderr and "1 failed" in result.stdout


def test_national_rules_check_and_test_pass_via_the_cli():
    assert run_cli("rules", "check").returncode == 0
    result = run_cli("rules", "test")
    assert result.returncode == 0 and " 0 failed" in result.stdout


def test_the_rule_as_written_comes_from_the_rule_set_wherever_the_reader_runs(tmp_path, monkeypatch):
    """Issue 22 item 3: the dashboard's Regels page showed an empty box outside the checkout."""
    from zorgstraf.overview import rule_text
    from zorgstraf.triage import Triage

    monkeypatch.chdir(tmp_path)
    ruleset = Triage().engine_for("limburg").ruleset
    for rule in ruleset.rules:
        assert rule_text(rule, ruleset).lstrip().startswith(("- id:", "id:", "regel:")), rule.id


def test_one_owner_of_what_a_variant_string_means():
    from zorgstraf.overlay import overlay_path
    from zorgstraf.variants import Variant

    for text in ("./voorstel.txt", "voorstel.yaml", "map/limburg"):
        assert Variant.parse(text).kind == "bestand" and str(overlay_path("rules", text)) == str(__import__("pathlib").Path(text))
    assert Variant.parse("limburg").kind == "regio" and overlay_path("rules", "limburg").name == "limburg.yaml"
