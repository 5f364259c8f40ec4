"""Training the transparent scorecard (the `train` extra: scikit-learn, joblib). Scoring itself
(zorgstraf.score) needs none of this: it reads the published points table.

- `PointsScorecard` is a scikit-learn estimator: an L1 logistic regression whose coefficients are
  scaled and rounded to small integer points; bands are cut on calibrated probabilities.
- `synthetic_training_set` is the documented generating process the committed model is trained on
  (there is no real data here: the model is illustrative).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from . import schema
from .score import FEATURE_NAMES, MODEL_NAME, feature_matrix

# --- the estimator -------------------------------------------------------------------------------


class PointsScorecard(ClassifierMixin, BaseEstimator):
    """L1 logistic regression rounded to integer points; probabilities calibrated on the points."""

    def __init__(self, C: float = 0.5, max_points: int = 5, band_thresholds: tuple[float, float] = (0.15, 0.35), random_state: int = 0):
        self.C = C
        self.max_points = max_points
        self.band_thresholds = band_thresholds
        self.random_state = random_state

    def fit(self, X, y, feature_names: list[str] | None = None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        lr = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=self.C, random_state=self.random_state)
        lr.fit(X, y)
        coef = lr.coef_.ravel()
        scale = self.max_points / max(np.abs(coef).max(), 1e-9)
        self.points_ = np.rint(coef * scale).astype(int)
        self.scale_ = float(scale)
        self.feature_names_ = list(feature_names or [f"x{i}" for i in range(X.shape[1])])
        self.classes_ = np.array([0, 1])
        totals = X @ self.points_
        self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(totals, y)
        self.points_range_ = (int(min(0, self.points_[self.points_ < 0].sum())), int(self.points_[self.points_ > 0].sum()))
        # A band starts at the first total whose calibrated probability reaches the threshold, but
        # never at or below 0: a melding without risk factors is always in the lowest band.
        grid = np.arange(self.points_range_[0], self.points_range_[1] + 1)
        probs = self.calibrator_.predict(grid)
        cuts = []
        for threshold in self.band_thresholds:
            reached = grid[(probs >= threshold) & (grid > 0)]
            cuts.append(int(reached.min()) if reached.size else self.points_range_[1] + 1)
        cuts[1] = max(cuts[1], cuts[0] + 1)
        self.cutoffs_ = {"midden": cuts[0], "hoog": cuts[1]}
        return self

    def points(self, X) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.points_

    def predict_proba(self, X) -> np.ndarray:
        p = self.calibrator_.predict(self.points(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def band(self, total: int) -> str:
        return "hoog" if total >= self.cutoffs_["hoog"] else "midden" if total >= self.cutoffs_["midden"] else "laag"

    def explain(self, x: np.ndarray) -> schema.Score:
        contributions = {name: int(p) for name, p, present in zip(self.feature_names_, self.points_, x) if present and p != 0}
        total = int(sum(contributions.values()))
        return schema.Score(punten=total, band=schema.ScoreBand(self.band(total)), bijdragen=contributions)


# --- the synthetic training set -------------------------------------------------------------------

# True log-odds of the illustrative outcome "serious repeat violence within 12 months". The sizes
# follow the direction and rough order the sources give (strangulation, threats to kill, weapons,
# escalation and separation/stalking as strong signals; addiction and avoidance of care as weaker
# ones). They are assumptions for a demonstration, not estimates from data.
TRUE_LOG_ODDS = {
    "wapen_dreiging": 0.6,
    "wapen_gebruikt": 1.2,
    "doodsbedreiging": 1.1,
    "verwurging": 1.3,
    "letsel": 0.5,
    "eerdere_incidenten_1_2": 0.5,
    "eerdere_incidenten_3_plus": 1.2,
    "schending_afspraken": 0.9,
    "scheiding_stalking": 0.7,
    "kinderen_in_huis": 0.2,
    "middelengebruik": 0.5,
    "psychische_problematiek": 0.3,
    "zorgmijdend": 0.6,
    "slachtoffer_angst_ernstig": 0.7,
    "slachtoffer_zwanger": 0.4,
    "eerdere_vt_meldingen_2_plus": 0.3,
}
BASE_LOG_ODDS = -3.0
LABEL = "herhaling_ernstig_12m"


def synthetic_training_set(n: int = 20_000, seed: int = 2026):
    """Meldingen from the sample generator, labelled by the documented process above."""
    from .samples import generate

    meldingen = [schema.Melding.model_validate(m) for m in generate(n, seed=seed, prefix="T")]
    X = feature_matrix(meldingen)
    weights = np.array([TRUE_LOG_ODDS[f] for f in FEATURE_NAMES])
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(BASE_LOG_ODDS + X @ weights)))
    y = (rng.random(n) < p).astype(int)
    return meldingen, X, y


# --- artifacts -----------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save(model: PointsScorecard, directory: Path, metadata: dict[str, Any]) -> Path:
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{MODEL_NAME}.joblib"
    joblib.dump(model, path)
    (directory / f"{MODEL_NAME}.sha256").write_text(f"{sha256(path)}  {path.name}\n")
    table = {
        "model": MODEL_NAME,
        "sha256": sha256(path),
        "punten": {name: int(p) for name, p in zip(model.feature_names_, model.points_)},
        "banden": {
            "laag": f"minder dan {model.cutoffs_['midden']} punten",
            "midden": f"{model.cutoffs_['midden']} tot {model.cutoffs_['hoog']} punten",
            "hoog": f"{model.cutoffs_['hoog']} punten of meer",
        },
        "afkappunten": model.cutoffs_,
        **metadata,
    }
    (directory / f"{MODEL_NAME}_punten.json").write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    return path
