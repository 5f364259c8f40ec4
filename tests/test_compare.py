"""`zorgstraf compare`: what a policy team sees when it tests a variant."""

from __future__ import annotations

import csv
import io
import json

import pytest

from zorgstraf.compare import compare
from zorgstraf.compare_report import to_markdown

from .conftest import ROOT, run_cli

SAMPLES = str(ROOT / "data/samples/meldingen.jsonl")


@pytest.fixture(scope="module")
def report():
    return compare(SAMPLES, ["limburg", "oost_nederland"], workers=1)


def test_a_region_with_other_arrangements_shows_real_differences(report):
    changed = [d for d in report.differences if d.variant == "limburg"]
    assert changed
    assert all("ZSM_VT_AANWEZIG" in d.rules_only_base and "ZSM_VT_TELEFONISCH" in d.rules_only_variant for d in changed)
    consults = report.per_week("limburg").get(("veilig_thuis", "zsm_consult_telefonisch"), 0)
    assert consults > report.per_week("landelijk").get(("veilig_thuis", "zsm_consult_telefonisch"), 0)


def test_a_region_without_changes_shows_none(report):
    assert report.changed_ids("oost_nederland") == set()
    assert report.tallies["oost_nederland"].counts == report.tallies["landelijk"].counts


def test_counts_add_up_to_the_number_of_meldingen(report):
    assert report.count == 500
    for name in ("landelijk", "limburg"):
        assert sum(report.tallies[name].counts["urgentie"].values()) == 500


def test_two_workers_give_the_same_report_as_one(report):
    parallel = compare(SAMPLES, ["limburg", "oost_nederland"], workers=2)
    assert parallel.tallies["limburg"].counts == report.tallies["limburg"].counts
    assert sorted(d.melding_id for d in parallel.differences) == sorted(d.melding_id for d in report.differences)


def test_an_edited_rule_file_is_a_variant(tmp_path):
    path = tmp_path / "ao_sash_laag.yaml"
    path.write_text("""overlay: {regio: zeeland_west_brabant, versie: concept}
wijzigingen:
  - voeg_toe:
      id: SASH_LAAG_KINDEREN
      titel: SASH laag met kinderen
      reden: Ook SASH laag met kinderen in huis op het Actie-overleg.
      bron: beleidsvoorstel
      als: {sash: laag, kinderen.aantal_minderjarig: {">=": 1}}
      dan: {afstemming: [actie_overleg], actie_overleg: {prioriteit: 3}}
    waarom: Wat verandert er als ons Actie-overleg ook SASH laag met kinderen neemt?
    bron: beleidsvoorstel
""")
    result = compare(SAMPLES, [str(path)], workers=1)
    label = str(path)
    diffs = [d for d in result.differences if d.variant == label]
    assert diffs and all("SASH_LAAG_KINDEREN" in d.rules_only_variant for d in diffs)
    assert result.tallies[label].counts["afstemming"]["actie_overleg"] > result.tallies["landelijk"].counts["afstemming"]["actie_overleg"]
    assert "SASH_LAAG_KINDEREN" in to_markdown(result)


def test_cli_formats():
    md = run_cli("compare", SAMPLES, "--variant", "limburg", "--format", "md", "--workers", "1")
    assert md.returncode == 0 and "## Gewijzigde meldingen in limburg" in md.stdout
    data = json.loads(run_cli("compare", SAMPLES, "--variant", "limburg", "--format", "json", "--workers", "1").stdout)
    assert data["basis"] == "landelijk" and data["gewijzigd"] and data["werklast_per_week"]["limburg"]
    rows = list(csv.reader(io.StringIO(run_cli("compare", SAMPLES, "--variant", "limburg", "--format", "csv", "--workers", "1").stdout)))
    assert rows[0] == ["soort", "sleutel", "detail", "landelijk", "limburg"] and any(r[0] == "gewijzigd" for r in rows)


def test_unknown_variant_is_a_usage_error():
    result = run_cli("compare", SAMPLES, "--variant", "atlantis")
    assert result.returncode == 2 and "onbekende regio" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("backend", ["durable", "referentie"])
def test_variants_sharing_the_strata_they_agree_on_decide_as_each_alone(backend):
    # compare evaluates a stratum once for all variants that agree on it and on what comes before
    # (most regions share the first stratum with the national rules); each must decide as alone.
    from zorgstraf.engine import Engine
    from zorgstraf.fields import domain_facts
    from zorgstraf.samples import generate
    from zorgstraf.schema import Melding
    from zorgstraf.variants import Catalogue, Variant, default_rules_dir

    catalogue = Catalogue.of(default_rules_dir())
    names = ["landelijk", "limburg", "midden_nederland", "noord_holland", "oost_brabant"]
    engines = [Engine(catalogue.ruleset(Variant.parse(n)), backend=backend) for n in names]
    assert len({e._prefix_keys[0] for e in engines}) < len(engines)  # some do share
    meldingen = [Melding.model_validate(m) for m in generate(400, seed=11)]
    facts = [domain_facts(m) for m in meldingen]
    shared: dict = {}
    together = [e.outcomes(meldingen, facts, shared) for e in engines]
    assert together == [e.outcomes(meldingen, facts) for e in engines]
    assert len(shared) < 2 * len(engines)


def test_people_read_labels_not_codes_and_every_kind_of_work_has_one(report):
    # Table and Markdown are for a policy team: Dutch labels from the one catalogue; JSON/CSV keep codes.
    from zorgstraf.compare import workload_model
    from zorgstraf.labels import catalogue

    assert {w.werk for w in workload_model().werk} <= set(catalogue().waarden["werk"])
    text = to_markdown(report)
    assert "| afstemming | Actie-overleg |" in text and "| Openbaar Ministerie | zaken Actie-overleg |" in text
    assert "actie_overleg_zaak" not in text and "| om |" not in text
    shown = io.StringIO()
    from zorgstraf.compare_report import print_table

    print_table(report, shown)
    assert "Raad voor de Kinderbescherming" in shown.getvalue() and "| rvdk " not in shown.getvalue()
