"""The transparent risk score: points add up, training is reproducible, tampering is refused."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from zorgstraf import schema
from zorgstraf.errors import RuleFileErrors
from zorgstraf.ruleset import load_ruleset
from zorgstraf.samples import generate, to_csv
from zorgstraf.score import FEATURE_NAMES, MODEL_DIR, ModelError, load
from zorgstraf.train import train_synthetic
from zorgstraf.triage import Triage

from .conftest import SHARED, jsonl, melding, run_cli


@pytest.fixture(scope="module")
def scorer():
    return load()


def test_points_add_up_to_the_total(scorer):
    ms = [schema.Melding.model_validate(m) for m in generate(2000, seed=8)]
    for s in scorer.score(ms):
        assert sum(s.bijdragen.values()) == s.punten


def test_a_melding_without_risk_factors_scores_zero_in_the_lowest_band(scorer):
    (s,) = scorer.score([melding(incidentsoort=["overig"])])
    assert s.punten == 0 and s.band == "laag" and s.bijdragen == {}


def test_training_is_reproducible_with_a_seed():
    a, metrics_a = train_synthetic(seed=11, n=4000)
    b, metrics_b = train_synthetic(seed=11, n=4000)
    assert list(a.points_) == list(b.points_) and a.cutoffs_ == b.cutoffs_
    assert metrics_a["auc_scorekaart"] == metrics_b["auc_scorekaart"]


def test_rounding_to_points_costs_little_auc():
    _, metrics = train_synthetic(seed=3, n=8000)
    assert metrics["auc_logistische_regressie"] - metrics["auc_scorekaart"] < 0.02


def _analyst_artifact():
    """The joblib the analysts get, opened only here in a test, after checking its recorded hash."""
    import joblib

    path = MODEL_DIR / "scorecard.joblib"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == (MODEL_DIR / "scorecard.sha256").read_text().split()[0]
    return joblib.load(path)


def test_the_committed_points_table_matches_the_artifact(scorer):
    model = _analyst_artifact()
    table = json.loads((MODEL_DIR / "scorecard_punten.json").read_text())
    assert table["punten"] == {n: int(p) for n, p in zip(model.feature_names_, model.points_)}
    assert table["afkappunten"] == model.cutoffs_ == scorer.table.afkappunten
    assert list(scorer.points_) == list(model.points_)


def test_the_artifact_keeps_no_training_rows():
    model = _analyst_artifact()
    arrays = [v for v in vars(model).values() if isinstance(v, np.ndarray)]
    arrays += [v for v in vars(model.calibrator_).values() if isinstance(v, np.ndarray)]
    assert all(a.size <= 200 for a in arrays)
    assert (MODEL_DIR / "scorecard.joblib").stat().st_size < 100_000


class _Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_scoring_never_unpickles_even_a_malicious_joblib_with_a_matching_hash(tmp_path):
    import joblib

    target = tmp_path / "models"
    shutil.copytree(MODEL_DIR, target)
    marker = tmp_path / "code_ran"
    joblib.dump(_Payload(marker), target / "scorecard.joblib")
    digest = hashlib.sha256((target / "scorecard.joblib").read_bytes()).hexdigest()
    (target / "scorecard.sha256").write_text(f"{digest}  scorecard.joblib\n")
    runner = Triage(score=True, model_dir=target)
    (advies,) = runner.evaluate([melding(verdachte={"verwurging": True})])
    assert advies.score is not None and advies.score.punten > 0
    assert not marker.exists()  # the joblib was never opened
    assert runner.model_hash == hashlib.sha256((target / "scorecard_punten.json").read_bytes()).hexdigest()


def test_a_tampered_points_table_is_refused_with_a_clear_error(tmp_path):
    target = tmp_path / "models"
    shutil.copytree(MODEL_DIR, target)
    table = json.loads((target / "scorecard_punten.json").read_text())
    table["punten"]["verwurging"] = "veel"
    (target / "scorecard_punten.json").write_text(json.dumps(table))
    with pytest.raises(ModelError, match="punten.verwurging"):
        load(target)
    del table["punten"]["verwurging"]
    (target / "scorecard_punten.json").write_text(json.dumps(table))
    with pytest.raises(ModelError, match="verwurging"):
        Triage(score=True, model_dir=target)
    (target / "scorecard_punten.json").unlink()
    with pytest.raises(ModelError, match="ontbreekt"):
        load(target)


def test_score_is_off_by_default_and_on_with_the_flag():
    line = json.dumps(
        {
            "melding_id": "S1",
            "ontvangen_op": "2026-03-10T10:00:00+01:00",
            "incidentsoort": ["partnergeweld"],
            "verdachte": {"verwurging": True, "doodsbedreiging": True},
        }
    )
    assert jsonl(run_cli("triage", "-", "--format", "jsonl", stdin=line).stdout)[0]["score"] is None
    scored = jsonl(run_cli("triage", "-", "--format", "jsonl", "--score", stdin=line).stdout)[0]["score"]
    assert scored["punten"] == sum(scored["bijdragen"].values()) and set(scored["bijdragen"]) <= set(FEATURE_NAMES)


def test_score_works_on_every_public_example_case():
    cases = [json.loads(l)["melding"] for l in (SHARED / "examples/cases.jsonl").read_text().splitlines()] if SHARED.exists() else []
    if not cases:
        pytest.skip("shared/ not beside this checkout")
    result = run_cli("triage", "-", "--format", "jsonl", "--score", stdin="\n".join(json.dumps(c) for c in cases))
    advies = jsonl(result.stdout)
    assert result.returncode == 0 and len(advies) == len(cases) and all(a["score"] for a in advies)


def test_a_high_score_raises_attention_and_the_uitleg_shows_it(engine):
    low = melding(verdachte={"woont_met_slachtoffer": False})
    (advies,) = engine.evaluate([low], [schema.Score(punten=12, band="hoog", bijdragen={"verwurging": 4})])
    assert advies.urgentie == "midden" and any(u.regel == "SCORE_HOOG" and "hoog" in u.reden for u in advies.uitleg)
    (unscored,) = engine.evaluate([low])
    assert unscored.urgentie == "laag"


def test_a_rule_reading_the_score_may_not_set_what_it_could_lower(tmp_path):
    (tmp_path / "a.yaml").write_text("""regelset:
  naam: t
  versie: "1"
  beslissingen: {urgentie: {beleid: maximum, standaard: laag}, route: {beleid: eerste, standaard: zorg},
                 fase: {beleid: eerste, standaard: directe_veiligheid}, thv: {beleid: eerste, standaard: onvoldoende_informatie}}
regels:
  - {id: X, titel: x, reden: x, bron: x, als: {score.band: laag}, dan: {route: zorg}}
""")
    with pytest.raises(RuleFileErrors, match="alleen verhogen"):
        load_ruleset(tmp_path)


def test_train_cli_retrains_on_a_labelled_csv(tmp_path):
    meldingen = generate(1500, seed=4)
    rng = np.random.default_rng(4)
    for m in meldingen:
        risky = (m.get("verdachte") or {}).get("eerdere_incidenten_12m", 0) >= 2
        m["herhaling_ernstig_12m"] = int(rng.random() < (0.6 if risky else 0.1))
    path = tmp_path / "geschiedenis.csv"
    with open(path, "w", newline="") as f:
        to_csv(meldingen, f)
    out = tmp_path / "model"
    result = run_cli("train", "--data", str(path), "--label", "herhaling_ernstig_12m", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "AUC" in result.stdout and load(out).points_.size == len(FEATURE_NAMES)
    assert "Illustratief" in (out / "scorecard.md").read_text()
    missing = run_cli("train", "--data", str(path), "--label", "bestaat_niet", "--output", str(out))
    assert missing.returncode == 2 and "bestaat_niet" in missing.stderr
